//! `GET /admin/api-keys/{kind}/{id}` (Viewer: read-only) and `POST` (Editor):
//! name, channel and active change; roles never do.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::form;
use super::list::format_time;
use super::view::{dialog, in_dialog};
use super::KeyPath;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{AccessLevel, BackofficeRole, KeyKind, KeyName};
use crate::error::AppError;
use crate::keys::{self, KeyChanges};
use crate::models::api_key::{ApiKey, KeyRole};
use crate::models::audit::Actor;
use crate::models::channel::{self, Channel};
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Default)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub channel: Option<String>,
}

#[derive(Template)]
#[template(path = "api_keys/_edit.html")]
pub struct EditForm {
    pub kind: KeyKind,
    pub dialog: bool,
    pub can_edit: bool,
    pub csrf: String,
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub active: bool,
    pub channels: Vec<Channel>,
    pub roles: Vec<KeyRole>,
    pub identifier: String,
    pub created: String,
    pub updated: String,
    pub errors: FieldErrors,
}

impl EditForm {
    fn title(&self) -> &'static str {
        if self.can_edit {
            "Edit API Key"
        } else {
            "API Key details"
        }
    }
    fn action(&self) -> String {
        format!("{}/{}", self.kind.list_url(), self.id)
    }
    fn channel_selected(&self, c: &Channel) -> bool {
        self.channel == c.id.to_string()
    }

    fn new(
        req: &HttpRequest,
        ctx: PageCtx,
        key: ApiKey,
        roles: Vec<KeyRole>,
        channels: Vec<Channel>,
        kind: KeyKind,
    ) -> Self {
        Self {
            kind,
            dialog: in_dialog(req),
            can_edit: ctx.can(BackofficeRole::ApiKey, AccessLevel::Editor),
            csrf: ctx.csrf,
            id: key.id,
            channel: key.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            active: key.active,
            channels,
            roles,
            identifier: key.client_id.unwrap_or_default(),
            created: format_time(key.created_at),
            updated: format_time(key.updated_at),
            name: key.name,
            errors: FieldErrors::default(),
        }
    }
}

type Loaded = (ApiKey, Vec<KeyRole>, Vec<Channel>);

async fn load(db: &Db, kind: KeyKind, id: i64) -> Result<Loaded, AppError> {
    db.run(move |c| {
        let st = keys::load_state(c, kind, id)?;
        let mut key = st.key.clone();
        if key.client_id.is_none() {
            key.client_id = st.current_secret().map(|s| format!("{}…", s.prefix));
        }
        Ok((key, st.roles, channel::all(c)?))
    })
    .await
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    path: KeyPath,
) -> Result<HttpResponse, AppError> {
    let (key, roles, channels) = load(&db, path.kind, path.id).await?;
    let form = EditForm::new(&req, ctx, key, roles, channels, path.kind);
    dialog(&req, form.title(), &form, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct EditInput {
    #[serde(default)]
    name: String,
    channel: Option<String>,
    active: Option<String>,
    #[serde(default)]
    role_definition: Vec<String>,
    #[serde(default)]
    role_level: Vec<String>,
}

pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
    Form(input): Form<EditInput>,
) -> Result<HttpResponse, AppError> {
    if !input.role_definition.is_empty() || !input.role_level.is_empty() {
        return Err(AppError::bad_request(
            "Roles cannot be changed after creation.",
        ));
    }
    let kind = path.kind;
    if !kind.is_graphql() && input.channel.is_some() {
        return Err(AppError::bad_request("REST keys have no channel."));
    }
    let active = form::parse_active(input.active.as_deref())?;
    let (key, roles, channels) = load(&db, kind, path.id).await?;
    let name = KeyName::parse(&input.name);
    let channel_raw = input.channel.unwrap_or_default();
    let channel_id = form::parse_channel(&channel_raw, &channels);
    let (name, channel_id) = match (name, channel_id) {
        (Ok(n), Ok(c)) => (n, c),
        (n, c) => {
            let mut form = EditForm::new(&req, ctx, key, roles, channels, kind);
            form.name = input.name;
            form.channel = channel_raw;
            form.active = active;
            form.errors = FieldErrors {
                name: n.err(),
                channel: c.err(),
            };
            return dialog(&req, form.title(), &form, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let id = path.id;
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    db.run(move |c| {
        crate::db::write_transaction(c, |c| {
            let before = keys::load_state(c, kind, id)?;
            let changes = KeyChanges {
                name,
                active,
                channel_id,
                expires_at: before.key.expires_at,
                grants: None,
                stores: before.stores.clone(),
            };
            keys::update(c, &actor, now, &before, &changes)
        })
    })
    .await?;
    tracing::info!(key_id = id, "API key updated");
    Ok(super::done(&req, kind, "API key saved."))
}
