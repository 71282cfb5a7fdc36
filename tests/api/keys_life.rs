//! Issue 8, the key's life in the create and edit dialogs: expiry, the
//! permission grid (REST) or the roles' grants (GraphQL), access type and
//! stores; every bad value gets the form again with its message and writes
//! nothing; each change is an audit event with old → new and no secret.

use chrono::Duration;
use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::{html, spawn_app, text_of, TestApp};
use crate::keys_support::{
    audit_events, create, insert_store, scopes_of, secret_field, sel, snapshot, state_of,
};

async fn owner_app() -> TestApp {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    app
}

fn field_error(page: &Html, id: &str) -> Option<String> {
    text_of(page, &format!("#{id}"))
}

#[tokio::test]
async fn a_rest_key_gets_view_on_order_data_for_two_stores_expiring_in_90_days() {
    let app = owner_app().await;
    let berlin = insert_store(&app, "Berlin", "berlin").await;
    let hamburg = insert_store(&app, "Hamburg", "hamburg").await;
    insert_store(&app, "Munich", "munich").await;
    let before = app.clock().now();
    let (b, h) = (berlin.to_string(), hamburg.to_string());
    let (status, page) = create(
        &app,
        "rest",
        &[
            ("name", "CPA network"),
            ("active", "true"),
            ("grant", "order-data:view"),
            ("expiry", "90d"),
            ("access_type", "individual"),
            ("store", &b),
            ("store", &h),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(secret_field(&page, "secret-client-secret").is_some());
    let id = app.api_key_id("rest", "CPA network").await.unwrap();
    let st = state_of(&app, "rest", id).await;
    assert_eq!(scopes_of(&app, "rest", id).await, ["order-data:view"]);
    assert_eq!(
        st.stores,
        keydesk::domain::StoreAccess::individual(vec![berlin, hamburg])
    );
    let exp = st.key.expires_at.expect("an expiry");
    let days = (exp - before).num_days();
    assert!((89..=90).contains(&days), "{days} days");
    assert_eq!(st.secrets.len(), 1);

    // The dialog shows all of it.
    let page = html(app.get(&format!("/admin/api-keys/rest/{id}")).await).await;
    let checked: Vec<String> = page
        .select(&sel(r#"input[name="grant"][checked]"#))
        .map(|i| i.value().attr("value").unwrap().to_owned())
        .collect();
    assert_eq!(checked, ["order-data:view"]);
    let stores: Vec<String> = page
        .select(&sel(r#"input[name="store"][checked]"#))
        .map(|i| i.value().attr("value").unwrap().to_owned())
        .collect();
    assert_eq!(stores, [b, h]);
    assert!(page
        .select(&sel(
            r#"input[name="access_type"][value="individual"][checked]"#
        ))
        .next()
        .is_some());
    let body = page.root_element().html();
    assert!(body.contains("Current"), "the secret's status");
    assert!(body.contains("never"), "last used: never");

    // One audit event, naming what was set and holding no secret.
    let secret = secret_field(&page, "secret-client-secret");
    assert!(secret.is_none(), "the edit dialog shows no secret");
    let events = audit_events(&app).await;
    let created: Vec<_> = events
        .iter()
        .filter(|e| e.action == "key.created")
        .collect();
    assert_eq!(created.len(), 1);
    let d = created[0].details_json();
    assert_eq!(d["grants"], serde_json::json!(["order-data:view"]));
    assert_eq!(d["stores"], serde_json::json!(["berlin", "hamburg"]));
    assert_eq!(created[0].actor_name, "olivia");
    assert_eq!(created[0].target_id, Some(id));
}

#[tokio::test]
async fn graphql_keys_get_their_grants_from_their_roles_and_the_grid_is_read_only() {
    let app = owner_app().await;
    create(
        &app,
        "graphql",
        &[
            ("name", "shop"),
            ("role_definition", "pricing"),
            ("role_level", "editor"),
            ("role_definition", "user"),
            ("role_level", "viewer"),
            ("expiry", "never"),
        ],
    )
    .await;
    let id = app.api_key_id("graphql", "shop").await.unwrap();
    assert_eq!(
        scopes_of(&app, "graphql", id).await,
        ["pricing:view", "pricing:edit", "user:view"]
    );
    assert_eq!(state_of(&app, "graphql", id).await.key.expires_at, None);
    let page = html(app.get(&format!("/admin/api-keys/graphql/{id}")).await).await;
    let grid = page.select(&sel(r#"input[name="grant"]"#)).count();
    let disabled = page
        .select(&sel(r#"input[name="grant"][disabled]"#))
        .count();
    assert_eq!((grid, disabled), (32, 32));
    assert_eq!(
        page.select(&sel(r#"input[name="grant"][checked]"#)).count(),
        3
    );
    // A form that sends grants for a GraphQL key is refused.
    let before = snapshot(&app).await;
    for path in [
        "/admin/api-keys/graphql/new".to_string(),
        format!("/admin/api-keys/graphql/{id}"),
    ] {
        let resp = app
            .post_form(&path, &[("name", "x"), ("grant", "user:view")])
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn new_keys_expire_in_90_days_unless_told_otherwise() {
    let app = owner_app().await;
    let form = html(app.get("/admin/api-keys/rest/new").await).await;
    let selected = form
        .select(&sel(r#"select[name="expiry"] option[selected]"#))
        .next()
        .map(|o| o.value().attr("value").unwrap().to_owned());
    assert_eq!(selected.as_deref(), Some("90d"));
    let now = app.clock().now();
    for (choice, date, days) in [
        ("30d", "", Some(30)),
        ("1y", "", Some(365)),
        ("never", "", None),
    ] {
        let name = format!("k-{choice}");
        create(
            &app,
            "rest",
            &[("name", &name), ("expiry", choice), ("expiry_date", date)],
        )
        .await;
        let id = app.api_key_id("rest", &name).await.unwrap();
        let got = state_of(&app, "rest", id)
            .await
            .key
            .expires_at
            .map(|t| (t - now).num_days());
        match (got, days) {
            (Some(g), Some(d)) => assert!((d - 1..=d).contains(&g), "{choice}: {g}"),
            (g, d) => assert_eq!(g, d, "{choice}"),
        }
    }
    // A custom date: valid through that day, so it stops at the next midnight.
    let day = (now + Duration::days(10)).date();
    let raw = day.format("%Y-%m-%d").to_string();
    create(
        &app,
        "rest",
        &[
            ("name", "custom"),
            ("expiry", "date"),
            ("expiry_date", &raw),
        ],
    )
    .await;
    let id = app.api_key_id("rest", "custom").await.unwrap();
    let exp = state_of(&app, "rest", id).await.key.expires_at.unwrap();
    assert_eq!(exp, day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap());
}

#[tokio::test]
async fn bad_life_fields_get_the_form_again_with_their_messages_and_write_nothing() {
    let app = owner_app().await;
    insert_store(&app, "Berlin", "berlin").await;
    let yesterday = (app.clock().now() - Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("expiry", "date"), ("expiry_date", &yesterday)],
            "new-expiry-error",
            "in the past",
        ),
        (
            vec![("expiry", "date"), ("expiry_date", "")],
            "new-expiry-error",
            "Choose the expiry date",
        ),
        (
            vec![("expiry", "date"), ("expiry_date", "31.12.2027")],
            "new-expiry-error",
            "not a date",
        ),
        (
            vec![("expiry", "date"), ("expiry_date", "9999-12-31")],
            "new-expiry-error",
            "9999",
        ),
        (
            vec![("expiry", "forever")],
            "new-expiry-error",
            "Choose an expiry",
        ),
        (
            vec![("expiry", "keep")],
            "new-expiry-error",
            "Choose an expiry",
        ),
        (
            vec![("grant", "order-data:edit")],
            "new-grants-error",
            "tick View for Order Data",
        ),
        (
            vec![("grant", "logistics:delete"), ("grant", "pricing:view")],
            "new-grants-error",
            "Logistics",
        ),
        (
            vec![("grant", "billing:view")],
            "new-grants-error",
            "Unknown function",
        ),
        (
            vec![("grant", "order-data:read")],
            "new-grants-error",
            "Unknown action",
        ),
        (
            vec![("access_type", "individual")],
            "new-stores-error",
            "at least one store",
        ),
        (
            vec![("access_type", "individual"), ("store", "999")],
            "new-stores-error",
            "does not exist",
        ),
        (
            vec![("access_type", "individual"), ("store", "berlin")],
            "new-stores-error",
            "does not exist",
        ),
        (
            vec![("access_type", "everything")],
            "new-stores-error",
            "Choose an access type",
        ),
    ];
    let before = snapshot(&app).await;
    for (fields, error_id, says) in cases {
        let mut all = vec![("name", "typed name")];
        all.extend(fields.iter().copied());
        let (status, page) = create(&app, "rest", &all).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let msg = field_error(&page, error_id).unwrap_or_default();
        assert!(msg.contains(says), "{fields:?}: {msg:?}");
        // What was typed is kept.
        assert!(page.root_element().html().contains("typed name"));
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn an_editor_changes_grants_expiry_and_stores_and_the_history_says_old_and_new() {
    let app = spawn_app().await;
    let owner = app.new_browser();
    app.create_user("olivia", crate::helpers::PASSWORD, &["api-key:owner"])
        .await;
    owner.sign_in("olivia", crate::helpers::PASSWORD).await;
    let berlin = insert_store(&app, "Berlin", "berlin").await.to_string();
    create(
        &owner,
        "rest",
        &[("name", "erp"), ("grant", "product-data:view")],
    )
    .await;
    let id = owner.api_key_id("rest", "erp").await.unwrap();

    app.sign_in_with_roles("eddie", &["api-key:editor"]).await;
    let path = format!("/admin/api-keys/rest/{id}");
    // Product Data: View goes and stores narrow: confirmed, then saved.
    let resp = crate::keys_support::save_edit(
        &app,
        &path,
        &[
            ("name", "erp"),
            ("active", "true"),
            ("grant", "order-data:view"),
            ("grant", "order-data:edit"),
            ("expiry", "never"),
            ("access_type", "individual"),
            ("store", &berlin),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let st = state_of(&app, "rest", id).await;
    assert_eq!(
        scopes_of(&app, "rest", id).await,
        ["order-data:view", "order-data:edit"]
    );
    assert_eq!(st.key.expires_at, None);
    assert!(!st.stores.is_all());
    let edited: Vec<_> = audit_events(&app)
        .await
        .into_iter()
        .filter(|e| e.action == "key.edited")
        .collect();
    assert_eq!(edited.len(), 1);
    let changes = &edited[0].details_json()["changes"];
    assert_eq!(
        changes["grants"]["old"],
        serde_json::json!(["product-data:view"])
    );
    assert_eq!(
        changes["grants"]["new"],
        serde_json::json!(["order-data:view", "order-data:edit"])
    );
    assert_eq!(changes["expires_at"]["new"], "never");
    assert_eq!(changes["stores"]["old"], "all");
    assert_eq!(changes["stores"]["new"], serde_json::json!(["berlin"]));
    assert!(
        changes.get("name").is_none(),
        "unchanged fields are left out"
    );
    assert_eq!(edited[0].actor_name, "eddie");

    // "Keep" leaves the expiry; a save with nothing changed records nothing.
    let resp = app
        .post_form(
            &path,
            &[
                ("name", "erp"),
                ("active", "true"),
                ("grant", "order-data:view"),
                ("grant", "order-data:edit"),
                ("expiry", "keep"),
                ("access_type", "individual"),
                ("store", &berlin),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, "rest", id).await.key.expires_at, None);
    let edits = audit_events(&app)
        .await
        .iter()
        .filter(|e| e.action == "key.edited")
        .count();
    assert_eq!(edits, 1);
}

#[tokio::test]
async fn an_expired_key_can_be_extended_and_keeps_its_expiry_otherwise() {
    let app = owner_app().await;
    create(&app, "rest", &[("name", "old"), ("expiry", "30d")]).await;
    let id = app.api_key_id("rest", "old").await.unwrap();
    app.clock()
        .advance(std::time::Duration::from_secs(31 * 86_400));
    let path = format!("/admin/api-keys/rest/{id}");
    let page = html(app.get("/admin/api-keys/rest").await).await;
    assert!(page.root_element().html().contains("Expired"), "the badge");
    // Saving with "Keep" is fine although the date is past.
    let resp = app
        .post_form(&path, &[("name", "renamed"), ("expiry", "keep")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // Extending works.
    let resp = app
        .post_form(&path, &[("name", "renamed"), ("expiry", "1y")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let exp = state_of(&app, "rest", id).await.key.expires_at.unwrap();
    assert!(exp > app.clock().now() + Duration::days(360));
}

#[tokio::test]
async fn a_rest_key_without_permissions_says_so_in_its_dialog() {
    let app = owner_app().await;
    create(&app, "rest", &[("name", "bare")]).await;
    let id = app.api_key_id("rest", "bare").await.unwrap();
    let body = app
        .get(&format!("/admin/api-keys/rest/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("This key has no permissions yet."));
}

#[tokio::test]
async fn no_audit_event_holds_a_secret() {
    let app = owner_app().await;
    let (_, page) = create(&app, "rest", &[("name", "r"), ("grant", "user:view")]).await;
    let secret = secret_field(&page, "secret-client-secret").unwrap();
    let (_, page) = create(&app, "graphql", &[("name", "g")]).await;
    let key = secret_field(&page, "secret-api-key").unwrap();
    let id = app.api_key_id("rest", "r").await.unwrap();
    app.post_form(&format!("/admin/api-keys/rest/{id}"), &[("name", "r2")])
        .await;
    for e in audit_events(&app).await {
        let all = format!("{e:?}");
        for s in [&secret, &key] {
            assert!(!all.contains(&s[8..]), "{all}");
        }
        // Nor its hash.
        for g in crate::keys_support::secrets_of(&app, id).await {
            assert!(!all.contains(&g.hash));
        }
    }
}

#[tokio::test]
async fn a_key_whose_stores_were_deleted_reaches_none_and_says_so() {
    let app = owner_app().await;
    let berlin = insert_store(&app, "Berlin", "berlin").await;
    let b = berlin.to_string();
    create(
        &app,
        "rest",
        &[
            ("name", "limited"),
            ("access_type", "individual"),
            ("store", &b),
        ],
    )
    .await;
    let id = app.api_key_id("rest", "limited").await.unwrap();
    app.with_db(move |c| keydesk::models::store::delete(c, berlin).unwrap())
        .await;
    let st = state_of(&app, "rest", id).await;
    assert_eq!(st.stores, keydesk::domain::StoreAccess::individual(vec![]));
    assert!(!st.stores.allows(berlin), "not silently all stores");
    let body = app
        .get(&format!("/admin/api-keys/rest/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("This key reaches no store"));
    // Saving it asks for a choice rather than widening it.
    let resp = app
        .post_form(
            &format!("/admin/api-keys/rest/{id}"),
            &[("name", "limited"), ("access_type", "individual")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
