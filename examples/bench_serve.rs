//! `keydesk serve` for bench/run.sh's (g1) and (g0) scenarios: the same
//! application and options, with the usage counters on
//! (`KEYDESK_BENCH_USAGE_COUNTERS=on`) or off (anything else: a call then
//! moves only last used). Two fresh servers of it on the benchmark's
//! database, differing in that alone, say what the counters (rotation
//! cockpit, impact, suggestions) cost a verification. Never for production:
//! with the counters off their pages show no new calls.
//!
//!     KEYDESK_BENCH_USAGE_COUNTERS=off cargo run --release --example bench_serve -- --bind 127.0.0.1:8081 --database-url …

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
    settings.usage_counters = std::env::var("KEYDESK_BENCH_USAGE_COUNTERS").as_deref() == Ok("on");
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
