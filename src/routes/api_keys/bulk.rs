//! Bulk actions over the filtered list (API Key: Editor, as editing a key):
//! `GET …/{kind}/bulk?action=…&<filters>` is the dry run (the exact count, a
//! sample, and a token binding tab, action, filter and count);
//! `POST …/{kind}/bulk` recounts, refuses when the count moved, and runs in
//! batches (`keys::bulk`). Only ids stay on the server; the browser never
//! gets more than the sample.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::bulk_input::{filter_of, token, BulkKind};
use super::view::{dialog, in_dialog};
use super::KindPath;
use crate::auth::CurrentUser;
use crate::db::{write_transaction, Db};
use crate::domain::expiry::ExpiryChoice;
use crate::domain::list_query::{ListParams, RawListQuery};
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::keys::bulk::{self as core, BulkChange, BATCH};
use crate::models::audit::Actor;
use crate::models::key_bulk;
use crate::state::AppState;
use crate::web::{Form, PageCtx, Query};

/// Keys named in the dry run, those in use first.
const SAMPLE: i64 = 20;

#[derive(Deserialize)]
pub struct ActionQuery {
    action: Option<String>,
}

#[derive(Template)]
#[template(path = "api_keys/_bulk_confirm.html")]
pub struct Confirm {
    pub kind: KeyKind,
    pub action: BulkKind,
    pub dialog: bool,
    pub csrf: String,
    /// The canonical filter query string, with its `?`.
    pub filter: String,
    pub count: i64,
    /// (name, "used N times" when in use in the last 7 days).
    pub sample: Vec<(String, Option<String>)>,
    /// "The 1,240 matching keys were used 52,000 times in the last 7 days; …"
    pub usage: String,
    pub token: String,
    /// Set when the count moved since the dry run.
    pub notice: Option<String>,
}

impl Confirm {
    pub fn title(&self) -> String {
        let keys = if self.count == 1 { "key" } else { "keys" };
        match self.action {
            BulkKind::Deactivate => format!("Deactivate all {} matching {keys}?", self.count),
            BulkKind::SetExpiry => format!("Set expiry of all {} matching {keys}?", self.count),
        }
    }

    pub fn more(&self) -> i64 {
        self.count - self.sample.len() as i64
    }

    pub fn list_href(&self) -> String {
        format!("{}{}", self.kind.list_url(), self.filter)
    }
}

/// Counts and samples `filter` now, and renders the confirmation.
#[allow(clippy::too_many_arguments)]
async fn confirmation(
    req: &HttpRequest,
    db: &Db,
    state: &AppState,
    csrf: String,
    kind: KeyKind,
    action: BulkKind,
    filter: ListParams,
    notice: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let p = filter.clone();
    let (count, impact) = db
        .run(move |c| {
            let count = key_bulk::count(c, kind, &p, now)?;
            let impact = super::bulk_impact::of_filter(c, kind, &p, now, count, SAMPLE)?;
            Ok((count, impact))
        })
        .await?;
    let qs = filter.query_string();
    let page = Confirm {
        kind,
        action,
        dialog: in_dialog(req),
        csrf,
        token: token(&state.key_pepper, kind, action, &qs, count),
        filter: qs,
        count,
        sample: impact.sample,
        usage: impact.summary,
        notice,
    };
    dialog(req, &page.title(), &page, status)
}

fn parse_filter(raw: &RawListQuery) -> Result<ListParams, AppError> {
    let p = filter_of(&ListParams::parse(raw).map_err(AppError::BadRequest)?);
    if !p.is_filtered() {
        return Err(AppError::bad_request(
            "Filter the list first: a bulk action works on the keys a filter matches.",
        ));
    }
    Ok(p)
}

/// `GET …/{kind}/bulk`: the dry run. Changes nothing.
pub async fn preview(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    KindPath(kind): KindPath,
    Query(raw): Query<RawListQuery>,
    Query(a): Query<ActionQuery>,
) -> Result<HttpResponse, AppError> {
    let action = BulkKind::parse(a.action.as_deref())?;
    let filter = parse_filter(&raw)?;
    confirmation(
        &req,
        &db,
        &state,
        ctx.csrf,
        kind,
        action,
        filter,
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    action: Option<String>,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    expiry_date: String,
}

#[derive(Template)]
#[template(path = "api_keys/_bulk_done.html")]
pub struct Done {
    pub kind: KeyKind,
    pub dialog: bool,
    pub csrf: String,
    pub message: String,
    pub bulk_id: i64,
}

/// `POST …/{kind}/bulk`: recount; run only if the count is the one confirmed.
pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    KindPath(kind): KindPath,
    Form(f): Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let action = BulkKind::parse(f.action.as_deref())?;
    let stale = || {
        AppError::bad_request("This confirmation is not valid (it was changed or is incomplete): start again from the list.")
    };
    let count: i64 = f.count.trim().parse().map_err(|_| stale())?;
    let expected = token(&state.key_pepper, kind, action, &f.filter, count);
    if !crate::crypto::constant_time_eq(&expected, f.token.trim()) {
        return Err(stale());
    }
    let raw: RawListQuery =
        serde_html_form::from_str(f.filter.trim_start_matches('?')).map_err(|_| stale())?;
    let filter = parse_filter(&raw)?;
    let now = state.clock.now();
    let change = match action {
        BulkKind::Deactivate => BulkChange::Deactivate,
        BulkKind::SetExpiry => {
            let choice = ExpiryChoice::parse(&f.expiry, &f.expiry_date, false, now)
                .map_err(AppError::BadRequest)?;
            BulkChange::SetExpiry(choice.expires_at(now, None))
        }
    };
    let p = filter.clone();
    let ids = db
        .run(move |c| Ok(key_bulk::ids(c, kind, &p, now)?))
        .await?;
    if ids.len() as i64 != count {
        let notice = format!(
            "The filter now matches {} keys, not {count}: nothing was changed. Check the new count and confirm again.",
            ids.len()
        );
        return confirmation(
            &req,
            &db,
            &state,
            ctx.csrf,
            kind,
            action,
            filter,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if ids.is_empty() {
        return Err(AppError::bad_request(
            "No keys match this filter: nothing to change.",
        ));
    }
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let qs = filter.query_string();
    let (a, n) = (actor.clone(), ids.len());
    let bulk_id = db
        .run(move |c| write_transaction(c, |c| core::start(c, &a, now, kind, change, &qs, n)))
        .await?;
    let mut changed = 0;
    // One transaction per batch, each its own `Db::run`: every committed
    // batch is seen by the next request at once (the cache's change mark).
    for chunk in ids.chunks(BATCH) {
        let (a, chunk) = (actor.clone(), chunk.to_vec());
        changed += db
            .run(move |c| {
                write_transaction(c, |c| {
                    core::apply_batch(c, &a, now, kind, bulk_id, change, &chunk)
                })
            })
            .await?;
    }
    tracing::info!(
        changed,
        bulk_id,
        kind = kind.code(),
        "API keys changed in bulk"
    );
    let what = if changed == 1 { "API key" } else { "API keys" };
    let message = match change {
        BulkChange::Deactivate => format!("{changed} {what} deactivated."),
        BulkChange::SetExpiry(_) => format!("Expiry set on {changed} {what}."),
    };
    let page = Done {
        kind,
        dialog: in_dialog(&req),
        csrf: ctx.csrf,
        message,
        bulk_id,
    };
    let mut resp = dialog(&req, "Bulk action done", &page, StatusCode::OK)?;
    super::keys_changed(&mut resp);
    Ok(resp)
}
