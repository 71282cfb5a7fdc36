//! `keydesk user create`: the built binary, run as a deployment script would,
//! against the test's database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;

use crate::helpers::{spawn_app, TestApp, PASSWORD};

/// Runs the `keydesk` binary with `args`, writing `stdin` to it.
async fn keydesk(args: Vec<String>, stdin: &str) -> Output {
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keydesk"))
            .args(&args)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the keydesk binary runs");
        // A command that refuses its arguments may exit before reading its
        // input: a broken pipe here is that, not a failure of the test.
        let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

async fn create_user(app: &TestApp, username: &str, roles: &[&str], password: &str) -> Output {
    let mut args = vec!["user".to_owned(), "create".to_owned(), username.to_owned()];
    for role in roles {
        args.push("--role".into());
        args.push((*role).to_owned());
    }
    args.push("--password-stdin".into());
    args.push("--database-url".into());
    args.push(app.database_url());
    keydesk(args, password).await
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code 2 and one line on standard error that names the problem.
fn assert_refused(out: &Output, mentions: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(
        err.to_lowercase().contains(&mentions.to_lowercase()),
        "{err:?} should mention {mentions:?}"
    );
}

#[tokio::test]
async fn user_create_makes_a_user_who_can_sign_in() {
    let app = spawn_app().await;
    let out = create_user(&app, "alice", &["api-key:owner"], &format!("{PASSWORD}\n")).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user alice"));

    // The trailing newline `echo` adds is not part of the password.
    let resp = app.sign_in("alice", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::OK
    );
    // api-key:owner only: no Users page rights.
    let roles = app
        .with_db(|c| {
            let u = keydesk::models::user::find_by_username(c, "alice")
                .unwrap()
                .unwrap();
            keydesk::models::user::roles_of(c, u.id).unwrap()
        })
        .await;
    assert!(roles.allows(
        keydesk::domain::BackofficeRole::ApiKey,
        keydesk::domain::AccessLevel::Owner
    ));
    assert_eq!(roles.level(keydesk::domain::BackofficeRole::User), None);
}

#[tokio::test]
async fn a_duplicate_username_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let out = create_user(&app, "alice", &["api-key:viewer"], PASSWORD).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let out = create_user(&app, "alice", &["user:owner"], "another long password").await;
    assert_refused(&out, "already exists");
    assert_eq!(app.user_count().await, 1);
    // The first password and roles still hold.
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_short_password_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let out = create_user(&app, "alice", &["api-key:viewer"], "fourteen chars").await;
    assert_refused(&out, "at least 15 characters");
    assert!(!app.user_exists("alice").await);

    // Nothing half-written blocks the same name afterwards.
    let out = create_user(&app, "alice", &["api-key:viewer"], "fifteen chars!!").await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn a_bad_username_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    for username in ["ab", "bad name", "tab\there"] {
        let out = create_user(&app, username, &["api-key:viewer"], PASSWORD).await;
        assert_eq!(out.status.code(), Some(2), "{username:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).trim_end().lines().count(), 1, "{username:?}");
    }
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn an_unknown_role_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    for role in ["foo:owner", "api-key:boss", "api-key", ""] {
        let out = create_user(&app, "alice", &[role], PASSWORD).await;
        assert_eq!(out.status.code(), Some(2), "{role}: {}", stderr(&out));
        assert!(
            stderr(&out).lines().next().unwrap_or("").contains(role),
            "{role}: {}",
            stderr(&out)
        );
        assert!(!app.user_exists("alice").await, "{role}");
    }
    let out = create_user(&app, "alice", &[], PASSWORD).await;
    assert_refused(&out, "--role");
    assert!(!app.user_exists("alice").await);

    let out = create_user(&app, "alice", &["api-key:editor"], PASSWORD).await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_in_one_line() {
    let out = keydesk(
        [
            "user",
            "create",
            "alice",
            "--role",
            "api-key:owner",
            "--password-stdin",
            "--database-url",
            "mysql://x",
        ]
        .map(String::from)
        .to_vec(),
        PASSWORD,
    )
    .await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("unsupported database URL scheme `mysql`"),
        "{err}"
    );

    let out = keydesk(
        [
            "serve",
            "--database-url",
            "mysql://x",
            "--bind",
            "127.0.0.1:0",
        ]
        .map(String::from)
        .to_vec(),
        "",
    )
    .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unsupported database URL scheme `mysql`"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn serve_logs_to_standard_error_without_colour_codes_when_piped() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let lines = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keydesk"))
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url"])
            .arg(&db)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = Vec::new();
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            let done = line.contains("No users yet");
            lines.push(line);
            if done || lines.len() > 50 {
                break;
            }
        }
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.stdout.is_empty(), "nothing on standard output");
        lines
    })
    .await
    .unwrap();
    let text = lines.join("\n");
    assert!(text.contains("keydesk listening"), "{text}");
    assert!(text.contains("No users yet"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes: {text:?}");
}
