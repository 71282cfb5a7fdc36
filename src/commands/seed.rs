//! `keydesk seed --keys N`: fills a database with generated API keys for
//! benchmarks and demos. The list looks like a real one: a GraphQL/REST mix,
//! about a third inactive, several sales channels, 0–3 roles per GraphQL key,
//! dates over two years, names like "Northwind ERP integration"; expiries in
//! the past and the future, store access, REST grants, and some keys in the
//! grace period of a refresh (two secrets). Secrets are
//! made and hashed exactly as the create dialog does, with the server's
//! pepper, so the keys are indistinguishable from real ones.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::Connection;

use crate::cli::SeedArgs;
use crate::db::DbConnection;
use crate::domain::secret::{new_client_id, NewSecret};
use crate::domain::{AccessLevel, Action, Function, Grant, GrantSet, KeyKind, KeyRoleDefinition};
use crate::models::api_key::{self, KeyRole, NewApiKey, NewKeyWithRoles};
use crate::models::channel::{self, NewChannel};
use crate::models::store::{self, NewStore};
use crate::models::{now_utc, setting};

/// Keys per multi-row INSERT: well under either backend's bound-parameter
/// limit.
const ROWS_PER_INSERT: usize = 1_000;
/// Keys per transaction. The unique indexes on the random secret hash and
/// Client Id get rows all over their pages, and each commit writes every page
/// it touched again (to the WAL, then the checkpoint): with 1,000 keys a
/// commit, 100,000 keys wrote ~2 GB and took 28 s; 10,000 a commit cuts the
/// rewrites tenfold.
const KEYS_PER_TRANSACTION: usize = 10_000;

/// Sales channels besides "Default", created if missing.
const CHANNELS: [&str; 5] = [
    "Web Shop",
    "Marketplace",
    "Retail Stores",
    "B2B Portal",
    "Mobile App",
];

/// Stores (name, code), created if missing.
const STORES: [(&str, &str); 8] = [
    ("Berlin", "berlin"),
    ("Hamburg", "hamburg"),
    ("Munich", "munich"),
    ("Cologne", "cologne"),
    ("Vienna", "vienna"),
    ("Zurich", "zurich"),
    ("Online Shop", "online"),
    ("Outlet", "outlet"),
];

const PARTNERS: [&str; 40] = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark Logistics",
    "Wayne Retail",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Wingtip",
    "Adventure Works",
    "Blue Yonder",
    "Litware",
    "Proseware",
    "Lucerne",
    "Coho Winery",
    "Alpine Ski House",
    "Fourth Coffee",
    "Margie's Travel",
    "Trey Research",
    "Woodgrove Bank",
    "Humongous Insurance",
    "A. Datum",
    "Southridge Video",
    "Wide World Importers",
    "Tailwind Traders",
    "Relecloud",
    "Munson's Pickles",
    "Nod Publishers",
    "VanArsdel",
    "Bellows College",
    "Lamna Healthcare",
    "Best For You Organics",
    "Consolidated Messenger",
    "Olympic Sports",
    "Fineline Fashion",
    "Hexa Electronics",
    "Polar Freight",
    "Zava Home",
];

const SYSTEMS: [&str; 20] = [
    "ERP",
    "PIM",
    "WMS",
    "CRM",
    "POS",
    "OMS",
    "Pricing Engine",
    "Marketplace",
    "Storefront",
    "Mobile App",
    "Data Warehouse",
    "Shipping",
    "Returns Portal",
    "Loyalty",
    "Tax Service",
    "Search",
    "Analytics",
    "Payment Gateway",
    "Inventory",
    "Label Printing",
];

const PURPOSES: [&str; 6] = [
    "integration",
    "sync",
    "connector",
    "export",
    "import",
    "webhooks",
];

/// Two years, in seconds: how far back keys are created.
const SPAN_SECS: i64 = 2 * 365 * 24 * 3600;

pub fn seed(args: SeedArgs) -> ExitCode {
    let started = Instant::now();
    let mut conn = match super::open_database(&args.db.database_url) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if args.db.database_url.is_sqlite() {
        // The random secret_hash and client_id indexes touch pages all over
        // the file; with SQLite's default 2 MB page cache every batch rereads
        // and rewrites them. 256 MB is a ceiling, used only as the file grows.
        //
        // A bulk load does not need to survive a power cut half-way (it is
        // rerun on a fresh file): no fsync per commit and a rollback journal
        // in memory instead of the WAL, whose checkpoints write every page
        // twice. For this connection only; WAL is restored at the end, and the
        // server sets its own PRAGMAs on every connection it opens.
        if let Err(e) = conn.batch_execute(
            "PRAGMA cache_size = -262144; PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY",
        ) {
            return super::failure(e);
        }
    }
    // The same pepper the server will use: the configured one, else the one
    // stored in the database (stored now if this is the first use).
    let pepper = match setting::key_pepper(&mut conn, args.key_pepper.as_deref()) {
        Ok(p) => p,
        Err(e) => return super::failure(format!("cannot read the key pepper: {e}")),
    };
    let channel_ids = match ensure_channels(&mut conn) {
        Ok(ids) => ids,
        Err(e) => return super::failure(format!("cannot create the sales channels: {e}")),
    };

    let store_ids = match ensure_stores(&mut conn) {
        Ok(ids) => ids,
        Err(e) => return super::failure(format!("cannot create the stores: {e}")),
    };

    let gen = Generator {
        rng: SplitMix64(args.seed),
        now: now_utc().and_utc().timestamp(),
        channel_ids,
        store_ids,
        pepper,
    };
    let total = args.keys as usize;
    // A big load into a small table: the secondary indexes go first and are
    // built once at the end, a sorted pass instead of a random insert per
    // row into each of a dozen B-trees (10 on api_keys alone).
    let indexes = if total >= BULK_FROM_KEYS {
        match secondary_indexes(&mut conn) {
            Ok(list) => list,
            Err(e) => return super::failure(format!("cannot list the indexes: {e}")),
        }
    } else {
        Vec::new()
    };
    for d in &indexes {
        if let Err(e) = conn.batch_execute(&format!("DROP {} {}", d.kind, d.name)) {
            return super::failure(format!("cannot drop {} {}: {e}", d.kind, d.name));
        }
    }
    if !indexes.is_empty() && !args.db.database_url.is_sqlite() {
        // Room to sort a million index entries in memory, this session only.
        if let Err(e) = conn.batch_execute("SET maintenance_work_mem = '256MB'") {
            return super::failure(e);
        }
    }
    let mut times = Phases::default();
    let loaded = load(&mut conn, gen, total, &mut times);
    // The indexes come back whatever happened to the load.
    let t = Instant::now();
    for d in &indexes {
        if let Err(e) = conn.batch_execute(&d.sql) {
            return super::failure(format!(
                "cannot recreate {} {} ({e}); run this by hand: {}",
                d.kind, d.name, d.sql
            ));
        }
    }
    // The name search's trigram table missed the rows its triggers did not
    // see: one pass over api_keys writes it whole.
    if indexes.iter().any(|d| d.kind == "TRIGGER") {
        if let Err(e) = conn
            .batch_execute("INSERT INTO api_keys_name_fts (api_keys_name_fts) VALUES ('rebuild')")
        {
            return super::failure(format!("cannot rebuild the name search index: {e}"));
        }
    }
    if indexes.iter().any(|d| d.name.starts_with("key_changes_")) {
        if let Err(e) = conn.batch_execute("UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1")
        {
            return super::failure(format!("cannot move the key change stamp: {e}"));
        }
    }
    times.indexes = t.elapsed();
    let stats = match loaded {
        Ok(s) => s,
        Err(e) => return super::failure(e),
    };
    let t = Instant::now();
    if args.db.database_url.is_sqlite() {
        if let Err(e) = conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        {
            return super::failure(format!("cannot switch back to WAL: {e}"));
        }
    }
    if !args.db.database_url.is_sqlite() {
        // What autovacuum does shortly after a bulk load, done now so a
        // benchmark right after seeding sees the steady state: statistics for
        // the planner, and the visibility map that lets counts read only the
        // index. One statement per call: VACUUM refuses to run in the implicit
        // transaction of a multi-statement query. (keydesk never runs ANALYZE
        // on SQLite, so neither does seed.)
        for table in [
            "api_keys",
            "api_key_roles",
            "api_key_grants",
            "api_key_stores",
            "api_key_secrets",
        ] {
            if let Err(e) = conn.batch_execute(&format!("VACUUM ANALYZE {table}")) {
                return super::failure(format!("cannot vacuum {table}: {e}"));
            }
        }
    }
    times.finish = t.elapsed();
    println!(
        "seeded {total} keys ({} GraphQL, {} REST, {} inactive, {} roles) into {} in {:.1} s",
        stats.graphql,
        total - stats.graphql,
        stats.inactive,
        stats.roles,
        args.db.database_url,
        started.elapsed().as_secs_f64()
    );
    println!(
        "  generating and hashing {:.1} s (beside the inserts), waiting for it {:.1} s, inserts {:.1} s, indexes {:.1} s, vacuum/analyze {:.1} s",
        times.generate.as_secs_f64(),
        times.wait.as_secs_f64(),
        times.insert.as_secs_f64(),
        times.indexes.as_secs_f64(),
        times.finish.as_secs_f64(),
    );
    ExitCode::SUCCESS
}

/// Keys from which `seed` drops the secondary indexes and rebuilds them
/// after the load; smaller loads go through them.
const BULK_FROM_KEYS: usize = 50_000;

/// Where the time of a seed went.
#[derive(Default)]
struct Phases {
    /// On the generator thread, overlapping the inserts.
    generate: Duration,
    /// The inserting thread waiting for the next batch.
    wait: Duration,
    insert: Duration,
    indexes: Duration,
    finish: Duration,
}

/// Generates batches on a second thread (names, dates, and the secrets with
/// their HMAC, exactly as production makes them) while this one inserts the
/// previous batch: on two cores the two overlap.
fn load(
    conn: &mut DbConnection,
    mut gen: Generator,
    total: usize,
    times: &mut Phases,
) -> Result<Stats, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<SeedKey>>(2);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let started = Instant::now();
            let mut done = 0;
            while done < total {
                let n = KEYS_PER_TRANSACTION.min(total - done);
                let batch: Vec<SeedKey> = (0..n).map(|_| gen.key()).collect();
                done += n;
                if tx.send(batch).is_err() {
                    break;
                }
            }
            started.elapsed()
        });
        let mut stats = Stats::default();
        let mut done = 0;
        let mut result = Ok(());
        loop {
            let t = Instant::now();
            let Ok(batch) = rx.recv() else { break };
            times.wait += t.elapsed();
            let t = Instant::now();
            let rows: Vec<NewKeyWithRoles<'_>> = batch.iter().map(SeedKey::as_new).collect();
            let inserted = conn.transaction(|c| {
                rows.chunks(ROWS_PER_INSERT)
                    .try_for_each(|chunk| api_key::insert_many(c, chunk).map(drop))
            });
            times.insert += t.elapsed();
            if let Err(e) = inserted {
                result = Err(format!("cannot insert keys (after {done}): {e}"));
                break;
            }
            for k in &batch {
                stats.count(k);
            }
            done += batch.len();
        }
        // Dropping the receiver stops the producer at its next batch.
        drop(rx);
        times.generate = producer.join().unwrap_or_default();
        result.map(|()| stats)
    })
}

/// An index or trigger set aside during a bulk load.
#[derive(diesel::QueryableByName)]
struct Derived {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    /// The statement that creates it again.
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// What the key tables maintain per row and no constraint needs during a
/// load: the non-unique indexes (unique ones stay, so a collision would
/// still be refused) and, on SQLite, the triggers that feed the name
/// search's trigram table (rebuilt in one pass after) and those that move
/// the key-state cache's change stamp once per inserted grant or store row
/// (moved once after: new keys are in no cache anyway). PostgreSQL's
/// stamp triggers fire once per statement and stay.
fn secondary_indexes(conn: &mut DbConnection) -> diesel::QueryResult<Vec<Derived>> {
    use diesel::RunQueryDsl;
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT upper(type) AS kind, name, sql FROM sqlite_master \
             WHERE sql IS NOT NULL AND tbl_name IN ('api_keys', 'api_key_roles', \
             'api_key_grants', 'api_key_stores', 'api_key_secrets') \
             AND ((type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%') \
                  OR (type = 'trigger' AND (name LIKE 'api\\_keys\\_name\\_fts\\_%' ESCAPE '\\' \
                                            OR name LIKE 'key\\_changes\\_%' ESCAPE '\\'))) \
             ORDER BY type, name"
        }
        DbConnection::Postgresql(_) => {
            "SELECT 'INDEX' AS kind, indexname AS name, indexdef AS sql FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN ('api_keys', \
             'api_key_roles', 'api_key_grants', 'api_key_stores', 'api_key_secrets') \
             AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname"
        }
    };
    diesel::sql_query(query).load::<Derived>(conn)
}

/// Ids of "Default" and of the channels in `CHANNELS`, creating the missing ones.
fn ensure_channels(conn: &mut DbConnection) -> diesel::QueryResult<Vec<i64>> {
    conn.transaction(|c| {
        let existing = channel::all(c)?;
        for name in CHANNELS {
            if !existing.iter().any(|ch| ch.name == name) {
                channel::insert(
                    c,
                    &NewChannel {
                        name,
                        created_at: now_utc(),
                    },
                )?;
            }
        }
        Ok(channel::all(c)?
            .into_iter()
            .filter(|ch| ch.name == "Default" || CHANNELS.contains(&ch.name.as_str()))
            .map(|ch| ch.id)
            .collect())
    })
}

/// Ids of the stores in `STORES`, creating the missing ones.
fn ensure_stores(conn: &mut DbConnection) -> diesel::QueryResult<Vec<i64>> {
    conn.transaction(|c| {
        let existing = store::all(c)?;
        for (name, code) in STORES {
            if !existing.iter().any(|s| s.code == code) {
                store::insert(
                    c,
                    &NewStore {
                        name,
                        code,
                        created_at: now_utc(),
                    },
                )?;
            }
        }
        Ok(store::all(c)?
            .into_iter()
            .filter(|s| STORES.iter().any(|(_, code)| *code == s.code))
            .map(|s| s.id)
            .collect())
    })
}

/// A generated key, owning what `NewApiKey` borrows.
struct SeedKey {
    kind: KeyKind,
    name: String,
    active: bool,
    channel_id: Option<i64>,
    client_id: Option<String>,
    secret: NewSecret,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    roles: Vec<KeyRole>,
    grants: GrantSet,
    expires_at: Option<NaiveDateTime>,
    /// Empty: access to all stores.
    store_ids: Vec<i64>,
    /// A refresh in its grace period: the new secret, made when the key was
    /// last updated; `secret` then retires at the given time.
    refreshed: Option<(NewSecret, NaiveDateTime)>,
}

impl SeedKey {
    fn as_new(&self) -> NewKeyWithRoles<'_> {
        NewKeyWithRoles {
            key: NewApiKey {
                kind: self.kind.code(),
                name: &self.name,
                active: self.active,
                channel_id: self.channel_id,
                client_id: self.client_id.as_deref(),
                created_at: self.created_at,
                updated_at: self.updated_at,
                created_by: None,
                expires_at: self.expires_at,
                all_stores: self.store_ids.is_empty(),
            },
            roles: self.roles.clone(),
            grants: self.grants,
            store_ids: self.store_ids.clone(),
            secrets: match &self.refreshed {
                None => vec![(
                    &self.secret.prefix,
                    &self.secret.hash,
                    self.created_at,
                    None,
                )],
                Some((new, retires)) => vec![
                    (
                        &self.secret.prefix,
                        &self.secret.hash,
                        self.created_at,
                        Some(*retires),
                    ),
                    (&new.prefix, &new.hash, self.updated_at, None),
                ],
            },
        }
    }
}

struct Generator {
    rng: SplitMix64,
    /// Unix seconds; the newest a key can be.
    now: i64,
    channel_ids: Vec<i64>,
    store_ids: Vec<i64>,
    pepper: Vec<u8>,
}

impl Generator {
    fn key(&mut self) -> SeedKey {
        let r = &mut self.rng;
        // Three GraphQL keys for two REST ones.
        let kind = if r.below(5) < 3 {
            KeyKind::Graphql
        } else {
            KeyKind::Rest
        };
        let mut name = format!(
            "{} {} {}",
            r.pick(&PARTNERS),
            r.pick(&SYSTEMS),
            r.pick(&PURPOSES)
        );
        match r.below(20) {
            0..=2 => name.push_str(" (staging)"),
            3 => name.push_str(" (test)"),
            _ => {}
        }
        let active = r.below(3) != 0;
        let created = self.now - r.below(SPAN_SECS as u64) as i64;
        // A third never edited; the rest edited some time after creation.
        let updated = if r.below(3) == 0 {
            created
        } else {
            created + r.below((self.now - created) as u64 + 1) as i64
        };
        let (channel_id, roles) = if kind.is_graphql() {
            // Most GraphQL keys belong to a channel; some to none.
            let channel = (r.below(8) != 0).then(|| *r.pick(&self.channel_ids));
            (channel, random_roles(r))
        } else {
            (None, Vec::new())
        };
        let grants = if kind.is_graphql() {
            GrantSet::from_roles(&roles)
        } else {
            random_grants(r)
        };
        // A fifth never expire; a tenth expired; some expire within a week;
        // the rest within the next 400 days.
        let expires_at = match r.below(20) {
            0..=3 => None,
            4 | 5 => Some(self.now - r.below(90 * 86_400) as i64 - 60),
            6 => Some(self.now + r.below(7 * 86_400) as i64 + 60),
            _ => Some(self.now + r.below(400 * 86_400) as i64 + 60),
        }
        .map(timestamp);
        // Seven keys in ten reach all stores; the others one to three.
        let store_ids = if r.below(10) < 7 || self.store_ids.is_empty() {
            Vec::new()
        } else {
            let mut ids: Vec<i64> = (0..1 + r.below(3))
                .map(|_| *r.pick(&self.store_ids))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        // One key in twenty is in the grace period of a refresh.
        let refreshed = (r.below(20) == 0 && updated > created).then(|| {
            let retires = self.now + 3_600 + r.below(7 * 86_400) as i64;
            (NewSecret::generate(kind, &self.pepper), timestamp(retires))
        });
        SeedKey {
            kind,
            name,
            active,
            channel_id,
            client_id: (kind == KeyKind::Rest).then(new_client_id),
            secret: NewSecret::generate(kind, &self.pepper),
            created_at: timestamp(created),
            updated_at: timestamp(updated),
            roles,
            grants,
            expires_at,
            store_ids,
            refreshed,
        }
    }
}

/// A REST key's grid: one to four functions, each with View and sometimes
/// more (Edit, Create and Delete always with View).
fn random_grants(r: &mut SplitMix64) -> GrantSet {
    let mut set = GrantSet::EMPTY;
    for _ in 0..1 + r.below(4) {
        let f: Function = *r.pick(&Function::ALL);
        set.insert(Grant::new(f, Action::View));
        for a in [Action::Edit, Action::Create, Action::Delete] {
            if r.below(3) == 0 {
                set.insert(Grant::new(f, a));
            }
        }
    }
    set
}

/// 0–3 roles with distinct definitions and any level.
fn random_roles(r: &mut SplitMix64) -> Vec<KeyRole> {
    let n = r.below(4) as usize;
    let mut defs = KeyRoleDefinition::ALL.to_vec();
    let mut roles = Vec::with_capacity(n);
    for _ in 0..n {
        let definition = defs.swap_remove(r.below(defs.len() as u64) as usize);
        roles.push(KeyRole {
            definition,
            level: *r.pick(&AccessLevel::ALL),
        });
    }
    roles
}

fn timestamp(unix: i64) -> NaiveDateTime {
    // Always in range: within two years of now.
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .naive_utc()
}

#[derive(Default)]
struct Stats {
    graphql: usize,
    inactive: usize,
    roles: usize,
}

impl Stats {
    fn count(&mut self, k: &SeedKey) {
        self.graphql += usize::from(k.kind.is_graphql());
        self.inactive += usize::from(!k.active);
        self.roles += k.roles.len();
    }
}

/// A small seeded generator (SplitMix64): the same `--seed` gives the same
/// names, dates, channels and roles, so benchmark runs compare like with like.
/// Not for secrets: those come from the OS in `NewSecret::generate`.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n ≥ 1; the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_distinct_and_at_most_three() {
        let mut r = SplitMix64(7);
        for _ in 0..1_000 {
            let roles = random_roles(&mut r);
            assert!(roles.len() <= 3);
            let mut defs: Vec<_> = roles.iter().map(|x| x.definition).collect();
            defs.sort();
            defs.dedup();
            assert_eq!(defs.len(), roles.len());
        }
    }

    #[test]
    fn keys_look_real_and_dates_are_ordered() {
        let mut g = Generator {
            rng: SplitMix64(1),
            now: 1_800_000_000,
            channel_ids: vec![1, 2, 3],
            store_ids: vec![1, 2],
            pepper: b"pepper".to_vec(),
        };
        let keys: Vec<SeedKey> = (0..600).map(|_| g.key()).collect();
        for k in &keys {
            assert!(k.updated_at >= k.created_at);
            assert!(k.created_at.and_utc().timestamp() >= g.now - SPAN_SECS);
            assert!(k.name.len() <= 100);
            assert_eq!(k.kind == KeyKind::Rest, k.client_id.is_some());
            if k.kind == KeyKind::Rest {
                assert!(k.roles.is_empty() && k.channel_id.is_none());
            }
            assert_eq!(k.grants.missing_view(), None);
            assert_eq!(
                k.secret.hash,
                crate::domain::secret::hash(b"pepper", k.secret.expose())
            );
        }
        let inactive = keys.iter().filter(|k| !k.active).count();
        assert!((150..250).contains(&inactive), "{inactive} inactive of 600");
        let rest = keys.iter().filter(|k| k.kind == KeyKind::Rest).count();
        assert!((180..300).contains(&rest), "{rest} REST of 600");
    }
}
