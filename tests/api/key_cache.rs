//! The key-state cache behind every check (issue 9 §6): a change made
//! through the back office is refused by the very next request on the same
//! instance, for every kind of change; a second instance on the same
//! database refuses within a second; and time still counts to the second,
//! since the cache holds state, not verdicts.

use std::time::{Duration, Instant};

use keydesk::domain::KeyKind;
use serde_json::{json, Value};

use crate::access_support::*;
use crate::helpers::{spawn_app, TestApp};

/// Edits a REST key through the back office as the signed-in owner
/// (confirming when the edit deactivates or narrows it).
async fn edit(app: &TestApp, id: i64, fields: &[(&str, &str)]) {
    let path = format!("/admin/api-keys/rest/{id}");
    let resp = crate::keys_support::save_edit(app, &path, fields).await;
    assert_eq!(resp.status(), 303, "edit {fields:?}");
}

/// What a REST key with these grants and stores is edited to by default.
fn fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![("name", "Partner"), ("expiry", "keep")];
    f.extend_from_slice(extra);
    f
}

/// Asks until `want` comes back or `within` has passed; the time it took.
async fn eventually(
    app: &TestApp,
    caller: &Issued,
    key: &str,
    ask: &Value,
    want: &str,
    within: Duration,
) -> Duration {
    let start = Instant::now();
    loop {
        let got = code_of(app, caller, key, ask.clone()).await;
        if got == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "still {got:?}, not {want:?}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_change_through_the_back_office_is_refused_by_the_next_request() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let caller = create_caller(&app).await;
    let key = create_key(
        &app,
        KeyKind::Rest,
        "Partner",
        &["order-data:view"],
        vec![],
        Some(&["berlin", "hamburg"]),
        None,
    )
    .await;
    let berlin = app.with_db(|c| store_id(c, "berlin")).await.to_string();
    let hamburg = app.with_db(|c| store_id(c, "hamburg")).await.to_string();
    let ask = json!({ "function": "order-data", "action": "view", "store": "berlin" });
    let full = [
        ("active", "true"),
        ("grant", "order-data:view"),
        ("access_type", "individual"),
        ("store", berlin.as_str()),
        ("store", hamburg.as_str()),
    ];
    // Warm: asked twice, so the second answer came from the cache.
    for _ in 0..2 {
        assert_eq!(
            code_of(&app, &caller, &key.secret, ask.clone()).await,
            "valid"
        );
    }

    // Deactivation.
    let inactive: Vec<_> = full.iter().copied().filter(|f| f.0 != "active").collect();
    edit(&app, key.id, &fields(&inactive)).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "inactive"
    );
    edit(&app, key.id, &fields(&full)).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "valid"
    );

    // A grant taken away.
    let mut other_grant = full.to_vec();
    other_grant[1] = ("grant", "pricing:view");
    edit(&app, key.id, &fields(&other_grant)).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "function_denied"
    );
    edit(&app, key.id, &fields(&full)).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "valid"
    );

    // A store taken away.
    let hamburg_only: Vec<_> = full
        .iter()
        .copied()
        .filter(|f| *f != ("store", berlin.as_str()))
        .collect();
    edit(&app, key.id, &fields(&hamburg_only)).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "store_denied"
    );
    edit(&app, key.id, &fields(&full)).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "valid"
    );

    // An expiry edit to today: valid until the day ends, expired after.
    let today = app.now().date().format("%Y-%m-%d").to_string();
    let mut expiring = full.to_vec();
    expiring.push(("expiry_date", today.as_str()));
    let mut f = vec![("name", "Partner"), ("expiry", "date")];
    f.extend_from_slice(&expiring);
    edit(&app, key.id, &f).await;
    app.advance_clock(Duration::from_secs(2 * 24 * 3600));
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "expired"
    );
    let mut f = vec![("name", "Partner"), ("expiry", "never")];
    f.extend_from_slice(&full);
    edit(&app, key.id, &f).await;
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "valid"
    );

    // A refresh with a grace period, then stopping the old secret.
    let base = format!("/admin/api-keys/rest/{}", key.id);
    let resp = app
        .post_form(&format!("{base}/refresh"), &[("grace", "24h")])
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "valid"
    );
    let resp = app.post_form(&format!("{base}/stop-old-secret"), &[]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        code_of(&app, &caller, &key.secret, ask.clone()).await,
        "secret_retired"
    );

    // A refresh with grace "now", on a second key.
    let second = create_rest_key_with_grants(&app, "Second", &["order-data:view"]).await;
    assert_eq!(
        code_of(&app, &caller, &second.secret, json!({})).await,
        "valid"
    );
    let resp = app
        .post_form(
            &format!("/admin/api-keys/rest/{}/refresh", second.id),
            &[("grace", "now")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        code_of(&app, &caller, &second.secret, json!({})).await,
        "secret_retired"
    );

    // Deletion, of the key and of the caller itself.
    let third = create_rest_key_with_grants(&app, "Third", &["order-data:view"]).await;
    assert_eq!(
        code_of(&app, &caller, &third.secret, json!({})).await,
        "valid"
    );
    let resp = app
        .post_form(
            "/admin/api-keys/rest/delete",
            &[("id", &third.id.to_string())],
        )
        .await;
    assert!(resp.status().is_success() || resp.status().is_redirection());
    assert_eq!(
        code_of(&app, &caller, &third.secret, json!({})).await,
        "not_found"
    );
    let resp = app
        .post_form(
            "/admin/api-keys/rest/delete",
            &[("id", &caller.id.to_string())],
        )
        .await;
    assert!(resp.status().is_success() || resp.status().is_redirection());
    let resp = verify_as(&app, &basic_of(&caller), &json!({ "key": "x" })).await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn a_token_revoked_or_dead_with_its_key_is_refused_at_once_here() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let token = access_token(&app, &key).await;
    for _ in 0..2 {
        assert_eq!(code_of(&app, &caller, &token, json!({})).await, "valid");
    }
    let resp = post_oauth(
        &app,
        "/oauth/revoke",
        Some(&basic_of(&key)),
        &[("token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(code_of(&app, &caller, &token, json!({})).await, "not_found");

    // A caller on a bearer token loses it with its key's deactivation.
    let caller_token = access_token(&app, &caller).await;
    let bearer = format!("Bearer {caller_token}");
    for _ in 0..2 {
        let resp = verify_as(&app, &bearer, &json!({ "key": "x" })).await;
        assert_eq!(resp.status(), 200);
    }
    edit(
        &app,
        caller.id,
        &[
            ("name", "Platform gateway"),
            ("expiry", "keep"),
            ("grant", "role-permission:view"),
            ("access_type", "all"),
        ],
    )
    .await;
    let resp = verify_as(&app, &bearer, &json!({ "key": "x" })).await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn time_is_exact_to_the_second_while_the_state_is_cached() {
    let app = spawn_app().await;
    let caller = create_caller(&app).await;
    let at = app.now() + chrono::Duration::seconds(60);
    let key = create_key(
        &app,
        KeyKind::Rest,
        "Partner",
        &["pricing:view"],
        vec![],
        None,
        Some(at),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(
            code_of(&app, &caller, &key.secret, json!({})).await,
            "valid"
        );
    }
    app.advance_clock(Duration::from_secs(59));
    assert_eq!(
        code_of(&app, &caller, &key.secret, json!({})).await,
        "valid"
    );
    app.advance_clock(Duration::from_secs(2));
    assert_eq!(
        code_of(&app, &caller, &key.secret, json!({})).await,
        "expired"
    );
}

#[tokio::test]
async fn another_instance_on_the_same_database_refuses_within_a_second() {
    let app = spawn_app().await;
    let other = app.spawn_another_instance().await;
    app.sign_in_as_owner().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["logistics:view"]).await;
    let ask = json!({ "function": "logistics" });
    for _ in 0..2 {
        assert_eq!(
            code_of(&other, &caller, &key.secret, ask.clone()).await,
            "valid"
        );
    }
    let second = Duration::from_secs(1);

    // Deactivated on the first instance.
    edit(
        &app,
        key.id,
        &[
            ("name", "Partner"),
            ("expiry", "keep"),
            ("grant", "logistics:view"),
            ("access_type", "all"),
        ],
    )
    .await;
    let took = eventually(&other, &caller, &key.secret, &ask, "inactive", second).await;
    println!("deactivation seen by the other instance after {took:?}");
    edit(
        &app,
        key.id,
        &[
            ("name", "Partner"),
            ("active", "true"),
            ("expiry", "keep"),
            ("grant", "logistics:view"),
            ("access_type", "all"),
        ],
    )
    .await;
    eventually(&other, &caller, &key.secret, &ask, "valid", second).await;

    // Refreshed with grace "now".
    let resp = app
        .post_form(
            &format!("/admin/api-keys/rest/{}/refresh", key.id),
            &[("grace", "now")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    eventually(&other, &caller, &key.secret, &ask, "secret_retired", second).await;

    // Deleted.
    let third = create_rest_key_with_grants(&app, "Third", &["logistics:view"]).await;
    for _ in 0..2 {
        assert_eq!(
            code_of(&other, &caller, &third.secret, ask.clone()).await,
            "valid"
        );
    }
    let resp = app
        .post_form(
            "/admin/api-keys/rest/delete",
            &[("id", &third.id.to_string())],
        )
        .await;
    assert!(resp.status().is_success() || resp.status().is_redirection());
    eventually(&other, &caller, &third.secret, &ask, "not_found", second).await;
}
