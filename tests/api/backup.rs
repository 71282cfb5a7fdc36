//! `keydesk backup FILE` copies a live SQLite database while the server
//! runs; the copy starts as a working keydesk with the same data.

use std::process::{Command, Output};

use keydesk::config::Settings;
use keydesk::startup::Application;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, Browser, PASSWORD};

fn backup(database_url: &str, file: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(["backup"])
        .arg(file)
        .args(["--database-url", database_url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_of_a_live_database_restores_to_the_same_data() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let url = app.database_url();
    if app.is_postgres() {
        // PostgreSQL is backed up with its own tools; the command says so.
        let out = tokio::task::spawn_blocking(move || backup(&url, &file))
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    app.sign_in_as_owner().await;
    for name in ["ERP sync", "Shop feed", "Pricing"] {
        app.create_api_key("graphql", name).await;
    }
    let f = file.clone();
    let u = url.clone();
    let out = tokio::task::spawn_blocking(move || backup(&u, &f))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server goes on writing; the copy keeps what was there.
    app.create_api_key("graphql", "After the backup").await;

    // A second backup onto the same file is refused, the first one intact.
    let (f, u) = (file.clone(), url.clone());
    let again = tokio::task::spawn_blocking(move || backup(&u, &f))
        .await
        .unwrap();
    assert_eq!(again.status.code(), Some(2));

    // Restore: start keydesk on the copy.
    let mut settings = Settings::new(file.to_str().unwrap().parse().unwrap());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.workers = Some(1);
    let restored = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", restored.port());
    tokio::spawn(restored.run_until_stopped());
    let b = Browser::new(&address);
    assert_eq!(
        b.sign_in("olivia", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    for name in ["ERP sync", "Shop feed", "Pricing"] {
        assert_eq!(
            b.api_key_id("graphql", name).await,
            app.api_key_id("graphql", name).await,
            "{name}"
        );
    }
    assert!(b.api_key_id("graphql", "After the backup").await.is_none());
}
