//! Issue 8, the list: the Expires and Last used columns (sortable, "Never"
//! after every date on both backends), the row menu by role, and the Expiry,
//! Last used, Access type and Store filters, alone and combined.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use keydesk::schema::{api_key_stores, api_keys};
use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, TestApp};
use crate::keys_support::{get_list, insert_key, insert_store, list_rows, sel, KINDS};

const T: &str = "2026-01-01 10:00:00";

/// Sets a fixture key's expiry, last use and stores (None: all stores).
async fn set_life(
    app: &TestApp,
    id: i64,
    expires: Option<NaiveDateTime>,
    used: Option<NaiveDateTime>,
    stores: Option<Vec<i64>>,
) {
    app.with_db(move |c| {
        diesel::update(api_keys::table.find(id))
            .set((
                api_keys::expires_at.eq(expires),
                api_keys::last_used_at.eq(used),
                api_keys::all_stores.eq(stores.is_none()),
            ))
            .execute(c)
            .unwrap();
        for s in stores.unwrap_or_default() {
            diesel::insert_into(api_key_stores::table)
                .values((
                    api_key_stores::api_key_id.eq(id),
                    api_key_stores::store_id.eq(s),
                ))
                .execute(c)
                .unwrap();
        }
    })
    .await;
}

fn names(rows: &[crate::keys_support::Row]) -> Vec<String> {
    rows.iter().map(|r| r.name.clone()).collect()
}

#[tokio::test]
async fn each_filter_alone_and_combined() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let now = app.clock().now();
    let berlin = insert_store(&app, "Berlin", "berlin").await;
    let munich = insert_store(&app, "Munich", "munich").await;
    for kind in KINDS {
        let mk = |n: &str| format!("{kind}-{n}");
        let expired = insert_key(&app, kind, &mk("expired"), true, T, T).await;
        let soon = insert_key(&app, kind, &mk("soon"), true, T, T).await;
        let later = insert_key(&app, kind, &mk("later"), false, T, T).await;
        let never = insert_key(&app, kind, &mk("never"), true, T, T).await;
        set_life(
            &app,
            expired,
            Some(now - Duration::hours(1)),
            Some(now - Duration::days(100)),
            Some(vec![berlin]),
        )
        .await;
        set_life(
            &app,
            soon,
            Some(now + Duration::days(3)),
            Some(now - Duration::days(40)),
            Some(vec![munich]),
        )
        .await;
        set_life(
            &app,
            later,
            Some(now + Duration::days(30)),
            Some(now - Duration::minutes(3)),
            None,
        )
        .await;
        set_life(&app, never, None, None, Some(vec![berlin, munich])).await;

        let q = |query: &str| {
            let app = &app;
            let query = query.to_owned();
            async move {
                let mut n = names(&list_rows(app, kind, &format!("{query}&sort=name")).await);
                n.sort();
                n
            }
        };
        assert_eq!(q("expiry=expired").await, [mk("expired")]);
        assert_eq!(q("expiry=7d").await, [mk("soon")]);
        assert_eq!(q("expiry=never").await, [mk("never")]);
        assert_eq!(q("access=all").await, [mk("later")]);
        assert_eq!(
            q("access=individual").await,
            [mk("expired"), mk("never"), mk("soon")]
        );
        // A store: keys with all-store access and those that list it.
        assert_eq!(
            q(&format!("store={berlin}")).await,
            [mk("expired"), mk("later"), mk("never")]
        );
        assert_eq!(
            q(&format!("store={munich}")).await,
            [mk("later"), mk("never"), mk("soon")]
        );
        assert_eq!(q("used=never").await, [mk("never")]);
        // Idle: used before the cut-off, or never and older than it.
        assert_eq!(
            q("used=idle30").await,
            [mk("expired"), mk("never"), mk("soon")]
        );
        assert_eq!(q("used=idle90").await, [mk("expired"), mk("never")]);
        // Combined, with the old filters too.
        assert_eq!(
            q(&format!("store={munich}&access=individual")).await,
            [mk("never"), mk("soon")]
        );
        assert_eq!(
            q(&format!("store={berlin}&active=true&used=idle30")).await,
            [mk("expired"), mk("never")]
        );
        assert_eq!(q("expiry=7d&access=all").await, Vec::<String>::new());
        assert_eq!(
            q(&format!("store={berlin}&expiry=never&q=NEVER")).await,
            [mk("never")]
        );

        // The cells.
        let rows = list_rows(&app, kind, "sort=name").await;
        let cell = |n: &str| rows.iter().find(|r| r.name == mk(n)).unwrap().clone();
        assert_eq!(cell("expired").expires, "Expired");
        assert!(
            cell("soon").expires.ends_with("in 3 days"),
            "{}",
            cell("soon").expires
        );
        assert_eq!(cell("never").expires, "Never");
        assert_eq!(cell("never").last_used, "never");
        assert_eq!(cell("later").last_used, "3 min ago");

        // Sorted by Expires: soonest first, "Never" last; reversed, first.
        let asc = names(&list_rows(&app, kind, "sort=expires&dir=asc").await);
        assert_eq!(asc, [mk("expired"), mk("soon"), mk("later"), mk("never")]);
        let desc = names(&list_rows(&app, kind, "sort=expires&dir=desc").await);
        assert_eq!(desc, [mk("never"), mk("later"), mk("soon"), mk("expired")]);
        // By Last used: most recent first, never used last.
        let used = names(&list_rows(&app, kind, "sort=last_used&dir=desc").await);
        assert_eq!(used, [mk("later"), mk("soon"), mk("expired"), mk("never")]);
        let used = names(&list_rows(&app, kind, "sort=last_used&dir=asc").await);
        assert_eq!(used, [mk("never"), mk("expired"), mk("soon"), mk("later")]);
    }
}

#[tokio::test]
async fn filters_live_in_the_url_and_bad_values_are_400s() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let store = insert_store(&app, "Berlin", "berlin").await;
    insert_key(&app, "rest", "k", true, T, T).await;
    let (status, page) = get_list(
        &app,
        "rest",
        &format!("expiry=never&access=all&store={store}&used=never"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Every link of the list keeps the filters.
    let href = page
        .select(&sel("#sort-name"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    for part in [
        "expiry=never",
        "access=all",
        &format!("store={store}"),
        "used=never",
    ] {
        assert!(href.contains(part), "{href}");
    }
    // The panel shows them chosen.
    assert!(page
        .select(&sel(&format!(
            r#"select[name="store"] option[value="{store}"][selected]"#
        )))
        .next()
        .is_some());
    for (query, says) in [
        ("expiry=soon", "Expiry"),
        ("access=some", "Access type"),
        ("store=berlin", "Store"),
        ("store=-1", "Store"),
        ("used=yesterday", "Last used"),
        ("sort=expiry", "Cannot sort"),
    ] {
        let (status, page) = get_list(&app, "rest", query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.root_element().html().contains(says), "{query}");
    }
    // An unknown store id is simply a filter nothing matches but all-store keys.
    let (status, _) = get_list(&app, "rest", "store=424242").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_row_menu_offers_what_the_role_allows() {
    let app = spawn_app().await;
    let id = insert_key(&app, "graphql", "k", true, T, T).await;
    for (name, role, items) in [
        ("vera", "api-key:viewer", vec!["View"]),
        ("eddie", "api-key:editor", vec!["Edit"]),
        ("olivia", "api-key:owner", vec!["Edit", "Refresh", "Delete"]),
    ] {
        let b = app.new_browser();
        app.create_user(name, crate::helpers::PASSWORD, &[role])
            .await;
        b.sign_in(name, crate::helpers::PASSWORD).await;
        let page = html(b.get("/admin/api-keys/graphql").await).await;
        let got: Vec<String> = page
            .select(&sel(".row-menu li a"))
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(got, items, "{role}");
        // The single-key delete confirmation is an Owner's.
        let resp = b.get(&format!("/admin/api-keys/graphql/{id}/delete")).await;
        let want = if role == "api-key:owner" {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(resp.status(), want, "{role}");
        if want == StatusCode::OK {
            let body = resp.text().await.unwrap();
            assert!(
                body.contains("Delete 1 API key?") && body.contains(">k<"),
                "{body}"
            );
        }
    }
    let owner = app.new_browser();
    owner.sign_in("olivia", crate::helpers::PASSWORD).await;
    assert_eq!(
        owner
            .get("/admin/api-keys/graphql/999/delete")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        owner
            .get(&format!("/admin/api-keys/rest/{id}/delete"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
