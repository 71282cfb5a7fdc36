//! Least-privilege suggestions in the key dialog (issue 13, part 4): the
//! "Granted N permissions, used M" line, `GET /{kind}/{id}/unused` (Viewer:
//! the exact unused grants, stores and methods) and `GET /{kind}/{id}/narrow`
//! ("Narrow to what it used"): a REST key's edit dialog prefilled with the
//! used set (Editor; nothing saved until Save), or for a GraphQL key, whose
//! roles are fixed, the create dialog prefilled with the smallest roles
//! covering it (Owner; a new key, the old one untouched).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::create::{CreateForm, FieldErrors};
use super::edit::{self, EditForm};
use super::form::RoleRow;
use super::life::LifeFields;
use super::methods::MethodsField;
use super::view::{dialog, in_dialog};
use super::KeyPath;
use crate::access::privilege::{self, Privilege, StoreFinding};
use crate::db::Db;
use crate::domain::{AccessLevel, BackofficeRole, KeyKind};
use crate::error::AppError;
use crate::keys::{self, KeyState};
use crate::models::{channel, store};
use crate::state::AppState;
use crate::web::PageCtx;

/// The dialog's least-privilege line and its links.
pub struct Suggestion {
    pub summary: String,
    pub unused_url: String,
    /// Shown to whoever may act on it, when something went unused.
    pub narrow_url: Option<String>,
    pub narrow_label: &'static str,
}

/// Editor for a REST key's edit dialog, Owner for a new GraphQL key.
fn narrow_level(kind: KeyKind) -> AccessLevel {
    if kind.is_graphql() {
        AccessLevel::Owner
    } else {
        AccessLevel::Editor
    }
}

impl Suggestion {
    pub fn new(ctx: &PageCtx, st: &KeyState, p: &Privilege) -> Self {
        let kind = st.kind();
        let base = format!("{}/{}", kind.list_url(), st.key.id);
        let may = ctx.can(BackofficeRole::ApiKey, narrow_level(kind));
        Self {
            summary: p.summary(),
            unused_url: format!("{base}/unused"),
            narrow_url: (may && !p.used.is_empty() && p.has_unused())
                .then(|| format!("{base}/narrow")),
            narrow_label: if kind.is_graphql() {
                "Narrow to what it used (new key)"
            } else {
                "Narrow to what it used"
            },
        }
    }
}

/// The key's state, every store and its assessment at `now`.
async fn assess(
    db: &Db,
    kind: KeyKind,
    id: i64,
    now: chrono::NaiveDateTime,
) -> Result<(KeyState, Vec<store::Store>, Privilege), AppError> {
    db.run(move |c| {
        let st = keys::load_state(c, kind, id)?;
        let stores = store::all(c)?;
        let used = privilege::load(c, id, now)?;
        let p = privilege::assess(st.grants, &st.stores, &st.methods, &stores, &used);
        Ok((st, stores, p))
    })
    .await
}

/// The suggestion for the edit dialog of key `id`.
pub async fn suggestion_of(
    db: &Db,
    ctx: &PageCtx,
    kind: KeyKind,
    id: i64,
    now: chrono::NaiveDateTime,
) -> Result<Suggestion, AppError> {
    let (st, _, p) = assess(db, kind, id, now).await?;
    Ok(Suggestion::new(ctx, &st, &p))
}

#[derive(Template)]
#[template(path = "api_keys/_unused.html")]
struct Unused {
    dialog: bool,
    back: String,
    summary: String,
    no_calls: bool,
    /// "Pricing: Edit", in seed 001's words.
    grants: Vec<String>,
    all_stores: bool,
    used_stores: Vec<String>,
    unused_stores: Vec<String>,
    /// None: "All methods".
    unused_methods: Option<Vec<String>>,
}

pub async fn unused(
    req: HttpRequest,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (_, _, p) = assess(&db, path.kind, path.id, now).await?;
    let names = |v: &[store::Store]| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    let (all_stores, used_stores, unused_stores) = match &p.stores {
        StoreFinding::All { used } => (true, names(used), Vec::new()),
        StoreFinding::Individual { used, unused } => (false, names(used), names(unused)),
    };
    let view = Unused {
        dialog: in_dialog(&req),
        back: format!("{}/{}", path.kind.list_url(), path.id),
        summary: p.summary(),
        no_calls: p.calls == 0,
        grants: p
            .unused_grants()
            .iter()
            .map(|g| format!("{}: {}", g.function.label(), g.action.label()))
            .collect(),
        all_stores,
        used_stores,
        unused_stores,
        unused_methods: p.unused_methods.as_ref().map(|m| {
            m.iter()
                .map(|m| format!("{} {}", m.method, m.path))
                .collect()
        }),
    };
    dialog(&req, "Unused permissions", &view, StatusCode::OK)
}

pub async fn narrow(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
) -> Result<HttpResponse, AppError> {
    if !ctx.can(BackofficeRole::ApiKey, narrow_level(path.kind)) {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let (st, _, p) = assess(&db, path.kind, path.id, now).await?;
    let grants = p.narrowed_grants();
    let stores = p.narrowed_stores(&st.stores);
    let methods = p.narrowed_methods(&st.methods);
    let note = "Prefilled with what the key used in the last 30 days";
    if path.kind.is_graphql() {
        let (channels, all_stores) = db.run(|c| Ok((channel::all(c)?, store::all(c)?))).await?;
        let mut roles: Vec<RoleRow> = privilege::covering_roles(grants)
            .into_iter()
            .map(|r| RoleRow {
                definition: r.definition.code().to_owned(),
                level: r.level.code().to_owned(),
            })
            .collect();
        if roles.is_empty() {
            roles.push(RoleRow::default());
        }
        let mut life = LifeFields::for_new(all_stores, true);
        life.all_stores = stores.is_all();
        life.store_ids = stores.store_ids().to_vec();
        let form = CreateForm {
            kind: path.kind,
            dialog: in_dialog(&req),
            csrf: ctx.csrf,
            name: format!("{} (narrowed)", st.key.name),
            channel: st.key.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            channels,
            roles,
            active: st.key.active,
            errors: FieldErrors::default(),
            life,
            methods: MethodsField::new(&state.catalogue, &methods, "new"),
            notice: Some(format!(
                "{note}: a new key with the smallest roles that cover it. {} stays as it is; nothing is made until you save.",
                st.key.name
            )),
        };
        return dialog(&req, "New GraphQL API Key", &form, StatusCode::OK);
    }
    let id = path.id;
    let impact = db
        .run(move |c| super::impact::of_keys(c, &[id], now))
        .await?
        .remove(&id)
        .unwrap_or_default()
        .text(now);
    let (st, lists) = edit::load(&db, path.kind, path.id).await?;
    let mut form = EditForm::new(&req, ctx, st, lists, &state.catalogue, now);
    form.life.grants = grants;
    form.life.all_stores = stores.is_all();
    form.life.store_ids = stores.store_ids().to_vec();
    form.methods = MethodsField::new(&state.catalogue, &methods, "edit");
    form.notice = Some(format!(
        "{note}. Nothing changes until you save. What it does today: {impact}"
    ));
    dialog(&req, "Edit API Key", &form, StatusCode::OK)
}
