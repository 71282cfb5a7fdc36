use std::process::ExitCode;

use crate::cli::ServeArgs;
use crate::config::Settings;
use crate::startup::Application;

pub fn serve(args: ServeArgs) -> ExitCode {
    let settings = Settings::from(args);
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::failure(e),
    }
}
