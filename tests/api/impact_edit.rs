//! Impact before breaking (issue 13, part 3), the edit dialog: an edit that
//! switches Active off or narrows grants, stores or Allowed API Methods is
//! answered with what will change and what it breaks (from the usage
//! record) and saved only when confirmed; a confirmation given for another
//! state of the key asks again; any other edit saves in one step.

use std::path::PathBuf;

use keydesk::domain::KeyKind;
use reqwest::StatusCode;
use scraper::Html;
use serde_json::json;

use crate::access_support::*;
use crate::helpers::{html, location, spawn_app_with, Browser, TestApp, PASSWORD};
use crate::keys_support::{insert_store, scopes_of, sel, snapshot, state_of};

const STATUSES: &str = "GET /api/v*/orders/statuses";
const ONE_ORDER: &str = "GET /api/v*/orders/{id}";

async fn spawn() -> TestApp {
    let doc = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform-openapi.yaml");
    spawn_app_with(|s| s.platform_openapi = Some(doc)).await
}

/// Stores Berlin, Hamburg, Munich; a key for all three with Order Data View
/// and Edit and Pricing View, used: 3 edits in Munich, 2 status reads in
/// Berlin. Returns (key, [berlin, hamburg, munich] ids).
async fn used_key(app: &TestApp) -> (Issued, [i64; 3]) {
    let ids = [
        insert_store(app, "Berlin", "berlin").await,
        insert_store(app, "Hamburg", "hamburg").await,
        insert_store(app, "Munich", "munich").await,
    ];
    let key = create_key(
        app,
        KeyKind::Rest,
        "Shop sync",
        &["order-data:view", "order-data:edit", "pricing:view"],
        vec![],
        Some(&["berlin", "hamburg", "munich"]),
        None,
    )
    .await;
    let caller = create_caller(app).await;
    for _ in 0..3 {
        let ask = json!({ "key": key.secret, "function": "order-data", "action": "edit", "store": "munich" });
        verify(app, &caller, ask).await;
    }
    for _ in 0..2 {
        let ask = json!({ "key": key.secret, "store": "berlin",
                          "method": "GET", "path": "/api/v2/orders/statuses" });
        verify(app, &caller, ask).await;
    }
    app.flush_usage().await;
    (key, ids)
}

/// The edit form's fields as a browser posts them, all stores listed.
fn form(stores: &[i64], grants: &[&str], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![("name".into(), "Shop sync".into())];
    f.push(("active".into(), "true".into()));
    for g in grants {
        f.push(("grant".into(), g.to_string()));
    }
    f.push(("access_type".into(), "individual".into()));
    for s in stores {
        f.push(("store".into(), s.to_string()));
    }
    for (k, v) in extra {
        f.push((k.to_string(), v.to_string()));
    }
    f
}

const ALL_GRANTS: [&str; 3] = ["order-data:view", "order-data:edit", "pricing:view"];

async fn post(b: &Browser, id: i64, fields: &[(String, String)]) -> reqwest::Response {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post_form(&format!("/admin/api-keys/rest/{id}"), &f).await
}

fn texts(page: &Html, css: &str) -> Vec<String> {
    page.select(&sel(css))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The confirmation's hidden fields (without the CSRF token).
fn carried(page: &Html) -> Vec<(String, String)> {
    page.select(&sel(r#"form input[type="hidden"]"#))
        .filter_map(|i| {
            let name = i.value().attr("name")?;
            (name != "csrf_token").then(|| {
                (
                    name.to_owned(),
                    i.value().attr("value").unwrap_or("").to_owned(),
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn narrowing_grants_asks_first_says_what_was_used_and_saves_when_confirmed() {
    let app = spawn().await;
    app.sign_in_with_roles("eddie", &["api-key:editor"]).await;
    let (key, stores) = used_key(&app).await;
    let before = snapshot(&app).await;

    let resp = post(
        &app,
        key.id,
        &form(&stores, &["order-data:view", "pricing:view"], &[]),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(
        texts(&page, "#edit-changes li"),
        ["Permissions removed: Order Data: Edit."]
    );
    assert_eq!(
        texts(&page, "#edit-impact li"),
        ["Order Data: Edit was used 3 times in the last 7 days."]
    );
    assert!(page.root_element().html().contains("Save anyway"));
    assert_eq!(
        snapshot(&app).await,
        before,
        "nothing saved before confirming"
    );

    let resp = post(&app, key.id, &carried(&page)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys/rest");
    assert_eq!(
        scopes_of(&app, "rest", key.id).await,
        ["order-data:view", "pricing:view"]
    );

    // Removing what no call used says so.
    let resp = post(&app, key.id, &form(&stores, &["order-data:view"], &[])).await;
    let page = html(resp).await;
    assert_eq!(
        texts(&page, "#edit-impact li"),
        ["No calls used what you are removing."]
    );
}

#[tokio::test]
async fn narrowing_stores_and_methods_names_the_calls_that_used_them() {
    let app = spawn().await;
    app.sign_in_with_roles("eddie", &["api-key:editor"]).await;
    let (key, [berlin, hamburg, munich]) = used_key(&app).await;

    let page = html(post(&app, key.id, &form(&[berlin, hamburg], &ALL_GRANTS, &[])).await).await;
    assert_eq!(
        texts(&page, "#edit-changes li"),
        ["Stores removed: Munich."]
    );
    assert_eq!(texts(&page, "#edit-impact li"), ["store Munich: 3 calls."]);

    // From all methods to one: the status reads are what breaks.
    let narrowed = form(
        &[berlin, hamburg, munich],
        &ALL_GRANTS,
        &[("methods", "chosen"), ("method", ONE_ORDER)],
    );
    let page = html(post(&app, key.id, &narrowed).await).await;
    assert_eq!(
        texts(&page, "#edit-changes li"),
        ["Allowed API Methods narrow from all methods to 1 method."]
    );
    assert_eq!(
        texts(&page, "#edit-impact li"),
        [format!("{STATUSES}: 2 calls.")]
    );
    assert_eq!(
        post(&app, key.id, &carried(&page)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(!state_of(&app, "rest", key.id).await.methods.is_all());

    // Widening (all methods again, a fourth store) saves in one step.
    let _lyon = insert_store(&app, "Lyon", "lyon").await;
    let wider = form(
        &[berlin, hamburg, munich, _lyon],
        &ALL_GRANTS,
        &[("methods", "all")],
    );
    assert_eq!(
        post(&app, key.id, &wider).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(state_of(&app, "rest", key.id).await.methods.is_all());
}

#[tokio::test]
async fn deactivating_says_who_breaks_also_without_js_and_renaming_saves_at_once() {
    let app = spawn().await;
    app.sign_in_with_roles("eddie", &["api-key:editor"]).await;
    let (key, stores) = used_key(&app).await;

    // A rename is not breaking: one step, as before.
    let mut renamed = form(&stores, &ALL_GRANTS, &[]);
    renamed[0].1 = "Shop sync 2".into();
    assert_eq!(
        post(&app, key.id, &renamed).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(state_of(&app, "rest", key.id).await.key.name, "Shop sync 2");

    let mut off: Vec<(String, String)> =
        renamed.into_iter().filter(|(k, _)| k != "active").collect();
    off[0].1 = "Shop sync 3".into();
    // Without JS: a whole page with the form.
    let page = html(post(&app, key.id, &off).await).await;
    assert_eq!(
        texts(&page, "#edit-changes li"),
        ["Active is switched off: the key stops working at once."]
    );
    let impact = texts(&page, "#edit-impact li");
    assert_eq!(impact.len(), 1);
    assert!(
        impact[0].starts_with("Used 5 times in the last 7 days by 1 caller (last call "),
        "{impact:?}"
    );
    assert!(
        impact[0].ends_with(") on stores Berlin and Munich."),
        "{impact:?}"
    );
    assert!(state_of(&app, "rest", key.id).await.key.active, "not yet");
    // With htmx: the fragment for the dialog.
    let f: Vec<(&str, &str)> = off.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp = app
        .post_htmx(&format!("/admin/api-keys/rest/{}", key.id), &f)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.unwrap();
    assert!(body.contains("hx-post") && body.contains("Save anyway"));
    assert!(!body.contains("<html"));

    let resp = post(&app, key.id, &carried(&page)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let st = state_of(&app, "rest", key.id).await;
    assert!(!st.key.active);
    assert_eq!(
        st.key.name, "Shop sync 3",
        "the whole confirmed edit applies"
    );
}

#[tokio::test]
async fn a_stale_confirmation_asks_again_and_saves_nothing() {
    let app = spawn().await;
    app.sign_in_with_roles("eddie", &["api-key:editor"]).await;
    let (key, stores) = used_key(&app).await;
    let page = html(
        post(
            &app,
            key.id,
            &form(&stores, &["order-data:view", "pricing:view"], &[]),
        )
        .await,
    )
    .await;
    let confirmation = carried(&page);
    // Meanwhile someone removes Pricing: View (confirmed, so it applies).
    let other = form(&stores, &["order-data:view", "order-data:edit"], &[]);
    let page2 = html(post(&app, key.id, &other).await).await;
    assert_eq!(
        post(&app, key.id, &carried(&page2)).await.status(),
        StatusCode::SEE_OTHER
    );
    let before = snapshot(&app).await;

    let resp = post(&app, key.id, &confirmation).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(texts(&page, "#edit-confirm-notice")[0]
        .starts_with("The key was changed since you confirmed"));
    assert_eq!(
        texts(&page, "#edit-changes li"),
        ["Permissions removed: Order Data: Edit."]
    );
    assert_eq!(snapshot(&app).await, before, "nothing saved");
    // A made-up confirmation is no better.
    let mut forged = confirmation.clone();
    forged.retain(|(k, _)| k != "confirm");
    forged.push(("confirm".into(), "0".repeat(64)));
    assert_eq!(
        post(&app, key.id, &forged).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The fresh one applies.
    assert_eq!(
        post(&app, key.id, &carried(&page)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        scopes_of(&app, "rest", key.id).await,
        ["order-data:view", "pricing:view"]
    );
}

#[tokio::test]
async fn every_role_on_the_confirmation_step() {
    let app = spawn().await;
    let (key, stores) = used_key(&app).await;
    let narrowing = form(&stores, &["order-data:view", "pricing:view"], &[]);
    let path = format!("/admin/api-keys/rest/{}", key.id);
    for (who, roles) in [
        ("nobody", None),
        ("noor", Some(&["user:owner"][..])),
        ("vera", Some(&["api-key:viewer"][..])),
    ] {
        let b = app.new_browser();
        if let Some(r) = roles {
            app.create_user(who, PASSWORD, r).await;
            b.sign_in(who, PASSWORD).await;
        }
        let before = snapshot(&app).await;
        let resp = post(&b, key.id, &narrowing).await;
        if roles.is_none() {
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{who}");
            assert!(location(&resp).starts_with("/login"), "{who}");
        } else {
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{who}");
        }
        assert_eq!(snapshot(&app).await, before, "{who}: {path}");
    }
    for (who, role) in [("eddie", "api-key:editor"), ("olivia", "api-key:owner")] {
        let b = app.new_browser();
        app.create_user(who, PASSWORD, &[role]).await;
        b.sign_in(who, PASSWORD).await;
        let page = html(post(&b, key.id, &narrowing).await).await;
        let confirmation = carried(&page);
        assert!(confirmation.iter().any(|(k, _)| k == "confirm"), "{who}");
        // A viewer cannot use an editor's confirmation either.
        let vera = app.new_browser();
        if who == "eddie" {
            vera.sign_in("vera", PASSWORD).await;
            assert_eq!(
                post(&vera, key.id, &confirmation).await.status(),
                StatusCode::FORBIDDEN
            );
        }
        assert_eq!(
            post(&b, key.id, &confirmation).await.status(),
            StatusCode::SEE_OTHER,
            "{who}"
        );
        // Back to the three grants for the next role (widening: one step).
        assert_eq!(
            post(&b, key.id, &form(&stores, &ALL_GRANTS, &[]))
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
    }
}
