//! Settings the server is built from: passed in as a value, never read from a
//! global, so tests build the same app with their own.

use std::net::SocketAddr;
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::db::DatabaseUrl;
use crate::throttle::{Policy, TrustedProxies};

#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub database_url: DatabaseUrl,
    pub secure_cookies: bool,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub key_pepper: Option<Secret>,
    pub workers: Option<usize>,
    pub db_pool_size: u32,
    /// Serve `/static/` from this folder instead of the copy compiled in.
    pub static_dir: Option<std::path::PathBuf>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// How failed sign-ins (and client authentications) are slowed down.
    pub throttle: Policy,
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// Time a client has to send the request head (408 after it).
    pub request_timeout: Duration,
    /// How long a query waits for another writer's lock (503 after it).
    pub db_lock_timeout: Duration,
    /// What expiry and grace periods are decided by; tests move it.
    pub clock: crate::clock::Clock,
    /// Lifetime of OAuth2 access tokens (1 hour to 7 days).
    pub access_token_ttl: Duration,
    /// Key API requests per minute per key (/api/v1).
    pub api_rate_limit: u32,
    /// How often last-used times are written (tests flush by hand).
    pub usage_flush_interval: Duration,
    /// Whether calls feed the usage counters (cockpit, impact, suggestions)
    /// besides last used. Always on when served; the benchmark's
    /// `examples/bench_serve.rs` turns it off to measure what it costs.
    pub usage_counters: bool,
    /// The platform's OpenAPI document (JSON or YAML), added to the method
    /// catalogue.
    pub platform_openapi: Option<std::path::PathBuf>,
}

impl Settings {
    /// Defaults for a given database; what tests start from.
    pub fn new(database_url: DatabaseUrl) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url,
            secure_cookies: false,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            key_pepper: None,
            workers: None,
            db_pool_size: 10,
            static_dir: None,
            trusted_proxies: TrustedProxies::default(),
            throttle: Policy::default(),
            max_body_bytes: crate::web::BodyLimit::DEFAULT,
            request_timeout: Duration::from_secs(5),
            db_lock_timeout: crate::db::DEFAULT_LOCK_WAIT,
            clock: crate::clock::Clock::default(),
            access_token_ttl: Duration::from_secs(DEFAULT_ACCESS_TOKEN_TTL),
            api_rate_limit: DEFAULT_API_RATE_LIMIT,
            usage_flush_interval: Duration::from_secs(60),
            usage_counters: true,
            platform_openapi: None,
        }
    }
}

/// 24 hours: seed 002's "refreshed automatically every 24 hours".
pub const DEFAULT_ACCESS_TOKEN_TTL: u64 = 24 * 60 * 60;

impl From<ServeArgs> for Settings {
    fn from(a: ServeArgs) -> Self {
        Self {
            bind: a.bind,
            database_url: a.db.database_url,
            secure_cookies: a.secure_cookies,
            idle_timeout: Duration::from_secs(a.idle_timeout),
            absolute_timeout: Duration::from_secs(a.absolute_timeout),
            key_pepper: a.key_pepper.map(Secret),
            workers: a.workers,
            db_pool_size: a.db_pool_size.max(1),
            static_dir: a.static_dir,
            trusted_proxies: TrustedProxies(a.trusted_proxies),
            throttle: Policy::default(),
            max_body_bytes: usize::try_from(a.max_body_bytes).unwrap_or(usize::MAX),
            request_timeout: Duration::from_secs(a.request_timeout),
            db_lock_timeout: Duration::from_millis(a.db_lock_timeout_ms),
            clock: crate::clock::Clock::default(),
            access_token_ttl: Duration::from_secs(a.access_token_ttl),
            api_rate_limit: a.api_rate_limit,
            usage_flush_interval: Duration::from_secs(a.usage_flush_interval),
            usage_counters: true,
            platform_openapi: a.platform_openapi,
        }
    }
}

/// 1,200 a minute (20 a second) per key: far above what an integration
/// needs, low enough that one runaway script cannot starve the others.
pub const DEFAULT_API_RATE_LIMIT: u32 = 1200;

/// A secret from configuration; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}
