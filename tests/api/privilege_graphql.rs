//! What a GraphQL key used at `/graphql` counts for least privilege: each
//! allowed field's function, once per request; a refused verification asks
//! for a function without using it.

use keydesk::domain::{AccessLevel, KeyKind, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use serde_json::json;

use crate::access_support::*;
use crate::helpers::{html, spawn_app};
use crate::keys_support::sel;

#[tokio::test]
async fn fields_read_at_graphql_count_as_used_and_refusals_do_not() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let caller = create_caller(&app).await;
    let roles = vec![
        KeyRole {
            definition: KeyRoleDefinition::ShopAndChannel,
            level: AccessLevel::Viewer,
        },
        KeyRole {
            definition: KeyRoleDefinition::Pricing,
            level: AccessLevel::Owner,
        },
    ];
    let key = create_key(
        &app,
        KeyKind::Graphql,
        "Shop frontend",
        &[],
        roles,
        None,
        None,
    )
    .await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", format!("Bearer {}", key.secret))
        .json(&json!({ "query": "{ stores { code } channels { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Order Data is not among its roles: refused, so not "used".
    let body = json!({ "function": "order-data", "action": "view" });
    assert_eq!(
        code_of(&app, &caller, &key.secret, body).await,
        "function_denied"
    );
    app.flush_usage().await;

    let page = html(
        app.get_htmx(&format!("/admin/api-keys/graphql/{}", key.id))
            .await,
    )
    .await;
    let summary: Vec<String> = page
        .select(&sel(".privilege-summary"))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(
        summary,
        ["Granted 5 permissions, used 1 in the last 30 days."]
    );
    let unused = html(
        app.get_htmx(&format!("/admin/api-keys/graphql/{}/unused", key.id))
            .await,
    )
    .await;
    let listed: Vec<String> = unused
        .select(&sel(".unused-grants li"))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(listed.len(), 4);
    assert!(
        listed.iter().all(|g| g.starts_with("Pricing: ")),
        "{listed:?}"
    );
}
