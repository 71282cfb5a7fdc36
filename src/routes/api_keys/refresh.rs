//! Refresh (seed 002, API Key: Owner): `GET/POST …/{id}/refresh` asks when
//! the current secret should stop working and makes a new one, shown once;
//! `POST …/{id}/stop-old-secret` ends a grace period early.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::edit::{self, EditForm};
use super::list::format_time;
use super::view::{dialog, in_dialog};
use super::KeyPath;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::secret::NewSecret;
use crate::domain::{Grace, KeyKind};
use crate::error::AppError;
use crate::keys;
use crate::models::audit::Actor;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Template)]
#[template(path = "api_keys/_refresh.html")]
pub struct RefreshForm {
    pub kind: KeyKind,
    pub dialog: bool,
    pub csrf: String,
    pub id: i64,
    pub name: String,
    pub grace: String,
    /// The secret still in its grace period, if any: refreshing stops it.
    pub retiring_until: Option<String>,
    /// What "Now" breaks: the key's use from the usage record.
    pub impact: String,
    pub error: Option<String>,
}

impl RefreshForm {
    fn action(&self) -> String {
        format!("{}/{}/refresh", self.kind.list_url(), self.id)
    }
    fn options(&self) -> [Grace; 5] {
        Grace::ALL
    }
    fn checked(&self, g: &Grace) -> bool {
        self.grace == g.code()
    }
}

#[derive(Template)]
#[template(path = "api_keys/_refreshed.html")]
pub struct Refreshed {
    pub kind: KeyKind,
    pub dialog: bool,
    pub id: i64,
    pub name: String,
    pub api_key: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub old_until: String,
    pub old_now: bool,
    pub stopped_earlier: bool,
}

async fn form_for(
    req: &HttpRequest,
    ctx: PageCtx,
    db: &Db,
    state: &AppState,
    path: &KeyPath,
) -> Result<RefreshForm, AppError> {
    let (kind, id) = (path.kind, path.id);
    let now = state.clock.now();
    let (st, impact) = db
        .run(move |c| {
            let st = keys::load_state(c, kind, id)?;
            let impact = super::impact::of_keys(c, &[id], now)?;
            Ok((st, impact.get(&id).cloned().unwrap_or_default().text(now)))
        })
        .await?;
    Ok(RefreshForm {
        kind,
        dialog: in_dialog(req),
        csrf: ctx.csrf,
        id,
        name: st.key.name.clone(),
        grace: Grace::DEFAULT.code().into(),
        retiring_until: st
            .secrets
            .iter()
            .filter_map(|s| s.retires_at.filter(|t| *t > now))
            .map(|t| format!("{} UTC", format_time(t)))
            .next(),
        impact,
        error: None,
    })
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
) -> Result<HttpResponse, AppError> {
    let form = form_for(&req, ctx, &db, &state, &path).await?;
    dialog(&req, "Refresh API Key", &form, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct RefreshInput {
    grace: Option<String>,
}

pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
    Form(input): Form<RefreshInput>,
) -> Result<HttpResponse, AppError> {
    let grace = match Grace::parse(input.grace.as_deref().unwrap_or_default()) {
        Ok(g) => g,
        Err(e) => {
            let mut form = form_for(&req, ctx, &db, &state, &path).await?;
            form.grace = input.grace.unwrap_or_default();
            form.error = Some(e);
            return dialog(
                &req,
                "Refresh API Key",
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let (kind, id) = (path.kind, path.id);
    let secret = NewSecret::generate(kind, &state.key_pepper);
    let stored = secret.stored();
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let (st, outcome) = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let st = keys::load_state(c, kind, id)?;
                let outcome = keys::refresh(c, &actor, now, &st, grace, &stored)?;
                Ok((st, outcome))
            })
        })
        .await?;
    tracing::info!(key_id = id, grace = grace.code(), "API key refreshed");
    let page = Refreshed {
        kind,
        dialog: in_dialog(&req),
        id,
        name: st.key.name.clone(),
        api_key: kind.is_graphql().then(|| secret.expose().to_owned()),
        client_id: st.key.client_id.clone(),
        client_secret: (!kind.is_graphql()).then(|| secret.expose().to_owned()),
        old_until: format!("{} UTC", format_time(outcome.old_retires_at)),
        old_now: grace == Grace::Now,
        stopped_earlier: outcome.stopped_earlier,
    };
    let mut resp = dialog(&req, "API key refreshed", &page, StatusCode::OK)?;
    super::keys_changed(&mut resp);
    Ok(resp)
}

/// "Stop the old secret now": the key's dialog again, saying what happened.
pub async fn stop_old(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
) -> Result<HttpResponse, AppError> {
    let (kind, id) = (path.kind, path.id);
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let stopped = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let st = keys::load_state(c, kind, id)?;
                keys::stop_old_secret(c, &actor, now, &st)
            })
        })
        .await?;
    if !crate::web::is_htmx(&req) {
        return Ok(crate::web::see_other(
            &req,
            &format!("{}/{}", kind.list_url(), id),
        ));
    }
    let (st, lists) = edit::load(&db, kind, id).await?;
    let mut form = EditForm::new(&req, ctx, st, lists, &state.catalogue, now);
    form.cockpit = edit::cockpit_of(&db, kind, id, now).await?;
    form.notice = Some(if stopped {
        "The old secret was stopped: only the current one works now.".into()
    } else {
        "There was no old secret in its grace period.".into()
    });
    let mut resp = dialog(&req, "Edit API Key", &form, StatusCode::OK)?;
    super::keys_changed(&mut resp);
    Ok(resp)
}
