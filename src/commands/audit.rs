//! `keydesk audit verify`: walks the history's hash chain
//! (`models::audit_chain`) and says whether it is intact. Exit code 0 with
//! the count, 1 naming the first broken event (or when the database cannot
//! be read).

use std::process::ExitCode;

use crate::cli::AuditCommand;
use crate::models::audit_chain::{self, Verdict};

pub fn audit(cmd: AuditCommand) -> ExitCode {
    match cmd {
        AuditCommand::Verify(args) => {
            let mut conn = match super::open_database(&args.db.database_url) {
                Ok(c) => c,
                Err(code) => return code,
            };
            match audit_chain::verify(&mut conn) {
                Ok(Verdict::Intact { chained, unchained }) => {
                    println!(
                        "OK: {chained} chained event{} verified{}",
                        if chained == 1 { "" } else { "s" },
                        if unchained > 0 {
                            format!(" ({unchained} older events predate the chain)")
                        } else {
                            String::new()
                        }
                    );
                    ExitCode::SUCCESS
                }
                Ok(Verdict::Broken { id, reason }) => {
                    println!("BROKEN: event {id}: {reason}");
                    ExitCode::FAILURE
                }
                Err(e) => super::failure(format!("reading the history failed: {e}")),
            }
        }
    }
}
