//! Request limits: an oversized body is a 413 and a form of the wrong type a
//! 415, each with the error page; huge and slow request heads are cut off by
//! actix's limits without tying up the server.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{header, html, spawn_app, spawn_app_with, text_of};

#[tokio::test]
async fn an_oversized_form_gets_413_with_the_error_page() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let huge = "x".repeat(300 * 1024);
    // Token in the body (read by the CSRF check) and in the header (read by
    // the form extractor): both paths refuse.
    let resp = app
        .post_form("/admin/api-keys/graphql/new", &[("name", &huge)])
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(header(resp.headers(), "x-content-type-options"), "nosniff");
    let page = html(resp).await;
    assert_eq!(text_of(&page, "#error-title").as_deref(), Some("Too large"));
    let resp = app
        .post_htmx("/admin/api-keys/graphql/new", &[("name", &huge)])
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let resp = app
        .new_browser()
        .post_form("/login", &[("username", "olivia"), ("password", &huge)])
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(app.api_key_id("graphql", &huge).await.is_none());
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = spawn_app_with(|s| s.max_body_bytes = 4096).await;
    app.sign_in_as_owner().await;
    let name = "y".repeat(5000);
    let resp = app
        .post_form("/admin/api-keys/graphql/new", &[("name", &name)])
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let resp = app
        .post_form("/admin/api-keys/graphql/new", &[("name", "small")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_form_of_another_content_type_gets_415() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let token = app.csrf_token().await;
    for ct in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let resp = app
            .client
            .post(app.url("/admin/api-keys/graphql/new"))
            .header("X-CSRF-Token", &token)
            .header("Content-Type", ct)
            .body(r#"{"name":"json"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        let page = html(resp).await;
        assert_eq!(
            text_of(&page, "#error-title").as_deref(),
            Some("Not a form")
        );
    }
    assert!(app.api_key_id("graphql", "json").await.is_none());
}

#[tokio::test]
async fn huge_request_heads_are_refused_and_the_server_goes_on() {
    let app = spawn_app().await;
    let big = "a".repeat(200 * 1024);
    let resp = app
        .client
        .get(app.url("/login"))
        .header("X-Big", &big)
        .send()
        .await;
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_is_cut_off() {
    let app = spawn_app_with(|s| s.request_timeout = Duration::from_secs(1)).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    sock.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut buf = Vec::new();
    // The server answers 408 and closes; it does not wait for us.
    let read = tokio::time::timeout(Duration::from_secs(10), sock.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}
