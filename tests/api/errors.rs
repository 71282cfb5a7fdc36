//! Error pages: in words, in the layout, with the right status; bad input
//! is a 400 or the form again, never a 500, and never leaks internals.

use reqwest::{Response, StatusCode};

use crate::helpers::{html, spawn_app, text_of, PASSWORD};

/// What must never reach a page: stack traces, file paths, SQL.
async fn assert_plain_words(resp: Response, what: &str) -> String {
    let body = resp.text().await.unwrap();
    for leak in [
        "panicked",
        "src/",
        ".rs:",
        "SELECT",
        "diesel",
        "sqlite",
        "postgres",
        "RUST_BACKTRACE",
    ] {
        assert!(!body.contains(leak), "{what}: page shows `{leak}`");
    }
    body
}

#[tokio::test]
async fn an_unknown_address_gets_a_404_page_in_words() {
    let app = spawn_app().await;
    for (path, words) in [
        ("/no/such/page", "There is no page at this address."),
        ("/admin/nothing-here", "There is no page at this address."),
        ("/static/nope.css", "There is no such file."),
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(header_is_html(&resp), "{path}");
        let body = assert_plain_words(resp, path).await;
        assert!(body.contains(words), "{path}");
    }

    // Signed in, the page keeps the menu.
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    let resp = app.get("/no/such/page").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let page = html(resp).await;
    assert_eq!(text_of(&page, "#error-title").as_deref(), Some("Not found"));
    assert_eq!(text_of(&page, ".signed-in").as_deref(), Some("alice"));
}

fn header_is_html(resp: &Response) -> bool {
    crate::helpers::header(resp.headers(), "content-type").starts_with("text/html")
}

#[tokio::test]
async fn a_bad_list_address_gets_a_400_that_says_what_is_wrong() {
    let app = spawn_app().await;
    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;

    let resp = app.get("/admin/api-keys/graphql?page=0").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, "#error-title").as_deref(),
        Some("Check your input")
    );
    let message = text_of(&page, "#error-message").unwrap();
    assert!(message.to_lowercase().contains("page"), "{message}");

    for path in [
        "/admin/api-keys/graphql?page=abc",
        "/admin/api-keys/graphql?page=-1",
        "/admin/api-keys/graphql?page=99999999999999999999999",
        "/admin/api-keys/graphql?per_page=7",
        "/admin/api-keys/graphql?sort=password_hash",
        "/admin/api-keys/graphql?dir=sideways",
        "/admin/api-keys/graphql?active=maybe",
        "/admin/api-keys/graphql?created_from=yesterday",
        "/admin/api-keys/graphql?q=%00",
        "/admin/api-keys/graphql/abc",
        "/admin/api-keys/graphql/0",
        "/admin/api-keys/graphql/-5",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_plain_words(resp, path).await;
    }
    for path in [
        "/admin/api-keys/soap",
        "/admin/api-keys/graphql/999999",
        "/admin/api-keys/soap/1",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert_plain_words(resp, path).await;
    }
}

#[tokio::test]
async fn bad_sign_in_forms_never_fail_on_the_server() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
    let long = "x".repeat(5000);
    let forms: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("username", "alice")],
        vec![("password", PASSWORD)],
        vec![("username", ""), ("password", "")],
        vec![("username", &long), ("password", &long)],
        vec![("username", "al\u{0}ice"), ("password", "pass\nword")],
        vec![
            ("username", "alice"),
            ("username", "bob"),
            ("password", PASSWORD),
        ],
        vec![("username", "<script>alert(1)</script>"), ("password", "x")],
    ];
    for form in forms {
        let resp = app.post_form("/login", &form).await;
        let status = resp.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED,
            "{form:?}: {status}"
        );
        let body = assert_plain_words(resp, &format!("{form:?}")).await;
        assert!(!body.contains("<script>alert(1)</script>"), "{form:?}");
    }
    assert!(app.is_signed_out().await);

    // Not a form at all.
    let token = app.csrf_token().await;
    let resp = app
        .client
        .post(app.url("/login"))
        .header("X-CSRF-Token", token)
        .header("Content-Type", "application/json")
        .body(r#"{"username":"alice","password":"correct horse battery staple"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(app.is_signed_out().await);
}

#[tokio::test]
async fn bad_channel_names_get_the_form_again_and_change_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("alice", &["api-key:owner"]).await;
    let before = channel_names(&app).await;
    let long = "n".repeat(101);
    for name in ["", "   ", long.as_str(), "line\nbreak", "tab\there"] {
        let resp = app.post_form("/admin/channels", &[("name", name)]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let page = html(resp).await;
        assert!(text_of(&page, "#channel-name-error").is_some(), "{name:?}");
    }
    let resp = app
        .post_form("/admin/channels", &[("name", "Web shop")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = app
        .post_form("/admin/channels", &[("name", "Web shop")])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = app.post_form("/admin/channels/abc", &[("name", "x")]).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(
        channel_names(&app).await,
        before
            .iter()
            .cloned()
            .chain(["Web shop".to_string()])
            .collect::<std::collections::BTreeSet<_>>()
    );
}

async fn channel_names(app: &crate::helpers::TestApp) -> std::collections::BTreeSet<String> {
    app.with_db(|c| {
        keydesk::models::channel::all(c)
            .unwrap()
            .into_iter()
            .map(|ch| ch.name)
            .collect()
    })
    .await
}
