//! `keydesk serve` with the usage counters off, for bench/run.sh's (g0)
//! scenario: the same application, options and database as the benchmark's
//! server, except that a call moves only last used. (g) against (g0) in one
//! run is what the counters (rotation cockpit, impact, suggestions) cost a
//! verification. Never for production: nothing else differs, but the
//! counters' pages then show no new calls.
//!
//!     cargo run --release --example bench_serve -- --bind 127.0.0.1:8081 --database-url …

use clap::Parser;
use keydesk::cli::ServeArgs;
use keydesk::config::Settings;
use keydesk::startup::Application;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> Result<(), String> {
    // As the keydesk binary does (src/main.rs): two malloc arenas.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: a malloc tunable, set before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
    // And the same logging, so the two servers differ in the counters only.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let mut settings = Settings::from(Cli::parse().serve);
    settings.usage_counters = false;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
