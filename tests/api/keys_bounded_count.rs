//! Issue 12, counting that does not grow with the table: the list counts
//! exactly up to a bound, then says "more than 10,000 keys"; pages go up to
//! the bound and "Last keys" reverses the sort. Every page is compared with a
//! plain reference (all keys of the tab, filtered and sorted here) for every
//! sort and a set of filters, on whichever backend the suite runs.

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;
use keydesk::db::DbConnection;
use keydesk::domain::list_query::{
    DateRange, ExpiryFilter, ListParams, SortColumn, SortDir, UsageFilter,
};
use keydesk::domain::{AccessType, GrantSet, KeyKind};
use keydesk::models::api_key::{self, NewApiKey, NewKeyWithRoles};
use keydesk::schema::api_keys;
use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, text_of, TestApp};
use crate::keys_support::{get_list, list_url, rows, sel};

const NAMES: [&str; 6] = [
    "Northwind ERP",
    "acme feed",
    "ÉCOLE sync",
    "northWIND pim",
    "Globex",
    "globex",
];

/// What the reference needs of a key.
#[derive(Clone, Debug)]
struct Key {
    id: i64,
    name: String,
    active: bool,
    created: NaiveDateTime,
    updated: NaiveDateTime,
    expires: Option<NaiveDateTime>,
    all_stores: bool,
    last_used: Option<NaiveDateTime>,
}

fn now() -> NaiveDateTime {
    keydesk::models::now_utc().with_nanosecond(0).unwrap()
}

/// `n` keys of `kind` with names, flags and dates spread so that every
/// filter and sort has ties and NULLs; inserted in bulk.
async fn insert_keys(app: &TestApp, kind: KeyKind, n: usize, now: NaiveDateTime) {
    app.with_db(move |c| {
        let names: Vec<String> = (0..n)
            .map(|i| format!("{} {}", NAMES[i % NAMES.len()], i % 37))
            .collect();
        let client_ids: Vec<String> = (0..n).map(|i| format!("kd_cid_test{i:08}")).collect();
        let mut last_used: Vec<(i64, NaiveDateTime)> = Vec::new();
        let start = api_keys::table
            .select(diesel::dsl::max(api_keys::id))
            .first::<Option<i64>>(c)
            .unwrap()
            .unwrap_or(0);
        for chunk in (0..n).collect::<Vec<_>>().chunks(1_000) {
            let keys: Vec<NewKeyWithRoles<'_>> = chunk
                .iter()
                .map(|&i| {
                    let r = (i as i64).wrapping_mul(7_919) % 1_000;
                    // Several keys share each second: the id breaks ties.
                    let created = now - Duration::hours(r * 17);
                    let updated = created + Duration::hours(i as i64 % 5);
                    let expires = match i % 5 {
                        0 => None,
                        1 => Some(now - Duration::days(r % 40)),
                        2 => Some(now + Duration::hours(r % 200)),
                        _ => Some(now + Duration::days(r % 400)),
                    };
                    NewKeyWithRoles {
                        key: NewApiKey {
                            kind: kind.code(),
                            name: &names[i],
                            active: i % 3 != 0,
                            channel_id: None,
                            client_id: (kind == KeyKind::Rest).then_some(client_ids[i].as_str()),
                            created_at: created,
                            updated_at: updated,
                            created_by: None,
                            expires_at: expires,
                            all_stores: i % 4 != 1,
                        },
                        roles: vec![],
                        grants: GrantSet::EMPTY,
                        store_ids: vec![],
                        secrets: vec![],
                    }
                })
                .collect();
            c.transaction(|c| api_key::insert_many(c, &keys)).unwrap();
        }
        // Last use on some keys: ids are consecutive after `start`.
        let ids: Vec<i64> = api_keys::table
            .filter(api_keys::id.gt(start))
            .select(api_keys::id)
            .order(api_keys::id)
            .load(c)
            .unwrap();
        for (j, id) in ids.iter().enumerate() {
            if j % 3 != 2 {
                last_used.push((*id, now - Duration::days((j as i64 * 13) % 120)));
            }
        }
        for bucket in 0..120 {
            let t = now - Duration::days(bucket);
            let of: Vec<i64> = last_used
                .iter()
                .filter(|(_, u)| *u == t)
                .map(|(id, _)| *id)
                .collect();
            if !of.is_empty() {
                diesel::update(api_keys::table.filter(api_keys::id.eq_any(of)))
                    .set(api_keys::last_used_at.eq(Some(t)))
                    .execute(c)
                    .unwrap();
            }
        }
    })
    .await
}

fn all_keys(c: &mut DbConnection, kind: KeyKind) -> Vec<Key> {
    api_keys::table
        .filter(api_keys::kind.eq(kind.code()))
        .select((
            api_keys::id,
            api_keys::name,
            api_keys::active,
            api_keys::created_at,
            api_keys::updated_at,
            api_keys::expires_at,
            api_keys::all_stores,
            api_keys::last_used_at,
        ))
        .load::<(
            i64,
            String,
            bool,
            NaiveDateTime,
            NaiveDateTime,
            Option<NaiveDateTime>,
            bool,
            Option<NaiveDateTime>,
        )>(c)
        .unwrap()
        .into_iter()
        .map(
            |(id, name, active, created, updated, expires, all_stores, last_used)| Key {
                id,
                name,
                active,
                created,
                updated,
                expires,
                all_stores,
                last_used,
            },
        )
        .collect()
}

fn in_range(t: NaiveDateTime, r: &DateRange) -> bool {
    let (from, to) = r.bounds();
    from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e)
}

/// The plain reference: every key of the tab, filtered and sorted here.
fn reference(keys: &[Key], p: &ListParams, now: NaiveDateTime) -> Vec<i64> {
    let mut hits: Vec<&Key> = keys
        .iter()
        .filter(|k| p.active.is_none_or(|a| k.active == a))
        .filter(|k| in_range(k.created, &p.created) && in_range(k.updated, &p.updated))
        .filter(|k| {
            p.q.as_ref()
                .is_none_or(|q| k.name.to_lowercase().contains(&q.to_lowercase()))
        })
        .filter(|k| match p.expiry {
            None => true,
            Some(ExpiryFilter::Expired) => k.expires.is_some_and(|e| e <= now),
            Some(ExpiryFilter::Within7Days) => k
                .expires
                .is_some_and(|e| e > now && e <= now + Duration::days(7)),
            Some(ExpiryFilter::Never) => k.expires.is_none(),
        })
        .filter(|k| {
            let idle = |days| {
                let cut = now - Duration::days(days);
                match k.last_used {
                    Some(u) => u < cut,
                    None => k.created < cut,
                }
            };
            match p.used {
                None => true,
                Some(UsageFilter::Idle30Days) => idle(30),
                Some(UsageFilter::Idle90Days) => idle(90),
                Some(UsageFilter::Never) => k.last_used.is_none(),
            }
        })
        .filter(|k| match p.access {
            None => true,
            Some(AccessType::All) => k.all_stores,
            Some(AccessType::Individual) => !k.all_stores,
        })
        // No key lists a store here: only all-store keys reach one.
        .filter(|k| p.store.is_none() || k.all_stores)
        .collect();
    // Ascending keys; descending is the exact reverse on every column.
    hits.sort_by(|a, b| match p.sort {
        SortColumn::Name => (a.name.to_lowercase(), a.id).cmp(&(b.name.to_lowercase(), b.id)),
        SortColumn::Active => (a.active, a.id).cmp(&(b.active, b.id)),
        SortColumn::Created => (a.created, a.id).cmp(&(b.created, b.id)),
        SortColumn::Updated => (a.updated, a.id).cmp(&(b.updated, b.id)),
        SortColumn::Expires => {
            (a.expires.is_none(), a.expires, a.id).cmp(&(b.expires.is_none(), b.expires, b.id))
        }
        SortColumn::LastUsed => (a.last_used.is_some(), a.last_used, a.id).cmp(&(
            b.last_used.is_some(),
            b.last_used,
            b.id,
        )),
    });
    if p.dir == SortDir::Desc {
        hits.reverse();
    }
    hits.into_iter().map(|k| k.id).collect()
}

fn filter_sets(now: NaiveDateTime) -> Vec<(&'static str, ListParams)> {
    let d = ListParams::default;
    let days_ago = |n| Some((now - Duration::days(n)).date());
    vec![
        ("none", d()),
        (
            "active",
            ListParams {
                active: Some(true),
                ..d()
            },
        ),
        (
            "inactive + created range",
            ListParams {
                active: Some(false),
                created: DateRange {
                    from: days_ago(500),
                    to: days_ago(100),
                },
                ..d()
            },
        ),
        (
            "updated range",
            ListParams {
                updated: DateRange {
                    from: days_ago(300),
                    to: None,
                },
                ..d()
            },
        ),
        (
            "search",
            ListParams {
                q: Some("NORTHWIND".into()),
                ..d()
            },
        ),
        (
            "search, few",
            ListParams {
                q: Some("école sync 3".into()),
                ..d()
            },
        ),
        (
            "expired",
            ListParams {
                expiry: Some(ExpiryFilter::Expired),
                ..d()
            },
        ),
        (
            "within 7 days",
            ListParams {
                expiry: Some(ExpiryFilter::Within7Days),
                ..d()
            },
        ),
        (
            "never expires + active",
            ListParams {
                expiry: Some(ExpiryFilter::Never),
                active: Some(true),
                ..d()
            },
        ),
        (
            "idle 30 days",
            ListParams {
                used: Some(UsageFilter::Idle30Days),
                ..d()
            },
        ),
        (
            "never used",
            ListParams {
                used: Some(UsageFilter::Never),
                ..d()
            },
        ),
        (
            "individual stores",
            ListParams {
                access: Some(AccessType::Individual),
                ..d()
            },
        ),
        (
            "a store",
            ListParams {
                store: Some(1),
                ..d()
            },
        ),
        // The name search's index (issue 12) and its fallbacks: fewer than
        // three characters, LIKE wildcards, FTS syntax and quotes, all
        // taken literally.
        (
            "search, two characters",
            ListParams {
                q: Some("Éc".into()),
                ..d()
            },
        ),
        (
            "search, one character",
            ListParams {
                q: Some("7".into()),
                ..d()
            },
        ),
        (
            "search, a word and a number",
            ListParams {
                q: Some("pim 1".into()),
                ..d()
            },
        ),
        (
            "search, wildcards",
            ListParams {
                q: Some("%_".into()),
                ..d()
            },
        ),
        (
            "search, FTS syntax",
            ListParams {
                q: Some("erp OR \"acme\" *".into()),
                ..d()
            },
        ),
        (
            "nothing matches",
            ListParams {
                q: Some("no such key".into()),
                ..d()
            },
        ),
    ]
}

#[tokio::test]
async fn bounded_counts_and_pages_match_a_plain_query_for_every_sort_and_filter() {
    let app = spawn_app().await;
    let now = now();
    let kind = KeyKind::Graphql;
    insert_keys(&app, kind, 3_000, now).await;
    // Keys of the other tab never show.
    insert_keys(&app, KeyKind::Rest, 200, now).await;
    let failures = app
        .with_db(move |c| {
            let keys = all_keys(c, kind);
            assert_eq!(keys.len(), 3_000);
            let bound = 400;
            let mut failures = Vec::new();
            let mut capped = 0;
            let mut exact = 0;
            for (label, base) in filter_sets(now) {
                for sort in SortColumn::ALL {
                    for dir in [SortDir::Asc, SortDir::Desc] {
                        let p = ListParams {
                            sort,
                            dir,
                            ..base.clone()
                        };
                        let want = reference(&keys, &p, now);
                        let n = want.len() as i64;
                        let first = api_key::list_counting_to(c, kind, &p, now, bound).unwrap();
                        let case = format!("{label}, {sort:?} {dir:?}");
                        if (first.total, first.more) != (n.min(bound), n > bound) {
                            failures.push(format!(
                                "{case}: count {} more {} for {n}",
                                first.total, first.more
                            ));
                        }
                        if first.more {
                            capped += 1;
                        } else {
                            exact += 1;
                        }
                        // The pages a reader can reach by number: the first,
                        // the second, the last one within the bound.
                        let per_page = p.per_page as i64;
                        let last = (n.min(bound) + per_page - 1) / per_page;
                        for page in [1, 2, last.max(1)] {
                            let q = p.at_page(page as u32);
                            let got: Vec<i64> = api_key::list_counting_to(c, kind, &q, now, bound)
                                .unwrap()
                                .rows
                                .iter()
                                .map(|r| r.id)
                                .collect();
                            let from = (q.offset() as usize).min(want.len());
                            let to = (from + q.per_page as usize).min(want.len());
                            if got != want[from..to] {
                                failures.push(format!("{case}: page {page}"));
                            }
                        }
                        // "Last keys": the reversed first page is the end.
                        let got: Vec<i64> =
                            api_key::list_counting_to(c, kind, &p.reversed(), now, bound)
                                .unwrap()
                                .rows
                                .iter()
                                .map(|r| r.id)
                                .collect();
                        let tail: Vec<i64> = want.iter().rev().take(25).copied().collect();
                        if got != tail {
                            failures.push(format!("{case}: reversed"));
                        }
                    }
                }
            }
            assert!(capped > 0 && exact > 0, "{capped} capped, {exact} exact");
            failures
        })
        .await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn past_ten_thousand_keys_the_list_says_more_than_and_reaches_the_end_by_reversing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let now = now();
    insert_keys(&app, KeyKind::Graphql, 10_001, now).await;

    let (status, page) = get_list(&app, "graphql", "").await;
    assert_eq!(status, StatusCode::OK);
    let count = text_of(&page, "p.count").unwrap();
    assert!(
        count.starts_with("more than 10,000 keys · page 1 of more than 400"),
        "{count}"
    );
    let caption = text_of(&page, "caption").unwrap();
    assert!(caption.contains("more than 10,000 keys"), "{caption}");
    assert_eq!(rows(&page).len(), 25);

    // The last link reverses the sort and starts at page 1.
    let last = page
        .select(&sel("a#page-last"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_owned();
    assert!(
        last.contains("dir=asc") && !last.contains("page="),
        "{last}"
    );
    let resp = app.get(&last).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let oldest_first = html(resp).await;
    let want = app
        .with_db(move |c| {
            let keys = all_keys(c, KeyKind::Graphql);
            let p = ListParams {
                dir: SortDir::Asc,
                ..ListParams::default()
            };
            reference(&keys, &p, now)[..25].to_vec()
        })
        .await;
    let got: Vec<i64> = rows(&oldest_first).iter().map(|r| r.id).collect();
    assert_eq!(got, want);

    // Pages go up to the bound; past it, a 404 that says how to go on.
    let (status, page) = get_list(&app, "graphql", "page=400").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&page).len(), 25);
    let resp = app.get(&list_url("graphql", "page=401")).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = resp.text().await.unwrap();
    assert!(body.contains("reverse the sort"), "{body}");

    // A narrower filter is counted exactly again.
    let (status, page) = get_list(&app, "graphql", "active=false").await;
    assert_eq!(status, StatusCode::OK);
    let count = text_of(&page, "p.count strong").unwrap();
    assert_eq!(count, "3334 keys");
    assert_eq!(page.select(&sel("a#page-last")).count(), 0);
}
