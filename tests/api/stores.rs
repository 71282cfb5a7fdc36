//! Admin > Stores (issue 8): the role × route matrix, add / rename / delete
//! with their audit events, and every bad input answered with a message
//! while nothing is written.

use diesel::prelude::*;
use keydesk::schema::{api_key_stores, api_keys};
use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::{header, html, location, spawn_app, text_of, TestApp, PASSWORD};
use crate::keys_support::{error_of, insert_key, sel};
use crate::pages_support::{
    add_store, all_stores, events, limit_key, snapshot, store_id, People, Who,
};

async fn owner_app() -> TestApp {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    app
}

fn cells(page: &Html, store_id: i64) -> Vec<String> {
    page.select(&sel(&format!("tr[data-store=\"{store_id}\"] td")))
        .map(|td| td.text().collect::<String>().trim().to_owned())
        .collect()
}

#[tokio::test]
async fn every_stores_route_checks_the_role() {
    let people = People::sign_in_everyone().await;
    let owner = &people.browsers.last().unwrap().1;
    people.get("/admin/stores", Who::Viewer).await;
    people
        .post(
            "/admin/stores",
            &[("name", "Berlin"), ("code", "berlin")],
            Who::Owner,
        )
        .await;
    // Only the owner's attempt made a store (the others were refused).
    assert_eq!(all_stores(&people.app).await.len(), 1);
    let id = store_id(&people.app, "berlin").await;
    let path = format!("/admin/stores/{id}");
    people
        .post(&path, &[("name", "Berlin Mitte")], Who::Owner)
        .await;
    assert_eq!(all_stores(&people.app).await[0].name, "Berlin Mitte");
    people.get(&format!("{path}/delete"), Who::Owner).await;
    people
        .post(&format!("{path}/delete"), &[], Who::Owner)
        .await;
    assert!(all_stores(&people.app).await.is_empty());
    // Viewers see the list but no forms.
    add_store(owner, "Paris", "paris").await;
    let viewer = &people.browsers[2].1;
    let page = html(viewer.get("/admin/stores").await).await;
    assert_eq!(text_of(&page, ".store-name").as_deref(), Some("Paris"));
    assert!(page
        .select(&sel("form[action^=\"/admin/stores\"]"))
        .next()
        .is_none());
}

#[tokio::test]
async fn an_owner_adds_renames_and_deletes_stores_and_each_step_is_recorded() {
    let app = owner_app().await;
    let page = html(app.get("/admin/stores").await).await;
    assert!(text_of(&page, ".empty-state")
        .unwrap()
        .contains("No stores yet"));

    let resp = add_store(&app, "  Berlin  ", "berlin").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/stores");
    let id = store_id(&app, "berlin").await;
    let page = html(app.get("/admin/stores").await).await;
    let row = cells(&page, id);
    assert_eq!(&row[..2], ["Berlin", "berlin"]);
    assert!(row[2].ends_with("UTC"), "{row:?}");
    assert_eq!(row[3], "0 keys");

    let resp = app
        .post_form(&format!("/admin/stores/{id}"), &[("name", "Berlin Mitte")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // The same name again changes nothing and records nothing.
    app.post_form(&format!("/admin/stores/{id}"), &[("name", "Berlin Mitte")])
        .await;
    let s = all_stores(&app).await;
    assert_eq!(
        (s[0].name.as_str(), s[0].code.as_str()),
        ("Berlin Mitte", "berlin")
    );

    // With htmx, the same forms answer with a redirect htmx follows.
    let resp = app
        .post_htmx("/admin/stores", &[("name", "Paris"), ("code", "paris")])
        .await;
    assert_eq!(header(resp.headers(), "hx-redirect"), "/admin/stores");

    let resp = app
        .post_form(&format!("/admin/stores/{id}/delete"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(all_stores(&app).await.len(), 1);

    let ev = events(&app).await;
    let actions: Vec<&str> = ev.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "store.created",
            "store.renamed",
            "store.created",
            "store.deleted"
        ]
    );
    assert!(ev.iter().all(|e| e.actor_name == "olivia"));
    assert!(ev
        .iter()
        .all(|e| e.source_ip.as_deref() == Some("127.0.0.1")));
    assert_eq!(ev[0].target_name.as_deref(), Some("Berlin"));
    assert_eq!(ev[0].target_type.as_deref(), Some("store"));
    assert_eq!(ev[0].target_id, Some(id));
    let renamed = ev[1].details_json();
    assert_eq!(renamed["changes"]["name"]["old"], "Berlin");
    assert_eq!(renamed["changes"]["name"]["new"], "Berlin Mitte");
    assert_eq!(ev[3].details_json()["code"], "berlin");
}

#[tokio::test]
async fn deleting_a_store_names_the_limited_keys_and_leaves_them_reaching_no_store() {
    let app = owner_app().await;
    add_store(&app, "Berlin", "berlin").await;
    add_store(&app, "Paris", "paris").await;
    let (berlin, paris) = (
        store_id(&app, "berlin").await,
        store_id(&app, "paris").await,
    );
    let t = "2026-11-01 10:00:00";
    let only_berlin = insert_key(&app, "rest", "Only Berlin", true, t, t).await;
    let both = insert_key(&app, "graphql", "Berlin and Paris", true, t, t).await;
    let everywhere = insert_key(&app, "rest", "Everywhere", true, t, t).await;
    limit_key(&app, only_berlin, &[berlin]).await;
    limit_key(&app, both, &[berlin, paris]).await;

    let page = html(app.get("/admin/stores").await).await;
    assert_eq!(cells(&page, berlin)[3], "2 keys");
    assert_eq!(cells(&page, paris)[3], "1 key");

    let before = snapshot(&app).await;
    let resp = app.get(&format!("/admin/stores/{berlin}/delete")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(snapshot(&app).await, before, "asking writes nothing");
    let listed: Vec<String> = page
        .select(&sel("#limited-keys li"))
        .map(|li| li.text().collect::<String>())
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed[0].starts_with("Berlin and Paris") && !listed[0].contains("no store"));
    assert!(listed[1].starts_with("Only Berlin") && listed[1].contains("reaches no store"));
    let link = page.select(&sel("#limited-keys a")).nth(1).unwrap();
    assert_eq!(
        link.value().attr("href"),
        Some(&*format!("/admin/api-keys/rest/{only_berlin}"))
    );
    assert!(page
        .root_element()
        .text()
        .collect::<String>()
        .contains("reaches no store: it does not fall back to all stores"));
    let page = html(app.get(&format!("/admin/stores/{paris}/delete")).await).await;
    assert!(text_of(&page, "#limited-keys-none").is_none());

    app.post_form(&format!("/admin/stores/{berlin}/delete"), &[])
        .await;
    type Rows = (Vec<(i64, bool)>, Vec<(i64, i64)>);
    let (flags, rows): Rows = app
        .with_db(|c| {
            (
                api_keys::table
                    .order(api_keys::id)
                    .select((api_keys::id, api_keys::all_stores))
                    .load(c)
                    .unwrap(),
                api_key_stores::table
                    .select((api_key_stores::api_key_id, api_key_stores::store_id))
                    .load(c)
                    .unwrap(),
            )
        })
        .await;
    // Individual access stays individual: the stranded key reaches nothing.
    assert_eq!(
        flags,
        [(only_berlin, false), (both, false), (everywhere, true)]
    );
    assert_eq!(rows, [(both, paris)]);
    let deleted = events(&app).await.pop().unwrap();
    assert_eq!(deleted.action, "store.deleted");
    assert_eq!(
        deleted.details_json()["limited_keys"],
        serde_json::json!(["Berlin and Paris", "Only Berlin"])
    );
}

/// Posts `fields` to `path` and expects the page again (422) with
/// `message` in `#error_id`, and nothing written.
async fn assert_form_error(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    error_id: &str,
    message: &str,
) {
    let before = snapshot(app).await;
    let resp = app.post_form(path, fields).await;
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{fields:?}"
    );
    let page = html(resp).await;
    let shown = text_of(&page, &format!("#{error_id}")).unwrap_or_default();
    assert!(shown.contains(message), "{fields:?}: {shown:?}");
    assert_eq!(snapshot(app).await, before, "{fields:?}");
}

#[tokio::test]
async fn bad_names_and_codes_get_the_form_again_and_write_nothing() {
    let app = owner_app().await;
    add_store(&app, "Berlin", "berlin").await;
    let id = store_id(&app, "berlin").await;
    let long = "x".repeat(101);
    for name in ["", "   ", long.as_str(), "a\nb", "a\u{0}b"] {
        assert_form_error(
            &app,
            "/admin/stores",
            &[("name", name), ("code", "ok")],
            "store-name-error",
            "name",
        )
        .await;
        assert_form_error(
            &app,
            &format!("/admin/stores/{id}"),
            &[("name", name)],
            &format!("rename-error-{id}"),
            "name",
        )
        .await;
    }
    let long_code = "a".repeat(41);
    for code in [
        "",
        "Berlin",
        "-x",
        "a b",
        "münchen",
        long_code.as_str(),
        "<b>",
    ] {
        assert_form_error(
            &app,
            "/admin/stores",
            &[("name", "Ok"), ("code", code)],
            "store-code-error",
            "code",
        )
        .await;
    }
    // A duplicate code, even typed with spaces, is refused beside the field.
    assert_form_error(
        &app,
        "/admin/stores",
        &[("name", "Berlin 2"), ("code", " berlin ")],
        "store-code-error",
        "exists already",
    )
    .await;
    // What was typed stays in the form.
    let resp = add_store(&app, "Berlin 2", "berlin").await;
    let page = html(resp).await;
    let value = |id: &str| {
        page.select(&sel(id))
            .next()
            .unwrap()
            .value()
            .attr("value")
            .map(str::to_owned)
    };
    assert_eq!(value("#store-name").as_deref(), Some("Berlin 2"));
    assert_eq!(value("#store-code").as_deref(), Some("berlin"));
    // Missing fields are empty ones.
    assert_form_error(
        &app,
        "/admin/stores",
        &[],
        "store-name-error",
        "Enter a name",
    )
    .await;
}

#[tokio::test]
async fn unknown_and_odd_ids_get_404_or_400_and_write_nothing() {
    let app = owner_app().await;
    add_store(&app, "Berlin", "berlin").await;
    let before = snapshot(&app).await;
    for path in ["/admin/stores/999", "/admin/stores/999/delete"] {
        let (status, msg) = error_of(app.post_form(path, &[("name", "X")]).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(msg.contains("store was not found"), "{msg}");
    }
    let (status, _) = error_of(app.get("/admin/stores/999/delete").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for id in ["abc", "0", "-1", "1.5", "99999999999999999999"] {
        for path in [
            format!("/admin/stores/{id}"),
            format!("/admin/stores/{id}/delete"),
        ] {
            let (status, msg) = error_of(app.post_form(&path, &[("name", "X")]).await).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
            assert!(msg.contains("not a store id"), "{msg}");
        }
        let (status, _) = error_of(app.get(&format!("/admin/stores/{id}/delete")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    // A body that is not a form at all.
    let resp = app
        .client
        .post(app.url("/admin/stores"))
        .header("X-CSRF-Token", app.csrf_token().await)
        .header("HX-Request", "true")
        .body("{\"name\":1}")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn every_stores_post_needs_the_csrf_token() {
    let app = owner_app().await;
    add_store(&app, "Berlin", "berlin").await;
    let id = store_id(&app, "berlin").await;
    let before = snapshot(&app).await;
    let posts = [
        (
            "/admin/stores".to_owned(),
            vec![("name", "Paris"), ("code", "paris")],
        ),
        (format!("/admin/stores/{id}"), vec![("name", "Renamed")]),
        (format!("/admin/stores/{id}/delete"), vec![]),
    ];
    for (path, fields) in &posts {
        let resp = app.post_form_without_csrf(path, fields).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
        let mut bad = fields.clone();
        bad.push(("csrf_token", "not-the-token"));
        let resp = app.post_form_without_csrf(path, &bad).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn store_names_with_html_show_as_text() {
    let app = owner_app().await;
    add_store(&app, "<script>alert(1)</script>", "xss").await;
    let body = app.get("/admin/stores").await.text().await.unwrap();
    assert!(!body.contains("<script>alert(1)"), "escaped");
    assert!(body.contains("&lt;script&gt;") || body.contains("&#60;script&#62;"));
}

#[tokio::test]
async fn the_key_page_and_the_menu_link_to_stores() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    for tab in ["graphql", "rest"] {
        let page = html(app.get(&format!("/admin/api-keys/{tab}")).await).await;
        assert!(
            page.select(&sel(".tabs a[href=\"/admin/stores\"]"))
                .next()
                .is_some(),
            "{tab}"
        );
        assert!(page
            .select(&sel("details.dropdown a[href=\"/admin/stores\"]"))
            .next()
            .is_some());
        assert!(page
            .select(&sel("details.dropdown a[href=\"/admin/audit\"]"))
            .next()
            .is_some());
    }
    let other = app.new_browser();
    app.create_user("ursula", PASSWORD, &["user:owner"]).await;
    other.sign_in("ursula", PASSWORD).await;
    let page = html(other.get("/admin/users").await).await;
    assert!(page
        .select(&sel("a[href=\"/admin/stores\"]"))
        .next()
        .is_none());
}
