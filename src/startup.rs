//! Builds the keydesk server, the same way for `keydesk serve` and for tests:
//! pool and migrations, shared secrets, middleware, routes.

use std::net::TcpListener;
use std::time::Duration;

use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpServer};

use crate::auth::guard::load_user;
use crate::auth::session_store::DbSessionStore;
use crate::auth::{csrf, password};
use crate::config::Settings;
use crate::crypto::{random_token, sha256_hex};
use crate::db::{self, Db};
use crate::middleware;
use crate::models::{setting, user};
use crate::routes;
use crate::state::AppState;
use crate::throttle::Throttle;

pub struct Application {
    port: u16,
    server: Server,
    store: DbSessionStore,
    throttle: Throttle,
    setup_url: Option<String>,
    usage: crate::access::UsageRecorder,
    usage_flush_interval: Duration,
    key_cache: crate::access::KeyCache,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Config(String),
    /// The method catalogue cannot be built (a bad platform document):
    /// bad input, exit code 2.
    #[error("{0}")]
    Catalogue(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// What no page of keydesk uses; denied to the page and anything it embeds.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), \
    publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()";

/// Two years, as the HSTS preload list asks; sent only with --secure-cookies
/// (behind TLS).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// `__Host-` behind TLS: the browser then insists on Secure, Path=/ and no
/// Domain, so no subdomain can set or shadow the cookie.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-keydesk_session"
    } else {
        "keydesk_session"
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The headers every response carries (error responses made outside the
/// middleware get them from `error::with_security_headers`).
fn security_headers(secure: bool) -> DefaultHeaders {
    let mut h = DefaultHeaders::new();
    for (name, value) in crate::error::security_headers(secure) {
        h = h.add((name, value));
    }
    h
}

/// The list both the middleware and bare error responses use.
pub(crate) fn header_list(secure: bool) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("Content-Security-Policy", CSP),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ];
    if secure {
        v.push(("Strict-Transport-Security", HSTS));
    }
    v
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // First, so a bad file is reported before anything else happens.
        // The catalogue: keydesk's own Key API, plus the platform's document.
        let own_openapi = crate::api::openapi::openapi_document();
        let catalogue =
            crate::catalogue::build(Some(&own_openapi), settings.platform_openapi.as_deref())
                .map_err(StartupError::Catalogue)?;
        let catalogue = std::sync::Arc::new(catalogue);
        let url = settings.database_url.clone();
        if let Some(dir) = settings.static_dir.as_ref().filter(|d| !d.is_dir()) {
            return Err(StartupError::Config(format!(
                "--static-dir {} is not a folder",
                dir.display()
            )));
        }
        let static_dir = settings.static_dir.clone();
        let pool_size = settings.db_pool_size;
        let lock_wait = settings.db_lock_timeout;
        let pool = web::block(move || -> Result<db::Pool, String> {
            let pool = db::build_pool_with(&url, pool_size, lock_wait)?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            db::run_migrations(&mut conn)?;
            Ok(pool)
        })
        .await
        .map_err(|e| StartupError::Database(e.to_string()))?
        .map_err(StartupError::Database)?;
        let db = Db::new(pool).with_deadline(db::deadline_for(lock_wait));

        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;

        let pepper_from_config = settings.key_pepper.clone();
        let (session_key, key_pepper, setup_token) = db
            .run(move |c| {
                // Generated once and shared through the database, so sessions
                // survive restarts and work on every instance.
                let session_key = setting::get_or_insert_with(c, setting::SESSION_KEY, || {
                    hex::encode(crate::crypto::random_bytes(64))
                })?;
                let pepper =
                    setting::key_pepper(c, pepper_from_config.as_ref().map(|p| p.expose()))?;
                let setup_token = if user::count(c)? == 0 {
                    let token = random_token(32);
                    let name = format!(
                        "{}{}",
                        setting::SETUP_TOKEN_PREFIX,
                        sha256_hex(token.as_bytes())
                    );
                    // A new link replaces those printed before: a link seen
                    // in an old log (or by whoever read it) dies at restart.
                    // Instances starting together: the last one's works.
                    crate::db::write_transaction(c, |c| {
                        setting::delete_prefixed(c, setting::SETUP_TOKEN_PREFIX)?;
                        setting::insert_if_absent(c, &name, "1")
                    })?;
                    Some(token)
                } else {
                    None
                };
                Ok((session_key, pepper, setup_token))
            })
            .await
            .map_err(|e| StartupError::Database(format!("cannot read server settings: {e}")))?;
        let session_key_bytes = hex::decode(session_key)
            .ok()
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| StartupError::Database("the stored session key is malformed".into()))?;
        let session_key = Key::derive_from(&session_key_bytes);

        // Compute the dummy hash now, not during the first sign-in.
        let _ = web::block(password::warm_up).await;

        let store =
            DbSessionStore::new(db.clone(), settings.idle_timeout, settings.absolute_timeout);
        let throttle = Throttle::new(
            db.clone(),
            settings.throttle.clone(),
            settings.trusted_proxies.clone(),
        );
        let throttle_data = web::Data::new(throttle.clone());
        let anon_csrf = web::Data::new(csrf::AnonCsrf::new(
            &session_key_bytes,
            settings.secure_cookies,
        ));
        let state = web::Data::new(AppState {
            key_pepper,
            clock: settings.clock.clone(),
            catalogue: catalogue.clone(),
        });
        let usage = crate::access::UsageRecorder::new(db.clone(), settings.clock.clone())
            .with_counters(settings.usage_counters);
        let key_cache = crate::access::KeyCache::new(db.clone());
        // One poll before serving, so the cache is trusted from the start.
        if let Err(e) = key_cache.poll().await {
            tracing::warn!(error = %e, "reading the key change stamp failed");
        }
        let api_data = web::Data::new(crate::api::ApiData {
            db: db.clone(),
            pepper: state.key_pepper.clone(),
            clock: settings.clock.clone(),
            usage: usage.clone(),
            refusals: crate::access::RefusalLog::new(db.clone()),
            token_ttl: settings.access_token_ttl,
            throttle: throttle.clone(),
            cache: key_cache.clone(),
            catalogue,
            rate: crate::api::rate_limit::RateLimiter::per_minute(settings.api_rate_limit),
            idempotency_ttl: chrono::Duration::hours(24),
        });
        let db_data = web::Data::new(db);
        let secure = settings.secure_cookies;
        let idle = settings.idle_timeout;
        let server_store = store.clone();
        let max_body = settings.max_body_bytes;

        let mut server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(server_store.clone(), session_key.clone())
                .cookie_name(session_cookie_name(secure).into())
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(actix_web::cookie::time::Duration::seconds(
                            idle.as_secs() as i64
                        ))
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            App::new()
                .app_data(db_data.clone())
                .app_data(state.clone())
                .app_data(throttle_data.clone())
                .app_data(anon_csrf.clone())
                .app_data(crate::web::BodyLimit(max_body))
                .app_data(web::FormConfig::default().error_handler(|e, _| {
                    crate::error::AppError::bad_request(format!("The form is not valid: {e}."))
                        .into()
                }))
                .wrap(security_headers(secure))
                .wrap(ErrorHandlers::new().handler(StatusCode::NOT_FOUND, middleware::plain_404))
                .wrap(from_fn(middleware::log_request))
                .wrap(from_fn(middleware::head_as_get))
                .wrap(from_fn(crate::api::grace_headers::add))
                .wrap(from_fn(crate::api::decision_id::attach))
                .service(routes::health::healthz)
                // The Key API: outside the session and CSRF scope below.
                .configure(|cfg| crate::api::configure(cfg, api_data.clone()))
                .configure(|cfg| routes::assets::configure(cfg, static_dir.clone()))
                .service(
                    // Everything with a session: the session is outermost, then
                    // the user is loaded, then CSRF is checked.
                    web::scope("")
                        .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
                        .wrap(from_fn(csrf::protect))
                        .wrap(from_fn(middleware::errors_in_layout))
                        .wrap(from_fn(csrf::set_anon_cookie))
                        .wrap(from_fn(load_user))
                        .wrap(sessions)
                        .wrap(from_fn(middleware::session_errors))
                        .wrap(from_fn(csrf::refuse_cross_site))
                        .configure(routes::configure),
                )
        })
        // actix's limits, set here so they are visible: a slow or silent
        // client gets 408 after the request timeout; idle keep-alive
        // connections close; the head is capped by actix-http itself (128 KiB,
        // 96 headers: 431 or 400 beyond).
        .client_request_timeout(settings.request_timeout)
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(actix_web::http::KeepAlive::Timeout(Duration::from_secs(15)))
        .max_connections(10_000)
        .backlog(1024)
        .listen(listener)
        .map_err(|source| StartupError::Bind { addr, source })?
        .shutdown_timeout(10);
        if let Some(w) = settings.workers {
            server = server.workers(w.max(1));
        }
        let server = server.run();

        let setup_url = setup_token.map(|t| format!("http://{addr}/setup?token={t}"));
        tracing::info!(%addr, database = %settings.database_url, "keydesk listening on http://{addr}");
        if let Some(u) = &setup_url {
            // Printed once on purpose: the only way to the first account.
            tracing::warn!("No users yet. Create the first owner at {u}");
        }
        Ok(Self {
            port: addr.port(),
            server,
            store,
            throttle,
            setup_url,
            usage,
            usage_flush_interval: settings.usage_flush_interval,
            key_cache,
        })
    }

    /// The last-use recorder, so tests can flush it at once.
    pub fn usage_recorder(&self) -> crate::access::UsageRecorder {
        self.usage.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The one-time link printed at a first start, for tests and tooling.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let store = self.store;
        let throttle = self.throttle;
        let purge = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(300));
            loop {
                tick.tick().await;
                match store.purge().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired sessions removed"),
                    Err(e) => tracing::warn!(error = %e, "purging sessions failed"),
                }
                if let Err(e) = throttle.purge().await {
                    tracing::warn!(error = %e, "purging sign-in counters failed");
                }
            }
        });
        let usage = self.usage.clone();
        let flusher = tokio::spawn(self.usage.run(self.usage_flush_interval));
        let poller = tokio::spawn(self.key_cache.clone().run());
        let r = self.server.await;
        purge.abort();
        flusher.abort();
        poller.abort();
        // The uses noted since the last flush.
        if let Err(e) = usage.flush().await {
            tracing::warn!(error = %e, "recording last use at shutdown failed");
        }
        r
    }
}
