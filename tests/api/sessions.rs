//! Server-side sessions: idle and absolute timeouts, deactivation and role
//! changes taking effect at the next request, and sessions outliving a
//! restart of the server.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, spawn_app_with, text_of, PASSWORD};

#[tokio::test]
async fn an_idle_session_ends() {
    let app = spawn_app_with(|s| s.idle_timeout = Duration::from_secs(2)).await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    assert!(!app.is_signed_out().await);

    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(app.is_signed_out().await);
}

#[tokio::test]
async fn activity_keeps_a_session_alive_past_the_idle_timeout() {
    let app = spawn_app_with(|s| s.idle_timeout = Duration::from_secs(3)).await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert!(!app.is_signed_out().await);
    }
}

#[tokio::test]
async fn a_session_ends_at_the_absolute_timeout_even_when_active() {
    let app = spawn_app_with(|s| s.absolute_timeout = Duration::from_secs(4)).await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(!app.is_signed_out().await);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(!app.is_signed_out().await);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(app.is_signed_out().await);

    // Signing in again starts a new full-length session.
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(!app.is_signed_out().await);
}

#[tokio::test]
async fn a_deactivated_users_session_stops_at_the_next_request() {
    let app = spawn_app().await;
    let alice = app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    let copied = app.session_cookie().unwrap();
    assert!(!app.is_signed_out().await);

    app.set_active(alice, false).await;
    assert!(app.is_signed_out().await);

    // The session is gone for good: reactivating the user does not revive
    // it, nor a copy of its cookie.
    app.set_active(alice, true).await;
    assert!(app.is_signed_out().await);
    let resp = app
        .get_with_cookie("/admin/api-keys/graphql", &copied)
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_role_change_takes_effect_at_the_next_request() {
    let app = spawn_app().await;
    let alice = app.sign_in_with_roles("alice", &["api-key:editor"]).await;
    assert_eq!(
        app.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::FORBIDDEN
    );

    app.set_roles(alice, &["api-key:owner"]).await;
    assert_eq!(
        app.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::OK
    );

    app.set_roles(alice, &[]).await;
    assert_eq!(
        app.get("/admin/api-keys/graphql").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_session_survives_a_restart_and_works_on_another_instance() {
    let app = spawn_app().await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;

    // Same database, a new server process: the session key and the session
    // rows come from the database.
    let second = app.spawn_another_instance().await;
    let same_browser = app.on(&second);
    let resp = same_browser.get("/admin/api-keys/graphql").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        text_of(&html(resp).await, ".signed-in").as_deref(),
        Some("alice")
    );

    // Signing out on one instance ends the session on both.
    assert_eq!(
        same_browser.sign_out().await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(app.is_signed_out().await);
}

#[tokio::test]
async fn anonymous_visitors_get_no_session_row() {
    let app = crate::helpers::spawn_app().await;
    app.create_user("alice", crate::helpers::PASSWORD, &["api-key:viewer"])
        .await;
    let visitors: Vec<_> = (0..5).map(|_| app.new_browser()).collect();
    for b in &visitors {
        for path in [
            "/login",
            "/login?next=/admin/users",
            "/admin/api-keys",
            "/no/such/page",
            "/setup?token=nope",
        ] {
            b.get(path).await;
        }
        // A failed sign-in and a refused form do not make one either.
        b.sign_in("alice", "not the right password").await;
        b.post_form_without_csrf("/login", &[("username", "alice")])
            .await;
    }
    assert_eq!(app.session_rows().await, 0);
    // The sign-in form works all the same, with its cookie token.
    let resp = visitors[0].sign_in("alice", crate::helpers::PASSWORD).await;
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(app.session_rows().await, 1);
    // A token taken from another visitor's cookie is refused.
    let theirs = visitors[1].csrf_token().await;
    let resp = visitors[2]
        .post_form_without_csrf(
            "/login",
            &[
                ("username", "alice"),
                ("password", crate::helpers::PASSWORD),
                ("csrf_token", &theirs),
            ],
        )
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn secure_cookies_use_the_host_prefix_and_send_hsts() {
    use reqwest::header::{COOKIE, SET_COOKIE};
    let app = crate::helpers::spawn_app_with(|s| s.secure_cookies = true).await;
    app.create_user("alice", crate::helpers::PASSWORD, &["api-key:viewer"])
        .await;
    // A browser would not send Secure cookies over plain HTTP: carry them by hand.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(app.url("/login")).send().await.unwrap();
    assert!(
        crate::helpers::header(resp.headers(), "strict-transport-security").starts_with("max-age=")
    );
    let set = crate::helpers::header(resp.headers(), SET_COOKIE.as_str());
    assert!(set.starts_with("__Host-keydesk_csrf="), "{set}");
    assert!(set.contains("Secure") && set.contains("Path=/"), "{set}");
    let cookie = set.split(';').next().unwrap().to_owned();
    let token = cookie.split_once('=').unwrap().1.to_owned();
    let resp = client
        .post(app.url("/login"))
        .header(COOKIE, &cookie)
        .form(&[
            ("username", "alice"),
            ("password", crate::helpers::PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    let set = crate::helpers::header(resp.headers(), SET_COOKIE.as_str());
    assert!(set.starts_with("__Host-keydesk_session="), "{set}");
    for attr in ["Secure", "HttpOnly", "Path=/"] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    assert!(!set.contains("Domain"), "{set}");
}
