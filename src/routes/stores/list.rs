//! `GET /admin/stores`: every store with how many keys are limited to it,
//! and (for owners) the add and rename forms.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use diesel::prelude::*;

use crate::db::{Db, DbConnection};
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::models::store::{self, Store};
use crate::schema::{api_key_stores, api_keys};
use crate::web::PageCtx;

pub struct StoreRow {
    pub store: Store,
    /// Keys with "Access to individual stores" that list this store.
    pub limited_keys: i64,
}

impl StoreRow {
    pub fn keys_label(&self) -> String {
        match self.limited_keys {
            1 => "1 key".into(),
            n => format!("{n} keys"),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "stores/page.html")]
pub struct StoresPage {
    pub ctx: PageCtx,
    pub stores: Vec<StoreRow>,
    pub can_edit: bool,
    /// What was typed into "Add store", and what was wrong with it.
    pub new_name: String,
    pub new_code: String,
    pub name_error: Option<String>,
    pub code_error: Option<String>,
    /// A rename that failed: which store, what was typed, and why.
    pub rename: Option<(i64, String, String)>,
}

impl StoresPage {
    pub fn rename_error(&self, id: &i64) -> Option<&str> {
        self.rename
            .as_ref()
            .filter(|(i, _, _)| i == id)
            .map(|(_, _, e)| e.as_str())
    }

    pub fn rename_value<'a>(&'a self, s: &'a Store) -> &'a str {
        match &self.rename {
            Some((i, v, _)) if *i == s.id => v,
            _ => &s.name,
        }
    }

    pub async fn load(req: &HttpRequest, db: &Db) -> Result<Self, AppError> {
        let ctx = PageCtx::from_request(req);
        let stores = db.run(rows).await?;
        Ok(Self {
            can_edit: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
            ctx,
            stores,
            new_name: String::new(),
            new_code: String::new(),
            name_error: None,
            code_error: None,
            rename: None,
        })
    }

    /// The page again with what was typed and why it was refused.
    pub fn again(self, req: &HttpRequest) -> HttpResponse {
        let mut resp = self.respond_to(req).map_into_boxed_body();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        resp
    }
}

/// Every store with its count of limited keys: two queries, whatever the
/// number of stores.
fn rows(c: &mut DbConnection) -> Result<Vec<StoreRow>, AppError> {
    let counts: HashMap<i64, i64> = api_key_stores::table
        .inner_join(api_keys::table)
        .filter(api_keys::all_stores.eq(false))
        .group_by(api_key_stores::store_id)
        .select((api_key_stores::store_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();
    Ok(store::all(c)?
        .into_iter()
        .map(|s| StoreRow {
            limited_keys: counts.get(&s.id).copied().unwrap_or(0),
            store: s,
        })
        .collect())
}

pub async fn show(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let page = StoresPage::load(&req, &db).await?;
    Ok(page.respond_to(&req).map_into_boxed_body())
}
