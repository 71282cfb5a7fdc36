//! Keys for the Key API scenarios of bench/run.sh: a platform caller (REST,
//! Role & permission: View) and a subject (REST, Order Data: View and Edit,
//! limited to the store `berlin`), made through the core as the faces do.
//! Prints their credentials as shell assignments; the secrets exist nowhere
//! else, so run it only on a throwaway benchmark database.
//!
//!     cargo run --release --example bench_fixture -- DATABASE_URL

use keydesk::db::{self, write_transaction, DatabaseUrl};
use keydesk::domain::permission::Grant;
use keydesk::domain::secret::{new_client_id, NewSecret};
use keydesk::domain::{GrantSet, KeyKind, KeyName, StoreAccess};
use keydesk::error::AppError;
use keydesk::keys::{self, KeySpec};
use keydesk::models::audit::Actor;
use keydesk::models::{setting, store};

fn main() -> Result<(), String> {
    let url: DatabaseUrl = std::env::args()
        .nth(1)
        .ok_or("usage: bench_fixture DATABASE_URL")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let pool = db::build_pool(&url, 1)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::run_migrations(&mut conn)?;
    let pepper = setting::key_pepper(&mut conn, None).map_err(|e| e.to_string())?;
    let now = keydesk::models::now_utc();
    let make = |conn: &mut db::DbConnection,
                name: &str,
                scopes: &[&str],
                stores: StoreAccess|
     -> Result<(String, String), String> {
        let secret = NewSecret::generate(KeyKind::Rest, &pepper);
        let client_id = new_client_id();
        let grants: GrantSet = scopes
            .iter()
            .map(|s| Grant::parse_scope(s))
            .collect::<Result<_, _>>()?;
        let spec = KeySpec {
            kind: KeyKind::Rest,
            name: KeyName::parse(name)?,
            active: true,
            channel_id: None,
            roles: vec![],
            grants,
            stores,
            allowed_methods: keydesk::catalogue::AllowedMethods::ALL,
            expires_at: None,
        };
        write_transaction(conn, |c| {
            keys::create(
                c,
                &Actor::system(),
                now,
                &spec,
                &secret.stored(),
                Some(&client_id),
            )
        })
        .map_err(|e: AppError| e.to_string())?;
        Ok((client_id, secret.expose().to_owned()))
    };
    let berlin = match store::find_by_code(&mut conn, "berlin").map_err(|e| e.to_string())? {
        Some(s) => s.id,
        None => {
            store::insert(
                &mut conn,
                &store::NewStore {
                    name: "Berlin",
                    code: "berlin",
                    created_at: now,
                },
            )
            .map_err(|e| e.to_string())?
            .id
        }
    };
    let (caller_id, caller_secret) = make(
        &mut conn,
        "Bench platform caller",
        &["role-permission:view"],
        StoreAccess::All,
    )?;
    let (subject_id, subject_secret) = make(
        &mut conn,
        "Bench order partner",
        &["order-data:view", "order-data:edit"],
        StoreAccess::individual(vec![berlin]),
    )?;
    println!("caller_id={caller_id}");
    println!("caller_secret={caller_secret}");
    println!("subject_id={subject_id}");
    println!("subject_secret={subject_secret}");
    Ok(())
}
