use std::process::ExitCode;

use crate::cli::ServeArgs;
use crate::config::Settings;
use crate::startup::{Application, StartupError};

pub fn serve(args: ServeArgs) -> ExitCode {
    let settings = Settings::from(args);
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await.map_err(|e| match e {
            StartupError::Catalogue(m) => Err(m),
            e => Ok(e.to_string()),
        })?;
        app.run_until_stopped().await.map_err(|e| Ok(e.to_string()))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A bad platform document is bad input (exit 2); the rest is the
        // environment failing (exit 1).
        Err(Err(bad_input)) => super::usage_error(bad_input),
        Err(Ok(e)) => super::failure(e),
    }
}
