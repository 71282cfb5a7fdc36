//! CSRF: a state-changing request without the session's token is refused
//! with 403 and changes nothing; forms send the token as a field, htmx as the
//! `X-CSRF-Token` header.

use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, text_of};

#[tokio::test]
async fn creating_a_key_without_a_csrf_token_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;

    let resp = app
        .post_form_without_csrf("/admin/api-keys/graphql/new", &[("name", "no-token")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let page = html(resp).await;
    assert!(text_of(&page, "#error-message")
        .unwrap()
        .contains("did not come from keydesk"));

    let resp = app
        .post_form_without_csrf(
            "/admin/api-keys/graphql/new",
            &[("name", "wrong-token"), ("csrf_token", "not-the-token")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Another signed-in session's token is no good here either.
    let other = app.new_browser();
    app.create_user("bob", crate::helpers::PASSWORD, &["api-key:owner"])
        .await;
    other.sign_in("bob", crate::helpers::PASSWORD).await;
    let bobs_token = other.csrf_token().await;
    let resp = app
        .post_form_without_csrf(
            "/admin/api-keys/graphql/new",
            &[("name", "bobs-token"), ("csrf_token", &bobs_token)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    for name in ["no-token", "wrong-token", "bobs-token"] {
        assert_eq!(app.api_key_id("graphql", name).await, None, "{name}");
    }
}

#[tokio::test]
async fn the_same_request_with_the_token_creates_the_key() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let resp = app
        .post_form("/admin/api-keys/graphql/new", &[("name", "with-token")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(app.api_key_id("graphql", "with-token").await.is_some());
}

#[tokio::test]
async fn htmx_sends_the_token_in_a_header() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let resp = app
        .post_htmx("/admin/api-keys/graphql/new", &[("name", "via-header")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(app.api_key_id("graphql", "via-header").await.is_some());

    let resp = app
        .client
        .post(app.url("/admin/api-keys/graphql/new"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", "forged")
        .form(&[("name", "forged-header")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.api_key_id("graphql", "forged-header").await, None);
}

#[tokio::test]
async fn signing_in_needs_the_token_too() {
    let app = spawn_app().await;
    app.create_user("alice", crate::helpers::PASSWORD, &["api-key:viewer"])
        .await;
    // A login CSRF: another site posting its own credentials into our browser.
    let resp = app
        .post_form_without_csrf(
            "/login",
            &[
                ("username", "alice"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(app.is_signed_out().await);
}

#[tokio::test]
async fn setup_and_channels_refuse_a_missing_token_too() {
    let app = spawn_app().await;
    let setup = app.setup_url().unwrap().to_owned();
    let token = setup.split_once("token=").unwrap().1;
    app.get("/login").await;
    let resp = app
        .post_form_without_csrf(
            "/setup",
            &[
                ("token", token),
                ("username", "founder"),
                ("password", crate::helpers::PASSWORD),
                ("password_confirm", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.user_count().await, 0);

    app.sign_in_as_owner().await;
    let before = app
        .with_db(|c| keydesk::models::channel::all(c).unwrap().len())
        .await;
    let resp = app
        .post_form_without_csrf("/admin/channels", &[("name", "Sneaky")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let after = app
        .with_db(|c| keydesk::models::channel::all(c).unwrap().len())
        .await;
    assert_eq!(before, after);
}

/// Posts the create form with a valid token and `headers`.
async fn create_with_headers(
    app: &crate::helpers::TestApp,
    name: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.csrf_token().await;
    let mut req = app
        .client
        .post(app.url("/admin/api-keys/graphql/new"))
        .form(&[("name", name), ("csrf_token", &token)]);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_cross_site_request_is_refused_even_with_a_valid_token() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let cases: [(&str, &[(&str, &str)]); 4] = [
        ("evil-origin", &[("Origin", "https://evil.example")]),
        ("null-origin", &[("Origin", "null")]),
        ("other-port", &[("Origin", "http://127.0.0.1:1")]),
        ("fetch-site", &[("Sec-Fetch-Site", "cross-site")]),
    ];
    for (name, headers) in cases {
        let resp = create_with_headers(&app, name, headers).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{name}");
        assert!(
            crate::helpers::header(resp.headers(), "content-security-policy")
                .contains("frame-ancestors")
        );
        assert_eq!(app.api_key_id("graphql", name).await, None, "{name}");
    }
    // The sign-in form too: no login CSRF.
    let token = app.new_browser().csrf_token().await;
    let resp = app
        .new_browser()
        .client
        .post(app.url("/login"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("username", "olivia"),
            ("password", "x"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Same origin, same site, or no such header: the token decides.
    let own = app.address.clone();
    let cases: [(&str, &[(&str, &str)]); 3] = [
        (
            "same-origin",
            &[("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
        ),
        ("same-site", &[("Sec-Fetch-Site", "same-site")]),
        ("no-headers", &[]),
    ];
    for (name, headers) in cases {
        let resp = create_with_headers(&app, name, headers).await;
        assert_eq!(resp.status(), StatusCode::OK, "{name}");
        assert!(app.api_key_id("graphql", name).await.is_some(), "{name}");
    }
}
