//! Signing in and out: the session cookie, one message for every failure,
//! coming back to where the user was going, and sign-out revoking the session.

use reqwest::StatusCode;

use crate::helpers::{header, html, location, spawn_app, text_of, PASSWORD, SESSION_COOKIE};

#[tokio::test]
async fn signing_in_sets_a_private_session_cookie_and_opens_the_admin() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;

    let resp = app.sign_in("alice", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .expect("signing in sets the session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // Off by default (plain HTTP in development); `--secure-cookies` turns it on.
    assert!(!cookie.contains("Secure"), "{cookie}");

    let page = app.get("/admin/api-keys/graphql").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = html(page).await;
    assert_eq!(text_of(&page, ".signed-in").as_deref(), Some("alice"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;

    let wrong_password = app.sign_in("alice", "not the right password").await;
    let unknown_user = app.new_browser().sign_in("mallory", PASSWORD).await;

    assert_eq!(wrong_password.status(), unknown_user.status());
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let a = text_of(&html(wrong_password).await, ".form-error").unwrap();
    let b = text_of(&html(unknown_user).await, ".form-error").unwrap();
    assert_eq!(a, b);
    assert_eq!(a, "Incorrect username or password.");
    assert!(app.is_signed_out().await);
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in() {
    let app = spawn_app().await;
    let id = app
        .create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    app.set_active(id, false).await;
    let resp = app.sign_in("alice", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        text_of(&html(resp).await, ".form-error").as_deref(),
        Some("Incorrect username or password.")
    );
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_and_back() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;

    let resp = app.get("/admin/api-keys").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login?next=%2Fadmin%2Fapi-keys");

    let resp = app.get("/admin/api-keys/rest?page=1").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let login = location(&resp);
    assert_eq!(login, "/login?next=%2Fadmin%2Fapi-keys%2Frest%3Fpage%3D1");

    // The sign-in form carries the target along.
    let page = html(app.get(&login).await).await;
    let next = page
        .select(&scraper::Selector::parse(r#"input[name="next"]"#).unwrap())
        .next()
        .and_then(|i| i.value().attr("value"))
        .unwrap()
        .to_owned();
    assert_eq!(next, "/admin/api-keys/rest?page=1");

    let resp = app
        .post_form(
            "/login",
            &[
                ("username", "alice"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys/rest?page=1");
}

#[tokio::test]
async fn sign_in_never_sends_the_user_off_site() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let browser = app.new_browser();
        let resp = browser
            .post_form(
                "/login",
                &[
                    ("username", "alice"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "next={next}");
        assert_eq!(location(&resp), "/admin/api-keys", "next={next}");
    }
}

#[tokio::test]
async fn an_htmx_request_signed_out_asks_for_a_full_page_sign_in() {
    let app = spawn_app().await;
    let resp = app.get_htmx("/admin/api-keys/graphql?page=2").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(resp.headers(), "hx-redirect"),
        "/login?next=%2Fadmin%2Fapi-keys%2Fgraphql%3Fpage%3D2"
    );
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    // The sign-in page starts no session; a session an attacker could have
    // planted is a signed-in one of theirs.
    app.get("/login").await;
    assert!(app.session_cookie().is_none());
    app.create_user("mallory", PASSWORD, &["api-key:viewer"])
        .await;
    app.sign_in("mallory", PASSWORD).await;
    let before = app.session_cookie().expect("signed in");

    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let after = app.session_cookie().unwrap();
    assert_ne!(before, after);
    // The pre-sign-in id (which an attacker could have planted) is not signed in.
    let resp = app
        .get_with_cookie("/admin/api-keys/graphql", &before)
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/login"));
}

#[tokio::test]
async fn signing_out_ends_the_session_for_every_copy_of_the_cookie() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    app.sign_in("alice", PASSWORD).await;
    let copied = app.session_cookie().unwrap();
    // The copy works while the session lives.
    let resp = app
        .get_with_cookie("/admin/api-keys/graphql", &copied)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    let resp = app.sign_out().await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    assert!(app.is_signed_out().await);

    let resp = app
        .get_with_cookie("/admin/api-keys/graphql", &copied)
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/login"));
}

#[tokio::test]
async fn sign_out_is_a_post_with_a_csrf_token() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    app.sign_in("alice", PASSWORD).await;

    // A link (or an image tag on another site) cannot sign anyone out.
    let resp = app.get("/logout").await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let resp = app.post_form_without_csrf("/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .post_form_without_csrf("/logout", &[("csrf_token", "forged")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(!app.is_signed_out().await);

    assert_eq!(app.sign_out().await.status(), StatusCode::SEE_OTHER);
    assert!(app.is_signed_out().await);
}
