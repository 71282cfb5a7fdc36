//! The usage record (issue 13): counters under concurrent calls equal the
//! calls made, hourly rows roll up into days after 90 days, and calls with a
//! secret in its grace period carry `Deprecation` and `Sunset` (Key API,
//! GraphQL, OAuth) or a `sunset` field (verify), and no other call does.

use std::time::Duration;

use diesel::prelude::*;
use keydesk::domain::{AccessLevel, Grace, KeyKind, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use keydesk::schema::key_usage;
use reqwest::Method;
use serde_json::{json, Value};

use crate::access_support::*;
use crate::helpers::{header, TestApp};
use crate::key_api_support::call;

/// (span, dim, value, count) of a secret's rows, summed over buckets.
pub async fn usage_of(app: &TestApp, secret_id: i64) -> Vec<(String, String, String, i64)> {
    app.with_db(move |c| {
        let rows: Vec<(String, String, String, i64)> = key_usage::table
            .filter(key_usage::secret_id.eq(secret_id))
            .select((
                key_usage::span,
                key_usage::dim,
                key_usage::value,
                key_usage::count,
            ))
            .load(c)
            .unwrap();
        let mut sums: std::collections::BTreeMap<(String, String, String), i64> =
            Default::default();
        for (s, d, v, n) in rows {
            *sums.entry((s, d, v)).or_default() += n;
        }
        sums.into_iter()
            .map(|((s, d, v), n)| (s, d, v, n))
            .collect()
    })
    .await
}

pub fn count(rows: &[(String, String, String, i64)], span: &str, dim: &str, value: &str) -> i64 {
    rows.iter()
        .filter(|r| r.0 == span && r.1 == dim && r.2 == value)
        .map(|r| r.3)
        .sum()
}

async fn verify_with_agent(app: &TestApp, caller: &Issued, ua: &str, body: Value) -> Value {
    let resp = app
        .client
        .post(app.url("/api/v1/keys/verify"))
        .header("Authorization", basic_of(caller))
        .header("User-Agent", ua)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn current_secret_id(app: &TestApp, key_id: i64) -> i64 {
    secrets(app, key_id).await[0].id
}

#[tokio::test]
async fn counters_under_concurrent_calls_equal_the_calls_made() {
    let app = crate::helpers::spawn_app().await;
    let caller = create_caller(&app).await;
    let key = create_key(
        &app,
        KeyKind::Rest,
        "Partner",
        &["pricing:view"],
        vec![],
        Some(&["berlin"]),
        None,
    )
    .await;
    let allowed =
        json!({ "key": key.secret, "function": "pricing", "action": "view", "store": "berlin" });
    let denied =
        json!({ "key": key.secret, "function": "order-data", "action": "view", "store": "berlin" });
    let mut calls = Vec::new();
    for i in 0..40 {
        let (ua, body) = if i % 4 == 0 {
            ("svc-b/2", denied.clone())
        } else {
            ("svc-a/1", allowed.clone())
        };
        let (app, caller) = (&app, &caller);
        calls.push(async move { verify_with_agent(app, caller, ua, body).await });
    }
    let answers = futures_util::future::join_all(calls).await;
    assert_eq!(answers.iter().filter(|a| a["valid"] == true).count(), 30);
    // Noted in memory only: nothing is written before the flush.
    let secret = current_secret_id(&app, key.id).await;
    assert!(usage_of(&app, secret).await.is_empty());
    app.flush_usage().await;

    let rows = usage_of(&app, secret).await;
    assert_eq!(count(&rows, "hour", "calls", ""), 40);
    assert_eq!(count(&rows, "hour", "refused", "function_denied"), 10);
    assert_eq!(count(&rows, "hour", "caller", "127.0.0.1 svc-a/1"), 30);
    assert_eq!(count(&rows, "hour", "caller", "127.0.0.1 svc-b/2"), 10);
    // What it used: the allowed calls' grant and store; the refused ones
    // are counted by their code, and asked for nothing it used.
    assert_eq!(count(&rows, "hour", "grant", "pricing:view"), 30);
    assert_eq!(count(&rows, "hour", "grant", "order-data:view"), 0);
    assert_eq!(count(&rows, "hour", "store", "berlin"), 30);
    // Never a secret in the record.
    assert!(rows.iter().all(|r| !r.2.contains(&key.secret)));
    // The caller's own secret: one authenticated call each.
    let caller_rows = usage_of(&app, current_secret_id(&app, caller.id).await).await;
    assert_eq!(count(&caller_rows, "hour", "calls", ""), 40);
    assert_eq!(
        count(&caller_rows, "hour", "grant", "role-permission:view"),
        40
    );

    // A second flush adds to the same hour's rows (the upsert).
    for _ in 0..5 {
        verify_with_agent(&app, &caller, "svc-a/1", allowed.clone()).await;
    }
    app.flush_usage().await;
    let rows = usage_of(&app, secret).await;
    assert_eq!(count(&rows, "hour", "calls", ""), 45);
    assert_eq!(count(&rows, "hour", "caller", "127.0.0.1 svc-a/1"), 35);
}

/// The switch the benchmark's (g0) server uses (examples/bench_serve.rs):
/// without counters a call still moves last used, and adds no row.
#[tokio::test]
async fn without_counters_a_call_moves_only_last_used() {
    let app = crate::helpers::spawn_app_with(|s| s.usage_counters = false).await;
    let caller = create_caller(&app).await;
    let key = create_key(
        &app,
        KeyKind::Rest,
        "Partner",
        &["pricing:view"],
        vec![],
        None,
        None,
    )
    .await;
    let body = json!({ "key": key.secret, "function": "pricing", "action": "view" });
    assert_eq!(
        verify_with_agent(&app, &caller, "svc-a/1", body).await["valid"],
        true
    );
    app.flush_usage().await;
    let secret = current_secret_id(&app, key.id).await;
    assert!(usage_of(&app, secret).await.is_empty());
    assert!(secrets(&app, key.id).await[0].last_used_at.is_some());
}

#[tokio::test]
async fn hourly_rows_roll_up_into_days_after_90_days() {
    let app = crate::helpers::spawn_app().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    for _ in 0..3 {
        assert_eq!(
            code_of(&app, &caller, &key.secret, json!({})).await,
            "valid"
        );
    }
    app.advance_clock(Duration::from_secs(3600));
    assert_eq!(
        code_of(&app, &caller, &key.secret, json!({})).await,
        "valid"
    );
    app.flush_usage().await;
    let secret = current_secret_id(&app, key.id).await;
    assert_eq!(count(&usage_of(&app, secret).await, "hour", "calls", ""), 4);

    app.advance_clock(Duration::from_secs(91 * 24 * 3600));
    app.flush_usage().await;
    let rows = usage_of(&app, secret).await;
    assert_eq!(count(&rows, "hour", "calls", ""), 0);
    assert_eq!(count(&rows, "day", "calls", ""), 4);
    let caller_rows = usage_of(&app, current_secret_id(&app, caller.id).await).await;
    assert_eq!(count(&caller_rows, "day", "calls", ""), 4);
    assert!(caller_rows.iter().all(|r| r.0 == "day"));
}

#[tokio::test]
async fn sunset_only_on_calls_with_a_secret_in_grace() {
    let app = crate::helpers::spawn_app().await;
    let caller = create_caller(&app).await;
    let rest = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let gql = create_key(
        &app,
        KeyKind::Graphql,
        "Shop",
        &[],
        vec![KeyRole {
            definition: KeyRoleDefinition::ShopAndChannel,
            level: AccessLevel::Viewer,
        }],
        None,
        None,
    )
    .await;
    let old_token = access_token(&app, &rest).await;
    let me = call(&app, &old_token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status(), 200);
    assert!(
        header(me.headers(), "sunset").is_empty() && header(me.headers(), "deprecation").is_empty()
    );
    let v = verify(&app, &caller, json!({ "key": rest.secret })).await;
    assert!(v.get("sunset").is_none());

    let refreshed_at = app.now();
    let new_rest = refresh(&app, rest.id, KeyKind::Rest, Grace::Hour1).await;
    let new_gql = refresh(&app, gql.id, KeyKind::Graphql, Grace::Days7).await;
    let ends = secrets(&app, rest.id).await[1].retires_at.unwrap();
    let since = format!("@{}", refreshed_at.and_utc().timestamp());
    let sunset = ends.format("%a, %d %b %Y %H:%M:%S GMT").to_string();

    // The old secret's token, at the Key API.
    let me = call(&app, &old_token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status(), 200);
    assert_eq!(header(me.headers(), "sunset"), sunset);
    let dep = header(me.headers(), "deprecation");
    let dep_secs: i64 = dep.trim_start_matches('@').parse().unwrap();
    assert!(
        (dep_secs - refreshed_at.and_utc().timestamp()).abs() <= 1,
        "{dep} vs {since}"
    );
    // A token of the new secret: no headers.
    let new_token = access_token(
        &app,
        &Issued {
            secret: new_rest.clone(),
            ..rest.clone()
        },
    )
    .await;
    let me = call(&app, &new_token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status(), 200);
    assert!(
        header(me.headers(), "sunset").is_empty() && header(me.headers(), "deprecation").is_empty()
    );

    // GraphQL: the old key has them, the new one not.
    let gq = |key: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/graphql"))
                .header("Authorization", format!("Bearer {key}"))
                .json(&json!({ "query": "{ me { name } }" }))
                .send()
                .await
                .unwrap()
        }
    };
    let old = gq(gql.secret.clone()).await;
    assert_eq!(old.status(), 200);
    assert!(
        !header(old.headers(), "sunset").is_empty()
            && !header(old.headers(), "deprecation").is_empty()
    );
    let new = gq(new_gql.clone()).await;
    assert_eq!(new.status(), 200);
    assert!(header(new.headers(), "sunset").is_empty());

    // Verify: a `sunset` field for the old secret only; the caller's own
    // answer carries no header for the key it asked about.
    let resp = verify_as(&app, &basic_of(&caller), &json!({ "key": rest.secret })).await;
    assert!(header(resp.headers(), "sunset").is_empty());
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(
        v["sunset"],
        ends.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let v = verify(&app, &caller, json!({ "key": new_rest })).await;
    assert!(v.get("sunset").is_none());

    // After the grace: retired, and no sunset any more.
    app.advance_clock(Duration::from_secs(2 * 3600));
    let v = verify(&app, &caller, json!({ "key": rest.secret })).await;
    assert_eq!(v["code"], "secret_retired");
    assert!(v.get("sunset").is_none());
}
