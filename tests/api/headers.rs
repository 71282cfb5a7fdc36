//! Security headers on every response, and no caching of signed-in pages.

use reqwest::{Response, StatusCode};

use crate::helpers::{header, spawn_app};

fn assert_security_headers(resp: &Response, what: &str) {
    let h = resp.headers();
    let csp = header(h, "content-security-policy");
    assert!(
        csp.split(';').any(|d| d.trim().starts_with("script-src")),
        "{what}: no script-src in `{csp}`"
    );
    for directive in csp.split(';').map(str::trim) {
        if directive.starts_with("script-src") || directive.starts_with("default-src") {
            assert!(!directive.contains("'unsafe-inline'"), "{what}: {csp}");
            assert!(!directive.contains("'unsafe-eval'"), "{what}: {csp}");
        }
    }
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(header(h, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(h, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(h, "referrer-policy"), "same-origin", "{what}");
    assert_eq!(
        header(h, "cross-origin-opener-policy"),
        "same-origin",
        "{what}"
    );
    assert!(
        header(h, "permissions-policy").contains("camera=()"),
        "{what}"
    );
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let signed_out = [
        ("/login", StatusCode::OK),
        ("/static/app.css", StatusCode::OK),
        ("/static/no-such-file.js", StatusCode::NOT_FOUND),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/healthz", StatusCode::OK),
        ("/admin/api-keys", StatusCode::SEE_OTHER),
    ];
    for (path, status) in signed_out {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), status, "{path}");
        assert_security_headers(&resp, path);
    }

    app.sign_in_with_roles("alice", &["api-key:viewer"]).await;
    let signed_in = [
        ("/admin/api-keys/graphql", StatusCode::OK),
        ("/admin/api-keys/graphql/new", StatusCode::FORBIDDEN),
        ("/admin/api-keys/graphql?page=0", StatusCode::BAD_REQUEST),
        ("/no/such/page", StatusCode::NOT_FOUND),
    ];
    for (path, status) in signed_in {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), status, "{path}");
        assert_security_headers(&resp, path);
    }
    let resp = app.post_form_without_csrf("/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_security_headers(&resp, "POST /logout without a token");
}

#[tokio::test]
async fn signed_in_pages_are_never_cached() {
    let app = spawn_app().await;
    app.sign_in_with_roles("alice", &["api-key:owner"]).await;
    for path in [
        "/admin/api-keys/graphql",
        "/admin/api-keys/rest",
        "/admin/api-keys/graphql/new",
        "/admin/channels",
        // Error pages too: they carry the user's name and CSRF token.
        "/no/such/page",
        "/admin/api-keys/graphql?page=0",
        "/admin/users-that-do-not-exist",
    ] {
        let resp = app.get(path).await;
        assert_eq!(
            header(resp.headers(), "cache-control"),
            "no-store",
            "{path}"
        );
    }
    // Nor is the response that shows a new secret.
    let resp = app
        .post_form("/admin/api-keys/graphql/new", &[("name", "secret-shown")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");

    // And the 403 page of someone without the role.
    let viewer = app.new_browser();
    app.create_user("victor", crate::helpers::PASSWORD, &["api-key:viewer"])
        .await;
    viewer.sign_in("victor", crate::helpers::PASSWORD).await;
    let resp = viewer.get("/admin/api-keys/graphql/new").await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");
}
