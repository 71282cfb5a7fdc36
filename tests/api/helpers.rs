//! The black-box harness: `spawn_app()` starts the real server (the same
//! `Application::build` as `keydesk serve`) on a random port with its own
//! fresh database, and `Browser` talks HTTP to it like a user's browser:
//! cookies kept, redirects not followed, CSRF tokens taken from the page.
//!
//! The database is a SQLite file in a temporary directory, or, when
//! `KEYDESK_TEST_POSTGRES_URL` is set, a PostgreSQL database created for the
//! test and dropped when the test ends.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use keydesk::config::Settings;
use keydesk::db::{DatabaseUrl, DbConnection, Pool};
use keydesk::domain::{Password, RoleGrant};
use keydesk::models::user::{self, NewUser, Roles};
use keydesk::startup::Application;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderValue, COOKIE, LOCATION};
use reqwest::{redirect, Response, StatusCode, Url};
use scraper::{Html, Selector};

/// The password every fixture user gets, unless a test picks its own.
pub const PASSWORD: &str = "correct horse battery staple";
pub const SESSION_COOKIE: &str = "keydesk_session";

pub struct TestApp {
    pub address: String,
    setup_url: Option<String>,
    settings: Settings,
    /// Connections for the test's own look at the database (fixtures,
    /// deactivating a user…), beside the app's pool.
    pool: Pool,
    db: Arc<TestDb>,
    browser: Browser,
    usage: keydesk::access::UsageRecorder,
}

/// Starts the app with default settings on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app on a fresh database after `configure` changed the
/// settings (short timeouts…).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = Arc::new(TestDb::create());
    let mut settings = Settings::new(db.url.clone());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.workers = Some(1);
    settings.db_pool_size = 4;
    configure(&mut settings);
    start(settings, db).await
}

/// Starts the app on a database that `prepare` filled first, as an older
/// keydesk would have left it (`prepare` runs the migrations it wants).
pub async fn spawn_app_on(prepare: impl FnOnce(&mut DbConnection) + Send + 'static) -> TestApp {
    let db = Arc::new(TestDb::create());
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let pool = keydesk::db::build_pool(&url, 1).expect("the database opens");
        let mut conn = pool.get().unwrap();
        prepare(&mut conn);
    })
    .await
    .unwrap();
    let mut settings = Settings::new(db.url.clone());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.workers = Some(1);
    settings.db_pool_size = 4;
    start(settings, db).await
}

async fn start(settings: Settings, db: Arc<TestDb>) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("the application builds");
    let port = app.port();
    let setup_url = app.setup_url().map(str::to_owned);
    let usage = app.usage_recorder();
    tokio::spawn(app.run_until_stopped());
    let url = db.url.clone();
    let pool = tokio::task::spawn_blocking(move || keydesk::db::build_pool(&url, 2))
        .await
        .unwrap()
        .expect("the test's own pool opens");
    let address = format!("http://127.0.0.1:{port}");
    TestApp {
        browser: Browser::new(&address),
        address,
        setup_url,
        settings,
        pool,
        db,
        usage,
    }
}

/// The default browser is the app's: `app.get(..)`, `app.sign_in(..)`.
impl Deref for TestApp {
    type Target = Browser;
    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl TestApp {
    /// The one-time setup link the app printed at start, if no user existed.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db.url, DatabaseUrl::Postgres(_))
    }

    pub fn database_url(&self) -> String {
        match &self.db.url {
            DatabaseUrl::Sqlite(path) => path.clone(),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    /// The app's clock: tests move it forward instead of sleeping.
    pub fn clock(&self) -> &keydesk::clock::Clock {
        &self.settings.clock
    }

    /// A second browser: its own cookies, nobody signed in.
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// Another instance of the app on the same database, as after a restart
    /// or behind a load balancer.
    pub async fn spawn_another_instance(&self) -> TestApp {
        start(self.settings.clone(), self.db.clone()).await
    }

    /// Moves the app's clock (shared by every instance of this test)
    /// forward, instead of sleeping.
    pub fn advance_clock(&self, by: Duration) {
        self.settings.clock.advance(by);
    }

    /// What the app's clock says now.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.settings.clock.now()
    }

    /// Writes the last uses this instance noted, as its background task
    /// would within a minute.
    pub async fn flush_usage(&self) {
        self.usage.flush().await.expect("last uses are written");
    }

    /// Runs `f` on the test's own connection to the app's database.
    pub async fn with_db<T, F>(&self, f: F) -> T
    where
        F: FnOnce(&mut DbConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a test connection");
            f(&mut conn)
        })
        .await
        .expect("the database task ran")
    }

    /// Creates an active back-office user straight in the database.
    /// `roles` as on the command line: `["api-key:editor", "user:owner"]`.
    pub async fn create_user(&self, username: &str, password: &str, roles: &[&str]) -> i64 {
        let grants: Vec<RoleGrant> = roles
            .iter()
            .map(|r| RoleGrant::parse(r).expect("a valid role"))
            .collect();
        let password = Password::parse_new(password, username).expect("a valid password");
        let username = username.to_owned();
        self.with_db(move |c| {
            let hash = keydesk::auth::password::hash(&password);
            let now = keydesk::models::now_utc();
            let new = NewUser {
                username: &username,
                password_hash: &hash,
                active: true,
                created_at: now,
                updated_at: now,
            };
            user::insert(c, &new, &Roles::from_grants(&grants))
                .expect("the user is inserted")
                .id
        })
        .await
    }

    /// Creates a user with `roles` and the standard password, and signs the
    /// app's browser in as them. Returns the user id.
    pub async fn sign_in_with_roles(&self, username: &str, roles: &[&str]) -> i64 {
        let id = self.create_user(username, PASSWORD, roles).await;
        let resp = self.sign_in(username, PASSWORD).await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "signing in {username}"
        );
        id
    }

    pub async fn sign_in_as_owner(&self) -> i64 {
        self.sign_in_with_roles("olivia", &["api-key:owner", "user:owner"])
            .await
    }

    pub async fn set_active(&self, user_id: i64, active: bool) {
        self.with_db(move |c| user::set_active(c, user_id, active).unwrap())
            .await;
    }

    pub async fn set_roles(&self, user_id: i64, roles: &[&str]) {
        let grants: Vec<RoleGrant> = roles.iter().map(|r| RoleGrant::parse(r).unwrap()).collect();
        self.with_db(move |c| {
            user::replace_roles(c, user_id, &Roles::from_grants(&grants)).unwrap()
        })
        .await;
    }

    pub async fn user_count(&self) -> i64 {
        self.with_db(|c| user::count(c).unwrap()).await
    }

    pub async fn user_exists(&self, username: &str) -> bool {
        let username = username.to_owned();
        self.with_db(move |c| user::find_by_username(c, &username).unwrap().is_some())
            .await
    }

    /// How many session rows the database holds.
    pub async fn session_rows(&self) -> i64 {
        self.with_db(|c| keydesk::models::session::count(c).unwrap())
            .await
    }

    /// How many audit events of `action` ("sign_in.failed"…) were recorded.
    pub async fn audit_action_count(&self, action: &str) -> i64 {
        use diesel::{ExpressionMethods, QueryDsl};
        use keydesk::schema::audit_events as a;
        let action = action.to_owned();
        self.with_db(move |c| {
            a::table
                .filter(a::action.eq(action))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await
    }

    /// Lets time pass for the throttle: every block ends now.
    pub async fn end_throttle_blocks(&self) {
        use diesel::{ExpressionMethods, QueryDsl};
        use keydesk::schema::auth_throttle as t;
        self.with_db(|c| {
            let past = keydesk::models::now_utc() - chrono::Duration::seconds(1);
            diesel::update(t::table.filter(t::blocked_until.is_not_null()))
                .set(t::blocked_until.eq(Some(past)))
                .execute(c)
                .unwrap()
        })
        .await;
    }

    /// The stored password hash of `username`.
    pub async fn password_hash_of(&self, username: &str) -> String {
        let username = username.to_owned();
        self.with_db(move |c| {
            user::find_by_username(c, &username)
                .unwrap()
                .unwrap()
                .password_hash
        })
        .await
    }

    /// Makes the database unreachable for the app (PostgreSQL only: drops
    /// the test database, closing the app's connections).
    pub fn drop_database(&self) {
        self.db.drop_now();
    }
}

/// One browser: a cookie jar, and a client that does not follow redirects.
#[derive(Clone)]
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    pub fn new(address: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .cookie_provider(jar.clone())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            address: address.to_owned(),
            client,
            jar,
        }
    }

    /// The same browser (same cookies) pointed at another instance.
    pub fn on(&self, app: &TestApp) -> Browser {
        Self {
            address: app.address.clone(),
            client: self.client.clone(),
            jar: self.jar.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A GET as htmx sends it (`HX-Request: true`).
    pub async fn get_htmx(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap()
    }

    /// A GET that sends `cookie` by hand, as a copied cookie would be.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Response {
        reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap()
            .get(self.url(path))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap()
    }

    /// Submits a form the way the page would: with the CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token().await;
        let mut fields = fields.to_vec();
        fields.push(("csrf_token", &token));
        self.post_form_without_csrf(path, &fields).await
    }

    /// Submits a form as htmx does: the token in `X-CSRF-Token`, not the body.
    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token().await;
        self.client
            .post(self.url(path))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", token)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Submits exactly `fields`, adding no token.
    pub async fn post_form_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token of the browser's session, from the `csrf-token` meta
    /// tag of a page (the sign-in page, or where it sends a signed-in user).
    pub async fn csrf_token(&self) -> String {
        let mut resp = self.get("/login").await;
        for _ in 0..3 {
            if resp.status() != StatusCode::SEE_OTHER {
                break;
            }
            resp = self.get(&location(&resp)).await;
        }
        let page = html(resp).await;
        let meta = Selector::parse(r#"meta[name="csrf-token"]"#).unwrap();
        page.select(&meta)
            .next()
            .and_then(|m| m.value().attr("content"))
            .filter(|t| !t.is_empty())
            .expect("the page carries a CSRF token")
            .to_owned()
    }

    /// Fills in and submits the sign-in form.
    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
    }

    /// Presses "Sign out".
    pub async fn sign_out(&self) -> Response {
        self.post_form("/logout", &[]).await
    }

    /// `keydesk_session=…` as the browser would send it, if it has one.
    pub fn session_cookie(&self) -> Option<String> {
        let url: Url = self.address.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
            .map(str::to_owned)
    }

    /// Creates an API key through the create form, as the browser's (owner)
    /// user, and returns its id from the list.
    pub async fn create_api_key(&self, kind: &str, name: &str) -> i64 {
        let resp = self
            .post_form(&format!("/admin/api-keys/{kind}/new"), &[("name", name)])
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "creating key {name}");
        self.api_key_id(kind, name)
            .await
            .expect("the new key is listed")
    }

    /// The id of the key named `name` on the `kind` tab, if it is listed.
    pub async fn api_key_id(&self, kind: &str, name: &str) -> Option<i64> {
        let page = html(self.get(&format!("/admin/api-keys/{kind}")).await).await;
        let link = Selector::parse("a.row-link").unwrap();
        let prefix = format!("/admin/api-keys/{kind}/");
        page.select(&link)
            .find(|a| a.text().collect::<String>().trim() == name)
            .and_then(|a| a.value().attr("href"))
            .and_then(|href| href.strip_prefix(&prefix))
            .map(|id| id.parse().expect("a numeric key id"))
    }

    /// True when a page that needs a session sends this browser to sign in.
    pub async fn is_signed_out(&self) -> bool {
        let resp = self.get("/admin/api-keys/graphql").await;
        resp.status() == StatusCode::SEE_OTHER && location(&resp).starts_with("/login")
    }
}

/// Where a redirect points.
pub fn location(resp: &Response) -> String {
    header(resp.headers(), LOCATION.as_str())
}

/// A response header as text ("" when absent).
pub fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|v: &HeaderValue| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub async fn html(resp: Response) -> Html {
    Html::parse_document(&resp.text().await.unwrap())
}

/// The text of the first element matching `selector`, trimmed.
pub fn text_of(page: &Html, selector: &str) -> Option<String> {
    let sel = Selector::parse(selector).unwrap();
    page.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
}

/// The test's database, removed when the last app using it is gone.
struct TestDb {
    url: DatabaseUrl,
    kind: TestDbKind,
}

enum TestDbKind {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl TestDb {
    fn create() -> Self {
        match std::env::var("KEYDESK_TEST_POSTGRES_URL") {
            Ok(server) if !server.trim().is_empty() => Self::create_postgres(server),
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("keydesk.db");
                Self {
                    url: DatabaseUrl::Sqlite(path.to_str().unwrap().to_owned()),
                    kind: TestDbKind::Sqlite(dir),
                }
            }
        }
    }

    fn create_postgres(server: String) -> Self {
        let name = format!("kd_test_{}", hex::encode(keydesk::crypto::random_bytes(8)));
        let mut conn = PgConnection::establish(&server)
            .unwrap_or_else(|e| panic!("KEYDESK_TEST_POSTGRES_URL is set but unreachable: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("the test database is created");
        let url = database_in(&server, &name);
        Self {
            url: url.parse().expect("a PostgreSQL URL"),
            kind: TestDbKind::Postgres { server, name },
        }
    }

    fn drop_now(&self) {
        if let TestDbKind::Postgres { server, name } = &self.kind {
            // Best effort: a failed drop must not hide the test's own result.
            if let Ok(mut conn) = PgConnection::establish(server) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.drop_now();
    }
}

/// `postgres://user@host:port/postgres?x` → `postgres://user@host:port/NAME?x`.
fn database_in(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}
