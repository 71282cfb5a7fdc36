//! Fixtures for the bulk-action tests: many keys in a few INSERTs, and the
//! dry run's confirmation read as a browser would.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use keydesk::domain::{GrantSet, KeyKind};
use keydesk::models::api_key::{self, NewApiKey, NewKeyWithRoles};
use keydesk::schema::api_keys;
use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::{html, Browser, TestApp};
use crate::keys_support::sel;

/// `n` REST keys named `{prefix} {i}`, active, never used, created
/// `age_days` ago; inserted 1,000 at a time.
pub async fn seed(app: &TestApp, prefix: &str, n: usize, age_days: i64) {
    let prefix = prefix.to_owned();
    let created = app.now() - Duration::days(age_days);
    app.with_db(move |c| {
        let names: Vec<String> = (0..n).map(|i| format!("{prefix} {i:05}")).collect();
        let cids: Vec<String> = (0..n)
            .map(|_| format!("kd_cid_{}", hex::encode(keydesk::crypto::random_bytes(10))))
            .collect();
        for chunk in (0..n).collect::<Vec<_>>().chunks(1_000) {
            let keys: Vec<NewKeyWithRoles<'_>> = chunk
                .iter()
                .map(|&i| NewKeyWithRoles {
                    key: NewApiKey {
                        kind: KeyKind::Rest.code(),
                        name: &names[i],
                        active: true,
                        channel_id: None,
                        client_id: Some(cids[i].as_str()),
                        created_at: created,
                        updated_at: created,
                        created_by: None,
                        expires_at: None,
                        all_stores: true,
                    },
                    roles: vec![],
                    grants: GrantSet::EMPTY,
                    store_ids: vec![],
                    secrets: vec![],
                })
                .collect();
            c.transaction(|c| api_key::insert_many(c, &keys)).unwrap();
        }
    })
    .await
}

/// How many REST keys whose name starts with `prefix` are active / inactive.
pub async fn active_counts(app: &TestApp, prefix: &str) -> (i64, i64) {
    let pattern = format!("{prefix}%");
    app.with_db(move |c| {
        let of = |active: bool, c: &mut keydesk::db::DbConnection| {
            api_keys::table
                .filter(api_keys::name.like(pattern.clone()))
                .filter(api_keys::active.eq(active))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        };
        (of(true, c), of(false, c))
    })
    .await
}

pub async fn expiry_of(app: &TestApp, id: i64) -> Option<NaiveDateTime> {
    app.with_db(move |c| {
        api_keys::table
            .find(id)
            .select(api_keys::expires_at)
            .first(c)
            .unwrap()
    })
    .await
}

/// The dry run as the list's link opens it.
pub struct DryRun {
    pub count: i64,
    pub sample: Vec<String>,
    pub fields: Vec<(String, String)>,
}

pub fn read_confirm(page: &Html) -> DryRun {
    let count = page
        .select(&sel("#bulk-count"))
        .next()
        .and_then(|e| e.value().attr("data-count"))
        .expect("the count")
        .parse()
        .unwrap();
    let sample = page
        .select(&sel("#bulk-sample li"))
        .map(|li| li.text().collect::<String>().trim().to_owned())
        .collect();
    let fields = page
        .select(&sel(r#"form input[type="hidden"]"#))
        .filter_map(|i| {
            let name = i.value().attr("name")?;
            (name != "csrf_token").then(|| {
                (
                    name.to_owned(),
                    i.value().attr("value").unwrap_or("").to_owned(),
                )
            })
        })
        .collect();
    DryRun {
        count,
        sample,
        fields,
    }
}

pub async fn dry_run(b: &Browser, query: &str) -> DryRun {
    let resp = b.get(&format!("/admin/api-keys/rest/bulk?{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "dry run {query}");
    read_confirm(&html(resp).await)
}

/// Confirms a dry run with `extra` fields (the expiry).
pub async fn confirm(b: &Browser, run: &DryRun, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = run
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend_from_slice(extra);
    b.post_form("/admin/api-keys/rest/bulk", &fields).await
}

/// The bulk id the success dialog offers to undo.
pub fn bulk_id(page: &Html) -> i64 {
    page.select(&sel("#bulk-done"))
        .next()
        .and_then(|e| e.value().attr("data-bulk-id"))
        .expect("the bulk id")
        .parse()
        .unwrap()
}
