//! OAuth2 for REST keys: a token's whole life (issue, use, introspect,
//! revoke, expire), the ways it dies with its key, scopes, and the RFC
//! errors for bad requests.

use std::time::Duration;

use clap::Parser;
use keydesk::domain::{AccessLevel, Grace, KeyKind, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use serde_json::{json, Value};

use crate::access_support::*;
use crate::helpers::{header, spawn_app, spawn_app_with};

async fn error_of(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let www = header(resp.headers(), "www-authenticate");
    let body: Value = resp.json().await.unwrap();
    assert!(body["error_description"].is_string(), "{body}");
    (status, body["error"].as_str().unwrap().to_owned(), www)
}

#[tokio::test]
async fn a_token_lives_is_used_introspected_and_revoked() {
    let app = spawn_app().await;
    let caller = create_caller(&app).await;
    let key =
        create_rest_key_with_grants(&app, "Shop sync", &["order-data:view", "pricing:view"]).await;

    let resp = post_oauth(
        &app,
        "/oauth/token",
        Some(&basic_of(&key)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 86400);
    assert_eq!(t["scope"], "order-data:view pricing:view");
    let token = t["access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("kd_at_") && token.len() >= 6 + 49);
    // Stored as a hash only.
    let stored = token.clone();
    let plain_in_db = app
        .with_db(move |c| {
            use diesel::prelude::*;
            use keydesk::schema::access_tokens;
            access_tokens::table
                .filter(access_tokens::token_hash.eq(&stored))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(plain_in_db, 0);

    // Used as the subject of a verification.
    let r = verify(
        &app,
        &caller,
        json!({ "key": token, "function": "order-data" }),
    )
    .await;
    assert_eq!(r["code"], "valid");
    assert_eq!(r["key_id"], key.id);

    let i = introspect(&app, &caller, &token).await;
    assert_eq!(i["active"], true);
    assert_eq!(i["client_id"], key.client_id.clone().unwrap());
    assert_eq!(i["scope"], "order-data:view pricing:view");
    assert_eq!(i["token_type"], "Bearer");
    assert_eq!(
        i["exp"].as_i64().unwrap() - i["iat"].as_i64().unwrap(),
        86400
    );

    // Revoked by its client; a second revocation, or of garbage, is 200 too.
    for _ in 0..2 {
        let resp = post_oauth(
            &app,
            "/oauth/revoke",
            Some(&basic_of(&key)),
            &[("token", &token)],
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = post_oauth(
        &app,
        "/oauth/revoke",
        Some(&basic_of(&key)),
        &[("token", "junk")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        introspect(&app, &caller, &token).await,
        json!({ "active": false })
    );
    assert_eq!(code_of(&app, &caller, &token, json!({})).await, "not_found");
    // Unknown and malformed tokens are simply inactive.
    assert_eq!(
        introspect(&app, &caller, "kd_at_nothing").await,
        json!({ "active": false })
    );
    assert_eq!(
        introspect(&app, &caller, &key.secret).await,
        json!({ "active": false })
    );
}

#[tokio::test]
async fn a_client_cannot_revoke_another_clients_token() {
    let app = spawn_app().await;
    let caller = create_caller(&app).await;
    let a = create_rest_key_with_grants(&app, "A", &["pricing:view"]).await;
    let b = create_rest_key_with_grants(&app, "B", &["pricing:view"]).await;
    let token = access_token(&app, &a).await;
    let resp = post_oauth(
        &app,
        "/oauth/revoke",
        Some(&basic_of(&b)),
        &[("token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(introspect(&app, &caller, &token).await["active"], true);
}

#[tokio::test]
async fn tokens_expire_by_the_clock_and_the_ttl_is_configurable() {
    let app = spawn_app().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let token = access_token(&app, &key).await;
    app.advance_clock(Duration::from_secs(24 * 3600 - 5));
    assert_eq!(introspect(&app, &caller, &token).await["active"], true);
    app.advance_clock(Duration::from_secs(5));
    assert_eq!(introspect(&app, &caller, &token).await["active"], false);
    assert_eq!(
        code_of(&app, &caller, &token, json!({})).await,
        "token_expired"
    );
    // An expired token no longer authenticates a caller either.
    let caller_token = {
        let t = access_token(&app, &caller).await;
        app.advance_clock(Duration::from_secs(24 * 3600));
        t
    };
    let resp = verify_as(
        &app,
        &format!("Bearer {caller_token}"),
        &json!({ "key": "x" }),
    )
    .await;
    assert_eq!(resp.status(), 401);

    let short = spawn_app_with(|s| s.access_token_ttl = Duration::from_secs(3600)).await;
    let key = create_rest_key_with_grants(&short, "Partner", &["pricing:view"]).await;
    assert_eq!(issue_token(&short, &key, None).await["expires_in"], 3600);
    // Never beyond the key's own expiry.
    let soon = short.now() + chrono::Duration::seconds(600);
    set_expiry(&short, key.id, Some(soon)).await;
    assert_eq!(issue_token(&short, &key, None).await["expires_in"], 600);
}

#[test]
fn the_ttl_flag_is_bounded_to_an_hour_and_a_week() {
    use keydesk::cli::Cli;
    let ttl = |v: &str| {
        Cli::try_parse_from(["keydesk", "--access-token-ttl", v]).map(|c| c.serve.access_token_ttl)
    };
    assert_eq!(
        Cli::try_parse_from(["keydesk"])
            .unwrap()
            .serve
            .access_token_ttl,
        86400
    );
    assert_eq!(ttl("3600").unwrap(), 3600);
    assert_eq!(ttl("604800").unwrap(), 604800);
    assert!(ttl("3599").is_err());
    assert!(ttl("604801").is_err());
}

#[tokio::test]
async fn tokens_die_with_their_key() {
    let app = spawn_app().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;

    // Deactivation, and back.
    let token = access_token(&app, &key).await;
    set_active(&app, key.id, false).await;
    assert_eq!(introspect(&app, &caller, &token).await["active"], false);
    assert_eq!(code_of(&app, &caller, &token, json!({})).await, "inactive");
    set_active(&app, key.id, true).await;
    assert_eq!(introspect(&app, &caller, &token).await["active"], true);

    // Expiry of the key.
    let now = app.now();
    set_expiry(&app, key.id, Some(now)).await;
    assert_eq!(code_of(&app, &caller, &token, json!({})).await, "expired");
    set_expiry(&app, key.id, None).await;

    // A refresh with a grace period keeps the old secret's tokens until it
    // ends; "Now" ends them at once.
    let new = refresh(&app, key.id, KeyKind::Rest, Grace::Hour1).await;
    assert_eq!(code_of(&app, &caller, &token, json!({})).await, "valid");
    app.advance_clock(Duration::from_secs(3600));
    assert_eq!(
        code_of(&app, &caller, &token, json!({})).await,
        "secret_retired"
    );
    let key = Issued { secret: new, ..key };
    let token2 = access_token(&app, &key).await;
    let newer = refresh(&app, key.id, KeyKind::Rest, Grace::Now).await;
    assert_eq!(
        code_of(&app, &caller, &token2, json!({})).await,
        "secret_retired"
    );
    assert_eq!(introspect(&app, &caller, &token2).await["active"], false);
    // The retired secret gets no new token.
    let resp = post_oauth(
        &app,
        "/oauth/token",
        Some(&basic_of(&key)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(error_of(resp).await.1, "invalid_client");

    // Deletion.
    let key = Issued {
        secret: newer,
        ..key
    };
    let token3 = access_token(&app, &key).await;
    delete(&app, key.id, KeyKind::Rest).await;
    assert_eq!(
        code_of(&app, &caller, &token3, json!({})).await,
        "not_found"
    );
    assert_eq!(introspect(&app, &caller, &token3).await["active"], false);
}

#[tokio::test]
async fn scope_narrows_and_never_widens() {
    let app = spawn_app().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(
        &app,
        "Partner",
        &["order-data:view", "order-data:edit", "pricing:view"],
    )
    .await;
    let t = issue_token(&app, &key, Some("order-data:view")).await;
    assert_eq!(t["scope"], "order-data:view");
    let token = t["access_token"].as_str().unwrap();
    assert_eq!(
        code_of(&app, &caller, token, json!({ "function": "order-data" })).await,
        "valid"
    );
    assert_eq!(
        code_of(
            &app,
            &caller,
            token,
            json!({ "function": "order-data", "action": "edit" })
        )
        .await,
        "function_denied"
    );
    assert_eq!(
        introspect(&app, &caller, token).await["scope"],
        "order-data:view"
    );
    // Taking the grant from the key narrows the token at its next use.
    app.with_db(move |c| {
        keydesk::models::key_grant::replace_grants(c, key.id, grants(&["pricing:view"])).unwrap()
    })
    .await;
    settle().await;
    assert_eq!(
        code_of(&app, &caller, token, json!({ "function": "order-data" })).await,
        "function_denied"
    );

    for bad in [
        "user:view",
        "order-data:delete",
        "billing:view",
        "order-data",
        "pricing:read",
    ] {
        let resp = post_oauth(
            &app,
            "/oauth/token",
            Some(&basic_of(&key)),
            &[("grant_type", "client_credentials"), ("scope", bad)],
        )
        .await;
        let (status, error, _) = error_of(resp).await;
        assert_eq!((status, error.as_str()), (400, "invalid_scope"), "{bad}");
    }
}

#[tokio::test]
async fn bad_token_requests_get_the_rfc_errors() {
    let app = spawn_app().await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let gql = create_key(
        &app,
        KeyKind::Graphql,
        "Shop",
        &[],
        vec![KeyRole {
            definition: KeyRoleDefinition::Pricing,
            level: AccessLevel::Viewer,
        }],
        None,
        None,
    )
    .await;
    let cid = key.client_id.clone().unwrap();
    let cc = ("grant_type", "client_credentials");

    // Body credentials work, alone.
    let resp = post_oauth(
        &app,
        "/oauth/token",
        None,
        &[cc, ("client_id", &cid), ("client_secret", &key.secret)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    // Both at once.
    let resp = post_oauth(
        &app,
        "/oauth/token",
        Some(&basic_of(&key)),
        &[cc, ("client_id", &cid), ("client_secret", &key.secret)],
    )
    .await;
    assert_eq!(error_of(resp).await.1, "invalid_request");
    // None.
    let (status, error, www) = error_of(post_oauth(&app, "/oauth/token", None, &[cc]).await).await;
    assert_eq!((status, error.as_str()), (401, "invalid_client"));
    assert!(www.starts_with("Basic"));
    // Half of them.
    let resp = post_oauth(&app, "/oauth/token", None, &[cc, ("client_id", &cid)]).await;
    assert_eq!(error_of(resp).await.1, "invalid_request");
    // Wrong, unknown, or a GraphQL key.
    for auth in [
        basic(&cid, "kd_rest_wrong"),
        basic("kd_cid_nobody", &key.secret),
        basic(&cid, &gql.secret),
        basic("", &gql.secret),
        format!("Bearer {}", gql.secret),
    ] {
        let (status, error, www) =
            error_of(post_oauth(&app, "/oauth/token", Some(&auth), &[cc]).await).await;
        assert_eq!((status, error.as_str()), (401, "invalid_client"), "{auth}");
        assert!(!www.is_empty());
    }
    // grant_type.
    let resp = post_oauth(&app, "/oauth/token", Some(&basic_of(&key)), &[]).await;
    assert_eq!(error_of(resp).await.1, "invalid_request");
    let resp = post_oauth(
        &app,
        "/oauth/token",
        Some(&basic_of(&key)),
        &[("grant_type", "password")],
    )
    .await;
    let (status, error, _) = error_of(resp).await;
    assert_eq!((status, error.as_str()), (400, "unsupported_grant_type"));
    let resp = post_oauth(&app, "/oauth/token", Some(&basic_of(&key)), &[cc, cc]).await;
    assert_eq!(error_of(resp).await.1, "invalid_request");
    // Credentials in the query string.
    let resp = app
        .client
        .post(app.url(&format!(
            "/oauth/token?client_id={cid}&client_secret={}",
            key.secret
        )))
        .form(&[cc])
        .send()
        .await
        .unwrap();
    let (status, error, _) = error_of(resp).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    // Wrong content type, oversized body, malformed form.
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .header("Authorization", basic_of(&key))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let big = "x".repeat(100_000);
    let resp = post_oauth(
        &app,
        "/oauth/token",
        Some(&basic_of(&key)),
        &[cc, ("pad", &big)],
    )
    .await;
    assert_eq!(resp.status(), 413);
    let resp = app
        .client
        .get(app.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    // Introspection and revocation need an authenticated client.
    let (status, _, www) = {
        let r = post_oauth(&app, "/oauth/introspect", None, &[("token", "x")]).await;
        let s = r.status().as_u16();
        let w = header(r.headers(), "www-authenticate");
        (s, (), w)
    };
    assert_eq!(status, 401);
    assert!(!www.is_empty());
    let resp = post_oauth(&app, "/oauth/revoke", None, &[("token", "x")]).await;
    assert_eq!(error_of(resp).await.1, "invalid_client");
    let resp = post_oauth(&app, "/oauth/revoke", Some(&basic_of(&key)), &[]).await;
    assert_eq!(error_of(resp).await.1, "invalid_request");
    // A client without Role & permission: View cannot introspect.
    let resp = post_oauth(
        &app,
        "/oauth/introspect",
        Some(&basic_of(&key)),
        &[("token", "x")],
    )
    .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn a_revoked_token_is_refused_on_another_instance_within_a_second() {
    let app = spawn_app().await;
    let other = app.spawn_another_instance().await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(&app, "Partner", &["pricing:view"]).await;
    let token = access_token(&app, &key).await;
    assert_eq!(introspect(&other, &caller, &token).await["active"], true);
    let resp = post_oauth(
        &app,
        "/oauth/revoke",
        Some(&basic_of(&key)),
        &[("token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    // Here at once; there at its next poll of the change stamp.
    assert_eq!(introspect(&app, &caller, &token).await["active"], false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(introspect(&other, &caller, &token).await["active"], false);
}
