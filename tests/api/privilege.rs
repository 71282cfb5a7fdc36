//! Least-privilege suggestions (issue 13, part 4): the key dialog's
//! "Granted N permissions, used M in the last 30 days", the exact unused
//! grants, stores and methods after real calls, "Narrow to what it used"
//! (REST: the edit dialog prefilled; GraphQL: a new-key dialog), and the
//! list's "Over-privileged" filter.

use std::time::Duration;

use keydesk::domain::{AccessLevel, KeyKind, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use reqwest::StatusCode;
use scraper::Html;
use serde_json::json;

use crate::access_support::*;
use crate::helpers::{html, location, spawn_app, text_of, Browser, TestApp, PASSWORD};
use crate::keys_support::{error_of, get_list, ids, rows, sel};

const DAY: u64 = 24 * 3600;

/// Calls made to verify about `key`: `n` times this function and action
/// (and store, if given).
async fn use_key(
    app: &TestApp,
    caller: &Issued,
    key: &Issued,
    scope: &str,
    store: Option<&str>,
    n: usize,
) {
    let (function, action) = scope.split_once(':').unwrap();
    let mut body = json!({ "function": function, "action": action });
    if let Some(s) = store {
        body["store"] = json!(s);
    }
    for _ in 0..n {
        assert_eq!(
            code_of(app, caller, &key.secret, body.clone()).await,
            "valid"
        );
    }
}

async fn fragment(b: &Browser, path: &str) -> Html {
    let resp = b.get_htmx(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    Html::parse_fragment(&resp.text().await.unwrap())
}

fn texts(page: &Html, selector: &str) -> Vec<String> {
    page.select(&sel(selector))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn checked(page: &Html, name: &str) -> Vec<String> {
    page.select(&sel(&format!("input[name='{name}'][checked]")))
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn suggestions_list_exactly_the_unused_grants() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let caller = create_caller(&app).await;
    let key = create_rest_key_with_grants(
        &app,
        "Partner",
        &[
            "pricing:view",
            "pricing:edit",
            "order-data:view",
            "user:view",
        ],
    )
    .await;
    let idle = create_rest_key_with_grants(&app, "Idle", &["pricing:view"]).await;
    use_key(&app, &caller, &key, "pricing:view", None, 3).await;
    // A refused call for a function it lacks is no use of a grant.
    assert_eq!(
        code_of(
            &app,
            &caller,
            &key.secret,
            json!({ "function": "logistics", "action": "view" })
        )
        .await,
        "function_denied"
    );
    app.flush_usage().await;

    let dialog = fragment(&app, &format!("/admin/api-keys/rest/{}", key.id)).await;
    assert_eq!(
        texts(&dialog, ".privilege-summary"),
        ["Granted 4 permissions, used 1 in the last 30 days."]
    );
    // A viewer sees the suggestion but is offered no narrowing.
    assert!(dialog.select(&sel("#show-unused")).next().is_some());
    assert!(dialog.select(&sel("#narrow-key")).next().is_none());
    let unused = fragment(&app, &format!("/admin/api-keys/rest/{}/unused", key.id)).await;
    assert_eq!(
        texts(&unused, ".unused-grants li"),
        ["Order Data: View", "Pricing: Edit", "User: View"]
    );
    // Without JavaScript the link is a page of its own.
    let page = html(
        app.get(&format!("/admin/api-keys/rest/{}/unused", key.id))
            .await,
    )
    .await;
    assert_eq!(texts(&page, ".unused-grants li").len(), 3);
    assert!(text_of(&page, ".privilege-summary").is_some());

    // A key with no calls says so.
    let dialog = fragment(&app, &format!("/admin/api-keys/rest/{}", idle.id)).await;
    assert_eq!(
        texts(&dialog, ".privilege-summary"),
        ["Granted 1 permission, used 0 in the last 30 days: no calls."]
    );
    let unused = fragment(&app, &format!("/admin/api-keys/rest/{}/unused", idle.id)).await;
    assert_eq!(texts(&unused, ".unused-grants li"), ["Pricing: View"]);
    assert_eq!(texts(&unused, ".unused-none").len(), 1);

    // Thirty-one days later the calls are out of the window.
    app.advance_clock(Duration::from_secs(31 * DAY));
    let dialog = fragment(&app, &format!("/admin/api-keys/rest/{}", key.id)).await;
    assert_eq!(
        texts(&dialog, ".privilege-summary"),
        ["Granted 4 permissions, used 0 in the last 30 days: no calls."]
    );
}

#[tokio::test]
async fn stores_and_narrowing_a_rest_key_prefill_the_edit_dialog() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    let caller = create_caller(&app).await;
    let key = create_key(
        &app,
        KeyKind::Rest,
        "Shops",
        &[
            "pricing:view",
            "pricing:edit",
            "order-data:view",
            "user:view",
        ],
        vec![],
        Some(&["berlin", "hamburg", "munich"][..]),
        None,
    )
    .await;
    use_key(&app, &caller, &key, "pricing:edit", Some("berlin"), 2).await;
    use_key(&app, &caller, &key, "order-data:view", Some("munich"), 1).await;
    app.flush_usage().await;

    let unused = fragment(&app, &format!("/admin/api-keys/rest/{}/unused", key.id)).await;
    assert_eq!(
        texts(&unused, ".unused-grants li"),
        ["Pricing: View", "User: View"]
    );
    assert_eq!(texts(&unused, ".unused-stores li"), ["hamburg"]);

    let dialog = fragment(&app, &format!("/admin/api-keys/rest/{}", key.id)).await;
    assert_eq!(
        texts(&dialog, ".privilege-summary"),
        ["Granted 4 permissions, used 2 in the last 30 days."]
    );
    let narrow = format!("/admin/api-keys/rest/{}/narrow", key.id);
    assert_eq!(
        dialog
            .select(&sel("#narrow-key"))
            .next()
            .and_then(|a| a.value().attr("href")),
        Some(narrow.as_str())
    );
    let form = fragment(&app, &narrow).await;
    // Pricing: Edit keeps its View; User goes.
    assert_eq!(
        checked(&form, "grant"),
        ["order-data:view", "pricing:view", "pricing:edit"]
    );
    let (berlin, munich) = app
        .with_db(|c| (store_id(c, "berlin"), store_id(c, "munich")))
        .await;
    let mut stores = checked(&form, "store");
    stores.sort();
    let mut want = vec![berlin.to_string(), munich.to_string()];
    want.sort();
    assert_eq!(stores, want);
    assert!(texts(&form, ".flash")[0].contains("Nothing changes until you save"));
    // Nothing was saved.
    let again = fragment(&app, &format!("/admin/api-keys/rest/{}", key.id)).await;
    assert_eq!(checked(&again, "grant").len(), 4);
}

#[tokio::test]
async fn narrowing_a_graphql_key_offers_a_new_key_with_the_smallest_roles() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let caller = create_caller(&app).await;
    let roles = vec![
        KeyRole {
            definition: KeyRoleDefinition::Pricing,
            level: AccessLevel::Owner,
        },
        KeyRole {
            definition: KeyRoleDefinition::User,
            level: AccessLevel::Owner,
        },
    ];
    let key = create_key(&app, KeyKind::Graphql, "Storefront", &[], roles, None, None).await;
    use_key(&app, &caller, &key, "pricing:edit", None, 2).await;
    app.flush_usage().await;

    let dialog = fragment(&app, &format!("/admin/api-keys/graphql/{}", key.id)).await;
    assert_eq!(
        texts(&dialog, ".privilege-summary"),
        ["Granted 8 permissions, used 1 in the last 30 days."]
    );
    let form = fragment(&app, &format!("/admin/api-keys/graphql/{}/narrow", key.id)).await;
    let name = form
        .select(&sel("input[name='name']"))
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned));
    assert_eq!(name.as_deref(), Some("Storefront (narrowed)"));
    let selected = |field: &str| -> Vec<String> {
        form.select(&sel(&format!("select[name='{field}'] option[selected]")))
            .filter_map(|o| o.value().attr("value").map(str::to_owned))
            .collect()
    };
    assert_eq!(selected("role_definition"), ["pricing"]);
    assert_eq!(selected("role_level"), ["editor"]);
    assert_eq!(
        form.select(&sel("form"))
            .next()
            .and_then(|f| f.value().attr("action")),
        Some("/admin/api-keys/graphql/new")
    );
    // The old key is untouched, and no key was made.
    assert_eq!(
        app.api_key_id("graphql", "Storefront (narrowed)").await,
        None
    );
    let again = fragment(&app, &format!("/admin/api-keys/graphql/{}", key.id)).await;
    assert_eq!(texts(&again, ".roles-readonly tbody tr").len(), 2);
}

#[tokio::test]
async fn the_over_privileged_filter_counts_keys_with_an_unused_grant() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let caller = create_caller(&app).await;
    let partial =
        create_rest_key_with_grants(&app, "Partial", &["pricing:view", "user:view"]).await;
    let full = create_rest_key_with_grants(&app, "Full", &["pricing:view"]).await;
    let idle = create_rest_key_with_grants(&app, "Idle", &["order-data:view"]).await;
    app.advance_clock(Duration::from_secs(31 * DAY));
    // Made today: not flagged however little it used.
    let young = create_rest_key_with_grants(&app, "Young", &["pricing:view"]).await;
    use_key(&app, &caller, &partial, "pricing:view", None, 1).await;
    use_key(&app, &caller, &full, "pricing:view", None, 1).await;
    app.flush_usage().await;

    let (status, page) = get_list(&app, "rest", "privilege=over&sort=name").await;
    assert_eq!(status, StatusCode::OK);
    let mut want = vec![idle.id, partial.id];
    want.sort();
    let mut got = ids(&rows(&page));
    assert_eq!(got.len(), 2, "{got:?}");
    got.sort();
    assert_eq!(got, want);
    assert_eq!(text_of(&page, ".count strong").as_deref(), Some("2 keys"));
    assert!(!ids(&rows(&page)).contains(&young.id));
    assert!(!ids(&rows(&page)).contains(&caller.id));
    // With paging and another filter.
    let (_, page) = get_list(&app, "rest", "privilege=over&per_page=10&q=idle").await;
    assert_eq!(ids(&rows(&page)), [idle.id]);
    // A bad value is a clear 400.
    let (status, message) = error_of(app.get("/admin/api-keys/rest?privilege=under").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("Permissions"), "{message}");
}

#[tokio::test]
async fn every_role_on_the_new_routes_and_bad_input() {
    let app = spawn_app().await;
    let rest = create_rest_key_with_grants(&app, "Rest", &["pricing:view"]).await;
    let gql = create_key(
        &app,
        KeyKind::Graphql,
        "Gql",
        &[],
        vec![KeyRole {
            definition: KeyRoleDefinition::Pricing,
            level: AccessLevel::Viewer,
        }],
        None,
        None,
    )
    .await;
    let unused_rest = format!("/admin/api-keys/rest/{}/unused", rest.id);
    let unused_gql = format!("/admin/api-keys/graphql/{}/unused", gql.id);
    let narrow_rest = format!("/admin/api-keys/rest/{}/narrow", rest.id);
    let narrow_gql = format!("/admin/api-keys/graphql/{}/narrow", gql.id);
    // (roles, unused, narrow REST, narrow GraphQL)
    for (name, roles, see, rest_ok, gql_ok) in [
        ("anon", None, false, false, false),
        ("nora", Some(&["user:owner"][..]), false, false, false),
        ("vera", Some(&["api-key:viewer"][..]), true, false, false),
        ("erin", Some(&["api-key:editor"][..]), true, true, false),
        ("olivia", Some(&["api-key:owner"][..]), true, true, true),
    ] {
        let b = app.new_browser();
        if let Some(roles) = roles {
            app.create_user(name, PASSWORD, roles).await;
            b.sign_in(name, PASSWORD).await;
        }
        for (path, ok) in [
            (&unused_rest, see),
            (&unused_gql, see),
            (&narrow_rest, rest_ok),
            (&narrow_gql, gql_ok),
        ] {
            let resp = b.get(path).await;
            let status = resp.status();
            if roles.is_none() {
                assert_eq!(status, StatusCode::SEE_OTHER, "{path} as {name}");
                assert!(location(&resp).starts_with("/login"));
            } else if ok {
                assert_eq!(status, StatusCode::OK, "{path} as {name}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{path} as {name}");
            }
        }
        if name == "olivia" {
            for path in [
                "/admin/api-keys/rest/999999/unused",
                "/admin/api-keys/rest/999999/narrow",
                "/admin/api-keys/graphql/999999/narrow",
            ] {
                assert_eq!(b.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
            }
            // A key of the other tab is not found there.
            let wrong = format!("/admin/api-keys/graphql/{}/unused", rest.id);
            let (status, message) = error_of(b.get(&wrong).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert!(!message.is_empty());
            for path in [
                "/admin/api-keys/rest/abc/unused",
                "/admin/api-keys/rest/0/narrow",
            ] {
                assert_eq!(
                    b.get(path).await.status(),
                    StatusCode::BAD_REQUEST,
                    "{path}"
                );
            }
        }
    }
}
