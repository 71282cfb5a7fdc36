//! Failed sign-ins are slowed down per account and per source address, in
//! counters kept in the database; a block is a 429 with Retry-After, a
//! success resets the account, and nothing blocks for ever. Time is moved on
//! by ending the blocks in the database, never by sleeping.

use std::time::Duration;

use keydesk::config::Settings;
use keydesk::throttle::Rule;
use reqwest::{Response, StatusCode};

use crate::helpers::{header, html, spawn_app_with, text_of, Browser, TestApp, PASSWORD};

fn rule(free: u32, base: u64, max: u64) -> Rule {
    Rule {
        free_failures: free,
        base_delay: Duration::from_secs(base),
        max_delay: Duration::from_secs(max),
        forget_after: Duration::from_secs(3600),
    }
}

/// Accounts: 3 free failures, then 100 s, 200 s, at most 400 s. Addresses:
/// out of the way unless a test says otherwise.
fn strict(s: &mut Settings) {
    s.throttle.account = rule(3, 100, 400);
    s.throttle.address = rule(1000, 100, 400);
}

async fn sign_in_from(b: &Browser, forwarded_for: Option<&str>, user: &str, pw: &str) -> Response {
    let token = b.csrf_token().await;
    let mut req = b.client.post(b.url("/login"));
    if let Some(xff) = forwarded_for {
        req = req.header("X-Forwarded-For", xff);
    }
    req.form(&[("username", user), ("password", pw), ("csrf_token", &token)])
        .send()
        .await
        .unwrap()
}

fn retry_after(resp: &Response) -> u64 {
    header(resp.headers(), "retry-after")
        .parse()
        .expect("a Retry-After in seconds")
}

async fn assert_throttled(resp: Response, about: u64) {
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let secs = retry_after(&resp);
    assert!(
        secs <= about && secs + 5 >= about,
        "Retry-After {secs}, expected ~{about}"
    );
    assert_eq!(header(resp.headers(), "x-frame-options"), "DENY");
    let page = html(resp).await;
    let e = text_of(&page, ".form-error").unwrap();
    assert!(e.contains("Wait") && e.contains("try again"), "{e}");
}

async fn alice(app: &TestApp) {
    app.create_user("alice", PASSWORD, &["api-key:viewer"])
        .await;
}

#[tokio::test]
async fn an_account_is_slowed_down_with_growing_delays_then_reset_by_a_success() {
    let app = spawn_app_with(strict).await;
    alice(&app).await;
    for _ in 0..3 {
        assert_eq!(
            app.sign_in("alice", "wrong password, once more")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The fourth failure starts a block, and says so.
    let resp = app.sign_in("alice", "wrong password, once more").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(text_of(&html(resp).await, ".form-error")
        .unwrap()
        .contains("Wait"));
    // Blocked: even the right password is not looked at.
    assert_throttled(app.sign_in("alice", PASSWORD).await, 100).await;
    assert!(app.is_signed_out().await);
    assert_eq!(app.audit_action_count("sign_in.failed").await, 4);
    assert_eq!(app.audit_action_count("sign_in.throttled").await, 1);

    // Each further failure doubles the wait, up to the cap.
    for expected in [200, 400, 400] {
        app.end_throttle_blocks().await;
        app.sign_in("alice", "wrong password, once more").await;
        assert_throttled(app.sign_in("alice", PASSWORD).await, expected).await;
    }

    // Never for ever: once the wait is over, the right password works, and
    // the counter starts again at zero.
    app.end_throttle_blocks().await;
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let b = app.new_browser();
    for _ in 0..3 {
        assert_eq!(
            b.sign_in("alice", "wrong password, once more")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        b.sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_unknown_username_is_throttled_the_same_way() {
    let app = spawn_app_with(strict).await;
    for _ in 0..4 {
        assert_eq!(
            app.sign_in("mallory", "wrong password, once more")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_throttled(app.sign_in("mallory", PASSWORD).await, 100).await;
}

#[tokio::test]
async fn an_address_guessing_many_accounts_is_slowed_down() {
    let app = spawn_app_with(|s| {
        s.throttle.account = rule(1000, 100, 400);
        s.throttle.address = rule(3, 100, 400);
    })
    .await;
    alice(&app).await;
    for name in ["u1", "u2", "u3", "u4"] {
        assert_eq!(
            app.sign_in(name, "wrong password, once more")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_throttled(app.new_browser().sign_in("alice", PASSWORD).await, 100).await;
    // A success elsewhere does not reset the address.
    app.end_throttle_blocks().await;
    assert_eq!(
        app.new_browser().sign_in("alice", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app.sign_in("u5", "wrong password, once more").await;
    assert_throttled(app.new_browser().sign_in("alice", PASSWORD).await, 200).await;
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_reset_the_address_counter() {
    let app = spawn_app_with(|s| {
        s.throttle.account = rule(1000, 100, 400);
        s.throttle.address = rule(3, 100, 400);
    })
    .await;
    let b = app.new_browser();
    for i in 0..4 {
        let xff = format!("198.51.100.{i}");
        let resp = sign_in_from(
            &b,
            Some(&xff),
            &format!("u{i}"),
            "wrong password, once more",
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = sign_in_from(&b, Some("203.0.113.77"), "u9", "wrong password, once more").await;
    assert_throttled(resp, 100).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_counter() {
    let app = spawn_app_with(|s| {
        s.throttle.account = rule(1000, 100, 400);
        s.throttle.address = rule(3, 100, 400);
        s.trusted_proxies = keydesk::throttle::TrustedProxies(vec!["127.0.0.1".parse().unwrap()]);
    })
    .await;
    alice(&app).await;
    let b = app.new_browser();
    for i in 0..4 {
        let resp = sign_in_from(
            &b,
            Some("198.51.100.1"),
            &format!("u{i}"),
            "wrong password, once more",
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = sign_in_from(&b, Some("198.51.100.1"), "alice", PASSWORD).await;
    assert_throttled(resp, 100).await;
    // Another client behind the same proxy is not held up.
    let resp = sign_in_from(&b, Some("198.51.100.2"), "alice", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_counters_are_shared_by_instances_on_one_database() {
    let app = spawn_app_with(strict).await;
    alice(&app).await;
    let other = app.spawn_another_instance().await;
    for _ in 0..4 {
        app.sign_in("alice", "wrong password, once more").await;
    }
    let b = app.new_browser().on(&other);
    assert_throttled(b.sign_in("alice", PASSWORD).await, 100).await;
}
