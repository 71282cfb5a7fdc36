//! Failed client authentications at `/oauth/token` and at the verification
//! endpoint are slowed down per Client Id and per source address, with the
//! counters of sign-in (issue 11 §1): growing delays, then 429 with
//! Retry-After even for the right secret; a success resets the client;
//! nothing blocks for ever; shared by instances on one database. And the
//! history of issued and revoked tokens (never the token itself).

use std::time::Duration;

use keydesk::config::Settings;
use keydesk::models::audit::action;
use keydesk::throttle::{IpNet, Rule, TrustedProxies};
use reqwest::Response;
use serde_json::{json, Value};

use crate::access_support::*;
use crate::helpers::{header, spawn_app_with, TestApp};

fn rule(free: u32, base: u64, max: u64) -> Rule {
    Rule {
        free_failures: free,
        base_delay: Duration::from_secs(base),
        max_delay: Duration::from_secs(max),
        forget_after: Duration::from_secs(3600),
    }
}

/// Clients: 3 free failures, then 100 s, 200 s, at most 400 s. Addresses
/// out of the way unless a test says otherwise.
fn strict_clients(s: &mut Settings) {
    s.throttle.client = rule(3, 100, 400);
    s.throttle.address = rule(1000, 100, 400);
}

fn strict_addresses(s: &mut Settings) {
    s.throttle.client = rule(1000, 100, 400);
    s.throttle.address = rule(2, 100, 400);
}

async fn token_with(app: &TestApp, client_id: &str, secret: &str, xff: Option<&str>) -> Response {
    let mut r = app
        .client
        .post(app.url("/oauth/token"))
        .header("Authorization", basic(client_id, secret))
        .form(&[("grant_type", "client_credentials")]);
    if let Some(x) = xff {
        r = r.header("X-Forwarded-For", x);
    }
    r.send().await.unwrap()
}

async fn assert_throttled(resp: Response, about: u64, field: &str) {
    assert_eq!(resp.status(), 429);
    let secs: u64 = header(resp.headers(), "retry-after").parse().unwrap();
    assert!(
        secs <= about && secs + 5 >= about,
        "Retry-After {secs}, expected ~{about}"
    );
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    let m = body[field].as_str().unwrap();
    assert!(m.contains("Wait") && m.contains("try again"), "{m}");
}

/// A secret of the right shape that is nobody's.
async fn wrong_secret(app: &TestApp) -> String {
    let other = create_rest_key_with_grants(app, "Someone else", &["pricing:view"]).await;
    other.secret
}

#[tokio::test]
async fn the_token_endpoint_slows_a_client_down_then_a_success_resets_it() {
    let app = spawn_app_with(strict_clients).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let id = key.client_id.clone().unwrap();
    let wrong = wrong_secret(&app).await;
    for _ in 0..4 {
        assert_eq!(token_with(&app, &id, &wrong, None).await.status(), 401);
    }
    // Blocked now: even the right secret is refused unseen, and the wait
    // doubles with the next failure after the block.
    assert_throttled(
        token_with(&app, &id, &key.secret, None).await,
        100,
        "error_description",
    )
    .await;
    let ev = settled_events(&app, action::CLIENT_THROTTLED, 1).await;
    assert_eq!(ev.len(), 1, "one event, rate-limited");
    let d = ev[0].details_json();
    assert_eq!(d["endpoint"], "oauth/token");
    assert_eq!(d["client_id"], json!(id));
    assert_eq!(ev[0].source_ip.as_deref(), Some("127.0.0.1"));
    assert!(!ev[0].details.contains(&key.secret));

    // Never a lockout: once the block has run out the right secret works…
    app.end_throttle_blocks().await;
    assert_eq!(token_with(&app, &id, &wrong, None).await.status(), 401);
    assert_throttled(
        token_with(&app, &id, &key.secret, None).await,
        200,
        "error_description",
    )
    .await;
    app.end_throttle_blocks().await;
    assert_eq!(token_with(&app, &id, &key.secret, None).await.status(), 200);
    // …and resets the client: three free failures again.
    for _ in 0..3 {
        assert_eq!(token_with(&app, &id, &wrong, None).await.status(), 401);
    }
    assert_eq!(token_with(&app, &id, &key.secret, None).await.status(), 200);
    // Another client is not affected by this one's counter.
    let other = create_rest_key_with_grants(&app, "Other", &["pricing:view"]).await;
    assert_eq!(
        issue_token(&app, &other, None).await["token_type"],
        "Bearer"
    );
}

#[tokio::test]
async fn the_verification_endpoint_throttles_its_callers_per_client_id() {
    let app = spawn_app_with(strict_clients).await;
    let caller = create_caller(&app).await;
    let id = caller.client_id.clone().unwrap();
    let wrong = wrong_secret(&app).await;
    let body = json!({ "key": "x" });
    for _ in 0..4 {
        assert_eq!(
            verify_as(&app, &basic(&id, &wrong), &body).await.status(),
            401
        );
    }
    assert_throttled(
        verify_as(&app, &basic_of(&caller), &body).await,
        100,
        "message",
    )
    .await;
    let ev = settled_events(&app, action::CLIENT_THROTTLED, 1).await;
    assert_eq!(ev[0].details_json()["endpoint"], "verify");
    // Introspection authenticates its caller the same way: blocked too.
    let resp = post_oauth(
        &app,
        "/oauth/introspect",
        Some(&basic_of(&caller)),
        &[("token", "x")],
    )
    .await;
    assert_eq!(resp.status(), 429);
    app.end_throttle_blocks().await;
    assert_eq!(
        verify_as(&app, &basic_of(&caller), &body).await.status(),
        200
    );
}

#[tokio::test]
async fn an_address_guessing_many_clients_is_slowed_down_and_a_forged_header_does_not_help() {
    let app = spawn_app_with(strict_addresses).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let wrong = wrong_secret(&app).await;
    for i in 0..3 {
        let resp = token_with(
            &app,
            &format!("client-{i}"),
            &wrong,
            Some(&format!("10.0.0.{i}")),
        )
        .await;
        assert_eq!(resp.status(), 401);
    }
    // Blocked by address, whatever X-Forwarded-For says (no trusted proxy),
    // and whichever client it names, at either endpoint.
    assert_throttled(
        token_with(
            &app,
            key.client_id.as_deref().unwrap(),
            &key.secret,
            Some("198.51.100.1"),
        )
        .await,
        100,
        "error_description",
    )
    .await;
    assert_eq!(
        verify_as(&app, &basic_of(&key), &json!({ "key": "x" }))
            .await
            .status(),
        429
    );
    // Bearer callers are counted by address too.
    let resp = app
        .client
        .post(app.url("/api/v1/keys/verify"))
        .bearer_auth("not-a-token")
        .json(&json!({ "key": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_counter() {
    let app = spawn_app_with(|s| {
        strict_addresses(s);
        s.trusted_proxies = TrustedProxies(vec!["127.0.0.1".parse::<IpNet>().unwrap()]);
    })
    .await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let id = key.client_id.clone().unwrap();
    let wrong = wrong_secret(&app).await;
    for _ in 0..3 {
        let resp = token_with(&app, &id, &wrong, Some("203.0.113.7")).await;
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(
        token_with(&app, &id, &key.secret, Some("203.0.113.7"))
            .await
            .status(),
        429
    );
    // Another client behind the same proxy is not blocked.
    assert_eq!(
        token_with(&app, &id, &key.secret, Some("203.0.113.8"))
            .await
            .status(),
        200
    );
    let ev = settled_events(&app, action::CLIENT_THROTTLED, 1).await;
    assert_eq!(ev[0].source_ip.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn counters_are_shared_by_instances_on_one_database() {
    let app = spawn_app_with(strict_clients).await;
    let other = app.spawn_another_instance().await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let id = key.client_id.clone().unwrap();
    let wrong = wrong_secret(&app).await;
    // The second instance has just seen the client clean…
    assert_eq!(
        token_with(&other, &id, &key.secret, None).await.status(),
        200
    );
    for _ in 0..4 {
        assert_eq!(token_with(&app, &id, &wrong, None).await.status(), 401);
    }
    // …and sees the block within a second.
    tokio::time::sleep(keydesk::throttle::CLEAN_FOR).await;
    assert_eq!(
        token_with(&other, &id, &key.secret, None).await.status(),
        429
    );
    // Failures there count on the same counter.
    app.end_throttle_blocks().await;
    assert_eq!(token_with(&other, &id, &wrong, None).await.status(), 401);
    assert_eq!(token_with(&app, &id, &key.secret, None).await.status(), 429);
}

#[tokio::test]
async fn issued_and_revoked_tokens_are_in_the_history_without_the_token() {
    let app = spawn_app_with(|_| {}).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view", "pricing:edit"]).await;
    let issued = issue_token(&app, &key, Some("pricing:view")).await;
    let token = issued["access_token"].as_str().unwrap().to_owned();
    let ev = events(&app, action::TOKEN_ISSUED).await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].actor_key_id, Some(key.id));
    assert_eq!(ev[0].target_id, Some(key.id));
    assert_eq!(ev[0].source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(ev[0].details_json()["scope"], "pricing:view");
    assert!(!ev[0].details.contains(&token));
    assert!(!ev[0].details.contains(&key.secret));

    let resp = post_oauth(
        &app,
        "/oauth/revoke",
        Some(&basic_of(&key)),
        &[("token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let ev = events(&app, action::TOKEN_REVOKED).await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].target_id, Some(key.id));
    assert!(!ev[0].details.contains(&token));
    // Revoking it again (or an unknown token) is 200 and no new event.
    let resp = post_oauth(
        &app,
        "/oauth/revoke",
        Some(&basic_of(&key)),
        &[("token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(events(&app, action::TOKEN_REVOKED).await.len(), 1);
}
