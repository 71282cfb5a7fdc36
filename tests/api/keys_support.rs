//! Shared by the `keys_*` modules (issue 3, API Key Management): reading the
//! key table of a page, fixtures written straight to the database with
//! chosen timestamps, and snapshots of the key tables to prove that a
//! refused request wrote nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use keydesk::db::DbConnection;
use keydesk::models::api_key::{self, ApiKey, NewApiKey};
use keydesk::models::key_secret::{self, KeySecret, NewKeySecret};
use keydesk::schema::{api_key_grants, api_key_roles, api_key_secrets, api_key_stores, api_keys};
use reqwest::{Response, StatusCode};
use scraper::{ElementRef, Html, Selector};

use crate::helpers::{html, text_of, Browser, TestApp};

pub const KINDS: [&str; 2] = ["graphql", "rest"];

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

pub fn list_url(kind: &str, query: &str) -> String {
    if query.is_empty() {
        format!("/admin/api-keys/{kind}")
    } else {
        format!("/admin/api-keys/{kind}?{query}")
    }
}

/// One row of the key table as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub channel: Option<String>,
    pub expires: String,
    pub last_used: String,
    pub created: String,
    pub updated: String,
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_owned()
}

/// The rows of the key table in `page` (a whole page or the list fragment):
/// Name, Active, [Channel,] Expires, Last used, Date Created, Date Updated.
pub fn rows(page: &Html) -> Vec<Row> {
    let td = sel("td:not(.select-col):not(.row-actions)");
    let link = sel("a.row-link");
    page.select(&sel("#key-list tr[data-row-link]"))
        .map(|tr| {
            let cells: Vec<ElementRef<'_>> = tr.select(&td).collect();
            let a = tr.select(&link).next().expect("a row has a name link");
            let href = a.value().attr("href").unwrap();
            let id = href.rsplit('/').next().unwrap().parse().unwrap();
            let graphql = cells.len() == 7;
            assert!(cells.len() == 6 || graphql, "a row has 6 or 7 cells");
            let channel = graphql.then(|| text(cells[2])).filter(|c| c != "—");
            let n = cells.len();
            Row {
                id,
                name: text(a),
                active: match text(cells[1]).as_str() {
                    "Active" => true,
                    "Inactive" => false,
                    other => panic!("Active cell says {other:?}"),
                },
                channel,
                expires: text(cells[n - 4]),
                last_used: text(cells[n - 3]),
                created: text(cells[n - 2]),
                updated: text(cells[n - 1]),
            }
        })
        .collect()
}

pub fn ids(rows: &[Row]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

/// GETs a list page and returns its status and document.
pub async fn get_list(b: &Browser, kind: &str, query: &str) -> (StatusCode, Html) {
    let resp = b.get(&list_url(kind, query)).await;
    let status = resp.status();
    (status, html(resp).await)
}

/// The rows of a list page that must answer 200.
pub async fn list_rows(b: &Browser, kind: &str, query: &str) -> Vec<Row> {
    let (status, page) = get_list(b, kind, query).await;
    assert_eq!(status, StatusCode::OK, "GET {}", list_url(kind, query));
    rows(&page)
}

/// The message of an error page (`#error-message`), with its status.
pub async fn error_of(resp: Response) -> (StatusCode, String) {
    let status = resp.status();
    let page = html(resp).await;
    (
        status,
        text_of(&page, "#error-message").unwrap_or_else(|| page.root_element().html()),
    )
}

pub fn ts(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("a timestamp")
}

/// Inserts a key straight into the database with chosen timestamps (no
/// secret anyone knows). Returns its id.
pub async fn insert_key(
    app: &TestApp,
    kind: &str,
    name: &str,
    active: bool,
    created: &str,
    updated: &str,
) -> i64 {
    let (kind, name) = (kind.to_owned(), name.to_owned());
    let (created, updated) = (ts(created), ts(updated));
    app.with_db(move |c| {
        let hash = hex::encode(keydesk::crypto::random_bytes(32));
        let client_id = (kind == "rest").then(|| format!("kd_cid_{}", &hash[..20]));
        let new = NewApiKey {
            kind: &kind,
            name: &name,
            active,
            channel_id: None,
            client_id: client_id.as_deref(),
            created_at: created,
            updated_at: updated,
            created_by: None,
            expires_at: None,
            all_stores: true,
        };
        let id = api_key::insert(c, &new, &[]).expect("the fixture key").id;
        insert_fixture_secret(c, id, &hash, created);
        id
    })
    .await
}

/// A secret nobody knows for a fixture key.
fn insert_fixture_secret(c: &mut DbConnection, key_id: i64, hash: &str, created: NaiveDateTime) {
    key_secret::insert(
        c,
        &NewKeySecret {
            api_key_id: key_id,
            prefix: "kd_xx_fixture",
            hash,
            created_at: created,
        },
    )
    .expect("the fixture secret");
}

/// Every secret generation of a key, newest first.
pub async fn secrets_of(app: &TestApp, id: i64) -> Vec<KeySecret> {
    app.with_db(move |c| key_secret::of_key(c, id).unwrap())
        .await
}

/// The prefix of a key's current secret.
pub async fn current_prefix(app: &TestApp, id: i64) -> String {
    secrets_of(app, id)
        .await
        .into_iter()
        .find(|s| s.retires_at.is_none())
        .expect("a current secret")
        .prefix
}

/// Sets a key's timestamps, as if it had been made or edited then.
pub async fn set_times(app: &TestApp, id: i64, created: &str, updated: &str) {
    let (created, updated) = (ts(created), ts(updated));
    app.with_db(move |c| {
        diesel::update(api_keys::table.find(id))
            .set((
                api_keys::created_at.eq(created),
                api_keys::updated_at.eq(updated),
            ))
            .execute(c)
            .unwrap()
    })
    .await;
}

pub async fn all_keys(app: &TestApp) -> Vec<ApiKey> {
    app.with_db(|c| {
        api_keys::table
            .order(api_keys::id.asc())
            .select(ApiKey::as_select())
            .load(c)
            .unwrap()
    })
    .await
}

pub async fn key(app: &TestApp, id: i64) -> Option<ApiKey> {
    app.with_db(move |c| {
        api_keys::table
            .find(id)
            .select(ApiKey::as_select())
            .first(c)
            .optional()
            .unwrap()
    })
    .await
}

/// `(definition, level)` rows of a key, by definition.
pub async fn roles_of(app: &TestApp, id: i64) -> Vec<(String, i16)> {
    app.with_db(move |c| {
        api_key_roles::table
            .filter(api_key_roles::api_key_id.eq(id))
            .order(api_key_roles::definition.asc())
            .select((api_key_roles::definition, api_key_roles::level))
            .load(c)
            .unwrap()
    })
    .await
}

/// Everything in the key tables, to compare before and after a request
/// that must write nothing.
pub async fn snapshot(app: &TestApp) -> String {
    let keys = all_keys(app).await;
    let roles: Vec<(i64, String, i16)> = app
        .with_db(|c| {
            api_key_roles::table
                .order((api_key_roles::api_key_id, api_key_roles::definition))
                .select((
                    api_key_roles::api_key_id,
                    api_key_roles::definition,
                    api_key_roles::level,
                ))
                .load(c)
                .unwrap()
        })
        .await;
    type Rows = (Vec<(i64, String, String)>, Vec<(i64, i64)>, Vec<KeySecret>);
    let more: Rows = app
        .with_db(|c| {
            (
                api_key_grants::table
                    .order((
                        api_key_grants::api_key_id,
                        api_key_grants::function,
                        api_key_grants::action,
                    ))
                    .select((
                        api_key_grants::api_key_id,
                        api_key_grants::function,
                        api_key_grants::action,
                    ))
                    .load(c)
                    .unwrap(),
                api_key_stores::table
                    .order((api_key_stores::api_key_id, api_key_stores::store_id))
                    .select((api_key_stores::api_key_id, api_key_stores::store_id))
                    .load(c)
                    .unwrap(),
                api_key_secrets::table
                    .order(api_key_secrets::id)
                    .select(KeySecret::as_select())
                    .load(c)
                    .unwrap(),
            )
        })
        .await;
    format!("{keys:#?}\n{roles:?}\n{more:#?}")
}

/// The values of the create response's secret fields by label id
/// (`secret-api-key`, `secret-client-id`, `secret-client-secret`).
pub fn secret_field(page: &Html, field_id: &str) -> Option<String> {
    page.select(&sel(&format!("input#{field_id}")))
        .next()
        .and_then(|i| i.value().attr("value"))
        .map(str::to_owned)
}

/// Creates a key through the form as the browser's (owner) user and returns
/// the create response's page.
pub async fn create(b: &Browser, kind: &str, fields: &[(&str, &str)]) -> (StatusCode, Html) {
    let resp = b
        .post_form(&format!("/admin/api-keys/{kind}/new"), fields)
        .await;
    let status = resp.status();
    (status, html(resp).await)
}

/// Inserts many keys in one go: `(name, active, created, updated)`. Returns
/// their ids in the same order.
pub async fn insert_batch(
    app: &TestApp,
    kind: &str,
    keys: Vec<(String, bool, NaiveDateTime, NaiveDateTime)>,
) -> Vec<i64> {
    let kind = kind.to_owned();
    app.with_db(move |c| {
        keys.iter()
            .map(|(name, active, created, updated)| {
                let hash = hex::encode(keydesk::crypto::random_bytes(32));
                let client_id = (kind == "rest").then(|| format!("kd_cid_{}", &hash[..20]));
                let new = NewApiKey {
                    kind: &kind,
                    name,
                    active: *active,
                    channel_id: None,
                    client_id: client_id.as_deref(),
                    created_at: *created,
                    updated_at: *updated,
                    created_by: None,
                    expires_at: None,
                    all_stores: true,
                };
                let id = api_key::insert(c, &new, &[]).expect("the fixture key").id;
                insert_fixture_secret(c, id, &hash, *created);
                id
            })
            .collect()
    })
    .await
}

/// A list request as htmx sends it when it swaps only the list.
pub async fn get_fragment(b: &Browser, path: &str) -> Response {
    b.client
        .get(b.url(path))
        .header("HX-Request", "true")
        .header("HX-Target", "key-list")
        .send()
        .await
        .unwrap()
}

/// Adds a store straight to the database; returns its id.
pub async fn insert_store(app: &TestApp, name: &str, code: &str) -> i64 {
    let (name, code) = (name.to_owned(), code.to_owned());
    app.with_db(move |c| {
        keydesk::models::store::insert(
            c,
            &keydesk::models::store::NewStore {
                name: &name,
                code: &code,
                created_at: keydesk::models::now_utc(),
            },
        )
        .expect("the fixture store")
        .id
    })
    .await
}

/// The key's whole state as the core sees it.
pub async fn state_of(app: &TestApp, kind: &str, id: i64) -> keydesk::keys::KeyState {
    let kind = keydesk::domain::KeyKind::parse(kind).unwrap();
    app.with_db(move |c| keydesk::keys::load_state(c, kind, id).unwrap())
        .await
}

/// The key's grants as `function:action` scopes.
pub async fn scopes_of(app: &TestApp, kind: &str, id: i64) -> Vec<String> {
    state_of(app, kind, id)
        .await
        .grants
        .iter()
        .map(|g| g.scope())
        .collect()
}

/// Every audit event, oldest first.
pub async fn audit_events(app: &TestApp) -> Vec<keydesk::models::audit::AuditEvent> {
    use keydesk::schema::audit_events;
    app.with_db(|c| {
        audit_events::table
            .order(audit_events::id.asc())
            .select(keydesk::models::audit::AuditEvent::as_select())
            .load(c)
            .unwrap()
    })
    .await
}

/// The hidden fields of a confirmation form, without the CSRF token.
pub fn confirmation_fields(page: &Html) -> Vec<(String, String)> {
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

/// Posts an edit and, when it deactivates or narrows the key (answered
/// with the confirmation step), confirms it: "Save anyway". The answer of
/// the last request.
pub async fn save_edit(b: &Browser, path: &str, fields: &[(&str, &str)]) -> Response {
    let resp = b.post_form(path, fields).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let page = Html::parse_document(&resp.text().await.unwrap());
    assert!(
        page.select(&sel("#edit-changes")).next().is_some(),
        "an edit answered 200 is the confirmation step"
    );
    let carried = confirmation_fields(&page);
    let f: Vec<(&str, &str)> = carried
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post_form(path, &f).await
}
