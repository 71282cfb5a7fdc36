//! `GET/POST /admin/api-keys/{kind}/new` (API Key: Owner): the create dialog,
//! and the one response that ever shows the new secret.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::form::{self, RoleRow};
use super::life::{self, LifeFields, LifeInput};
use super::methods::{self, MethodsField, MethodsInput};
use super::view::{dialog, in_dialog};
use super::KindPath;
use crate::auth::CurrentUser;
use crate::catalogue::AllowedMethods;
use crate::db::Db;
use crate::domain::secret::{new_client_id, NewSecret};
use crate::domain::{AccessLevel, KeyKind, KeyName, KeyRoleDefinition};
use crate::error::AppError;
use crate::keys::{self, KeySpec};
use crate::models::audit::Actor;
use crate::models::channel::{self, Channel};
use crate::models::store;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Default)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub channel: Option<String>,
    pub roles: Option<String>,
}

#[derive(Template)]
#[template(path = "api_keys/_create.html")]
pub struct CreateForm {
    pub kind: KeyKind,
    pub dialog: bool,
    pub csrf: String,
    pub name: String,
    pub channel: String,
    pub channels: Vec<Channel>,
    pub roles: Vec<RoleRow>,
    pub active: bool,
    pub errors: FieldErrors,
    pub life: LifeFields,
    pub methods: MethodsField,
    /// Said at the top, e.g. when prefilled by "Narrow to what it used".
    pub notice: Option<String>,
}

impl CreateForm {
    fn title(&self) -> String {
        format!("New {} API Key", self.kind.label())
    }
    fn definitions(&self) -> [KeyRoleDefinition; 8] {
        form::definitions()
    }
    fn levels(&self) -> [AccessLevel; 3] {
        form::levels()
    }
    fn channel_selected(&self, c: &Channel) -> bool {
        self.channel == c.id.to_string()
    }
}

#[derive(Template)]
#[template(path = "api_keys/_created.html")]
pub struct Created {
    pub kind: KeyKind,
    pub dialog: bool,
    pub name: String,
    pub api_key: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    KindPath(kind): KindPath,
) -> Result<HttpResponse, AppError> {
    let (channels, stores) = db.run(|c| Ok((channel::all(c)?, store::all(c)?))).await?;
    // With JavaScript one role row and "Add Role"; without, a few fixed rows.
    let rows = if in_dialog(&req) { 1 } else { 3 };
    let form = CreateForm {
        kind,
        dialog: in_dialog(&req),
        csrf: ctx.csrf,
        name: String::new(),
        channel: String::new(),
        channels,
        roles: vec![RoleRow::default(); if kind.is_graphql() { rows } else { 0 }],
        active: false,
        errors: FieldErrors::default(),
        life: LifeFields::for_new(stores, kind.is_graphql()),
        methods: MethodsField::new(&state.catalogue, &AllowedMethods::ALL, "new"),
        notice: None,
    };
    dialog(&req, &form.title(), &form, StatusCode::OK)
}

/// The blank row app.js clones for "Add Role".
pub fn empty_row() -> RoleRow {
    RoleRow::default()
}

#[derive(Deserialize)]
pub struct CreateInput {
    #[serde(default)]
    name: String,
    channel: Option<String>,
    #[serde(default)]
    role_definition: Vec<String>,
    #[serde(default)]
    role_level: Vec<String>,
    active: Option<String>,
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
    KindPath(kind): KindPath,
    Form(input): Form<CreateInput>,
) -> Result<HttpResponse, AppError> {
    let active = form::parse_active(input.active.as_deref())?;
    if !kind.is_graphql() && (input.channel.is_some() || !input.role_definition.is_empty()) {
        return Err(AppError::bad_request(
            "REST keys have no channel and no roles.",
        ));
    }
    let form::ParsedRoles {
        rows: role_rows,
        roles,
    } = form::parse_roles(&input.role_definition, &input.role_level)?;
    let (channels, stores) = db.run(|c| Ok((channel::all(c)?, store::all(c)?))).await?;
    let now = state.clock.now();
    let parsed = life::parse(&input.life, &stores, false, !kind.is_graphql(), now)?;
    let life_errors = parsed.errors();
    let allowed = methods::parse(&input.methods, &state.catalogue)?;
    let name = KeyName::parse(&input.name);
    let channel_raw = input.channel.unwrap_or_default();
    let channel_id = form::parse_channel(&channel_raw, &channels);

    let ok = (
        name,
        channel_id,
        roles,
        parsed.expiry,
        parsed.grants,
        parsed.stores,
        allowed,
    );
    let (name, channel_id, roles, expiry, grants, store_access, allowed) = match ok {
        (Ok(n), Ok(c), Ok(r), Ok(e), Ok(g), Ok(s), Ok(m)) => (n, c, r, e, g, s, m),
        (n, c, r, _, _, _, m) => {
            let mut life = LifeFields::for_new(stores, kind.is_graphql());
            life.refill(&input.life, life_errors);
            let mut methods_field =
                MethodsField::new(&state.catalogue, &AllowedMethods::ALL, "new");
            methods_field.refill(&input.methods, m.err());
            let form = CreateForm {
                kind,
                dialog: in_dialog(&req),
                csrf: ctx.csrf,
                name: input.name,
                channel: channel_raw,
                channels,
                roles: if role_rows.is_empty() && kind.is_graphql() {
                    vec![RoleRow::default()]
                } else {
                    role_rows
                },
                active,
                errors: FieldErrors {
                    name: n.err(),
                    channel: c.err(),
                    roles: r.err(),
                },
                life,
                methods: methods_field,
                notice: None,
            };
            return dialog(&req, &form.title(), &form, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };

    let secret = NewSecret::generate(kind, &state.key_pepper);
    let client_id = (kind == KeyKind::Rest).then(new_client_id);
    let spec = KeySpec {
        kind,
        name: name.clone(),
        active,
        channel_id,
        roles,
        grants,
        stores: store_access,
        allowed_methods: allowed,
        expires_at: expiry.expires_at(now, None),
    };
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let (cid, user_id) = (client_id.clone(), user.id);
    let stored = secret.stored();
    let key = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                keys::create(c, &actor, now, &spec, &stored, cid.as_deref())
            })
        })
        .await?;
    tracing::info!(
        key_id = key.id,
        kind = kind.code(),
        user_id,
        "API key created"
    );

    let created = Created {
        kind,
        dialog: in_dialog(&req),
        name: name.into_inner(),
        api_key: kind.is_graphql().then(|| secret.expose().to_owned()),
        client_id,
        client_secret: (!kind.is_graphql()).then(|| secret.expose().to_owned()),
    };
    let mut resp = dialog(&req, "API key created", &created, StatusCode::OK)?;
    super::keys_changed(&mut resp);
    Ok(resp)
}
