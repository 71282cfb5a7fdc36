//! Issue 3, the key lists: every sortable column both ways on both tabs,
//! each filter alone and combined, pagination edges, empty states, and the
//! htmx list fragment. Rows are read from the table the page returns.

use std::cmp::Ordering;

use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::{header, html, spawn_app, text_of, TestApp};
use crate::keys_support::{
    error_of, get_fragment, get_list, ids, insert_batch, insert_key, list_rows, list_url, rows,
    sel, ts, KINDS,
};

/// A fixture key: what the test knows about it.
#[derive(Clone)]
struct Fx {
    id: i64,
    name: &'static str,
    active: bool,
    created: &'static str,
    updated: &'static str,
}

/// Keys whose columns each give a different order, with ties in every
/// sortable column (so the id tie-break shows).
const SORT_FIXTURES: [(&str, bool, &str, &str); 6] = [
    ("delta", true, "2026-01-03 10:00:00", "2026-02-01 09:00:00"),
    ("alpha", false, "2026-01-01 08:00:00", "2026-02-05 12:00:00"),
    (
        "charlie",
        true,
        "2026-01-03 10:00:00",
        "2026-02-03 12:00:00",
    ),
    ("bravo", false, "2026-01-02 08:00:00", "2026-02-05 12:00:00"),
    ("alpha", true, "2026-01-05 08:00:00", "2026-02-02 12:00:00"),
    ("echo", true, "2026-01-04 08:00:00", "2026-02-04 12:00:00"),
];

async fn sort_fixtures(app: &TestApp, kind: &str) -> Vec<Fx> {
    let mut out = Vec::new();
    for (name, active, created, updated) in SORT_FIXTURES {
        let id = insert_key(app, kind, name, active, created, updated).await;
        out.push(Fx {
            id,
            name,
            active,
            created,
            updated,
        });
    }
    out
}

/// The order the issue asks for: by the column, ties by id in the same
/// direction.
fn expected(keys: &[Fx], col: &str, dir: &str) -> Vec<i64> {
    let mut v = keys.to_vec();
    v.sort_by(|a, b| {
        let by: Ordering = match col {
            "name" => a.name.cmp(b.name),
            "active" => a.active.cmp(&b.active),
            "created" => ts(a.created).cmp(&ts(b.created)),
            "updated" => ts(a.updated).cmp(&ts(b.updated)),
            _ => unreachable!(),
        };
        by.then(a.id.cmp(&b.id))
    });
    if dir == "desc" {
        v.reverse();
    }
    v.into_iter().map(|k| k.id).collect()
}

fn header_link(page: &Html, col: &str) -> String {
    page.select(&sel(&format!("a#sort-{col}")))
        .next()
        .unwrap_or_else(|| panic!("a sort link for {col}"))
        .value()
        .attr("href")
        .unwrap()
        .to_owned()
}

fn aria_sort(page: &Html, col: &str) -> String {
    page.select(&sel("th[aria-sort]"))
        .find(|th| th.select(&sel(&format!("a#sort-{col}"))).next().is_some())
        .unwrap()
        .value()
        .attr("aria-sort")
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_sortable_column_sorts_both_ways_on_both_tabs() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    for kind in KINDS {
        let keys = sort_fixtures(&app, kind).await;
        for col in ["name", "active", "created", "updated"] {
            for dir in ["asc", "desc"] {
                let (status, page) = get_list(&app, kind, &format!("sort={col}&dir={dir}")).await;
                assert_eq!(status, StatusCode::OK, "{kind} {col} {dir}");
                let got = rows(&page);
                assert_eq!(
                    ids(&got),
                    expected(&keys, col, dir),
                    "{kind}: sort={col}&dir={dir}"
                );
                let aria = if dir == "asc" {
                    "ascending"
                } else {
                    "descending"
                };
                assert_eq!(aria_sort(&page, col), aria, "{kind} {col} {dir}");
                for other in ["name", "active", "created", "updated"] {
                    if other != col {
                        assert_eq!(aria_sort(&page, other), "none", "{kind} {col} {other}");
                    }
                }
            }
        }
        // The rows show what is stored.
        let got = list_rows(&app, kind, "sort=name&dir=asc").await;
        assert_eq!(got[0].name, "alpha");
        assert_eq!(got[0].created, "2026-01-01 08:00");
        assert_eq!(got[0].updated, "2026-02-05 12:00");
        assert!(!got[0].active);
        assert!(got[1].active);
    }
}

#[tokio::test]
async fn the_default_is_newest_first_and_a_header_click_toggles_the_direction() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    for kind in KINDS {
        let keys = sort_fixtures(&app, kind).await;
        let (_, page) = get_list(&app, kind, "").await;
        assert_eq!(ids(&rows(&page)), expected(&keys, "created", "desc"));
        assert_eq!(aria_sort(&page, "created"), "descending");
        // The same list at its explicit address.
        let explicit = list_rows(&app, kind, "sort=created&dir=desc").await;
        assert_eq!(ids(&explicit), expected(&keys, "created", "desc"));

        for (col, first) in [
            ("name", "asc"),
            ("active", "desc"),
            ("created", "asc"),
            ("updated", "desc"),
        ] {
            // From the default list, click the header, then click it again.
            let mut href = header_link(&page, col);
            for dir in [first, if first == "asc" { "desc" } else { "asc" }] {
                let resp = app.get(&href).await;
                assert_eq!(resp.status(), StatusCode::OK, "{href}");
                let clicked = html(resp).await;
                assert_eq!(
                    ids(&rows(&clicked)),
                    expected(&keys, col, dir),
                    "{kind}: {href}"
                );
                href = header_link(&clicked, col);
            }
        }
    }
}

#[tokio::test]
async fn a_tab_lists_only_its_own_kind() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let g = insert_key(
        &app,
        "graphql",
        "gql",
        true,
        "2026-01-01 00:00:00",
        "2026-01-01 00:00:00",
    )
    .await;
    let r = insert_key(
        &app,
        "rest",
        "rst",
        true,
        "2026-01-01 00:00:00",
        "2026-01-01 00:00:00",
    )
    .await;
    assert_eq!(ids(&list_rows(&app, "graphql", "").await), vec![g]);
    assert_eq!(ids(&list_rows(&app, "rest", "").await), vec![r]);
    // /admin/api-keys opens the GraphQL tab.
    let resp = app.get("/admin/api-keys").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::helpers::location(&resp), "/admin/api-keys/graphql");
    // GraphQL shows a Channel column; REST does not.
    let (_, page) = get_list(&app, "graphql", "").await;
    assert!(page.root_element().html().contains(">Channel</th>"));
    let (_, page) = get_list(&app, "rest", "").await;
    assert!(!page.root_element().html().contains(">Channel</th>"));
}

/// Keys with dates on the edges of calendar days.
const FILTER_FIXTURES: [(&str, bool, &str, &str); 4] = [
    (
        "shop-one",
        true,
        "2026-03-01 00:00:00",
        "2026-03-10 23:59:59",
    ),
    (
        "Shop-two",
        false,
        "2026-03-01 23:59:59",
        "2026-03-11 00:00:00",
    ),
    ("erp", true, "2026-03-02 00:00:00", "2026-03-12 08:00:00"),
    (
        "50%_off",
        false,
        "2026-02-28 23:59:59",
        "2026-03-10 00:00:00",
    ),
];

async fn filter_fixtures(app: &TestApp, kind: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for (name, active, created, updated) in FILTER_FIXTURES {
        out.push(insert_key(app, kind, name, active, created, updated).await);
    }
    out
}

async fn matching(app: &TestApp, kind: &str, query: &str) -> Vec<i64> {
    let mut got = ids(&list_rows(app, kind, query).await);
    got.sort_unstable();
    got
}

#[tokio::test]
async fn each_filter_alone_and_combined() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    for kind in KINDS {
        let k = filter_fixtures(&app, kind).await;
        let (one, two, erp, off) = (k[0], k[1], k[2], k[3]);
        let cases: Vec<(&str, Vec<i64>)> = vec![
            ("", vec![one, two, erp, off]),
            ("active=any", vec![one, two, erp, off]),
            ("active=true", vec![one, erp]),
            ("active=false", vec![two, off]),
            // Inclusive calendar days, UTC.
            ("created_from=2026-03-01&created_to=2026-03-01", vec![one, two]),
            ("created_from=2026-03-01", vec![one, two, erp]),
            ("created_to=2026-03-01", vec![one, two, off]),
            ("created_to=2026-02-28", vec![off]),
            ("created_from=2026-03-02", vec![erp]),
            ("updated_from=2026-03-11", vec![two, erp]),
            ("updated_to=2026-03-10", vec![one, off]),
            ("updated_from=2026-03-10&updated_to=2026-03-10", vec![one, off]),
            ("updated_from=2026-03-11&updated_to=2026-03-11", vec![two]),
            // Name search: a part of the name, any case; wildcards literal.
            ("q=shop", vec![one, two]),
            ("q=SHOP-T", vec![two]),
            ("q=%25", vec![off]),
            ("q=_", vec![off]),
            ("q=+erp+", vec![erp]),
            // Combined.
            ("active=false&created_from=2026-03-01", vec![two]),
            ("q=shop&active=true&updated_to=2026-03-10", vec![one]),
            (
                "created_from=2026-02-28&created_to=2026-03-01&updated_from=2026-03-10&updated_to=2026-03-10",
                vec![one, off],
            ),
            ("active=true&q=off", vec![]),
        ];
        for (query, mut want) in cases {
            want.sort_unstable();
            assert_eq!(matching(&app, kind, query).await, want, "{kind}: ?{query}");
        }

        // The count says how many match; the form shows the filters in use.
        let (_, page) = get_list(&app, kind, "active=false&created_from=2026-03-01&q=shop").await;
        assert_eq!(text_of(&page, "p.count strong").as_deref(), Some("1 key"));
        let checked = page
            .select(&sel(r#"input[name="active"][checked]"#))
            .map(|i| i.value().attr("value").unwrap().to_owned())
            .collect::<Vec<_>>();
        assert_eq!(checked, ["false"]);
        let value = |name: &str| {
            page.select(&sel(&format!(r#"#filters input[name="{name}"]"#)))
                .next()
                .and_then(|i| i.value().attr("value"))
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(value("created_from"), "2026-03-01");
        assert_eq!(value("q"), "shop");
        let (_, page) = get_list(&app, kind, "").await;
        assert_eq!(text_of(&page, "p.count strong").as_deref(), Some("4 keys"));
        assert!(page
            .root_element()
            .html()
            .contains("Dates are calendar days in UTC"));
    }
}

#[tokio::test]
async fn clear_filters_keeps_the_sort_and_page_size_and_drops_the_filters() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let k = filter_fixtures(&app, "graphql").await;
    let (_, page) = get_list(
        &app,
        "graphql",
        "sort=name&dir=desc&per_page=10&active=true&created_from=2026-01-01&updated_to=2026-12-31&q=shop",
    )
    .await;
    assert_eq!(ids(&rows(&page)), vec![k[0]]);
    let clear = page
        .select(&sel("a.clear-filters"))
        .next()
        .expect("a Clear filters link")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(
        clear,
        "/admin/api-keys/graphql?sort=name&dir=desc&per_page=10"
    );
    let all = list_rows(&app, "graphql", clear.split_once('?').unwrap().1).await;
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].name, "Shop-two", "still by name (any case), Z to A");
}

#[tokio::test]
async fn empty_states_say_why_the_list_is_empty() {
    let app = spawn_app().await;
    let viewer = app.new_browser();
    app.create_user("vera", crate::helpers::PASSWORD, &["api-key:viewer"])
        .await;
    viewer.sign_in("vera", crate::helpers::PASSWORD).await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    for (kind, label) in [("graphql", "GraphQL"), ("rest", "REST")] {
        let new_button = format!("New {label} API Key");
        // No keys yet: the owner is offered the New button, the viewer not.
        let (_, page) = get_list(&app, kind, "").await;
        let body = page.root_element().html();
        assert!(
            body.contains(&format!("No {label} API keys yet.")),
            "{kind}"
        );
        let buttons: Vec<String> = page
            .select(&sel(&format!(
                r#"#key-list a[href="/admin/api-keys/{kind}/new"]"#
            )))
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(buttons, std::slice::from_ref(&new_button), "{kind}");
        let (_, page) = get_list(&viewer, kind, "").await;
        let body = page.root_element().html();
        assert!(
            body.contains(&format!("No {label} API keys yet.")),
            "{kind}"
        );
        assert!(
            !body.contains(&new_button),
            "{kind}: a viewer cannot create"
        );

        // A filter that matches nothing says so and offers to clear it.
        insert_key(
            &app,
            kind,
            "only",
            true,
            "2026-01-01 00:00:00",
            "2026-01-01 00:00:00",
        )
        .await;
        let (status, page) = get_list(&viewer, kind, "q=nothing-like-this&active=false").await;
        assert_eq!(status, StatusCode::OK);
        let body = page.root_element().html();
        assert!(body.contains("No keys match these filters."), "{kind}");
        assert!(!body.contains("API keys yet"), "{kind}");
        let clear = page
            .select(&sel(".empty-state a"))
            .next()
            .expect("a way to clear the filters")
            .value()
            .attr("href")
            .unwrap()
            .to_owned();
        assert_eq!(clear, format!("/admin/api-keys/{kind}"));
        assert_eq!(list_rows(&viewer, kind, "").await.len(), 1);
    }
}

/// 101 keys: 60 share one creation time (the id breaks the tie), the rest
/// have their own.
async fn many_keys(app: &TestApp, kind: &str) -> Vec<i64> {
    let keys = (0..101)
        .map(|i| {
            let created = if i < 60 {
                ts("2026-04-01 12:00:00")
            } else {
                ts("2026-04-01 12:00:00") + chrono::Duration::minutes(i)
            };
            (format!("key-{i:03}"), i % 3 == 0, created, created)
        })
        .collect();
    insert_batch(app, kind, keys).await
}

#[tokio::test]
async fn pages_cover_every_key_once_at_every_page_size() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let kind = "rest";
    let all = many_keys(&app, kind).await;
    let mut newest_first = all.clone();
    newest_first.reverse(); // later ids are newer or tie-broken higher
    for (per_page, pages) in [(10, 11), (25, 5), (50, 3), (100, 2)] {
        let mut seen = Vec::new();
        for p in 1..=pages {
            let query = if per_page == 25 {
                format!("page={p}")
            } else {
                format!("per_page={per_page}&page={p}")
            };
            let (status, page) = get_list(&app, kind, &query).await;
            assert_eq!(status, StatusCode::OK, "{query}");
            let got = rows(&page);
            let want = if p < pages {
                per_page
            } else {
                101 - per_page * (pages - 1)
            };
            assert_eq!(got.len(), want, "{query}: rows");
            let count = text_of(&page, "p.count").unwrap();
            assert!(count.starts_with("101 keys"), "{query}: {count}");
            assert!(
                count.contains(&format!("page {p} of {pages}")),
                "{query}: {count}"
            );
            // Previous/next where they lead somewhere.
            assert_eq!(page.select(&sel("a#page-prev")).count(), usize::from(p > 1));
            assert_eq!(
                page.select(&sel("a#page-next")).count(),
                usize::from(p < pages)
            );
            let current = text_of(&page, r#"nav.pagination a[aria-current="page"]"#);
            assert_eq!(current, Some(p.to_string()), "{query}");
            let selected = text_of(&page, "#per_page option[selected]");
            assert_eq!(selected, Some(per_page.to_string()), "{query}");
            seen.extend(ids(&got));
        }
        assert_eq!(
            seen, newest_first,
            "per_page={per_page}: every key once, in order"
        );

        // One past the end: 404 that says how many pages there are.
        let resp = app
            .get(&list_url(
                kind,
                &format!("per_page={per_page}&page={}", pages + 1),
            ))
            .await;
        let (status, msg) = error_of(resp).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "per_page={per_page}");
        assert_eq!(
            msg,
            format!(
                "Page {} does not exist: this list has {pages} pages.",
                pages + 1
            )
        );
    }
    // 25 rows by default.
    assert_eq!(list_rows(&app, kind, "").await.len(), 25);
    // Paging keeps the filters and sort in its links.
    let (_, page) = get_list(&app, kind, "sort=name&dir=asc&active=true&per_page=10").await;
    let next = page
        .select(&sel("a#page-next"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(
        next,
        "/admin/api-keys/rest?sort=name&dir=asc&active=true&per_page=10&page=2"
    );
    let second = list_rows(&app, kind, next.split_once('?').unwrap().1).await;
    assert_eq!(second[0].name, "key-030");
    assert!(second.iter().all(|r| r.active));
}

#[tokio::test]
async fn page_edges_of_a_short_or_empty_list() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    // Empty: page 1 exists (the empty state), page 2 does not.
    let (status, _) = get_list(&app, "graphql", "page=1").await;
    assert_eq!(status, StatusCode::OK);
    let (status, msg) = error_of(app.get(&list_url("graphql", "page=2")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(msg, "Page 2 does not exist: this list has 1 page.");
    // page=0, negative, not a number: 400.
    for bad in ["0", "-1", "two", "1.5", "99999999999"] {
        let (status, msg) =
            error_of(app.get(&list_url("graphql", &format!("page={bad}"))).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={bad}");
        assert!(msg.contains("pages start at 1"), "page={bad}: {msg}");
    }
    // A filter that leaves fewer pages than the page asked for.
    let keys = (0..30)
        .map(|i| {
            let t = ts("2026-05-01 00:00:00") + chrono::Duration::hours(i);
            (format!("k{i}"), i < 5, t, t)
        })
        .collect();
    insert_batch(&app, "graphql", keys).await;
    assert_eq!(list_rows(&app, "graphql", "page=2").await.len(), 5);
    let (status, _) = get_list(&app, "graphql", "page=2&active=true").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A single page shows no pagination.
    let (_, page) = get_list(&app, "graphql", "active=true").await;
    assert_eq!(page.select(&sel("nav.pagination")).count(), 0);
}

#[tokio::test]
async fn htmx_gets_only_the_list_and_the_url_to_push() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let k = filter_fixtures(&app, "graphql").await;
    let resp = get_fragment(
        &app,
        "/admin/api-keys/graphql?q=shop&sort=name&dir=asc&active=any&page=1",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        header(resp.headers(), "hx-push-url"),
        "/admin/api-keys/graphql?sort=name&dir=asc&q=shop",
        "the canonical URL"
    );
    let body = resp.text().await.unwrap();
    assert!(!body.contains("<html"), "only the fragment");
    assert!(!body.contains("<nav aria-label=\"Key types\""), "no tabs");
    assert!(!body.contains("id=\"filters\""), "no filter form");
    assert!(body.trim_start().starts_with("<div id=\"key-list\""));
    // The filter state (sort, Clear filters) comes out of band.
    assert!(body.contains("id=\"filter-state\" class=\"filter-state\" hx-swap-oob=\"true\""));
    let page = Html::parse_fragment(&body);
    let mut got = ids(&rows(&page));
    got.sort_unstable();
    assert_eq!(got, vec![k[0], k[1]]);

    // The list refreshing itself after a change pushes nothing.
    let resp = app
        .client
        .get(app.url("/admin/api-keys/graphql"))
        .header("HX-Request", "true")
        .header("HX-Target", "key-list")
        .header("HX-Trigger", "key-list")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(resp.headers(), "hx-push-url"), "");

    // A plain GET still gets the whole page.
    let (_, page) = get_list(&app, "graphql", "q=shop").await;
    assert!(text_of(&page, "h1").as_deref() == Some("API Key Management"));
    assert_eq!(page.select(&sel("form#filters")).count(), 1);
}

#[tokio::test]
async fn a_refresh_after_deleting_the_last_page_empty_shows_the_new_last_page() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let keys = (0..11)
        .map(|i| {
            let t = ts("2026-06-01 00:00:00") + chrono::Duration::minutes(i);
            (format!("k{i:02}"), true, t, t)
        })
        .collect();
    let ids_made = insert_batch(&app, "rest", keys).await;
    // Page 2 of 10 per page holds the oldest key alone; delete it.
    let page2 = list_rows(&app, "rest", "per_page=10&page=2").await;
    assert_eq!(ids(&page2), vec![ids_made[0]]);
    let resp = app
        .post_htmx(
            "/admin/api-keys/rest/delete",
            &[("id", &ids_made[0].to_string())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    // The list's own refresh (hx-trigger from the list) falls back to page 1…
    let resp = app
        .client
        .get(app.url("/admin/api-keys/rest?per_page=10&page=2"))
        .header("HX-Request", "true")
        .header("HX-Target", "key-list")
        .header("HX-Trigger", "key-list")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = Html::parse_fragment(&resp.text().await.unwrap());
    assert_eq!(rows(&page).len(), 10);
    // …while the address itself is now past the end.
    let (status, msg) = error_of(app.get("/admin/api-keys/rest?per_page=10&page=2").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(msg, "Page 2 does not exist: this list has 1 page.");
}

#[tokio::test]
async fn the_name_search_ignores_case_beyond_ascii_on_both_backends() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let t = "2026-01-01 00:00:00";
    let ecole = insert_key(&app, "graphql", "École Shop", true, t, t).await;
    let munchen = insert_key(&app, "graphql", "MÜNCHEN feed", true, t, t).await;
    let slash = insert_key(&app, "graphql", r"back\slash", true, t, t).await;
    for (q, want) in [
        ("École", vec![ecole]),
        ("école", vec![ecole]),
        ("ÉCOLE", vec![ecole]),
        ("münchen", vec![munchen]),
        ("MÜN", vec![munchen]),
        ("%5C", vec![slash]),
        ("k%5Cs", vec![slash]),
        ("e", vec![ecole, munchen]),
    ] {
        let mut want = want;
        want.sort_unstable();
        assert_eq!(
            matching(&app, "graphql", &format!("q={q}")).await,
            want,
            "q={q}"
        );
    }
}

#[tokio::test]
async fn names_sort_as_a_reader_expects_whatever_their_case_on_both_backends() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let t = "2026-01-01 00:00:00";
    for name in [
        "Banana feed",
        "éclair sync",
        "apple ERP",
        "Cherry PIM",
        "APPLE CRM",
    ] {
        insert_key(&app, "graphql", name, true, t, t).await;
    }
    let names = |rows: Vec<crate::keys_support::Row>| -> Vec<String> {
        rows.into_iter().map(|r| r.name).collect()
    };
    let asc = names(list_rows(&app, "graphql", "sort=name&dir=asc").await);
    assert_eq!(
        asc,
        [
            "APPLE CRM",
            "apple ERP",
            "Banana feed",
            "Cherry PIM",
            "éclair sync"
        ],
        "case does not split the alphabet"
    );
    let desc = names(list_rows(&app, "graphql", "sort=name&dir=desc").await);
    let mut reversed = asc.clone();
    reversed.reverse();
    assert_eq!(desc, reversed);
    // An edit keeps the sort key in step with the name.
    let page = list_rows(&app, "graphql", "sort=name&dir=asc").await;
    let banana = page.iter().find(|r| r.name == "Banana feed").unwrap().id;
    app.with_db(move |c| {
        let changes = keydesk::models::api_key::ApiKeyChangeset {
            name: "zebra feed",
            active: true,
            channel_id: None,
            updated_at: keydesk::models::now_utc(),
            expires_at: None,
            all_stores: true,
        };
        keydesk::models::api_key::update(c, keydesk::domain::KeyKind::Graphql, banana, &changes)
            .unwrap()
    })
    .await;
    let asc = names(list_rows(&app, "graphql", "sort=name&dir=asc").await);
    // Byte order of the lower-cased name: accented letters come after z.
    assert_eq!(
        asc,
        [
            "APPLE CRM",
            "apple ERP",
            "Cherry PIM",
            "zebra feed",
            "éclair sync"
        ]
    );
    assert_eq!(
        names(list_rows(&app, "graphql", "q=ZEBRA").await),
        ["zebra feed"]
    );
}
