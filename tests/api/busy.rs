//! A busy database is a 503 with the error page, Retry-After and the
//! security headers, never a bare 500: another connection holds the write
//! lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL `LOCK TABLE … EXCLUSIVE`)
//! past the app's short lock wait.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use reqwest::{Response, StatusCode};

use crate::helpers::{header, html, spawn_app_with, text_of, TestApp, PASSWORD};

/// A connection of the test's own that holds the write lock until dropped.
struct Lock(keydesk::db::PooledConnection);

impl Lock {
    async fn take(app: &TestApp) -> Lock {
        let url: keydesk::db::DatabaseUrl = app.database_url().parse().unwrap();
        let pg = app.is_postgres();
        let conn = tokio::task::spawn_blocking(move || {
            let pool = keydesk::db::build_pool(&url, 1).unwrap();
            let mut c = pool.get().unwrap();
            if pg {
                c.batch_execute(
                    "BEGIN; LOCK TABLE sessions, auth_throttle, audit_events, users IN EXCLUSIVE MODE",
                )
                .unwrap();
            } else {
                c.batch_execute("BEGIN IMMEDIATE").unwrap();
            }
            c
        })
        .await
        .unwrap();
        Lock(conn)
    }

    async fn release(self) {
        let mut c = self.0;
        tokio::task::spawn_blocking(move || c.batch_execute("ROLLBACK").unwrap())
            .await
            .unwrap();
    }
}

async fn assert_busy_page(resp: Response, what: &str) {
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    let h = resp.headers();
    assert!(!header(h, "retry-after").is_empty(), "{what}: Retry-After");
    assert!(
        header(h, "content-security-policy").contains("frame-ancestors"),
        "{what}"
    );
    assert_eq!(header(h, "x-frame-options"), "DENY", "{what}");
    assert!(header(h, "content-type").starts_with("text/html"), "{what}");
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, "#error-title").as_deref(),
        Some("Temporarily unavailable"),
        "{what}"
    );
}

async fn app() -> TestApp {
    spawn_app_with(|s| s.db_lock_timeout = Duration::from_millis(200)).await
}

#[tokio::test]
async fn a_locked_database_answers_sign_in_with_503_and_headers() {
    let app = app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    let token = app.csrf_token().await;
    let lock = Lock::take(&app).await;
    // Reading needs no lock: the sign-in page still shows.
    assert_eq!(app.get("/login").await.status(), StatusCode::OK);
    for pw in ["not the right password", PASSWORD] {
        let resp = app
            .post_form_without_csrf(
                "/login",
                &[
                    ("username", "alice"),
                    ("password", pw),
                    ("csrf_token", &token),
                ],
            )
            .await;
        assert_busy_page(resp, pw).await;
    }
    lock.release().await;
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_locked_database_answers_a_session_touch_with_503_and_headers() {
    let app = app().await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    // The session is due a touch: its expiry is older than the touch interval.
    app.with_db(|c| {
        use diesel::{ExpressionMethods, RunQueryDsl};
        use keydesk::schema::sessions;
        let soon = keydesk::models::now_utc() + chrono::Duration::seconds(60);
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(soon))
            .execute(c)
            .unwrap()
    })
    .await;
    let lock = Lock::take(&app).await;
    let resp = app.get("/admin/api-keys/graphql").await;
    assert_busy_page(resp, "session touch").await;
    lock.release().await;
    assert_eq!(
        app.get("/admin/api-keys/graphql").await.status(),
        StatusCode::OK
    );
}
