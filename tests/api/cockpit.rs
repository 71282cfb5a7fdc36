//! The rotation cockpit (issue 13): the key's dialog during a grace period
//! lists exactly the callers still on the old secret; "Stop when idle"
//! ends the grace by itself after the idle time (the test clock moves);
//! "Extend the grace"; Owners only, with CSRF; each action audited.

use std::time::Duration;

use keydesk::domain::{Grace, KeyKind};
use keydesk::models::audit::action;
use reqwest::StatusCode;
use scraper::Html;

use crate::access_support::*;
use crate::helpers::{spawn_app, TestApp};
use crate::keys_support::sel;

/// A token request with `secret` of `key`, from the user agent `ua`.
async fn use_secret(app: &TestApp, key: &Issued, secret: &str, ua: &str) -> StatusCode {
    app.client
        .post(app.url("/oauth/token"))
        .header(
            "Authorization",
            basic(key.client_id.as_deref().unwrap(), secret),
        )
        .header("User-Agent", ua)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

/// The user agents the cockpit lists as still on the old secret.
async fn listed(app: &TestApp, id: i64) -> Vec<String> {
    let resp = app.get_htmx(&format!("/admin/api-keys/rest/{id}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = Html::parse_fragment(&resp.text().await.unwrap());
    page.select(&sel(".cockpit-callers tbody tr td:nth-child(2)"))
        .map(|td| td.text().collect::<String>())
        .collect()
}

async fn setup() -> (TestApp, Issued, String) {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    // Before the refresh: not a caller "still" on the old secret.
    assert_eq!(use_secret(&app, &key, &key.secret, "before/1").await, 200);
    app.advance_clock(Duration::from_secs(60));
    let new = refresh(&app, key.id, KeyKind::Rest, Grace::Hours24).await;
    app.advance_clock(Duration::from_secs(60));
    (app, key, new)
}

#[tokio::test]
async fn the_cockpit_lists_exactly_the_callers_still_on_the_old_secret() {
    let (app, key, new) = setup().await;
    let base = format!("/admin/api-keys/rest/{}", key.id);
    let page = app.get_htmx(&base).await.text().await.unwrap();
    assert!(page.contains("Rotation in progress"));
    assert!(page.contains("No caller has used the old secret since the refresh"));

    for ua in ["billing/1", "shop/2", "billing/1"] {
        assert_eq!(use_secret(&app, &key, &key.secret, ua).await, 200);
    }
    app.flush_usage().await;
    let mut l = listed(&app, key.id).await;
    l.sort();
    assert_eq!(l, ["billing/1", "shop/2"]);
    let page = Html::parse_fragment(&app.get_htmx(&base).await.text().await.unwrap());
    let old_calls: String = page
        .select(&sel(".cockpit-old-calls"))
        .flat_map(|e| e.text())
        .collect();
    assert_eq!(old_calls, "4");

    // billing moves to the new secret: only shop is left.
    app.advance_clock(Duration::from_secs(60));
    assert_eq!(use_secret(&app, &key, &new, "billing/1").await, 200);
    app.flush_usage().await;
    assert_eq!(listed(&app, key.id).await, ["shop/2"]);
    // shop moves too: nobody is left.
    app.advance_clock(Duration::from_secs(60));
    assert_eq!(use_secret(&app, &key, &new, "shop/2").await, 200);
    app.flush_usage().await;
    assert!(listed(&app, key.id).await.is_empty());
    // Once the grace ends the cockpit is gone.
    app.post_htmx(&format!("{base}/stop-old-secret"), &[]).await;
    let page = app.get_htmx(&base).await.text().await.unwrap();
    assert!(!page.contains("Rotation in progress"));
}

#[tokio::test]
async fn stop_when_idle_ends_the_grace_after_the_idle_time() {
    let (app, key, new) = setup().await;
    let base = format!("/admin/api-keys/rest/{}", key.id);
    let resp = app
        .post_htmx(&format!("{base}/grace/stop-when-idle"), &[("idle", "15m")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("no call for 15 minutes"));
    assert_eq!(events(&app, action::KEY_GRACE_CHANGED).await.len(), 1);

    assert_eq!(use_secret(&app, &key, &key.secret, "late/1").await, 200);
    app.flush_usage().await;
    app.advance_clock(Duration::from_secs(10 * 60));
    app.flush_usage().await;
    assert_eq!(
        code_of_old(&app, &key).await,
        200,
        "10 minutes idle: still works"
    );
    // Another call restarts the idle time.
    assert_eq!(use_secret(&app, &key, &key.secret, "late/1").await, 200);
    app.advance_clock(Duration::from_secs(10 * 60));
    app.flush_usage().await;
    assert!(secrets(&app, key.id).await[1].retires_at.unwrap() > app.now());
    app.advance_clock(Duration::from_secs(6 * 60));
    app.flush_usage().await;
    let s = secrets(&app, key.id).await;
    assert!(
        s[1].retires_at.unwrap() <= app.now(),
        "stopped after 16 idle minutes"
    );
    assert_eq!(code_of_old(&app, &key).await, 401);
    assert_eq!(use_secret(&app, &key, &new, "late/1").await, 200);
    let stopped = events(&app, action::KEY_OLD_SECRET_STOPPED).await;
    assert_eq!(stopped.len(), 1);
    assert!(stopped[0].actor_user_id.is_none() && stopped[0].actor_key_id.is_none());
}

async fn code_of_old(app: &TestApp, key: &Issued) -> u16 {
    use_secret(app, key, &key.secret, "probe/0").await.as_u16()
}

#[tokio::test]
async fn extend_the_grace_to_a_later_end() {
    let (app, key, _new) = setup().await;
    let base = format!("/admin/api-keys/rest/{}", key.id);
    let resp = app
        .post_htmx(&format!("{base}/grace/extend"), &[("grace", "7d")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let ends = secrets(&app, key.id).await[1].retires_at.unwrap();
    let want = app.now() + chrono::Duration::days(7);
    assert!((ends - want).num_seconds().abs() <= 2);
    // An earlier end is no extension.
    let resp = app
        .post_htmx(&format!("{base}/grace/extend"), &[("grace", "1h")])
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(secrets(&app, key.id).await[1].retires_at.unwrap(), ends);
    for bad in ["now", "", "forever"] {
        let resp = app
            .post_htmx(&format!("{base}/grace/extend"), &[("grace", bad)])
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let resp = app
        .post_htmx(&format!("{base}/grace/stop-when-idle"), &[("idle", "2h")])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(events(&app, action::KEY_GRACE_CHANGED).await.len(), 1);
    // Without a grace period: a clear refusal, nothing changed.
    app.post_htmx(&format!("{base}/stop-old-secret"), &[]).await;
    let resp = app
        .post_htmx(&format!("{base}/grace/extend"), &[("grace", "7d")])
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn cockpit_actions_need_owner_and_csrf() {
    let (app, key, _new) = setup().await;
    let base = format!("/admin/api-keys/rest/{}", key.id);
    let actions = [
        (format!("{base}/grace/extend"), ("grace", "7d")),
        (format!("{base}/grace/stop-when-idle"), ("idle", "15m")),
    ];
    for (path, field) in &actions {
        let resp = app.post_form_without_csrf(path, &[*field]).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path} without CSRF");
    }
    for (name, role) in [
        ("eddie", "api-key:editor"),
        ("vera", "api-key:viewer"),
        ("uma", "user:owner"),
    ] {
        let b = app.new_browser();
        app.create_user(name, crate::helpers::PASSWORD, &[role])
            .await;
        b.sign_in(name, crate::helpers::PASSWORD).await;
        for (path, field) in &actions {
            let resp = b.post_form(path, &[*field]).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role} {path}");
        }
    }
    let anon = app.new_browser();
    let resp = anon.post_form(&actions[0].0, &[actions[0].1]).await;
    assert_ne!(resp.status(), StatusCode::OK);
    assert!(events(&app, action::KEY_GRACE_CHANGED).await.is_empty());
    let s = secrets(&app, key.id).await;
    assert!(s[1].stop_when_idle_secs.is_none());
}
