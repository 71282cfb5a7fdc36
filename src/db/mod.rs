//! The database layer: one connection type over SQLite and PostgreSQL, its
//! pool, the per-backend migrations, and `Db`, which runs diesel work off the
//! async workers.

mod url;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use url::{DatabaseUrl, DatabaseUrlError};

use crate::error::AppError;

/// One connection type for both backends; query functions take
/// `&mut DbConnection` and run unchanged on either.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Opens connections for the backend the URL names. Written by hand rather
/// than diesel's generic manager so a failure keeps its real cause
/// ("connection refused", "unable to open database file").
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// How long a statement waits for another writer's lock before it fails
    /// (SQLite `busy_timeout`, PostgreSQL `lock_timeout`); the failure is a
    /// 503, never a 500.
    lock_wait: Duration,
}

/// The default lock wait: long enough for any real transaction of keydesk.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(10);

/// How long a request waits for a pooled connection (and PostgreSQL for a
/// new connection to be established) before it is told the database is
/// unavailable.
pub const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest a request waits for its database work as a whole: a free
/// connection, the lock waits, and a margin. A database that stops
/// answering without closing the connection (a hung server, a network
/// partition) would otherwise hold the request for ever, since libpq has no
/// read timeout of its own.
pub fn deadline_for(lock_wait: Duration) -> Duration {
    POOL_TIMEOUT + lock_wait + Duration::from_secs(2)
}

diesel::define_sql_function! {
    /// Unicode `lower()` for SQLite, replacing the built-in one per connection.
    #[sql_name = "lower"]
    fn sqlite_lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(&with_connect_timeout(url))?;
                // Without it a statement waits for a lock for ever.
                conn.batch_execute(&format!(
                    "SET lock_timeout = {}",
                    self.lock_wait.as_millis().max(1)
                ))?;
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; busy_timeout makes a
                // second writer wait instead of failing with "database is locked".
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                    self.lock_wait.as_millis().max(1)
                ))?;
                // SQLite's own lower() folds ASCII letters only, so the name
                // search (which lower-cases its text with Unicode rules, as
                // PostgreSQL's lower() does) never found "École" on SQLite.
                sqlite_lower_utils::register_impl(&mut conn, |s: String| s.to_lowercase())?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1").map_err(Into::into)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// libpq waits for a server that accepts the connection but never answers
/// for ever; `connect_timeout` (unless the URL sets its own) bounds it.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={}", POOL_TIMEOUT.as_secs())
}

/// Builds the pool and fails fast, with the real cause, when the database
/// cannot be reached.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, String> {
    build_pool_with(url, max_size, DEFAULT_LOCK_WAIT)
}

/// `build_pool` with another lock wait (`--db-lock-timeout`).
pub fn build_pool_with(
    url: &DatabaseUrl,
    max_size: u32,
    lock_wait: Duration,
) -> Result<Pool, String> {
    let manager = ConnectionManager {
        url: url.clone(),
        lock_wait,
    };
    // Probe once ourselves: r2d2 would only report a timeout.
    manager
        .connect()
        .map_err(|e| format!("cannot open database {url}: {e}"))?;
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(POOL_TIMEOUT)
        .build(manager)
        .map_err(|e| format!("cannot open database {url}: {e}"))
}

/// Applies pending migrations of the connection's backend. On PostgreSQL an
/// advisory lock keeps two instances starting at once from racing.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), String> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Postgresql(c) => {
            const LOCK: &str = "SELECT pg_advisory_lock(7301730173)";
            c.batch_execute(LOCK).map_err(|e| e.to_string())?;
            let r = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            let _ = c.batch_execute("SELECT pg_advisory_unlock(7301730173)");
            r
        }
    };
    result.map_err(|e| format!("migrations failed: {e}"))
}

/// Applies the pending migrations up to and including `last` (a version
/// such as `20261123000002`), and no further: how the tests build a
/// database as an older keydesk left it, to check what a migration does to
/// existing rows.
pub fn run_migrations_until(conn: &mut DbConnection, last: &str) -> Result<(), String> {
    fn run<C: MigrationHarness<B>, B: diesel::backend::Backend>(
        c: &mut C,
        source: EmbeddedMigrations,
        last: &str,
    ) -> Result<(), String> {
        let pending = c.pending_migrations(source).map_err(|e| e.to_string())?;
        for m in pending {
            if m.name().version().to_string().as_str() > last {
                break;
            }
            c.run_migration(&*m).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
    match conn {
        DbConnection::Sqlite(c) => run(c, SQLITE_MIGRATIONS, last),
        DbConnection::Postgresql(c) => run(c, POSTGRES_MIGRATIONS, last),
    }
}

/// The pool as handlers see it: every call runs on the blocking thread pool,
/// never on an async worker.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    deadline: Duration,
    /// Key changes made through this pool (see `access::cache`).
    local_changes: crate::access::cache::LocalChanges,
}

impl Db {
    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            deadline: deadline_for(DEFAULT_LOCK_WAIT),
            local_changes: Default::default(),
        }
    }

    /// The same pool with another deadline for each call (`deadline_for`).
    pub fn with_deadline(self, deadline: Duration) -> Self {
        Self { deadline, ..self }
    }

    /// The counter the key cache of this instance watches.
    pub fn local_changes(&self) -> crate::access::cache::LocalChanges {
        self.local_changes.clone()
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking thread pool. Past
    /// the deadline the request is answered 503; the blocked thread keeps
    /// its connection until the database answers or the connection breaks
    /// (the pool then opens another), so a hung database cannot hold every
    /// request, only the pool's connections.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let changes = self.local_changes.clone();
        let work = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(AppError::Unavailable)?;
            crate::access::cache::take_change_mark();
            let r = f(&mut conn);
            // The closure has committed (or rolled back: one needless
            // invalidation): the next request on this instance reads afresh.
            if crate::access::cache::take_change_mark() {
                changes.bump();
            }
            r
        });
        match tokio::time::timeout(self.deadline, work).await {
            Ok(done) => {
                done.map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
            }
            Err(_) => Err(AppError::DatabaseTimeout(self.deadline)),
        }
    }
}

/// The advisory lock id of keydesk's write transactions on PostgreSQL
/// ("keydesk" in ASCII, so it does not collide with another application's).
const WRITE_LOCK: i64 = 0x006b_6579_6465_736b;

thread_local! {
    /// How deep this thread is in `write_transaction` (its closure runs on
    /// the calling thread), so the history can tell it holds the write lock.
    static WRITE_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// True inside a `write_transaction` closure on this thread.
pub fn in_write_transaction() -> bool {
    WRITE_DEPTH.with(|d| d.get() > 0)
}

/// Counts one level of `write_transaction` for as long as it lives (also
/// when the closure panics).
struct InWrite;

impl InWrite {
    fn enter() -> Self {
        WRITE_DEPTH.with(|d| d.set(d.get() + 1));
        Self
    }
}

impl Drop for InWrite {
    fn drop(&mut self) {
        WRITE_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Runs `f` in a transaction that writes. On SQLite it begins IMMEDIATE: a
/// deferred transaction that reads and then writes fails at once with
/// "database is locked" when another connection committed in between (the
/// busy timeout cannot help it), while IMMEDIATE takes the write lock up
/// front and waits for it.
///
/// On PostgreSQL it takes one transaction-scoped advisory lock first, so
/// keydesk's writes queue one behind another as they do on SQLite. Without
/// it two writers that lock the same rows in another order deadlock (the
/// load scenario saw it: a bulk delete locks keys then their secrets, the
/// last-used flush secrets then keys), and one of them fails with 503.
/// keydesk's write transactions are short; its reads never take the lock.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = AnsiTransactionManager;

    fn sqlite(conn: &mut DbConnection) -> Option<&mut SqliteConnection> {
        match conn {
            DbConnection::Sqlite(c) => Some(c),
            DbConnection::Postgresql(_) => None,
        }
    }

    let Some(c) = sqlite(conn) else {
        return conn.transaction(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})")).execute(c)?;
            let _in = InWrite::enter();
            f(c)
        });
    };
    Manager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    let result = {
        let _in = InWrite::enter();
        f(conn)
    };
    let Some(c) = sqlite(conn) else {
        unreachable!("the connection does not change backend")
    };
    match result {
        Ok(v) => match <Manager as TransactionManager<SqliteConnection>>::commit_transaction(c) {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = <Manager as TransactionManager<SqliteConnection>>::rollback_transaction(c);
                Err(e.into())
            }
        },
        Err(e) => {
            <Manager as TransactionManager<SqliteConnection>>::rollback_transaction(c)?;
            Err(e)
        }
    }
}
