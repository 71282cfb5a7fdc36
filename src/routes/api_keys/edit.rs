//! `GET /admin/api-keys/{kind}/{id}` (Viewer: read-only) and `POST` (Editor):
//! name, channel, active, expiry, stores and (REST keys) permissions change;
//! GraphQL roles never do. The dialog also shows the key's secrets.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::edit_confirm;
use super::form;
use super::life::{self, LifeFields, LifeInput};
use super::list::format_time;
use super::methods::{self, MethodsField, MethodsInput};
use super::secrets::SecretView;
use super::view::{dialog, in_dialog};
use super::KeyPath;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{AccessLevel, BackofficeRole, KeyKind, KeyName};
use crate::error::AppError;
use crate::keys::{self, KeyChanges, KeyState};
use crate::models::api_key::KeyRole;
use crate::models::audit::Actor;
use crate::models::channel::{self, Channel};
use crate::models::store::{self, Store};
use crate::routes::audit::{key_history, KeyHistory};
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
    pub can_refresh: bool,
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
    pub life: LifeFields,
    pub methods: MethodsField,
    pub secrets: Vec<SecretView>,
    pub has_retiring: bool,
    /// A REST key without any permission (as every REST key is after the
    /// migration to permissions): it can call nothing.
    pub no_permissions: bool,
    /// Said at the top, e.g. after "Stop the old secret now".
    pub notice: Option<String>,
    /// The key's last events (`templates/audit/_key_history.html`).
    pub history: KeyHistory,
    /// During a grace period: the rotation cockpit (`_cockpit.html`).
    pub cockpit: Option<super::cockpit::Cockpit>,
    /// "Granted N permissions, used M in the last 30 days" (`_privilege.html`).
    pub privilege: Option<super::privilege::Suggestion>,
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

    pub fn new(
        req: &HttpRequest,
        ctx: PageCtx,
        st: KeyState,
        loaded: Lists,
        catalogue: &crate::catalogue::Catalogue,
        now: chrono::NaiveDateTime,
    ) -> Self {
        let kind = st.kind();
        let key = st.key;
        let (channels, stores, history) = loaded;
        let identifier = key.client_id.clone().unwrap_or_else(|| {
            st.secrets
                .iter()
                .find(|s| s.retires_at.is_none())
                .map(|s| format!("{}…", s.prefix))
                .unwrap_or_default()
        });
        let secrets: Vec<SecretView> = st.secrets.iter().map(|s| SecretView::new(s, now)).collect();
        Self {
            kind,
            dialog: in_dialog(req),
            can_edit: ctx.can(BackofficeRole::ApiKey, AccessLevel::Editor),
            can_refresh: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
            csrf: ctx.csrf,
            id: key.id,
            channel: key.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            active: key.active,
            channels,
            roles: st.roles,
            identifier,
            created: format_time(key.created_at),
            updated: format_time(key.updated_at),
            name: key.name,
            errors: FieldErrors::default(),
            life: LifeFields::for_key(
                key.expires_at,
                st.grants,
                &st.stores,
                stores,
                kind.is_graphql(),
            ),
            methods: MethodsField::new(catalogue, &st.methods, "edit"),
            has_retiring: secrets.iter().any(|s| s.retiring),
            secrets,
            no_permissions: !kind.is_graphql() && st.grants.is_empty(),
            notice: None,
            history,
            cockpit: None,
            privilege: None,
        }
    }
}

/// The channels and stores the dialog offers, and the key's history.
pub type Lists = (Vec<Channel>, Vec<Store>, KeyHistory);

pub async fn load(db: &Db, kind: KeyKind, id: i64) -> Result<(KeyState, Lists), AppError> {
    db.run(move |c| {
        let st = keys::load_state(c, kind, id)?;
        let history = key_history(c, id)?;
        Ok((st, (channel::all(c)?, store::all(c)?, history)))
    })
    .await
}

/// The rotation cockpit of the key, when a grace period runs.
pub async fn cockpit_of(
    db: &Db,
    kind: KeyKind,
    id: i64,
    now: chrono::NaiveDateTime,
) -> Result<Option<super::cockpit::Cockpit>, AppError> {
    db.run(move |c| {
        let secrets = crate::models::key_secret::of_key(c, id)?;
        let _ = kind;
        super::cockpit::load(c, &secrets, now)
    })
    .await
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (st, lists) = load(&db, path.kind, path.id).await?;
    let suggestion = super::privilege::suggestion_of(&db, &ctx, path.kind, path.id, now).await?;
    let mut form = EditForm::new(&req, ctx, st, lists, &state.catalogue, now);
    form.cockpit = cockpit_of(&db, path.kind, path.id, now).await?;
    form.privilege = Some(suggestion);
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
    #[serde(flatten)]
    life: LifeInput,
    #[serde(flatten)]
    methods: MethodsInput,
}

pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    // Read as pairs too: a confirmation step carries them as they came.
    let input: EditInput = serde_html_form::to_string(&pairs)
        .map_err(|e| e.to_string())
        .and_then(|raw| serde_html_form::from_str(&raw).map_err(|e| e.to_string()))
        .map_err(|e| AppError::bad_request(format!("The form is not valid: {e}.")))?;
    let given = pairs
        .iter()
        .find(|(k, _)| k == edit_confirm::FIELD)
        .map(|(_, v)| v.clone());
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
    let now = state.clock.now();
    let (st, lists) = load(&db, kind, path.id).await?;
    let parsed = life::parse(&input.life, &lists.1, true, !kind.is_graphql(), now)?;
    let life_errors = parsed.errors();
    let allowed = methods::parse(&input.methods, &state.catalogue)?;
    let name = KeyName::parse(&input.name);
    let channel_raw = input.channel.unwrap_or_default();
    let channel_id = form::parse_channel(&channel_raw, &lists.0);
    let ok = (
        name,
        channel_id,
        parsed.expiry,
        parsed.grants,
        parsed.stores,
        allowed,
    );
    let (name, channel_id, expiry, grants, stores, allowed) = match ok {
        (Ok(n), Ok(c), Ok(e), Ok(g), Ok(s), Ok(m)) => (n, c, e, g, s, m),
        (n, c, _, _, _, m) => {
            let mut form = EditForm::new(&req, ctx, st, lists, &state.catalogue, now);
            form.methods.refill(&input.methods, m.err());
            form.name = input.name;
            form.channel = channel_raw;
            form.active = active;
            form.errors = FieldErrors {
                name: n.err(),
                channel: c.err(),
            };
            form.life.refill(&input.life, life_errors);
            return dialog(&req, form.title(), &form, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let id = path.id;
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let pepper = state.key_pepper.clone();
    let stale = given.is_some();
    let ask = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                // Read again inside the transaction: what the change is compared
                // with (and recorded against) is the key as it is now.
                let before = keys::load_state(c, kind, id)?;
                let changes = KeyChanges {
                    name,
                    active,
                    channel_id,
                    expires_at: expiry.expires_at(now, before.key.expires_at),
                    grants: (!kind.is_graphql()).then_some(grants),
                    stores,
                    allowed_methods: allowed,
                };
                // What the edit takes away is confirmed first, against the key
                // as it is now (a stale confirmation asks again).
                let cut = keys::narrowing(&before, &changes);
                if !cut.is_empty()
                    && !edit_confirm::confirms(&pepper, &before, &cut, given.as_deref())
                {
                    return Ok(Some(edit_confirm::ask(c, &pepper, &before, &cut, now)?));
                }
                keys::update(c, &actor, now, &before, &changes)?;
                Ok(None)
            })
        })
        .await?;
    if let Some(ask) = ask {
        return edit_confirm::answer(&req, ctx.csrf, kind, id, ask, &pairs, stale);
    }
    tracing::info!(key_id = id, "API key updated");
    Ok(super::done(&req, kind, "API key saved."))
}
