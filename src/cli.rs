//! The command line: `keydesk serve` (the default), `keydesk user create`,
//! `keydesk seed`.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::db::DatabaseUrl;
use crate::domain::RoleGrant;

#[derive(Debug, Parser)]
#[command(
    name = "keydesk",
    version,
    about = "Back office for the API keys of your platform"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// With no subcommand, keydesk serves with these options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default when no subcommand is given).
    Serve(ServeArgs),
    /// Manage back-office users.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill a database with generated API keys, for benchmarks and demos.
    Seed(SeedArgs),
    /// Write a consistent copy of a live SQLite database to FILE, without
    /// stopping the server (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
    /// Check the history's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy; must not exist yet.
    pub file: std::path::PathBuf,

    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// SQLite file path (or sqlite://PATH), or postgres://… for PostgreSQL.
    #[arg(long, env = "DATABASE_URL", default_value = "keydesk.db")]
    pub database_url: DatabaseUrl,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    #[command(flatten)]
    pub db: DatabaseArgs,

    /// Mark the session cookie Secure. Turn on in production behind TLS.
    #[arg(long, env = "KEYDESK_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Sign a user out after this many seconds without a request (at most a year).
    #[arg(long, env = "KEYDESK_IDLE_TIMEOUT", default_value_t = 30 * 60, value_parser = clap::value_parser!(u64).range(1..=31_622_400))]
    pub idle_timeout: u64,

    /// Sign a user out this many seconds after signing in, active or not (at most a year).
    #[arg(long, env = "KEYDESK_ABSOLUTE_TIMEOUT", default_value_t = 12 * 60 * 60, value_parser = clap::value_parser!(u64).range(1..=31_622_400))]
    pub absolute_timeout: u64,

    /// Server-side pepper for API key hashes (HMAC-SHA-256). When unset, one is
    /// generated at first start and kept in the database.
    #[arg(long, env = "KEYDESK_KEY_PEPPER", hide_env_values = true)]
    pub key_pepper: Option<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "KEYDESK_WORKERS")]
    pub workers: Option<usize>,

    /// Maximum database connections in the pool.
    #[arg(long, env = "KEYDESK_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Proxies (addresses or CIDR blocks, comma-separated or repeated) whose
    /// X-Forwarded-For header names the client. Without it the socket's
    /// peer is the client, and the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "KEYDESK_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "ADDR[/BITS]"
    )]
    pub trusted_proxies: Vec<crate::throttle::IpNet>,

    /// Milliseconds a query waits for another writer's lock before the
    /// request is answered 503 (SQLite busy_timeout, PostgreSQL lock_timeout).
    #[arg(long = "db-lock-timeout", env = "KEYDESK_DB_LOCK_TIMEOUT", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=600_000), value_name = "MS")]
    pub db_lock_timeout_ms: u64,

    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "KEYDESK_MAX_BODY_BYTES", default_value_t = 256 * 1024, value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    pub max_body_bytes: u64,

    /// Seconds a client has to send a request's head (slow clients get 408
    /// and are disconnected, so they cannot hold workers).
    #[arg(long, env = "KEYDESK_REQUEST_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub request_timeout: u64,

    /// Serve /static/ from this folder instead of the files compiled into the
    /// binary (to restyle without a rebuild).
    #[arg(long, env = "KEYDESK_STATIC_DIR", value_name = "DIR")]
    pub static_dir: Option<std::path::PathBuf>,

    /// Lifetime of OAuth2 access tokens in seconds (1 hour to 7 days).
    #[arg(long, env = "KEYDESK_ACCESS_TOKEN_TTL", default_value_t = crate::config::DEFAULT_ACCESS_TOKEN_TTL, value_parser = clap::value_parser!(u64).range(3600..=604_800))]
    pub access_token_ttl: u64,

    /// Seconds between writes of last-used times and usage counters (they
    /// are gathered in memory and written in one batch; 1 to 600).
    #[arg(long, env = "KEYDESK_USAGE_FLUSH_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600), value_name = "SECONDS")]
    pub usage_flush_interval: u64,

    /// The platform's OpenAPI 3.0/3.1 document (JSON or YAML): its operations
    /// join keydesk's own in the method catalogue that Allowed API Methods
    /// and the verification endpoint use. An invalid or conflicting file
    /// stops the start (exit code 2).
    #[arg(long, env = "KEYDESK_PLATFORM_OPENAPI", value_name = "FILE")]
    pub platform_openapi: Option<std::path::PathBuf>,
    /// Requests per minute each key may make to the Key API's /api/v1
    /// endpoints (a burst of as many; 429 with Retry-After beyond).
    #[arg(long, env = "KEYDESK_API_RATE_LIMIT", default_value_t = crate::config::DEFAULT_API_RATE_LIMIT, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub api_rate_limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain of the audit events: prints OK with the count,
    /// or the first broken event's id (exit code 1).
    Verify(AuditVerifyArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a back-office user; the password is read from standard input.
    Create(UserCreateArgs),
    /// Set a user's password, read from standard input; their sessions end.
    SetPassword(UserSetPasswordArgs),
}

#[derive(Debug, Args)]
pub struct UserSetPasswordArgs {
    pub username: String,

    /// Read the password from standard input (the only way to pass one).
    #[arg(long, required = true)]
    pub password_stdin: bool,

    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    pub username: String,

    /// DEFINITION:LEVEL, e.g. api-key:owner (definitions: api-key, user;
    /// levels: viewer, editor, owner). Repeat for several roles.
    #[arg(long = "role", value_name = "DEFINITION:LEVEL")]
    pub roles: Vec<RoleGrant>,

    /// Read the password from standard input (the only way to pass one).
    #[arg(long, required = true)]
    pub password_stdin: bool,

    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many keys to add (GraphQL and REST mixed).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub keys: u32,

    /// Seed of the generator for names, dates, channels and roles, so two runs
    /// fill the same list (secrets are always fresh from the OS).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// The pepper the server hashes keys with; give the same value as to
    /// `keydesk serve`. When unset, the one stored in the database is used
    /// (and stored first if there is none yet).
    #[arg(long, env = "KEYDESK_KEY_PEPPER", hide_env_values = true)]
    pub key_pepper: Option<String>,

    #[command(flatten)]
    pub db: DatabaseArgs,
}
