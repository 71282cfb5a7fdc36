//! The password rule (15+ characters, not common, not the username) on every
//! way in, changing passwords (sessions end), and hash upgrades at sign-in.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::{html, location, spawn_app, text_of, TestApp, PASSWORD};

const NEW: &str = "a brand new passphrase here";

async fn signed_in_owner(app: &TestApp) -> i64 {
    app.sign_in_with_roles("olivia", &["api-key:owner", "user:owner"])
        .await
}

#[tokio::test]
async fn the_users_page_refuses_short_common_and_username_passwords() {
    let app = spawn_app().await;
    signed_in_owner(&app).await;
    for (pw, says) in [
        (
            "fourteen chars",
            "Choose a longer password: at least 15 characters",
        ),
        ("passwordpassword", "less common"),
        ("QwertyuiopAsdfgh", "less common"),
        ("123456789012345", "less common"),
        ("bruno-says-hello", "does not contain the username"),
    ] {
        let resp = app
            .post_form(
                "/admin/users/new",
                &[
                    ("username", "bruno"),
                    ("password", pw),
                    ("password_confirm", pw),
                    ("role.api-key", "viewer"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        let page = html(resp).await;
        let e = text_of(&page, "#password-error").unwrap();
        assert!(e.contains(says), "{pw}: {e}");
    }
    assert!(!app.user_exists("bruno").await);
    // Long and of any characters: accepted, 128 characters too.
    let long = "ü ".repeat(64);
    let resp = app
        .post_form(
            "/admin/users/new",
            &[
                ("username", "bruno"),
                ("password", &long),
                ("password_confirm", &long),
                ("role.api-key", "viewer"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let b = app.new_browser();
    assert_eq!(
        b.sign_in("bruno", &long).await.status(),
        StatusCode::SEE_OTHER
    );
    // No truncation: the same password less its last character is wrong.
    let b = app.new_browser();
    assert_eq!(
        b.sign_in("bruno", &long[..long.len() - 1]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_setup_page_refuses_a_common_password() {
    let app = spawn_app().await;
    let setup = app.setup_url().unwrap().to_owned();
    let token = setup.split("token=").nth(1).unwrap().to_owned();
    let resp = app
        .post_form(
            "/setup",
            &[
                ("token", token.as_str()),
                ("username", "founder"),
                ("password", "qwertyuiopasdfgh"),
                ("password_confirm", "qwertyuiopasdfgh"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(text_of(&page, "#password-error")
        .unwrap()
        .contains("less common"));
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn changing_your_password_needs_the_current_one_and_ends_your_other_sessions() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    app.sign_in("alice", PASSWORD).await;
    let laptop = app.new_browser();
    laptop.sign_in("alice", PASSWORD).await;
    assert!(!laptop.is_signed_out().await);

    // Wrong current password: nothing changes.
    let resp = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "not my password at all"),
                ("password", NEW),
                ("password_confirm", NEW),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&html(resp).await, "#current-error").is_some());
    assert!(!laptop.is_signed_out().await);

    // A weak new one is explained.
    let resp = app
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "alice-alice-alice"),
                ("password_confirm", "alice-alice-alice"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let resp = app
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW),
                ("password_confirm", NEW),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/account/password?done=1");
    // This browser goes on; the other session is gone.
    let page = app.get("/account/password?done=1").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(text_of(&html(page).await, "#password-changed").is_some());
    assert!(!app.is_signed_out().await);
    assert!(laptop.is_signed_out().await);
    assert_eq!(app.audit_action_count("user.password_changed").await, 1);
    assert_eq!(
        app.new_browser().sign_in("alice", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.new_browser().sign_in("alice", NEW).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_owner_sets_another_users_password_and_their_sessions_end() {
    let app = spawn_app().await;
    let alice = app
        .create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    let hers = app.new_browser();
    hers.sign_in("alice", PASSWORD).await;
    signed_in_owner(&app).await;

    let path = format!("/admin/users/{alice}/password");
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    let resp = app
        .post_form(
            &path,
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!hers.is_signed_out().await);

    let resp = app
        .post_form(&path, &[("password", NEW), ("password_confirm", NEW)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(hers.is_signed_out().await);
    assert_eq!(
        app.new_browser().sign_in("alice", NEW).await.status(),
        StatusCode::SEE_OTHER
    );

    // Not through this page for yourself, and not for a viewer at all.
    let me = app.with_db(|c| {
        keydesk::models::user::find_by_username(c, "olivia")
            .unwrap()
            .unwrap()
            .id
    });
    let resp = app
        .get(&format!("/admin/users/{}/password", me.await))
        .await;
    assert_eq!(location(&resp), "/account/password");
    let viewer = app.new_browser();
    viewer.sign_in("alice", NEW).await;
    let resp = viewer
        .post_form(&path, &[("password", NEW), ("password_confirm", NEW)])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

fn set_password(app: &TestApp, username: &str, stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args([
            "user",
            "set-password",
            username,
            "--password-stdin",
            "--database-url",
            &app.database_url(),
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_cli_sets_a_password_with_the_same_rule() {
    let app = spawn_app().await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;

    let out = set_password(&app, "alice", "passwordpassword\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("less common"));
    let out = set_password(&app, "nobody", &format!("{NEW}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(!app.is_signed_out().await);

    let out = set_password(&app, "alice", &format!("{NEW}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(app.is_signed_out().await);
    assert_eq!(
        app.sign_in("alice", NEW).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_weaker_hash_is_upgraded_at_the_next_sign_in() {
    use argon2::password_hash::PasswordHasher;
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let weak = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    assert!(weak.contains("m=1024,t=1"));
    let w = weak.clone();
    app.with_db(move |c| {
        let id = keydesk::models::user::find_by_username(c, "alice")
            .unwrap()
            .unwrap()
            .id;
        keydesk::models::user::set_password_hash(c, id, &w).unwrap()
    })
    .await;

    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let now = app.password_hash_of("alice").await;
    assert!(now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
    assert_eq!(
        app.new_browser().sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}
