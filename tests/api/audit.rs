//! Admin > History (issue 8): who may read it, an event for every action of
//! the Stores and Users pages and of the key dialogs with no secret in any,
//! the filters alone and combined, pagination, bad addresses, and the key
//! dialog's history partial.

use chrono::NaiveDateTime;
use keydesk::models::audit::{self, Actor, Target};
use keydesk::models::user;
use reqwest::StatusCode;
use scraper::Html;
use serde_json::json;

use crate::helpers::{html, spawn_app, text_of, TestApp};
use crate::keys_support::{create, error_of, insert_key, secret_field, sel, ts};
use crate::pages_support::{add_store, events, snapshot, store_id, People, Who};

/// The audit table as the page shows it: one `Vec` of cell texts per row.
fn table(page: &Html) -> Vec<Vec<String>> {
    page.select(&sel("table.audit-table tbody tr"))
        .map(|tr| {
            tr.select(&sel("td"))
                .map(|td| {
                    td.text()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

async fn audit_page(app: &TestApp, query: &str) -> Html {
    let resp = app.get(&format!("/admin/audit{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET /admin/audit{query}");
    html(resp).await
}

/// Writes an event straight to the database at `at`.
async fn record(
    app: &TestApp,
    at: &str,
    actor: &str,
    action: &'static str,
    key: Option<(i64, &str)>,
) {
    let (at, actor) = (ts(at), actor.to_owned());
    let key = key.map(|(id, n)| (id, n.to_owned()));
    app.with_db(move |c| {
        let target = match &key {
            Some((id, name)) => Target::Key { id: *id, name },
            None => Target::None,
        };
        audit::record(
            c,
            at,
            &Actor::user(1, &actor, None),
            action,
            target,
            json!({}),
        )
        .unwrap()
    })
    .await;
}

#[tokio::test]
async fn only_api_key_viewers_and_up_read_the_history() {
    let people = People::sign_in_everyone().await;
    people.get("/admin/audit", Who::Viewer).await;
    people
        .get("/admin/audit?action=key.created&page=1", Who::Viewer)
        .await;
}

#[tokio::test]
async fn an_empty_history_says_so() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let page = audit_page(&app, "").await;
    assert!(text_of(&page, ".empty-state")
        .unwrap()
        .contains("No events yet"));
    let page = audit_page(&app, "?action=user.deleted").await;
    assert!(text_of(&page, ".empty-state")
        .unwrap()
        .contains("No events match"));
}

#[tokio::test]
async fn every_action_is_recorded_once_with_no_secret_in_any_event() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    // Keys: create (secret shown once), edit, delete.
    let (_, page) = create(&app, "graphql", &[("name", "ERP sync")]).await;
    let gql_secret = secret_field(&page, "secret-api-key").expect("a secret");
    let (_, page) = create(&app, "rest", &[("name", "Shop feed")]).await;
    let rest_secret = secret_field(&page, "secret-client-secret").expect("a secret");
    let gql = app.api_key_id("graphql", "ERP sync").await.unwrap();
    let rest = app.api_key_id("rest", "Shop feed").await.unwrap();
    app.post_form(
        &format!("/admin/api-keys/graphql/{gql}"),
        &[("name", "ERP sync 2"), ("active", "true")],
    )
    .await;
    app.post_form("/admin/api-keys/rest/delete", &[("id", &rest.to_string())])
        .await;
    // Stores.
    add_store(&app, "Berlin", "berlin").await;
    let berlin = store_id(&app, "berlin").await;
    app.post_form(
        &format!("/admin/stores/{berlin}"),
        &[("name", "Berlin Mitte")],
    )
    .await;
    app.post_form(&format!("/admin/stores/{berlin}/delete"), &[])
        .await;
    // Users: create, change roles and active, delete.
    let password = "a brand new password 42";
    let resp = app
        .post_form(
            "/admin/users/new",
            &[
                ("username", "nina"),
                ("password", password),
                ("password_confirm", password),
                ("role.api-key", "viewer"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (nina, hash) = app
        .with_db(|c| {
            let u = user::find_by_username(c, "nina").unwrap().unwrap();
            (u.id, u.password_hash)
        })
        .await;
    // Saving without a change records nothing.
    app.post_form(
        &format!("/admin/users/{nina}"),
        &[("role.api-key", "viewer"), ("active", "on")],
    )
    .await;
    app.post_form(
        &format!("/admin/users/{nina}"),
        &[("role.api-key", "editor")],
    )
    .await;
    app.post_form(&format!("/admin/users/{nina}/delete"), &[])
        .await;

    // Sign-in events are another part of the history; not counted here.
    let ev: Vec<_> = events(&app)
        .await
        .into_iter()
        .filter(|e| !e.action.starts_with("sign_in."))
        .collect();
    let actions: Vec<&str> = ev.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "key.created",
            "key.created",
            "key.edited",
            "key.deleted",
            "store.created",
            "store.renamed",
            "store.deleted",
            "user.created",
            "user.changed",
            "user.deleted",
        ]
    );
    let changed = ev[8].details_json();
    assert_eq!(
        changed["changes"]["roles"]["old"],
        json!(["api-key:viewer"])
    );
    assert_eq!(
        changed["changes"]["roles"]["new"],
        json!(["api-key:editor"])
    );
    assert_eq!(
        changed["changes"]["active"],
        json!({"old": true, "new": false})
    );
    assert_eq!(
        ev[7].details_json(),
        json!({"active": true, "roles": ["api-key:viewer"]})
    );
    for e in &ev {
        assert_eq!(e.actor_name, "olivia", "{e:?}");
        let all = format!("{e:?}");
        for secret in [
            gql_secret.as_str(),
            rest_secret.as_str(),
            password,
            hash.as_str(),
        ] {
            assert!(!all.contains(secret), "a secret in {all}");
        }
        assert!(!all.contains("password"), "{all}");
    }

    // The page shows them newest first, readably.
    let page = audit_page(&app, "").await;
    let rows = table(&page);
    assert_eq!(rows.len(), 10);
    assert_eq!(&rows[0][1..4], ["olivia", "User deleted", "nina"]);
    assert!(
        rows[1][4].contains("roles: api-key:viewer → api-key:editor"),
        "{:?}",
        rows[1]
    );
    assert!(rows[1][4].contains("active: yes → no"), "{:?}", rows[1]);
    assert!(
        rows[4][4].contains("name: Berlin → Berlin Mitte"),
        "{:?}",
        rows[4]
    );
    assert!(
        rows[7][4].contains("name: ERP sync → ERP sync 2"),
        "{:?}",
        rows[7]
    );
    assert_eq!(rows[7][5], "127.0.0.1");
    // A key that still exists links to its dialog; a deleted one does not.
    let links: Vec<String> = page
        .select(&sel("table.audit-table td a"))
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(links, vec![format!("/admin/api-keys/graphql/{gql}"); 2]);
    assert!(
        rows[0][0].len() == "2026-12-01 10:00:00".len(),
        "{:?}",
        rows[0]
    );
}

#[tokio::test]
async fn filters_work_alone_and_together() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let k1 = Some((7, "ERP sync"));
    record(&app, "2026-11-30 23:59:59", "olivia", "key.created", k1).await;
    record(&app, "2026-12-01 00:00:00", "olivia", "key.edited", k1).await;
    record(&app, "2026-12-01 12:00:00", "bob", "key.edited", k1).await;
    record(
        &app,
        "2026-12-02 23:59:59",
        "bob",
        "key.created",
        Some((8, "Shop feed")),
    )
    .await;
    record(&app, "2026-12-03 00:00:00", "olivia", "store.created", None).await;

    let count = |page: &Html| table(page).len();
    let times = |page: &Html| table(page).iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(count(&audit_page(&app, "").await), 5);
    // Key: the key's events only, with its name (from its last event, as
    // key 7 does not exist any more).
    let page = audit_page(&app, "?key=7").await;
    assert_eq!(count(&page), 3);
    assert_eq!(
        text_of(&page, "#audit-key-name").as_deref(),
        Some("ERP sync")
    );
    assert_eq!(count(&audit_page(&app, "?key=9").await), 0);
    // Actor, exact name.
    assert_eq!(count(&audit_page(&app, "?actor=bob").await), 2);
    assert_eq!(count(&audit_page(&app, "?actor=bo").await), 0);
    // Action.
    assert_eq!(count(&audit_page(&app, "?action=key.edited").await), 2);
    let page = audit_page(&app, "?action=key.edited").await;
    let selected = page
        .select(&sel("#audit-action option[selected]"))
        .next()
        .unwrap();
    assert_eq!(selected.value().attr("value"), Some("key.edited"));
    // Days are inclusive, in UTC.
    assert_eq!(
        times(&audit_page(&app, "?from=2026-12-01&to=2026-12-02").await),
        [
            "2026-12-02 23:59:59",
            "2026-12-01 12:00:00",
            "2026-12-01 00:00:00"
        ]
    );
    assert_eq!(count(&audit_page(&app, "?from=2026-12-03").await), 1);
    assert_eq!(count(&audit_page(&app, "?to=2026-11-30").await), 1);
    // Combined.
    assert_eq!(count(&audit_page(&app, "?key=7&actor=olivia").await), 2);
    assert_eq!(
        times(
            &audit_page(
                &app,
                "?key=7&actor=olivia&action=key.edited&from=2026-12-01&to=2026-12-01"
            )
            .await
        ),
        ["2026-12-01 00:00:00"]
    );
    let page = audit_page(&app, "?actor=bob&action=store.created").await;
    assert!(text_of(&page, ".empty-state")
        .unwrap()
        .contains("No events match"));
}

#[tokio::test]
async fn pages_hold_per_page_events_newest_first() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    app.with_db(|c| {
        let start = ts("2026-12-01 00:00:00");
        for i in 0..23 {
            let at: NaiveDateTime = start + chrono::Duration::minutes(i);
            let name = format!("key {i:02}");
            let target = Target::Key {
                id: 100 + i,
                name: &name,
            };
            audit::record(c, at, &Actor::system(), "key.created", target, json!({})).unwrap();
        }
    })
    .await;
    let page = audit_page(&app, "?per_page=10").await;
    let rows = table(&page);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0][3], "key 22");
    assert!(text_of(&page, ".count")
        .unwrap()
        .contains("23 events · page 1 of 3"));
    let next = page.select(&sel("#page-next")).next().unwrap();
    assert_eq!(
        next.value().attr("href"),
        Some("/admin/audit?per_page=10&page=2")
    );
    let rows = table(&audit_page(&app, "?per_page=10&page=3").await);
    assert_eq!(
        rows.iter().map(|r| r[3].as_str()).collect::<Vec<_>>(),
        ["key 02", "key 01", "key 00"]
    );
    // Filters stay in the page links.
    let page = audit_page(&app, "?actor=keydesk&per_page=10&page=2").await;
    let prev = page.select(&sel("#page-prev")).next().unwrap();
    assert_eq!(
        prev.value().attr("href"),
        Some("/admin/audit?actor=keydesk&per_page=10")
    );
    // A page beyond the last is a 404 that says how many there are.
    let (status, msg) = error_of(app.get("/admin/audit?per_page=10&page=4").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(msg.contains("has 3 pages"), "{msg}");
    let (status, _) = error_of(app.get("/admin/audit?action=user.deleted&page=2").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_filter_values_get_a_400_that_says_what_is_wrong() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let before = snapshot(&app).await;
    for (query, says) in [
        ("key=abc", "not a key id"),
        ("key=0", "not a key id"),
        ("key=-5", "not a key id"),
        ("key=99999999999999999999", "not a key id"),
        ("actor=a%00b", "control characters"),
        (&format!("actor={}", "a".repeat(101)), "at most 100"),
        ("action=key.stolen", "not an action"),
        ("action=%3Cscript%3E", "not an action"),
        ("from=2026-13-01", "not a date"),
        ("to=yesterday", "not a date"),
        ("from=2026-12-02&to=2026-12-01", "before the start"),
        ("page=0", "pages start at 1"),
        ("page=x", "pages start at 1"),
        ("per_page=7", "Rows per page"),
        ("key=1&key=2", "invalid parameter"),
    ] {
        let (status, msg) = error_of(app.get(&format!("/admin/audit?{query}")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(msg.contains(says), "{query}: {msg}");
    }
    // The bad value is quoted as text, not as markup.
    let body = app
        .get("/admin/audit?action=%3Cscript%3E")
        .await
        .text()
        .await
        .unwrap();
    assert!(!body.contains("`<script>`"), "escaped");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn event_text_is_escaped() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    add_store(&app, "<img src=x onerror=alert(1)>", "xss").await;
    let body = app.get("/admin/audit").await.text().await.unwrap();
    assert!(!body.contains("<img src=x"), "escaped");
}

#[tokio::test]
async fn a_keys_history_partial_has_its_last_ten_events_and_a_link_to_all() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let t = "2026-11-01 10:00:00";
    let id = insert_key(&app, "graphql", "ERP sync", true, t, t).await;
    app.with_db(move |c| {
        let start = ts("2026-12-01 00:00:00");
        for i in 0..12 {
            let target = Target::Key { id, name: "ERP sync" };
            let d = json!({"changes": {"name": {"old": format!("v{i}"), "new": format!("v{}", i + 1)}}});
            audit::record(c, start + chrono::Duration::minutes(i), &Actor::system(), "key.edited", target, d)
                .unwrap();
        }
        // Another key's event is not part of it.
        audit::record(c, start, &Actor::system(), "key.created", Target::Key { id: id + 1, name: "x" }, json!({}))
            .unwrap();
    })
    .await;
    let history = app
        .with_db(move |c| keydesk::routes::audit::key_history(c, id).unwrap())
        .await;
    assert_eq!(history.events.len(), 10);
    assert_eq!(history.events[0].details, ["name: v11 → v12"]);
    assert_eq!(history.events[9].details, ["name: v2 → v3"]);
    assert_eq!(history.full_url(), format!("/admin/audit?key={id}"));
    let page = audit_page(&app, &format!("?key={id}")).await;
    assert_eq!(table(&page).len(), 12);
    assert_eq!(
        text_of(&page, "#audit-key-name").as_deref(),
        Some("ERP sync")
    );
}

#[tokio::test]
async fn the_filter_form_works_with_htmx_too() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    record(&app, "2026-12-01 10:00:00", "bob", "key.created", None).await;
    record(&app, "2026-12-01 11:00:00", "olivia", "key.edited", None).await;
    let page = html(app.get("/admin/audit").await).await;
    let form = page.select(&sel("form#audit-filters")).next().unwrap();
    assert_eq!(form.value().attr("method"), Some("get"));
    assert_eq!(form.value().attr("hx-select"), Some("#main"));
    // htmx gets the same page and swaps its <main>: filters and list agree.
    let resp = app.get_htmx("/admin/audit?actor=bob").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(table(&page).len(), 1);
    assert!(text_of(&page, "#main summary")
        .unwrap()
        .contains("(in use)"));
}
