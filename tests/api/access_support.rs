//! Fixtures and calls for the Key API's tests: keys made through the core
//! (`keydesk::keys::create`, as both faces do) with the grants and stores a
//! test needs, and the requests a platform service or an integration sends.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use keydesk::catalogue::AllowedMethods;
use keydesk::db::{write_transaction, DbConnection};
use keydesk::domain::permission::Grant;
use keydesk::domain::secret::{new_client_id, NewSecret};
use keydesk::domain::{Grace, GrantSet, KeyKind, KeyName, StoreAccess};
use keydesk::error::AppError;
use keydesk::keys::{self, KeySpec};
use keydesk::models::api_key::KeyRole;
use keydesk::models::audit::{self, AuditEvent, AuditFilter};
use keydesk::models::key_secret::{self, KeySecret};
use keydesk::models::{setting, store};
use keydesk::schema::api_keys;
use reqwest::Response;
use serde_json::Value;

use crate::helpers::TestApp;

/// A key as its holder knows it.
#[derive(Clone, Debug)]
pub struct Issued {
    pub id: i64,
    pub client_id: Option<String>,
    pub secret: String,
}

pub fn grants(scopes: &[&str]) -> GrantSet {
    scopes
        .iter()
        .map(|s| Grant::parse_scope(s).expect("a valid scope"))
        .collect()
}

fn actor() -> keydesk::models::audit::Actor {
    keydesk::models::audit::Actor::system()
}

pub fn pepper(c: &mut DbConnection) -> Vec<u8> {
    setting::key_pepper(c, None).expect("the pepper")
}

/// Creates a key through the core. `stores`: None for all stores, else
/// store codes (created if missing).
pub async fn create_key(
    app: &TestApp,
    kind: KeyKind,
    name: &str,
    grant_scopes: &[&str],
    roles: Vec<KeyRole>,
    stores: Option<&[&str]>,
    expires_at: Option<NaiveDateTime>,
) -> Issued {
    let name = name.to_owned();
    let grants = grants(grant_scopes);
    let stores: Option<Vec<String>> = stores.map(|s| s.iter().map(|c| c.to_string()).collect());
    let now = app.now();
    app.with_db(move |c| {
        let pepper = pepper(c);
        let secret = NewSecret::generate(kind, &pepper);
        let client_id = (kind == KeyKind::Rest).then(new_client_id);
        write_transaction(c, |c| {
            let access = match &stores {
                None => StoreAccess::All,
                Some(codes) => {
                    let mut ids = vec![];
                    for code in codes {
                        ids.push(store_id(c, code));
                    }
                    StoreAccess::individual(ids)
                }
            };
            let spec = KeySpec {
                kind,
                name: KeyName::parse(&name).unwrap(),
                active: true,
                channel_id: None,
                roles,
                grants: if kind == KeyKind::Rest {
                    grants
                } else {
                    GrantSet::EMPTY
                },
                stores: access,
                allowed_methods: AllowedMethods::ALL,
                expires_at,
            };
            let key = keys::create(
                c,
                &actor(),
                now,
                &spec,
                &secret.stored(),
                client_id.as_deref(),
            )?;
            Ok::<_, AppError>(Issued {
                id: key.id,
                client_id,
                secret: secret.expose().to_owned(),
            })
        })
        .expect("the key is created")
    })
    .await
}

/// A REST key with these grants, for all stores.
pub async fn create_rest_key_with_grants(app: &TestApp, name: &str, scopes: &[&str]) -> Issued {
    create_key(app, KeyKind::Rest, name, scopes, vec![], None, None).await
}

/// The platform service that calls verify: Role & permission: View.
pub async fn create_caller(app: &TestApp) -> Issued {
    create_rest_key_with_grants(app, "Platform gateway", &["role-permission:view"]).await
}

/// The id of the store `code`, created (named after it) if missing.
pub fn store_id(c: &mut DbConnection, code: &str) -> i64 {
    if let Some(s) = store::find_by_code(c, code).unwrap() {
        return s.id;
    }
    store::insert(
        c,
        &store::NewStore {
            name: code,
            code,
            created_at: keydesk::models::now_utc(),
        },
    )
    .unwrap()
    .id
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

pub fn basic_of(k: &Issued) -> String {
    basic(k.client_id.as_deref().unwrap(), &k.secret)
}

/// `POST /api/v1/keys/verify` with the caller's Basic credentials.
pub async fn verify_as(app: &TestApp, auth: &str, body: &Value) -> Response {
    app.client
        .post(app.url("/api/v1/keys/verify"))
        .header("Authorization", auth)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Verifies `body` as `caller` and returns the 200's JSON.
pub async fn verify(app: &TestApp, caller: &Issued, body: Value) -> Value {
    let resp = verify_as(app, &basic_of(caller), &body).await;
    assert_eq!(resp.status(), 200, "verify {body}");
    resp.json().await.unwrap()
}

/// The code verify answers for `key` with the rest of `body`.
pub async fn code_of(app: &TestApp, caller: &Issued, key: &str, mut body: Value) -> String {
    body["key"] = Value::String(key.to_owned());
    verify(app, caller, body).await["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A form POST to an OAuth endpoint, with an Authorization header if given.
pub async fn post_oauth(
    app: &TestApp,
    path: &str,
    auth: Option<&str>,
    form: &[(&str, &str)],
) -> Response {
    let mut r = app.client.post(app.url(path)).form(form);
    if let Some(a) = auth {
        r = r.header("Authorization", a);
    }
    r.send().await.unwrap()
}

/// Exchanges `key`'s client credentials for a token; returns the JSON.
pub async fn issue_token(app: &TestApp, key: &Issued, scope: Option<&str>) -> Value {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    let resp = post_oauth(app, "/oauth/token", Some(&basic_of(key)), &form).await;
    assert_eq!(resp.status(), 200, "token for key {}", key.id);
    resp.json().await.unwrap()
}

pub async fn access_token(app: &TestApp, key: &Issued) -> String {
    issue_token(app, key, None).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn introspect(app: &TestApp, caller: &Issued, token: &str) -> Value {
    let resp = post_oauth(
        app,
        "/oauth/introspect",
        Some(&basic_of(caller)),
        &[("token", token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The helpers below write through the test's own pool, as another
/// instance (or a script) would: the app's key cache sees such a change at
/// its next poll of the change stamp, within a second. Changes made through
/// the app itself are seen by its very next request (`key_cache` tests).
pub async fn settle() {
    tokio::time::sleep(keydesk::access::cache::POLL_EVERY * 3).await;
}

pub async fn set_active(app: &TestApp, id: i64, active: bool) {
    app.with_db(move |c| {
        diesel::update(api_keys::table.find(id))
            .set(api_keys::active.eq(active))
            .execute(c)
            .unwrap()
    })
    .await;
    settle().await;
}

pub async fn set_expiry(app: &TestApp, id: i64, at: Option<NaiveDateTime>) {
    app.with_db(move |c| {
        diesel::update(api_keys::table.find(id))
            .set(api_keys::expires_at.eq(at))
            .execute(c)
            .unwrap()
    })
    .await;
    settle().await;
}

/// Refreshes the key through the core; returns the new secret.
pub async fn refresh(app: &TestApp, id: i64, kind: KeyKind, grace: Grace) -> String {
    let now = app.now();
    let secret = app
        .with_db(move |c| {
            let pepper = pepper(c);
            let secret = NewSecret::generate(kind, &pepper);
            write_transaction(c, |c| {
                let before = keys::load_state(c, kind, id)?;
                keys::refresh(c, &actor(), now, &before, grace, &secret.stored())
            })
            .expect("the key is refreshed");
            secret.expose().to_owned()
        })
        .await;
    settle().await;
    secret
}

pub async fn delete(app: &TestApp, id: i64, kind: KeyKind) {
    let now = app.now();
    app.with_db(move |c| {
        write_transaction(c, |c| keys::delete_many(c, &actor(), now, kind, &[id]))
            .expect("the key is deleted")
    })
    .await;
    settle().await;
}

pub async fn secrets(app: &TestApp, id: i64) -> Vec<KeySecret> {
    app.with_db(move |c| key_secret::of_key(c, id).unwrap())
        .await
}

pub async fn key_last_used(app: &TestApp, id: i64) -> Option<NaiveDateTime> {
    app.with_db(move |c| {
        api_keys::table
            .find(id)
            .select(api_keys::last_used_at)
            .first::<Option<NaiveDateTime>>(c)
            .unwrap()
    })
    .await
}

/// Events of `action`, newest first.
pub async fn events(app: &TestApp, action: &str) -> Vec<AuditEvent> {
    let action = action.to_owned();
    app.with_db(move |c| {
        audit::list(
            c,
            &AuditFilter {
                action: Some(action),
                ..AuditFilter::default()
            },
            1000,
            0,
        )
        .unwrap()
        .0
    })
    .await
}

/// Events of `action` once they stop changing (refusals are written just
/// after the response).
pub async fn settled_events(app: &TestApp, action: &str, at_least: usize) -> Vec<AuditEvent> {
    let mut last = events(app, action).await;
    for _ in 0..50 {
        if last.len() >= at_least {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let again = events(app, action).await;
            if again.len() == last.len() {
                return again;
            }
            last = again;
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            last = events(app, action).await;
        }
    }
    last
}
