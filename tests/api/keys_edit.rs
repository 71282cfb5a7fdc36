//! Issue 3, the edit dialog: Editors change name, channel and active (Date
//! Updated moves, Date Created does not); roles are shown read-only and a
//! request that tries to change them is a 400 that changes nothing; Viewers
//! see the same dialog read-only.

use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::{header, html, location, spawn_app, text_of, PASSWORD};
use crate::keys_support::{create, error_of, key, list_rows, roles_of, sel, set_times, snapshot};

const OLD: &str = "2025-06-01 10:00:00";

#[tokio::test]
async fn an_editor_changes_name_channel_and_active_and_date_updated_moves() {
    let app = spawn_app().await;
    let owner = app.new_browser();
    app.create_user("olivia", PASSWORD, &["api-key:owner"])
        .await;
    owner.sign_in("olivia", PASSWORD).await;
    let (status, _) = create(
        &owner,
        "graphql",
        &[
            ("name", "before"),
            ("role_definition", "logistics"),
            ("role_level", "editor"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id = owner.api_key_id("graphql", "before").await.unwrap();
    set_times(&app, id, OLD, OLD).await;
    let channel = app
        .with_db(|c| keydesk::models::channel::all(c).unwrap()[0].id)
        .await
        .to_string();

    app.sign_in_with_roles("eddie", &["api-key:editor"]).await;
    let path = format!("/admin/api-keys/graphql/{id}");
    let page = html(app.get(&path).await).await;
    assert_eq!(
        text_of(&page, "h2#modal-title").as_deref(),
        Some("Edit API Key")
    );
    assert_eq!(page.select(&sel("fieldset[disabled]")).count(), 0);
    let body = page.root_element().html();
    assert!(body.contains(">Save</button>"));
    assert!(body.contains("Roles cannot be changed after creation."));
    // Roles read-only: listed, not editable.
    assert_eq!(page.select(&sel(r#"[name="role_definition"]"#)).count(), 0);
    let roles: Vec<String> = page
        .select(&sel(".roles-readonly tbody td"))
        .map(|td| td.text().collect())
        .collect();
    assert_eq!(roles, ["Logistics", "Editor"]);
    assert!(
        body.contains("2025-06-01 10:00"),
        "Date Created and Updated shown"
    );

    let resp = app
        .post_form(
            &path,
            &[
                ("name", " after "),
                ("channel", &channel),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys/graphql");
    let k = key(&app, id).await.unwrap();
    assert_eq!(k.name, "after");
    assert!(k.active);
    assert_eq!(k.channel_id.map(|c| c.to_string()), Some(channel));
    assert_eq!(k.created_at.to_string(), "2025-06-01 10:00:00");
    assert!(k.updated_at > k.created_at, "Date Updated moved");
    assert_eq!(roles_of(&app, id).await, [("logistics".to_owned(), 2)]);
    let rows = list_rows(&app, "graphql", "").await;
    assert_eq!(rows[0].name, "after");
    assert_eq!(rows[0].channel.as_deref(), Some("Default"));
    assert_eq!(rows[0].created, "2025-06-01 10:00");
    assert_ne!(rows[0].updated, "2025-06-01 10:00");

    // Channel back to none, active off (an unchecked switch is absent):
    // switching Active off asks first (issue 13), then saves.
    let resp = app
        .post_form(&path, &[("name", "after"), ("channel", "")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, "#edit-changes li").as_deref(),
        Some("Active is switched off: the key stops working at once.")
    );
    assert!(key(&app, id).await.unwrap().active, "not saved yet");
    let carried = crate::keys_support::confirmation_fields(&page);
    let f: Vec<(&str, &str)> = carried
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resp = app.post_form(&path, &f).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let k = key(&app, id).await.unwrap();
    assert_eq!(k.channel_id, None);
    assert!(!k.active);
}

#[tokio::test]
async fn a_rest_key_is_edited_and_shows_its_client_id() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let (_, created) = create(&app, "rest", &[("name", "erp")]).await;
    let client_id = crate::keys_support::secret_field(&created, "secret-client-id").unwrap();
    let id = app.api_key_id("rest", "erp").await.unwrap();
    let path = format!("/admin/api-keys/rest/{id}");
    let page = html(app.get(&path).await).await;
    assert_eq!(page.select(&sel(r#"[name="channel"]"#)).count(), 0);
    assert_eq!(page.select(&sel(".roles-readonly")).count(), 0);
    assert!(page.root_element().html().contains("<dt>Client Id</dt>"));
    assert_eq!(
        text_of(&page, ".key-facts code").as_deref(),
        Some(client_id.as_str())
    );
    let resp = app
        .post_form(&path, &[("name", "erp v2"), ("active", "on")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let k = key(&app, id).await.unwrap();
    assert_eq!((k.name.as_str(), k.active), ("erp v2", true));
    assert_eq!(
        k.client_id.as_deref(),
        Some(client_id.as_str()),
        "the Client Id stays"
    );
}

#[tokio::test]
async fn a_request_that_changes_roles_is_a_400_and_changes_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    create(
        &app,
        "graphql",
        &[
            ("name", "fixed"),
            ("role_definition", "pricing"),
            ("role_level", "viewer"),
        ],
    )
    .await;
    let id = app.api_key_id("graphql", "fixed").await.unwrap();
    let path = format!("/admin/api-keys/graphql/{id}");
    let before = snapshot(&app).await;
    for roles in [
        vec![("role_definition", "pricing"), ("role_level", "owner")],
        vec![("role_definition", "user"), ("role_level", "owner")],
        vec![("role_definition", "pricing")],
        vec![("role_level", "owner")],
        vec![("role_definition", ""), ("role_level", "")],
    ] {
        let mut fields = vec![("name", "renamed"), ("active", "true")];
        fields.extend(roles.iter().copied());
        let (status, msg) = error_of(app.post_form(&path, &fields).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{roles:?}");
        assert_eq!(msg, "Roles cannot be changed after creation.", "{roles:?}");
        let resp = app.post_htmx(&path, &fields).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "htmx {roles:?}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    assert_eq!(roles_of(&app, id).await, [("pricing".to_owned(), 1)]);
}

#[tokio::test]
async fn a_viewer_opens_the_dialog_read_only_and_cannot_save() {
    let app = spawn_app().await;
    let owner = app.new_browser();
    app.create_user("olivia", PASSWORD, &["api-key:owner"])
        .await;
    owner.sign_in("olivia", PASSWORD).await;
    for kind in ["graphql", "rest"] {
        create(&owner, kind, &[("name", "look only")]).await;
    }
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    for kind in ["graphql", "rest"] {
        let id = app.api_key_id(kind, "look only").await.unwrap();
        let path = format!("/admin/api-keys/{kind}/{id}");
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page = html(resp).await;
        assert_eq!(
            text_of(&page, "h2#modal-title").as_deref(),
            Some("API Key details")
        );
        assert_eq!(page.select(&sel("fieldset[disabled]")).count(), 1);
        assert_eq!(
            page.select(&sel(r#"fieldset[disabled] input[name="name"]"#))
                .count(),
            1
        );
        let body = page.root_element().html();
        assert!(!body.contains(">Save</button>"), "{kind}");
        assert!(body.contains(">Close</a>"), "{kind}");

        let before = snapshot(&app).await;
        let resp = app.post_form(&path, &[("name", "viewer was here")]).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert_eq!(snapshot(&app).await, before, "{kind}");
    }
}

#[tokio::test]
async fn saving_through_htmx_answers_204_with_events_for_the_page() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    for kind in ["graphql", "rest"] {
        create(&app, kind, &[("name", "x")]).await;
        let id = app.api_key_id(kind, "x").await.unwrap();
        let path = format!("/admin/api-keys/{kind}/{id}");
        // The dialog fragment posts back through htmx.
        let resp = app.get_htmx(&path).await;
        let body = resp.text().await.unwrap();
        assert!(!body.contains("<html"), "{kind}: only the dialog");
        assert!(body.contains(&format!(r#"hx-post="{path}""#)));

        let resp = app
            .post_htmx(&path, &[("name", "y"), ("active", "true")])
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{kind}");
        let trigger: serde_json::Value =
            serde_json::from_str(&header(resp.headers(), "hx-trigger")).unwrap();
        assert_eq!(trigger["keys-changed"], true);
        assert_eq!(trigger["close-modal"], true);
        assert_eq!(trigger["flash"], "API key saved.");
        assert_eq!(key(&app, id).await.unwrap().name, "y");

        // A field error comes back as the dialog (422), not a page.
        let resp = app.post_htmx(&path, &[("name", "  ")]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = resp.text().await.unwrap();
        assert!(!body.contains("<html"));
        let page = Html::parse_fragment(&body);
        assert_eq!(
            text_of(&page, "#key-name-error").as_deref(),
            Some("Enter a name.")
        );
        assert_eq!(key(&app, id).await.unwrap().name, "y");
    }
}
