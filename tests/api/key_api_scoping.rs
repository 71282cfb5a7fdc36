//! What a store-limited key sees of other keys and of the history, at
//! `GET /api/v1/keys`, `GET /api/v1/audit-events` and GraphQL `apiKeys` /
//! `auditEvents`: one rule (`api_key::within_stores`, the SQL form of
//! `StoreAccess::is_within`, the bound a key may act within). A key limited
//! to stores sees the keys whose stores all lie within its own, and the
//! events about those keys and its stores; an all-stores key sees all.

use std::collections::BTreeSet;

use keydesk::db::write_transaction;
use keydesk::domain::{AccessLevel, KeyKind, KeyName, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use keydesk::models::audit::Actor;
use reqwest::Method;
use serde_json::{json, Value};

use crate::access_support::{access_token, create_key, store_id, Issued};
use crate::helpers::{spawn_app, TestApp};
use crate::key_api_support::{answer, call};

async fn rest(app: &TestApp, name: &str, grants: &[&str], stores: Option<&[&str]>) -> Issued {
    create_key(app, KeyKind::Rest, name, grants, vec![], stores, None).await
}

fn names(items: &Value, field: &str) -> BTreeSet<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("a list: {items}"))
        .iter()
        .map(|i| i[field].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn graphql(app: &TestApp, key: &str, query: &str) -> Value {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(key)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(v.get("errors").is_none(), "{v}");
    v
}

#[tokio::test]
async fn a_store_limited_key_sees_only_keys_and_events_within_its_stores() {
    let app = spawn_app().await;
    let now = app.now();
    app.with_db(move |c| {
        let (berlin, hamburg) = (store_id(c, "berlin"), store_id(c, "hamburg"));
        store_id(c, "munich");
        write_transaction(c, |c| {
            let a = Actor::system();
            let n = |s: &str| KeyName::parse(s).unwrap();
            keydesk::stores::rename(c, &a, now, berlin, &n("Berlin Mitte"))?;
            keydesk::stores::rename(c, &a, now, hamburg, &n("Hamburg Nord"))?;
            Ok::<_, keydesk::error::AppError>(())
        })
        .unwrap();
    })
    .await;
    let rp = ["role-permission:view"];
    let limited = rest(&app, "Limited", &rp, Some(&["berlin", "munich"])).await;
    let everywhere = rest(&app, "Everywhere", &rp, None).await;
    let berlin_only = rest(&app, "Berlin only", &[], Some(&["berlin"])).await;
    rest(&app, "Munich only", &[], Some(&["munich"])).await;
    let hamburg_only = rest(&app, "Hamburg only", &[], Some(&["hamburg"])).await;
    rest(
        &app,
        "Berlin and Hamburg",
        &[],
        Some(&["berlin", "hamburg"]),
    )
    .await;
    let roles = vec![KeyRole {
        definition: KeyRoleDefinition::RoleAndPermission,
        level: AccessLevel::Viewer,
    }];
    let gql = create_key(
        &app,
        KeyKind::Graphql,
        "GraphQL limited",
        &[],
        roles.clone(),
        Some(&["berlin", "munich"]),
        None,
    )
    .await;
    let gql_all = create_key(
        &app,
        KeyKind::Graphql,
        "GraphQL all",
        &[],
        roles,
        None,
        None,
    )
    .await;

    let seen = set(&["Limited", "Berlin only", "Munich only"]);
    let all_rest = set(&[
        "Limited",
        "Everywhere",
        "Berlin only",
        "Munich only",
        "Hamburg only",
        "Berlin and Hamburg",
    ]);
    // REST: GET /api/v1/keys, with the total counting only what is seen.
    for (key, want) in [(&limited, &seen), (&everywhere, &all_rest)] {
        let t = access_token(&app, key).await;
        let (s, body) = answer(call(&app, &t, Method::GET, "/api/v1/keys", None).await).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(&names(&body["items"], "name"), want);
        assert_eq!(body["total"], want.len());
    }
    // One key: what the list does not show is not found.
    let t = access_token(&app, &limited).await;
    for (id, status) in [
        (berlin_only.id, 200),
        (hamburg_only.id, 404),
        (everywhere.id, 404),
    ] {
        let path = format!("/api/v1/keys/{id}");
        let (s, p) = answer(call(&app, &t, Method::GET, &path, None).await).await;
        assert_eq!(s, status, "{path}: {p}");
    }
    // GraphQL apiKeys: the same rule, the same keys.
    let q = "{ apiKeys(filter: { kind: REST }) { total nodes { name } } }";
    for (key, want) in [(&gql, &seen), (&gql_all, &all_rest)] {
        let v = graphql(&app, &key.secret, q).await;
        assert_eq!(&names(&v["data"]["apiKeys"]["nodes"], "name"), want);
        assert_eq!(v["data"]["apiKeys"]["total"], want.len());
    }
    let v = graphql(&app, &gql.secret, "{ apiKeys { nodes { name } } }").await;
    assert_eq!(
        names(&v["data"]["apiKeys"]["nodes"], "name"),
        set(&["GraphQL limited"])
    );

    // The history: events about the keys seen and about the key's stores.
    let t = access_token(&app, &limited).await;
    let (s, body) = answer(
        call(
            &app,
            &t,
            Method::GET,
            "/api/v1/audit-events?per_page=100",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let targets: BTreeSet<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["target"]["name"].as_str().unwrap()
            )
        })
        .collect();
    let want_events = set(&[
        "key.created Limited",
        "key.created Berlin only",
        "key.created Munich only",
        "key.created GraphQL limited",
        "store.renamed Berlin Mitte",
        "token.issued Limited",
    ]);
    assert_eq!(targets, want_events);
    assert_eq!(body["total"], body["items"].as_array().unwrap().len());
    let v = graphql(
        &app,
        &gql.secret,
        "{ auditEvents(page: { size: 100 }) { total nodes { action target { name } } } }",
    )
    .await;
    let g: BTreeSet<String> = v["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["target"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(g, targets, "GraphQL and REST see the same history");
    // An all-stores key sees every event, store renames in Hamburg too.
    let t = access_token(&app, &everywhere).await;
    let (_, body) = answer(
        call(
            &app,
            &t,
            Method::GET,
            "/api/v1/audit-events?per_page=100",
            None,
        )
        .await,
    )
    .await;
    let n = body["total"].as_i64().unwrap();
    assert!(n > want_events.len() as i64 + 5, "{body}");
    let v = graphql(&app, &gql_all.secret, "{ auditEvents { total } }").await;
    assert!(v["data"]["auditEvents"]["total"].as_i64().unwrap() >= n);
}
