//! Deleting the selected keys (API Key: Owner): `POST …/delete/confirm` names
//! them and asks; `POST …/delete` deletes all of them or none.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::view::{dialog, in_dialog};
use super::KindPath;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::keys;
use crate::models::api_key;
use crate::models::audit::Actor;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

/// A page holds at most 100 rows; a little room for stale selections.
const MAX_SELECTED: usize = 500;

#[derive(Deserialize)]
pub struct Selection {
    #[serde(default)]
    id: Vec<String>,
}

impl Selection {
    fn ids(&self) -> Result<Vec<i64>, AppError> {
        if self.id.is_empty() {
            return Err(AppError::bad_request("Select at least one key to delete."));
        }
        if self.id.len() > MAX_SELECTED {
            return Err(AppError::bad_request(format!(
                "Select at most {MAX_SELECTED} keys at a time."
            )));
        }
        let mut ids = self
            .id
            .iter()
            .map(|raw| raw.trim().parse::<i64>().ok().filter(|id| *id > 0))
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| {
                AppError::bad_request("The selection holds something that is not a key id.")
            })?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

#[derive(Template)]
#[template(path = "api_keys/_delete_confirm.html")]
pub struct ConfirmDelete {
    pub kind: KeyKind,
    pub dialog: bool,
    pub csrf: String,
    /// (id, name, what deleting it breaks).
    pub keys: Vec<(i64, String, String)>,
}

impl ConfirmDelete {
    fn title(&self) -> String {
        match self.keys.len() {
            1 => "Delete 1 API key?".into(),
            n => format!("Delete {n} API keys?"),
        }
    }
}

use crate::keys::delete::GONE;

/// Each key with the words for what deleting it breaks.
fn with_impact(
    c: &mut crate::db::DbConnection,
    keys: Vec<(i64, String)>,
    now: chrono::NaiveDateTime,
) -> Result<Vec<(i64, String, String)>, AppError> {
    let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
    let impacts = super::impact::of_keys(c, &ids, now)?;
    Ok(keys
        .into_iter()
        .map(|(id, name)| {
            let text = impacts.get(&id).cloned().unwrap_or_default().text(now);
            (id, name, text)
        })
        .collect())
}

pub async fn confirm(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    KindPath(kind): KindPath,
    Form(sel): Form<Selection>,
) -> Result<HttpResponse, AppError> {
    let ids = sel.ids()?;
    let wanted = ids.len();
    let now = state.clock.now();
    let keys = db
        .run(move |c| {
            let keys = api_key::names_of(c, kind, &ids)?;
            with_impact(c, keys, now)
        })
        .await?;
    if keys.len() != wanted {
        return Err(AppError::NotFound(GONE.into()));
    }
    let page = ConfirmDelete {
        kind,
        dialog: in_dialog(&req),
        csrf: ctx.csrf,
        keys,
    };
    dialog(&req, &page.title(), &page, StatusCode::OK)
}

/// `GET …/{id}/delete`: the confirmation for one key, from its row menu.
pub async fn confirm_one(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: super::KeyPath,
) -> Result<HttpResponse, AppError> {
    let (kind, id) = (path.kind, path.id);
    let now = state.clock.now();
    let keys = db
        .run(move |c| {
            let keys = api_key::names_of(c, kind, &[id])?;
            with_impact(c, keys, now)
        })
        .await?;
    if keys.is_empty() {
        return Err(AppError::not_found("That API key"));
    }
    let page = ConfirmDelete {
        kind,
        dialog: in_dialog(&req),
        csrf: ctx.csrf,
        keys,
    };
    dialog(&req, &page.title(), &page, StatusCode::OK)
}

pub async fn submit(
    req: HttpRequest,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    KindPath(kind): KindPath,
    Form(sel): Form<Selection>,
) -> Result<HttpResponse, AppError> {
    let ids = sel.ids()?;
    let count = ids.len();
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    db.run(move |c| {
        crate::db::write_transaction(c, |c| keys::delete_many(c, &actor, now, kind, &ids))
    })
    .await?;
    tracing::info!(count, kind = kind.code(), "API keys deleted");
    let message = if count == 1 {
        "1 API key deleted.".to_string()
    } else {
        format!("{count} API keys deleted.")
    };
    Ok(super::done(&req, kind, &message))
}
