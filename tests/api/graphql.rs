//! `POST /graphql` as a GraphQL key's holder calls it: `me` and `stores`
//! (the issue's done-when), every field with and without the role it needs,
//! store access, the refused credentials with their reason codes, the
//! list's filters and paging, the limits and bad input.

use std::time::Duration;

use keydesk::domain::{AccessLevel, Grace, KeyKind, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use keydesk::models::audit::action;
use reqwest::Response;
use serde_json::{json, Value};

use crate::access_support::*;
use crate::helpers::{header, spawn_app, TestApp};

fn role(definition: KeyRoleDefinition, level: AccessLevel) -> KeyRole {
    KeyRole { definition, level }
}

/// A GraphQL key with these roles; `stores`: None for all stores.
async fn gql_key(
    app: &TestApp,
    name: &str,
    roles: Vec<KeyRole>,
    stores: Option<&[&str]>,
) -> Issued {
    create_key(app, KeyKind::Graphql, name, &[], roles, stores, None).await
}

async fn post(app: &TestApp, auth: Option<&str>, body: &Value) -> Response {
    let mut r = app.client.post(app.url("/graphql")).json(body);
    if let Some(a) = auth {
        r = r.header("Authorization", a);
    }
    r.send().await.unwrap()
}

/// Runs `query` with `key`; returns the status and the JSON.
async fn run(app: &TestApp, key: &str, query: &str) -> (u16, Value) {
    let resp = post(
        app,
        Some(&format!("Bearer {key}")),
        &json!({ "query": query }),
    )
    .await;
    let status = resp.status().as_u16();
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");
    (status, resp.json().await.unwrap())
}

fn first_code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_graphql_key_reads_me_and_stores() {
    let app = spawn_app().await;
    app.with_db(|c| {
        store_id(c, "berlin");
        store_id(c, "hamburg");
    })
    .await;
    let key = gql_key(
        &app,
        "Shop frontend",
        vec![role(KeyRoleDefinition::ShopAndChannel, AccessLevel::Viewer)],
        None,
    )
    .await;
    let (status, v) = run(
        &app,
        &key.secret,
        "{ me { id name kind active expiresAt roles { definition level } grants allStores stores secretInUse } stores { code name } }",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v.get("errors").is_none(), "{v}");
    let me = &v["data"]["me"];
    assert_eq!(me["id"], key.id);
    assert_eq!(me["name"], "Shop frontend");
    assert_eq!(me["kind"], "graphql");
    assert_eq!(me["active"], true);
    assert_eq!(me["expiresAt"], Value::Null);
    assert_eq!(
        me["roles"],
        json!([{ "definition": "shop-channel", "level": "viewer" }])
    );
    assert_eq!(me["grants"], json!(["shop-channel:view"]));
    assert_eq!(me["allStores"], true);
    assert_eq!(me["secretInUse"], "CURRENT");
    assert_eq!(
        v["data"]["stores"],
        json!([{ "code": "berlin", "name": "berlin" }, { "code": "hamburg", "name": "hamburg" }])
    );
    // The use feeds last used.
    app.flush_usage().await;
    assert!(key_last_used(&app, key.id).await.is_some());
}

#[tokio::test]
async fn each_field_needs_its_role() {
    let app = spawn_app().await;
    let shop = gql_key(
        &app,
        "Shop",
        vec![role(KeyRoleDefinition::ShopAndChannel, AccessLevel::Viewer)],
        None,
    )
    .await;
    let admin = gql_key(
        &app,
        "Key admin",
        vec![role(
            KeyRoleDefinition::RoleAndPermission,
            AccessLevel::Viewer,
        )],
        None,
    )
    .await;
    let pricing = gql_key(
        &app,
        "Pricing",
        vec![role(KeyRoleDefinition::Pricing, AccessLevel::Owner)],
        None,
    )
    .await;
    let fields = [
        ("me", "{ me { name } }", None),
        (
            "stores",
            "{ stores { code } }",
            Some(("shop-channel:view", &shop)),
        ),
        (
            "channels",
            "{ channels { name } }",
            Some(("shop-channel:view", &shop)),
        ),
        (
            "apiKeys",
            "{ apiKeys { total nodes { name } } }",
            Some(("role-permission:view", &admin)),
        ),
        (
            "auditEvents",
            "{ auditEvents { total nodes { action } } }",
            Some(("role-permission:view", &admin)),
        ),
    ];
    for (field, query, needs) in fields {
        match needs {
            None => {
                for k in [&shop, &admin, &pricing] {
                    let (s, v) = run(&app, &k.secret, query).await;
                    assert_eq!(s, 200);
                    assert!(v["data"][field].is_object(), "{field}: {v}");
                }
            }
            Some((needed, holder)) => {
                let (s, v) = run(&app, &holder.secret, query).await;
                assert_eq!(s, 200, "{field}: {v}");
                assert!(v.get("errors").is_none(), "{field}: {v}");
                assert!(!v["data"][field].is_null(), "{field}: {v}");
                // Owner of another function: refused, the field is null and
                // the error names what is missing.
                let (s, v) = run(&app, &pricing.secret, query).await;
                assert_eq!(s, 200, "{field}: {v}");
                assert_eq!(v["data"][field], Value::Null, "{field}: {v}");
                assert_eq!(first_code(&v), "function_denied", "{field}: {v}");
                assert_eq!(v["errors"][0]["extensions"]["needed"], needed);
                assert_eq!(v["errors"][0]["path"], json!([field]));
                let msg = v["errors"][0]["message"].as_str().unwrap();
                assert!(msg.contains(needed), "{msg}");
            }
        }
    }
    // One refused field does not spoil the others.
    let (s, v) = run(
        &app,
        &shop.secret,
        "{ me { name } stores { code } apiKeys { total } }",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["me"]["name"], "Shop");
    assert!(v["data"]["stores"].is_array());
    assert_eq!(v["data"]["apiKeys"], Value::Null);
    assert_eq!(first_code(&v), "function_denied");
    // The refusal is in the history, with the key and the endpoint.
    let refused = settled_events(&app, action::CREDENTIAL_REFUSED, 1).await;
    let e = refused
        .iter()
        .find(|e| e.actor_key_id == Some(pricing.id))
        .expect("the refusal is recorded");
    assert_eq!(e.details_json()["code"], "function_denied");
    assert_eq!(e.details_json()["endpoint"], "graphql");
}

#[tokio::test]
async fn refused_credentials_say_why() {
    let app = spawn_app().await;
    let roles = || vec![role(KeyRoleDefinition::ShopAndChannel, AccessLevel::Viewer)];
    let q = json!({ "query": "{ me { name } }" });
    let expect = |resp: Response, code: &'static str| async move {
        assert_eq!(resp.status(), 401, "{code}");
        let challenge = header(resp.headers(), "www-authenticate");
        assert!(
            challenge.starts_with("Bearer realm=\"keydesk\""),
            "{challenge}"
        );
        let v: Value = resp.json().await.unwrap();
        assert_eq!(first_code(&v), code, "{v}");
        assert!(v.get("data").is_none(), "{v}");
        (
            challenge,
            v["errors"][0]["message"].as_str().unwrap().to_owned(),
        )
    };

    // No credentials, Basic, an unreadable scheme.
    let (c, m) = expect(post(&app, None, &q).await, "unauthenticated").await;
    assert_eq!(c, "Bearer realm=\"keydesk\"");
    assert!(m.contains("Authorization: Bearer"), "{m}");
    let (_, m) = expect(
        post(&app, Some(&basic("kd_cid_x", "y")), &q).await,
        "unauthenticated",
    )
    .await;
    assert!(m.contains("not HTTP Basic"), "{m}");

    // Malformed and unknown.
    let (c, m) = expect(post(&app, Some("Bearer hello"), &q).await, "malformed").await;
    assert!(c.contains("error=\"invalid_token\""), "{c}");
    assert!(m.contains("kd_gql_"), "{m}");
    let unknown = keydesk::domain::secret::NewSecret::generate(KeyKind::Graphql, b"x");
    expect(
        post(&app, Some(&format!("Bearer {}", unknown.expose())), &q).await,
        "not_found",
    )
    .await;

    // Inactive; then active again works at once.
    let k = gql_key(&app, "Flaky", roles(), None).await;
    let bearer = format!("Bearer {}", k.secret);
    set_active(&app, k.id, false).await;
    let (_, m) = expect(post(&app, Some(&bearer), &q).await, "inactive").await;
    assert!(m.contains("inactive"), "{m}");
    set_active(&app, k.id, true).await;
    assert_eq!(post(&app, Some(&bearer), &q).await.status(), 200);

    // Expired.
    set_expiry(&app, k.id, Some(app.now() - chrono::Duration::minutes(1))).await;
    let (_, m) = expect(post(&app, Some(&bearer), &q).await, "expired").await;
    assert!(m.contains("expired"), "{m}");
    set_expiry(&app, k.id, None).await;

    // Refreshed with a grace period: the old secret still works (and says
    // so); after the grace it is retired, and the new one works.
    let new = refresh(&app, k.id, KeyKind::Graphql, Grace::Hour1).await;
    let (s, v) = run(&app, &k.secret, "{ me { secretInUse } }").await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["me"]["secretInUse"], "RETIRING");
    app.advance_clock(Duration::from_secs(3601));
    let (_, m) = expect(post(&app, Some(&bearer), &q).await, "secret_retired").await;
    assert!(m.contains("refreshed"), "{m}");
    let (s, v) = run(&app, &new, "{ me { secretInUse } }").await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["me"]["secretInUse"], "CURRENT");

    // A REST key's secret and its access token: the wrong kind of key.
    let rest = create_rest_key_with_grants(&app, "Partner", &["shop-channel:view"]).await;
    let (_, m) = expect(
        post(&app, Some(&format!("Bearer {}", rest.secret)), &q).await,
        "wrong_kind",
    )
    .await;
    assert!(m.contains("REST"), "{m}");
    let token = access_token(&app, &rest).await;
    let (_, m) = expect(
        post(&app, Some(&format!("Bearer {token}")), &q).await,
        "wrong_kind",
    )
    .await;
    assert!(m.contains("access token"), "{m}");

    // Deleted.
    delete(&app, k.id, KeyKind::Graphql).await;
    expect(
        post(&app, Some(&format!("Bearer {new}")), &q).await,
        "not_found",
    )
    .await;

    // Each refusal is in the history with its code (never the secret).
    let events = settled_events(&app, action::CREDENTIAL_REFUSED, 7).await;
    let codes: Vec<String> = events
        .iter()
        .map(|e| e.details_json()["code"].as_str().unwrap().to_owned())
        .collect();
    for code in [
        "malformed",
        "not_found",
        "inactive",
        "expired",
        "secret_retired",
        "wrong_kind",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} in {codes:?}");
    }
    for e in &events {
        assert_eq!(e.details_json()["endpoint"], "graphql");
        assert!(!e.details.contains("kd_"), "{}", e.details);
    }
}

#[tokio::test]
async fn store_access_limits_what_the_key_sees() {
    let app = spawn_app().await;
    app.with_db(|c| {
        store_id(c, "berlin");
        store_id(c, "hamburg");
        store_id(c, "munich");
    })
    .await;
    let roles = vec![
        role(KeyRoleDefinition::ShopAndChannel, AccessLevel::Viewer),
        role(KeyRoleDefinition::RoleAndPermission, AccessLevel::Viewer),
    ];
    let limited = gql_key(
        &app,
        "Berlin shop",
        roles.clone(),
        Some(&["berlin", "munich"]),
    )
    .await;
    let everywhere = gql_key(&app, "Everywhere", roles, None).await;
    let _hamburg_only = gql_key(
        &app,
        "Hamburg only",
        vec![role(KeyRoleDefinition::Pricing, AccessLevel::Viewer)],
        Some(&["hamburg"]),
    )
    .await;

    let (_, v) = run(
        &app,
        &limited.secret,
        "{ me { allStores stores } stores { code } }",
    )
    .await;
    assert_eq!(v["data"]["me"]["allStores"], false);
    assert_eq!(v["data"]["me"]["stores"], json!(["berlin", "munich"]));
    assert_eq!(
        v["data"]["stores"],
        json!([{ "code": "berlin" }, { "code": "munich" }])
    );
    let (_, v) = run(&app, &everywhere.secret, "{ stores { code } }").await;
    assert_eq!(v["data"]["stores"].as_array().unwrap().len(), 3);

    // The store filter of apiKeys: only a store the caller reaches.
    let by_store = |s: &str| {
        format!(r#"{{ apiKeys(filter: {{ store: "{s}" }}) {{ total nodes {{ name }} }} }}"#)
    };
    // A store-limited key sees only keys within its stores: itself here,
    // not the all-stores key (see key_api_scoping).
    let (_, v) = run(&app, &limited.secret, &by_store("berlin")).await;
    assert_eq!(v["data"]["apiKeys"]["total"], 1, "{v}");
    assert_eq!(v["data"]["apiKeys"]["nodes"][0]["name"], "Berlin shop");
    for s in ["hamburg", "nowhere", "Not A Code"] {
        let (status, v) = run(&app, &limited.secret, &by_store(s)).await;
        assert_eq!(status, 200);
        assert_eq!(v["data"]["apiKeys"], Value::Null, "{s}: {v}");
        assert_eq!(first_code(&v), "store_denied", "{s}: {v}");
    }
    let (_, v) = run(&app, &everywhere.secret, &by_store("hamburg")).await;
    let names: Vec<&str> = v["data"]["apiKeys"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{v}");
    assert!(names.contains(&"Hamburg only") && names.contains(&"Everywhere"));
}

#[tokio::test]
async fn api_keys_take_the_pages_filters_sort_and_paging() {
    let app = spawn_app().await;
    let admin = gql_key(
        &app,
        "Admin",
        vec![role(
            KeyRoleDefinition::RoleAndPermission,
            AccessLevel::Viewer,
        )],
        None,
    )
    .await;
    for i in 0..12 {
        gql_key(&app, &format!("Shop {i:02}"), vec![], None).await;
    }
    let off = gql_key(&app, "Shop off", vec![], None).await;
    set_active(&app, off.id, false).await;
    create_rest_key_with_grants(&app, "Rest partner", &["order-data:view"]).await;

    let (_, v) = run(
        &app,
        &admin.secret,
        r#"{ apiKeys(filter: { search: "shop", active: true }, sort: { by: NAME, dir: DESC }, page: { number: 2, size: 10 }) { total totalIsLowerBound page pageSize pages nodes { name kind active } } }"#,
    )
    .await;
    let page = &v["data"]["apiKeys"];
    assert_eq!(page["total"], 12, "{v}");
    assert_eq!(page["totalIsLowerBound"], false);
    assert_eq!(
        (
            page["page"].clone(),
            page["pageSize"].clone(),
            page["pages"].clone()
        ),
        (json!(2), json!(10), json!(2))
    );
    let names: Vec<&str> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Shop 01", "Shop 00"]);

    // The REST tab.
    let (_, v) = run(
        &app,
        &admin.secret,
        "{ apiKeys(filter: { kind: REST }) { total nodes { name kind } } }",
    )
    .await;
    assert_eq!(
        v["data"]["apiKeys"]["nodes"],
        json!([{ "name": "Rest partner", "kind": "rest" }])
    );

    // The page's own messages for bad values; the rest of the query runs.
    for (query, words) in [
        (
            "{ me { name } apiKeys(page: { size: 7 }) { total } }",
            "Rows per page must be 10, 25, 50 or 100",
        ),
        (
            "{ me { name } apiKeys(page: { number: 0 }) { total } }",
            "pages start at 1",
        ),
        (
            "{ me { name } apiKeys(page: { number: 9 }) { total } }",
            "Page 9 does not exist",
        ),
        (
            r#"{ me { name } apiKeys(filter: { createdFrom: "yesterday" }) { total } }"#,
            "is not a date",
        ),
        (
            r#"{ me { name } apiKeys(filter: { createdFrom: "2026-02-02", createdTo: "2026-02-01" }) { total } }"#,
            "before the start",
        ),
    ] {
        let (s, v) = run(&app, &admin.secret, query).await;
        assert_eq!(s, 200, "{query}: {v}");
        assert_eq!(v["data"]["me"]["name"], "Admin");
        assert_eq!(v["data"]["apiKeys"], Value::Null, "{query}");
        assert_eq!(first_code(&v), "bad_input", "{query}: {v}");
        let msg = v["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains(words), "{query}: {msg}");
    }
    // An enum value the schema does not have: the query does not run.
    let (s, v) = run(
        &app,
        &admin.secret,
        "{ apiKeys(sort: { by: SECRET_HASH }) { total } }",
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_code(&v), "invalid_query");
}

#[tokio::test]
async fn audit_events_take_the_history_filters() {
    let app = spawn_app().await;
    let admin = gql_key(
        &app,
        "Auditor",
        vec![role(
            KeyRoleDefinition::RoleAndPermission,
            AccessLevel::Viewer,
        )],
        None,
    )
    .await;
    let other = gql_key(&app, "Other", vec![], None).await;
    let (_, v) = run(
        &app,
        &admin.secret,
        &format!(
            r#"{{ auditEvents(filter: {{ keyId: {}, action: "key.created" }}) {{ total pages nodes {{ action actionLabel actor {{ kind name }} target {{ kind id name }} details }} }} }}"#,
            other.id
        ),
    )
    .await;
    let page = &v["data"]["auditEvents"];
    assert_eq!(page["total"], 1, "{v}");
    let e = &page["nodes"][0];
    assert_eq!(e["action"], "key.created");
    assert_eq!(e["actionLabel"], "Key created");
    assert_eq!(e["actor"], json!({ "kind": "SYSTEM", "name": "keydesk" }));
    assert_eq!(
        e["target"],
        json!({ "kind": "api_key", "id": other.id, "name": "Other" })
    );
    assert!(e["details"].is_object(), "{e}");

    let (_, v) = run(
        &app,
        &admin.secret,
        "{ auditEvents(page: { size: 10 }) { total pageSize } }",
    )
    .await;
    assert_eq!(v["data"]["auditEvents"]["total"], 2);
    assert_eq!(v["data"]["auditEvents"]["pageSize"], 10);

    for (query, words) in [
        (
            r#"{ auditEvents(filter: { action: "key.stolen" }) { total } }"#,
            "is not an action",
        ),
        (
            "{ auditEvents(filter: { keyId: 0 }) { total } }",
            "positive number",
        ),
        (
            r#"{ auditEvents(filter: { from: "2026-13-01" }) { total } }"#,
            "is not a date",
        ),
        (
            "{ auditEvents(page: { size: 1000 }) { total } }",
            "Rows per page",
        ),
    ] {
        let (s, v) = run(&app, &admin.secret, query).await;
        assert_eq!(s, 200, "{query}");
        assert_eq!(first_code(&v), "bad_input", "{query}: {v}");
        assert!(
            v["errors"][0]["message"].as_str().unwrap().contains(words),
            "{query}: {v}"
        );
    }
}

/// graphql-js's `getIntrospectionQuery()`, as GraphiQL sends it.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;

#[tokio::test]
async fn limits_and_bad_input_are_clear_errors() {
    let app = spawn_app().await;
    let key = gql_key(
        &app,
        "Explorer",
        vec![role(
            KeyRoleDefinition::RoleAndPermission,
            AccessLevel::Viewer,
        )],
        None,
    )
    .await;
    let bearer = format!("Bearer {}", key.secret);

    // Introspection works for a live key (GraphiQL needs it) and not without.
    let (s, v) = run(&app, &key.secret, INTROSPECTION).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["__schema"]["queryType"]["name"], "Query");
    let resp = post(&app, None, &json!({ "query": INTROSPECTION })).await;
    assert_eq!(resp.status(), 401);

    // Too deep: the ofType chain one level past the limit.
    let mut deep = String::from("kind");
    for _ in 0..16 {
        deep = format!("kind ofType {{ {deep} }}");
    }
    let (s, v) = run(
        &app,
        &key.secret,
        &format!("{{ __schema {{ queryType {{ {deep} }} }} }}"),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_code(&v), "depth_limit_exceeded");
    assert_eq!(v["errors"][0]["extensions"]["limit"], 15);
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("15 levels"));

    // Too complex: the same page under many aliases.
    let many: String = (0..25)
        .map(|i| format!("a{i}: apiKeys {{ total }} "))
        .collect();
    let (s, v) = run(&app, &key.secret, &format!("{{ {many} }}")).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_code(&v), "complexity_limit_exceeded");
    assert_eq!(v["errors"][0]["extensions"]["limit"], 400);

    // Unknown fields in the query; a syntax error; an unknown operation.
    for (query, name) in [
        ("{ me { password } }", None),
        ("{ secrets { hash } }", None),
        ("{ me { name }", None),
        ("", None),
        ("query A { me { name } } query B { me { id } }", None),
        ("query A { me { name } }", Some("B")),
    ] {
        let mut body = json!({ "query": query });
        if let Some(n) = name {
            body["operationName"] = json!(n);
        }
        let resp = post(&app, Some(&bearer), &body).await;
        assert_eq!(resp.status(), 400, "{query}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(first_code(&v), "invalid_query", "{query}: {v}");
    }
    // Variables work, and a wrong one is refused.
    let resp = post(
        &app,
        Some(&bearer),
        &json!({ "query": "query($p: PageInput) { apiKeys(page: $p) { pageSize } }", "variables": { "p": { "size": 10 } } }),
    )
    .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["apiKeys"]["pageSize"], 10, "{v}");
    let resp = post(
        &app,
        Some(&bearer),
        &json!({ "query": "query($p: PageInput) { apiKeys(page: $p) { pageSize } }", "variables": { "p": { "size": "ten" } } }),
    )
    .await;
    assert_eq!(resp.status(), 400);

    // Bodies that are not a GraphQL request.
    let raw = |body: &'static str, ct: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("Authorization", &bearer)
            .header("Content-Type", ct)
            .body(body)
            .send()
    };
    for (body, ct, status, code) in [
        ("{\"query\": ", "application/json", 400, "invalid_body"),
        (
            "[{\"query\": \"{ me { name } }\"}]",
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "{\"query\": \"{ me { name } }\", \"secret\": 1}",
            "application/json",
            400,
            "invalid_body",
        ),
        ("{\"query\": 5}", "application/json", 400, "invalid_body"),
        (
            "{\"query\": \"{ me { name } }\", \"variables\": [1]}",
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "{ me { name } }",
            "application/graphql",
            415,
            "unsupported_media_type",
        ),
        (
            "query={ me { name } }",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
    ] {
        let resp = raw(body, ct).await.unwrap();
        assert_eq!(resp.status(), status, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(first_code(&v), code, "{body}: {v}");
    }
    let unknown = raw(
        "{\"query\": \"{ me { name } }\", \"secret\": 1}",
        "application/json",
    )
    .await
    .unwrap();
    let v: Value = unknown.json().await.unwrap();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `secret`"),
        "{v}"
    );

    // Over the Key API's body limit.
    let big = format!(
        "{{\"query\": \"{{ me {{ name }} }} #{}\"}}",
        "x".repeat(keydesk::api::MAX_BODY)
    );
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", &bearer)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(first_code(&v), "body_too_large");

    // Credentials before the body: without a key a bad body says nothing.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Other methods and a query string.
    let resp = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(header(resp.headers(), "allow"), "POST");
    let v: Value = resp.json().await.unwrap();
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("/graphql/explorer"));
    let resp = app
        .client
        .post(app.url("/graphql?query={me{name}}"))
        .header("Authorization", &bearer)
        .json(&json!({ "query": "{ me { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn the_explorer_page_is_served_locally_under_the_csp() {
    let app = spawn_app().await;
    let resp = app.get("/graphql/explorer").await;
    assert_eq!(resp.status(), 200);
    let csp = header(resp.headers(), "content-security-policy");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("http://") && !html.contains("https://"),
        "no inline scripts, no CDN"
    );
    for asset in [
        "/static/vendor/graphiql-4.1.2.min.js",
        "/static/vendor/graphiql-4.1.2.min.css",
        "/static/vendor/react-18.3.1.production.min.js",
        "/static/vendor/react-dom-18.3.1.production.min.js",
        "/static/graphql-explorer.js",
        "/static/graphql-explorer.css",
    ] {
        assert!(html.contains(asset), "{asset}");
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
    // Linked from API Key Management.
    app.sign_in_as_owner().await;
    let page = app
        .get("/admin/api-keys/graphql")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/graphql/explorer\""));
}
