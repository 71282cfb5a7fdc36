//! Shared by `stores.rs` and `audit.rs` (issue 8's pages): one signed-in
//! browser per kind of user with the role matrix's expectations, snapshots
//! of the store, user and event tables to prove a refused request wrote
//! nothing, and fixtures.

use diesel::prelude::*;
use keydesk::models::audit::AuditEvent;
use keydesk::models::store::{self, Store};
use keydesk::schema::{api_key_stores, api_keys, audit_events, stores, user_roles, users};
use reqwest::{Response, StatusCode};

use crate::helpers::{html, location, spawn_app, text_of, Browser, TestApp, PASSWORD};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    SignedOut,
    UserOwnerOnly,
    Viewer,
    Editor,
    Owner,
}

pub const EVERYONE: [Who; 5] = [
    Who::SignedOut,
    Who::UserOwnerOnly,
    Who::Viewer,
    Who::Editor,
    Who::Owner,
];

impl Who {
    fn roles(self) -> &'static [&'static str] {
        match self {
            Who::SignedOut => &[],
            Who::UserOwnerOnly => &["user:owner"],
            Who::Viewer => &["api-key:viewer"],
            Who::Editor => &["api-key:editor"],
            Who::Owner => &["api-key:owner"],
        }
    }
}

/// One signed-in browser per kind of user, on one app.
pub struct People {
    pub app: TestApp,
    pub browsers: Vec<(Who, Browser)>,
}

impl People {
    pub async fn sign_in_everyone() -> Self {
        Self::sign_in_everyone_on(spawn_app().await).await
    }

    /// As `sign_in_everyone`, on an app started as the caller chose.
    pub async fn sign_in_everyone_on(app: TestApp) -> Self {
        let mut browsers = Vec::new();
        for who in EVERYONE {
            let b = app.new_browser();
            if who != Who::SignedOut {
                let name = format!("{who:?}").to_lowercase();
                app.create_user(&name, PASSWORD, who.roles()).await;
                assert_eq!(
                    b.sign_in(&name, PASSWORD).await.status(),
                    StatusCode::SEE_OTHER
                );
            }
            browsers.push((who, b));
        }
        Self { app, browsers }
    }

    /// Everyone GETs `path`; `least` and above get through.
    pub async fn get(&self, path: &str, least: Who) {
        for (who, b) in &self.browsers {
            expect(*who, least, &format!("GET {path}"), b.get(path).await).await;
        }
    }

    /// Everyone POSTs the form (with its token), least privileged first.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)], least: Who) {
        for (who, b) in &self.browsers {
            let resp = b.post_form(path, fields).await;
            expect(*who, least, &format!("POST {path}"), resp).await;
        }
    }
}

async fn expect(who: Who, least: Who, what: &str, resp: Response) {
    let status = resp.status();
    let what = format!("{what} as {who:?}");
    if who == Who::SignedOut {
        assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
        assert!(location(&resp).starts_with("/login?next="), "{what}");
    } else if who >= least {
        assert!(
            matches!(status, StatusCode::OK | StatusCode::SEE_OTHER),
            "{what}: {status}"
        );
    } else {
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        let page = html(resp).await;
        assert_eq!(
            text_of(&page, "#error-title").as_deref(),
            Some("Access denied"),
            "{what}"
        );
    }
}

pub async fn all_stores(app: &TestApp) -> Vec<Store> {
    app.with_db(|c| store::all(c).unwrap()).await
}

pub async fn store_id(app: &TestApp, code: &str) -> i64 {
    let code = code.to_owned();
    app.with_db(move |c| {
        store::find_by_code(c, &code)
            .unwrap()
            .expect("the store")
            .id
    })
    .await
}

pub async fn events(app: &TestApp) -> Vec<AuditEvent> {
    app.with_db(|c| {
        audit_events::table
            .order(audit_events::id.asc())
            .select(AuditEvent::as_select())
            .load(c)
            .unwrap()
    })
    .await
}

/// Stores, key stores, users, roles and events: compared before and after
/// a request that must write nothing.
pub async fn snapshot(app: &TestApp) -> String {
    app.with_db(|c| {
        let s: Vec<(i64, String, String)> = stores::table
            .order(stores::id)
            .select((stores::id, stores::name, stores::code))
            .load(c)
            .unwrap();
        let ks: Vec<(i64, i64)> = api_key_stores::table
            .order((api_key_stores::api_key_id, api_key_stores::store_id))
            .select((api_key_stores::api_key_id, api_key_stores::store_id))
            .load(c)
            .unwrap();
        let u: Vec<(i64, String, bool)> = users::table
            .order(users::id)
            .select((users::id, users::username, users::active))
            .load(c)
            .unwrap();
        let r: Vec<(i64, String, i16)> = user_roles::table
            .order((user_roles::user_id, user_roles::definition))
            .select((
                user_roles::user_id,
                user_roles::definition,
                user_roles::level,
            ))
            .load(c)
            .unwrap();
        let e: i64 = audit_events::table.count().get_result(c).unwrap();
        format!("{s:?}\n{ks:?}\n{u:?}\n{r:?}\nevents: {e}")
    })
    .await
}

/// Limits key `id` to the stores `store_ids` ("Access to individual stores").
pub async fn limit_key(app: &TestApp, id: i64, store_ids: &[i64]) {
    let store_ids = store_ids.to_vec();
    app.with_db(move |c| {
        diesel::update(api_keys::table.find(id))
            .set(api_keys::all_stores.eq(false))
            .execute(c)
            .unwrap();
        for s in store_ids {
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

pub async fn add_store(b: &Browser, name: &str, code: &str) -> Response {
    b.post_form("/admin/stores", &[("name", name), ("code", code)])
        .await
}
