//! The REST Key API (issue 10): authentication, the access decision per
//! operation, no escalation, idempotency, bad input, limits.

use reqwest::Method;
use serde_json::{json, Value};

use crate::access_support::{create_key, set_active, store_id};
use crate::helpers::{header, spawn_app, spawn_app_with};
use crate::key_api_support::{answer, call, key_with};
use keydesk::domain::KeyKind;

const ADMIN: &[&str] = &[
    "role-permission:view",
    "role-permission:edit",
    "role-permission:create",
    "role-permission:delete",
    "shop-channel:view",
    "shop-channel:edit",
    "shop-channel:create",
    "shop-channel:delete",
    "pricing:view",
];

#[tokio::test]
async fn me_answers_the_calling_key() {
    let app = spawn_app().await;
    let (k, t) = key_with(&app, "Deploy script", &["pricing:view"]).await;
    let (s, me) = answer(call(&app, &t, Method::GET, "/api/v1/me", None).await).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["name"], "Deploy script");
    assert_eq!(me["kind"], "rest");
    assert_eq!(me["client_id"], json!(k.client_id));
    assert_eq!(me["grants"], json!(["pricing:view"]));
    assert_eq!(me["stores"], "all");
    assert_eq!(
        me["secret"]["prefix"],
        json!(&k.secret[..me["secret"]["prefix"].as_str().unwrap().len()])
    );
}

#[tokio::test]
async fn refusals_say_what_to_check() {
    let app = spawn_app().await;
    let none = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(header(none.headers(), "www-authenticate").contains(r#"error="invalid_token""#));
    assert_eq!(
        header(none.headers(), "content-type"),
        "application/problem+json"
    );

    let (k, t) = key_with(&app, "Soon off", &[]).await;
    set_active(&app, k.id, false).await;
    let resp = call(&app, &t, Method::GET, "/api/v1/me", None).await;
    let challenge = header(resp.headers(), "www-authenticate");
    let (s, p) = answer(resp).await;
    assert_eq!((s, p["code"].as_str()), (401, Some("inactive")));
    assert!(
        challenge.contains("error_description=\"The key is inactive"),
        "{challenge}"
    );

    let (s, p) = answer(call(&app, "kd_at_nonsense", Method::GET, "/api/v1/me", None).await).await;
    assert_eq!((s, p["code"].as_str()), (401, Some("malformed")));
    // A key's secret is not a token.
    let (s, _) = answer(call(&app, &k.secret, Method::GET, "/api/v1/me", None).await).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn each_operation_needs_its_function_and_action() {
    let app = spawn_app().await;
    let (target, _) = key_with(&app, "Target", &["pricing:view"]).await;
    let (_, bare) = key_with(&app, "No grants", &[]).await;
    let (_, admin) = key_with(&app, "Admin", ADMIN).await;
    let id = target.id;
    let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::GET,
            "/api/v1/keys".into(),
            None,
            "role-permission:view",
        ),
        (
            Method::GET,
            format!("/api/v1/keys/{id}"),
            None,
            "role-permission:view",
        ),
        (
            Method::POST,
            "/api/v1/keys".into(),
            Some(json!({"name": "N", "grants": []})),
            "role-permission:create",
        ),
        (
            Method::PATCH,
            format!("/api/v1/keys/{id}"),
            Some(json!({"name": "T2"})),
            "role-permission:edit",
        ),
        (
            Method::POST,
            format!("/api/v1/keys/{id}/refresh"),
            Some(json!({})),
            "role-permission:create",
        ),
        (
            Method::POST,
            format!("/api/v1/keys/{id}/stop-old-secret"),
            None,
            "role-permission:edit",
        ),
        (
            Method::GET,
            "/api/v1/audit-events".into(),
            None,
            "role-permission:view",
        ),
        (
            Method::GET,
            "/api/v1/stores".into(),
            None,
            "shop-channel:view",
        ),
        (
            Method::GET,
            "/api/v1/channels".into(),
            None,
            "shop-channel:view",
        ),
        (
            Method::GET,
            "/api/v1/channels/1".into(),
            None,
            "shop-channel:view",
        ),
        (
            Method::DELETE,
            format!("/api/v1/keys/{id}"),
            None,
            "role-permission:delete",
        ),
    ];
    for (m, path, body, scope) in &cases {
        let resp = call(&app, &bare, m.clone(), path, body.as_ref()).await;
        let ch = header(resp.headers(), "www-authenticate");
        let (s, p) = answer(resp).await;
        assert_eq!(
            (s, p["code"].as_str()),
            (403, Some("insufficient_scope")),
            "{m} {path}"
        );
        assert!(
            p["message"].as_str().unwrap().contains(scope),
            "{m} {path}: {p}"
        );
        assert!(
            ch.contains("insufficient_scope") && ch.contains(scope),
            "{ch}"
        );
    }
    for (m, path, body, _) in &cases {
        let (s, p) = answer(call(&app, &admin, m.clone(), path, body.as_ref()).await).await;
        assert!((200..300).contains(&s), "{m} {path}: {s} {p}");
    }
}

#[tokio::test]
async fn store_scoped_operations_need_the_store() {
    let app = spawn_app().await;
    app.with_db(|c| {
        store_id(c, "berlin");
        store_id(c, "paris");
    })
    .await;
    let limited = create_key(
        &app,
        KeyKind::Rest,
        "Berlin only",
        &[
            "shop-channel:view",
            "shop-channel:edit",
            "shop-channel:create",
            "shop-channel:delete",
        ],
        vec![],
        Some(&["berlin"]),
        None,
    )
    .await;
    let t = crate::access_support::access_token(&app, &limited).await;
    let (s, b) = answer(call(&app, &t, Method::GET, "/api/v1/stores/berlin", None).await).await;
    assert_eq!((s, b["code"].as_str()), (200, Some("berlin")));
    let (s, p) = answer(call(&app, &t, Method::GET, "/api/v1/stores/paris", None).await).await;
    assert_eq!((s, p["code"].as_str()), (403, Some("store_denied")));
    let (s, l) = answer(call(&app, &t, Method::GET, "/api/v1/stores", None).await).await;
    assert_eq!(s, 200);
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    let rename = json!({"name": "Paris West"});
    let (s, p) = answer(
        call(
            &app,
            &t,
            Method::PATCH,
            "/api/v1/stores/paris",
            Some(&rename),
        )
        .await,
    )
    .await;
    assert_eq!((s, p["code"].as_str()), (403, Some("store_denied")), "{p}");
    let (s, p) = answer(call(&app, &t, Method::DELETE, "/api/v1/stores/paris", None).await).await;
    assert_eq!((s, p["code"].as_str()), (403, Some("store_denied")));
    let (s, b) = answer(
        call(
            &app,
            &t,
            Method::PATCH,
            "/api/v1/stores/berlin",
            Some(&json!({"name": "Berlin Mitte"})),
        )
        .await,
    )
    .await;
    assert_eq!((s, b["name"].as_str()), (200, Some("Berlin Mitte")));
    // Codes are unique.
    let (s, p) = answer(
        call(
            &app,
            &t,
            Method::POST,
            "/api/v1/stores",
            Some(&json!({"name": "B", "code": "berlin"})),
        )
        .await,
    )
    .await;
    assert_eq!((s, p["code"].as_str()), (409, Some("conflict")));
    let (s, _) = answer(
        call(
            &app,
            &t,
            Method::POST,
            "/api/v1/stores",
            Some(&json!({"name": "B", "code": "Not A Code"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422);
    let renamed = crate::keys_support::audit_events(&app).await;
    assert!(renamed
        .iter()
        .any(|e| e.action == "store.renamed" && e.actor_key_id == Some(limited.id)));
    let (_, all) = key_with(&app, "All stores", &["shop-channel:view"]).await;
    let (s, _) = answer(call(&app, &all, Method::GET, "/api/v1/stores/paris", None).await).await;
    assert_eq!(s, 200);
    let (s, p) = answer(call(&app, &all, Method::GET, "/api/v1/stores/nowhere", None).await).await;
    assert_eq!((s, p["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn keys_are_created_changed_refreshed_and_deleted_through_the_core() {
    let app = spawn_app().await;
    let (me, t) = key_with(&app, "Admin", ADMIN).await;
    let (s, c) = answer(
        call(
            &app,
            &t,
            Method::POST,
            "/api/v1/keys",
            Some(&json!({
                "name": "Tenant 7", "grants": ["pricing:view"], "expires_at": "2030-01-01T00:00:00Z"
            })),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["key"]["id"].as_i64().unwrap();
    let secret = c["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("kd_rest_"));
    assert_eq!(c["key"]["grants"], json!(["pricing:view"]));
    // The new key works.
    let new = crate::access_support::Issued {
        id,
        client_id: c["client_id"].as_str().map(String::from),
        secret,
    };
    let nt = crate::access_support::access_token(&app, &new).await;
    assert_eq!(
        call(&app, &nt, Method::GET, "/api/v1/me", None)
            .await
            .status(),
        200
    );

    let (s, u) = answer(
        call(
            &app,
            &t,
            Method::PATCH,
            &format!("/api/v1/keys/{id}"),
            Some(&json!({"name": "Tenant 7b", "active": false})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, u["name"].as_str(), u["active"].as_bool()),
        (200, Some("Tenant 7b"), Some(false)),
        "{u}"
    );
    let (s, r) = answer(
        call(
            &app,
            &t,
            Method::POST,
            &format!("/api/v1/keys/{id}/refresh"),
            Some(&json!({"grace": "1h"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert!(r["client_secret"].as_str().unwrap().starts_with("kd_rest_"));
    assert_eq!(r["key"]["secrets"].as_array().unwrap().len(), 2);
    let (s, st) = answer(
        call(
            &app,
            &t,
            Method::POST,
            &format!("/api/v1/keys/{id}/stop-old-secret"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((s, st["stopped"].as_bool()), (200, Some(true)));
    let events = crate::keys_support::audit_events(&app).await;
    let by_key: Vec<_> = events
        .iter()
        .filter(|e| e.actor_key_id == Some(me.id))
        .map(|e| e.action.as_str())
        .collect();
    for a in [
        "key.created",
        "key.edited",
        "key.refreshed",
        "key.old_secret_stopped",
    ] {
        assert!(by_key.contains(&a), "{a} in {by_key:?}");
    }
    let resp = call(
        &app,
        &t,
        Method::DELETE,
        &format!("/api/v1/keys/{id}"),
        None,
    )
    .await;
    assert_eq!(resp.status(), 204);
    let (s, p) =
        answer(call(&app, &t, Method::GET, &format!("/api/v1/keys/{id}"), None).await).await;
    assert_eq!((s, p["code"].as_str()), (404, Some("not_found")));
    let (s, l) = answer(
        call(
            &app,
            &t,
            Method::GET,
            "/api/v1/keys?per_page=10&sort=name",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(l["total"], 1);
    let (s, a) = answer(
        call(
            &app,
            &t,
            Method::GET,
            &format!("/api/v1/audit-events?key_id={id}"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert!(a["total"].as_i64().unwrap() >= 5, "{a}");
}

#[tokio::test]
async fn no_escalation() {
    let app = spawn_app().await;
    app.with_db(|c| {
        store_id(c, "berlin");
        store_id(c, "paris");
    })
    .await;
    let scopes = [
        "role-permission:view",
        "role-permission:edit",
        "role-permission:create",
        "role-permission:delete",
        "pricing:view",
    ];
    let me = create_key(
        &app,
        KeyKind::Rest,
        "Bounded",
        &scopes,
        vec![],
        Some(&["berlin"]),
        Some(app.now() + chrono::Duration::days(30)),
    )
    .await;
    let t = crate::access_support::access_token(&app, &me).await;
    let wider = create_key(
        &app,
        KeyKind::Rest,
        "Wider",
        &["order-data:view"],
        vec![],
        None,
        None,
    )
    .await;
    let far = (app.now() + chrono::Duration::days(60))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let near = (app.now() + chrono::Duration::days(10))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let attempts = [
        json!({"name": "a", "grants": ["order-data:view"], "stores": ["berlin"], "expires_at": near}),
        json!({"name": "b", "grants": ["pricing:view"], "stores": "all", "expires_at": near}),
        json!({"name": "c", "grants": ["pricing:view"], "stores": ["paris"], "expires_at": near}),
        json!({"name": "d", "grants": ["pricing:view"], "stores": ["berlin"], "expires_at": far}),
        json!({"name": "e", "grants": ["pricing:view"], "stores": ["berlin"]}),
    ];
    let before = crate::keys_support::all_keys(&app).await.len();
    for body in &attempts {
        let (s, p) = answer(call(&app, &t, Method::POST, "/api/v1/keys", Some(body)).await).await;
        assert_eq!((s, p["code"].as_str()), (403, Some("refused")), "{body}");
    }
    let ok =
        json!({"name": "f", "grants": ["pricing:view"], "stores": ["berlin"], "expires_at": near});
    assert_eq!(
        call(&app, &t, Method::POST, "/api/v1/keys", Some(&ok))
            .await
            .status(),
        201
    );
    assert_eq!(crate::keys_support::all_keys(&app).await.len(), before + 1);
    // Widen its own grant.
    let (s, _) = answer(
        call(
            &app,
            &t,
            Method::PATCH,
            &format!("/api/v1/keys/{}", me.id),
            Some(&json!({"grants": ["role-permission:view", "order-data:view"]})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    // Refresh, change or delete a wider key.
    for (m, path, body) in [
        (
            Method::POST,
            format!("/api/v1/keys/{}/refresh", wider.id),
            Some(json!({})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/keys/{}", wider.id),
            Some(json!({"active": false})),
        ),
        (Method::DELETE, format!("/api/v1/keys/{}", wider.id), None),
    ] {
        let (s, p) = answer(call(&app, &t, m.clone(), &path, body.as_ref()).await).await;
        assert_eq!(
            (s, p["code"].as_str()),
            (403, Some("refused")),
            "{m} {path}"
        );
    }
    assert_eq!(
        crate::access_support::secrets(&app, wider.id).await.len(),
        1
    );
    // Delete itself.
    let (s, p) = answer(
        call(
            &app,
            &t,
            Method::DELETE,
            &format!("/api/v1/keys/{}", me.id),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((s, p["code"].as_str()), (403, Some("refused")));
    assert!(crate::keys_support::key(&app, me.id).await.is_some());
}

#[tokio::test]
async fn idempotent_retries_make_one_key() {
    let app = spawn_app().await;
    let (_, t) = key_with(&app, "Admin", ADMIN).await;
    let body = json!({"name": "Once", "grants": ["pricing:view"]});
    let send = |b: Value, k: &'static str| {
        let app = &app;
        let t = t.clone();
        async move {
            app.client
                .post(app.url("/api/v1/keys"))
                .bearer_auth(t)
                .header("Idempotency-Key", k)
                .json(&b)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(body.clone(), "abc-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(body.clone(), "abc-1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(header(again.headers(), "idempotent-replayed"), "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["key"]["id"], first["key"]["id"]);
    assert!(first["client_secret"].is_string());
    assert!(again["client_secret"].is_null(), "the secret is never kept");
    let n = crate::keys_support::all_keys(&app)
        .await
        .iter()
        .filter(|k| k.name == "Once")
        .count();
    assert_eq!(n, 1);
    let (s, p) = answer(send(json!({"name": "Other"}), "abc-1").await).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    // Refresh too.
    let id = first["key"]["id"].as_i64().unwrap();
    let refresh = |k: &'static str| {
        let app = &app;
        let t = t.clone();
        async move {
            app.client
                .post(app.url(&format!("/api/v1/keys/{id}/refresh")))
                .bearer_auth(t)
                .header("Idempotency-Key", k)
                .json(&json!({"grace": "now"}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(refresh("r-1").await.status(), 200);
    let r2 = refresh("r-1").await;
    assert_eq!(r2.status(), 200);
    assert_eq!(header(r2.headers(), "idempotent-replayed"), "true");
    assert_eq!(crate::access_support::secrets(&app, id).await.len(), 2);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (me, t) = key_with(&app, "Admin", ADMIN).await;
    let before = crate::keys_support::snapshot(&app).await;
    let raw = |body: &'static str, ct: &'static str| {
        let app = &app;
        let t = t.clone();
        async move {
            answer(
                app.client
                    .post(app.url("/api/v1/keys"))
                    .bearer_auth(t)
                    .header("Content-Type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(
        raw("{", "application/json").await.1["code"],
        "malformed_json"
    );
    assert_eq!(raw(r#"{"name": 5}"#, "application/json").await.0, 422);
    let (s, p) = raw(r#"{"name": "x", "admin": true}"#, "application/json").await;
    assert_eq!((s, p["code"].as_str()), (422, Some("invalid_body")));
    assert!(p["message"].as_str().unwrap().contains("unknown field"));
    assert_eq!(raw(r#"{"name": "x"}"#, "text/plain").await.0, 415);
    assert_eq!(
        raw(
            r#"{"name": "x", "grants": ["billing:view"]}"#,
            "application/json"
        )
        .await
        .0,
        422
    );
    let big = "x".repeat(20_000);
    let resp = app
        .client
        .post(app.url("/api/v1/keys"))
        .bearer_auth(&t)
        .json(&json!({"name": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    for path in [
        "/api/v1/keys/999999",
        "/api/v1/keys/abc",
        "/api/v1/channels/999999",
    ] {
        let (s, p) = answer(call(&app, &t, Method::GET, path, None).await).await;
        assert_eq!((s, p["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    let (s, _) =
        answer(call(&app, &t, Method::GET, "/api/v1/keys?per_page=1000", None).await).await;
    assert_eq!(s, 400);
    let (s, _) = answer(call(&app, &t, Method::GET, "/api/v1/keys?bogus=1", None).await).await;
    assert_eq!(s, 400);
    let (s, _) = answer(
        call(
            &app,
            &t,
            Method::GET,
            "/api/v1/audit-events?per_page=101",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    let _ = me;
    assert_eq!(crate::keys_support::snapshot(&app).await, before);
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(|s| s.api_rate_limit = 3).await;
    let (_, t) = key_with(&app, "Busy", &[]).await;
    for _ in 0..3 {
        assert_eq!(
            call(&app, &t, Method::GET, "/api/v1/me", None)
                .await
                .status(),
            200
        );
    }
    let resp = call(&app, &t, Method::GET, "/api/v1/me", None).await;
    assert_eq!(resp.status(), 429);
    assert!(
        header(resp.headers(), "retry-after")
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let (_, p) = answer(resp).await;
    assert_eq!(p["code"], "rate_limited");
    let (_, other) = key_with(&app, "Calm", &[]).await;
    assert_eq!(
        call(&app, &other, Method::GET, "/api/v1/me", None)
            .await
            .status(),
        200
    );
}

/// Allowed API Methods apply to keydesk's own API (the catalogue holds its
/// OpenAPI document), through the API's own create, and bound escalation.
#[tokio::test]
async fn allowed_methods_limit_the_key_api_itself_and_cannot_be_widened() {
    let app = spawn_app().await;
    let (_, admin) = key_with(&app, "Admin", ADMIN).await;
    // An admin key makes a key limited to listing keys.
    let (s, made) = answer(
        call(
            &app,
            &admin,
            Method::POST,
            "/api/v1/keys",
            Some(&json!({
                "name": "Lister",
                "grants": ["role-permission:view", "role-permission:create", "shop-channel:view"],
                "allowed_methods": ["GET /api/v1/keys", "POST /api/v1/keys"],
            })),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{made}");
    // An unknown method is refused with a message, and makes no key.
    let (s, bad) = answer(
        call(
            &app,
            &admin,
            Method::POST,
            "/api/v1/keys",
            Some(&json!({"name": "Odd", "grants": ["pricing:view"], "allowed_methods": ["GET /nowhere"]})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422, "{bad}");
    assert!(bad["message"]
        .as_str()
        .unwrap()
        .contains("not an API method"));

    let lister = crate::access_support::Issued {
        id: made["key"]["id"].as_i64().unwrap(),
        client_id: made["client_id"].as_str().map(str::to_owned),
        secret: made["client_secret"].as_str().unwrap().to_owned(),
    };
    let t = crate::access_support::access_token(&app, &lister).await;
    // Its listed method works; me always does; an unlisted one is blocked
    // although the grant would allow it.
    let (s, body) = answer(call(&app, &t, Method::GET, "/api/v1/keys?kind=rest", None).await).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = answer(call(&app, &t, Method::GET, "/api/v1/me", None).await).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = answer(call(&app, &t, Method::GET, "/api/v1/stores", None).await).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(body["code"], "method_blocked");
    // It cannot make a key with all methods, nor with a method it lacks.
    for methods in [json!(null), json!(["GET /api/v1/stores"])] {
        let (s, body) = answer(
            call(
                &app,
                &t,
                Method::POST,
                "/api/v1/keys",
                Some(&json!({"name": "Wider", "grants": ["role-permission:view"], "allowed_methods": methods})),
            )
            .await,
        )
        .await;
        assert_eq!(s, 403, "{body}");
        assert_eq!(body["code"], "refused");
    }
    // Within its own methods it may.
    let (s, body) = answer(
        call(
            &app,
            &t,
            Method::POST,
            "/api/v1/keys",
            Some(&json!({"name": "Narrow", "grants": ["role-permission:view"], "allowed_methods": ["GET /api/v1/keys"]})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{body}");
}
