//! Issue 3, creating keys and their secrets: the dialog's fields, what is
//! stored, the secret shown exactly once (in the create response) and never
//! again, nowhere in the database in plain text.

use diesel::prelude::*;
use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::{header, html, spawn_app, text_of, Browser, TestApp};
use crate::keys_support::{
    all_keys, create, current_prefix, get_fragment, roles_of, secret_field, secrets_of, sel, KINDS,
};

fn options(page: &Html, select: &str) -> Vec<(String, String)> {
    page.select(&sel(&format!("{select} option")))
        .map(|o| {
            (
                o.value().attr("value").unwrap().to_owned(),
                o.text().collect::<String>(),
            )
        })
        .collect()
}

async fn default_channel(app: &TestApp) -> i64 {
    app.with_db(|c| {
        keydesk::models::channel::all(c)
            .unwrap()
            .into_iter()
            .find(|ch| ch.name == "Default")
            .expect("the Default channel")
            .id
    })
    .await
}

#[tokio::test]
async fn the_create_forms_have_the_fields_seed_001_names() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;

    let page = html(app.get("/admin/api-keys/graphql/new").await).await;
    assert_eq!(
        text_of(&page, "h2#modal-title").as_deref(),
        Some("New GraphQL API Key")
    );
    assert_eq!(page.select(&sel(r#"input[name="name"]"#)).count(), 1);
    let channels = options(&page, r#"select[name="channel"]"#);
    assert_eq!(channels[0], (String::new(), "No channel".to_owned()));
    assert!(channels.iter().any(|(_, n)| n == "Default"));
    let definitions: Vec<String> =
        options(&page, r#"[data-role-rows] select[name="role_definition"]"#)
            .into_iter()
            .map(|(_, label)| label)
            .filter(|l| l != "—")
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
    let mut seed = vec![
        "Product Data",
        "Logistics",
        "Configuration",
        "Order Data",
        "Pricing",
        "Role & permission",
        "Shop & channel",
        "User",
    ];
    seed.sort_unstable();
    assert_eq!(definitions, seed);
    let levels: Vec<String> = options(
        &page,
        r#"[data-role-rows] [data-role-row]:first-child select[name="role_level"]"#,
    )
    .into_iter()
    .map(|(_, label)| label)
    .collect();
    assert_eq!(levels, ["—", "Viewer", "Editor", "Owner"]);
    let body = page.root_element().html();
    assert!(body.contains("Add Role"));
    assert!(body.contains("Roles cannot be changed after creation."));
    // Active: off by default.
    let active = page
        .select(&sel(r#"input[name="active"]"#))
        .next()
        .expect("an Active switch");
    assert_eq!(active.value().attr("checked"), None);
    assert!(body.contains(">Save</button>"));

    let page = html(app.get("/admin/api-keys/rest/new").await).await;
    assert_eq!(
        text_of(&page, "h2#modal-title").as_deref(),
        Some("New REST API Key")
    );
    assert_eq!(page.select(&sel(r#"input[name="name"]"#)).count(), 1);
    assert_eq!(page.select(&sel(r#"[name="channel"]"#)).count(), 0);
    assert_eq!(page.select(&sel(r#"[name="role_definition"]"#)).count(), 0);
    assert_eq!(page.select(&sel(r#"input[name="active"]"#)).count(), 1);
}

#[tokio::test]
async fn a_graphql_key_is_created_with_channel_roles_and_active_and_its_secret_shown() {
    let app = spawn_app().await;
    let owner = app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let channel = default_channel(&app).await.to_string();
    let (status, page) = create(
        &app,
        "graphql",
        &[
            ("name", "  Partner shop sync  "),
            ("channel", &channel),
            ("role_definition", "pricing"),
            ("role_level", "owner"),
            ("role_definition", ""),
            ("role_level", ""),
            ("role_definition", "order-data"),
            ("role_level", "viewer"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&page, "h2#modal-title").as_deref(),
        Some("API key created")
    );
    let body = page.root_element().html();
    assert!(body.contains("will not be shown again"));
    let secret = secret_field(&page, "secret-api-key").expect("the API Key field");
    assert!(secret.starts_with("kd_gql_"), "{secret}");
    assert!(secret.len() >= 32 + "kd_gql_".len(), "{secret}");
    assert!(secret_field(&page, "secret-client-id").is_none());
    assert!(secret_field(&page, "secret-client-secret").is_none());
    // Eye and Copy buttons, named for assistive technology.
    assert!(body.contains(r#"data-reveal="secret-api-key""#));
    assert!(body.contains(r#"data-copy="secret-api-key""#));

    let keys = all_keys(&app).await;
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(k.kind, "graphql");
    assert_eq!(k.name, "Partner shop sync", "trimmed");
    assert!(k.active);
    assert_eq!(k.channel_id.map(|c| c.to_string()), Some(channel));
    assert_eq!(k.client_id, None);
    assert_eq!(k.created_by, Some(owner));
    assert_eq!(k.created_at, k.updated_at);
    assert!(secret.starts_with(&current_prefix(&app, k.id).await));
    assert_eq!(
        roles_of(&app, k.id).await,
        [("order-data".to_owned(), 1), ("pricing".to_owned(), 3)]
    );

    // The list shows the new key with its channel.
    let rows = crate::keys_support::list_rows(&app, "graphql", "").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "Partner shop sync");
    assert_eq!(rows[0].channel.as_deref(), Some("Default"));
    assert!(rows[0].active);
}

#[tokio::test]
async fn a_rest_key_gets_a_client_id_and_secret_and_is_inactive_unless_switched_on() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let (status, page) = create(&app, "rest", &[("name", "ERP")]).await;
    assert_eq!(status, StatusCode::OK);
    let client_id = secret_field(&page, "secret-client-id").expect("a Client Id");
    let secret = secret_field(&page, "secret-client-secret").expect("a Client Secret");
    assert!(client_id.starts_with("kd_cid_"), "{client_id}");
    assert!(secret.starts_with("kd_rest_"), "{secret}");
    assert!(secret.len() >= 32 + "kd_rest_".len());
    assert!(secret_field(&page, "secret-api-key").is_none());
    let keys = all_keys(&app).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].kind, "rest");
    assert!(!keys[0].active, "Active is off by default");
    assert_eq!(keys[0].client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(keys[0].channel_id, None);
    assert!(roles_of(&app, keys[0].id).await.is_empty());

    // The Client Id stays visible in the edit dialog; the secret does not.
    let edit = app
        .get(&format!("/admin/api-keys/rest/{}", keys[0].id))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains(&client_id));
    assert!(!edit.contains(&secret));

    // Two keys never share a secret or a Client Id.
    let (_, again) = create(&app, "rest", &[("name", "ERP 2"), ("active", "on")]).await;
    assert_ne!(
        secret_field(&again, "secret-client-secret").unwrap(),
        secret
    );
    assert_ne!(secret_field(&again, "secret-client-id").unwrap(), client_id);
    assert!(all_keys(&app).await[1].active);
}

/// Every page and fragment a user can reach after creating `id`.
async fn later_responses(b: &Browser, kind: &str, id: i64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let paths = [
        format!("/admin/api-keys/{kind}"),
        format!("/admin/api-keys/{kind}?sort=name&dir=asc"),
        format!("/admin/api-keys/{kind}/{id}"),
        format!("/admin/api-keys/{kind}/new"),
        "/admin/api-keys".to_owned(),
        "/admin/channels".to_owned(),
    ];
    for p in &paths {
        out.push((format!("GET {p}"), b.get(p).await.text().await.unwrap()));
        out.push((
            format!("htmx GET {p}"),
            b.get_htmx(p).await.text().await.unwrap(),
        ));
    }
    let list = get_fragment(b, &format!("/admin/api-keys/{kind}")).await;
    out.push(("list fragment".into(), list.text().await.unwrap()));
    let id = id.to_string();
    let confirm = format!("/admin/api-keys/{kind}/delete/confirm");
    let resp = b.post_form(&confirm, &[("id", &id)]).await;
    out.push(("delete confirm".into(), resp.text().await.unwrap()));
    let resp = b.post_htmx(&confirm, &[("id", &id)]).await;
    out.push(("htmx delete confirm".into(), resp.text().await.unwrap()));
    // An edit that saves: the response and its headers.
    let edit = format!("/admin/api-keys/{kind}/{id}");
    let resp = b
        .post_htmx(&edit, &[("name", "renamed"), ("active", "true")])
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    out.push(("htmx edit headers".into(), format!("{:?}", resp.headers())));
    let resp = b.post_form(&edit, &[("name", "renamed again")]).await;
    out.push(("edit headers".into(), format!("{:?}", resp.headers())));
    for p in [format!("/admin/api-keys/{kind}"), edit] {
        out.push((
            format!("GET {p} after edit"),
            b.get(&p).await.text().await.unwrap(),
        ));
    }
    out
}

#[tokio::test]
async fn the_secret_is_in_the_create_response_and_in_no_later_response() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    for kind in KINDS {
        let (_, page) = create(&app, kind, &[("name", "once"), ("active", "on")]).await;
        let field = if kind == "graphql" {
            "secret-api-key"
        } else {
            "secret-client-secret"
        };
        let secret = secret_field(&page, field).unwrap();
        let id = app.api_key_id(kind, "once").await.unwrap();
        // Only the prefix identifies it later (GraphQL).
        let prefix = current_prefix(&app, id).await;
        assert!(prefix.len() <= secret.len() - 32, "the prefix is short");
        for (what, body) in later_responses(&app, kind, id).await {
            assert!(!body.contains(&secret), "{kind}: {what} shows the secret");
            // Not even most of it.
            assert!(
                !body.contains(&secret[..secret.len() - 8]),
                "{kind}: {what}"
            );
        }
        if kind == "graphql" {
            let edit = app.get(&format!("/admin/api-keys/graphql/{id}")).await;
            let body = edit.text().await.unwrap();
            assert!(
                body.contains(&format!("{prefix}…")),
                "the prefix identifies it"
            );
        }
    }
}

#[tokio::test]
async fn the_database_holds_no_secret_in_plain_text() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let mut secrets = Vec::new();
    let (_, page) = create(
        &app,
        "graphql",
        &[
            ("name", "g"),
            ("role_definition", "user"),
            ("role_level", "editor"),
        ],
    )
    .await;
    secrets.push(secret_field(&page, "secret-api-key").unwrap());
    let (_, page) = create(&app, "rest", &[("name", "r")]).await;
    secrets.push(secret_field(&page, "secret-client-secret").unwrap());

    // Every text column of api_keys…
    let mut stored: Vec<String> = Vec::new();
    for k in all_keys(&app).await {
        stored.extend([k.kind, k.name]);
        stored.extend(k.client_id);
        for g in secrets_of(&app, k.id).await {
            stored.extend([g.prefix, g.hash.clone()]);
            // The hash is a hash: not the secret, not a plain SHA-256 of it.
            assert_eq!(g.hash.len(), 64);
            assert!(g.hash.chars().all(|c| c.is_ascii_hexdigit()));
            for s in &secrets {
                assert_ne!(&g.hash, s);
                assert_ne!(g.hash, hex_sha256(s), "the hash is peppered");
            }
        }
    }
    // …and every other text column the app writes: sessions, settings,
    // channels, users, key roles.
    use keydesk::schema::{api_key_roles, channels, sessions, settings, users};
    let others: Vec<String> = app
        .with_db(|c| {
            let mut v: Vec<String> = sessions::table.select(sessions::state).load(c).unwrap();
            v.extend(
                sessions::table
                    .select(sessions::id)
                    .load::<String>(c)
                    .unwrap(),
            );
            v.extend(
                settings::table
                    .select(settings::value)
                    .load::<String>(c)
                    .unwrap(),
            );
            v.extend(
                channels::table
                    .select(channels::name)
                    .load::<String>(c)
                    .unwrap(),
            );
            v.extend(
                users::table
                    .select(users::username)
                    .load::<String>(c)
                    .unwrap(),
            );
            v.extend(
                users::table
                    .select(users::password_hash)
                    .load::<String>(c)
                    .unwrap(),
            );
            v.extend(
                api_key_roles::table
                    .select(api_key_roles::definition)
                    .load::<String>(c)
                    .unwrap(),
            );
            v
        })
        .await;
    stored.extend(others);
    for s in &secrets {
        // The random part past the few characters the prefix keeps.
        let random = s
            .trim_start_matches("kd_gql_")
            .trim_start_matches("kd_rest_");
        let random_part = &random[6..];
        for value in &stored {
            assert!(!value.contains(s.as_str()), "a column holds the secret");
            assert!(
                !value.contains(random_part),
                "a column holds most of the secret"
            );
        }
    }
}

fn hex_sha256(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn creating_through_htmx_returns_the_dialog_with_the_secret_and_refreshes_the_list() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    for kind in KINDS {
        // The form itself, for the dialog.
        let resp = app.get_htmx(&format!("/admin/api-keys/{kind}/new")).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.text().await.unwrap();
        assert!(!body.contains("<html"), "{kind}: only the dialog");
        assert!(body.contains(&format!(r#"hx-post="/admin/api-keys/{kind}/new""#)));

        let resp = app
            .post_htmx(
                &format!("/admin/api-keys/{kind}/new"),
                &[("name", "via htmx")],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(header(resp.headers(), "hx-trigger"), "keys-changed");
        let body = resp.text().await.unwrap();
        assert!(!body.contains("<html"), "{kind}: only the dialog");
        let page = Html::parse_fragment(&body);
        let field = if kind == "graphql" {
            "secret-api-key"
        } else {
            "secret-client-secret"
        };
        let secret = secret_field(&page, field).expect("the secret in the dialog");
        assert!(secret.starts_with(if kind == "graphql" {
            "kd_gql_"
        } else {
            "kd_rest_"
        }));
        assert!(app.api_key_id(kind, "via htmx").await.is_some());
    }
}
