//! `/healthz`: a database round-trip, no sign-in.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_without_signing_in() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ok");
    // A probe does not start sessions.
    assert!(app.session_cookie().is_none());
}

/// SQLite keeps answering `SELECT 1` on open connections even when its file
/// is deleted, so the database can only be taken away on PostgreSQL.
#[tokio::test]
async fn healthz_reports_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    if !app.is_postgres() {
        eprintln!("skipped on SQLite: set KEYDESK_TEST_POSTGRES_URL to run it");
        return;
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.drop_database();

    let resp = app
        .client
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = resp.text().await.unwrap();
    assert_eq!(body, "database unavailable");
}
