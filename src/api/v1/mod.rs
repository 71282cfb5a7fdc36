//! The REST Key API, `/api/v1/…`: JSON for integrations, authenticated by
//! OAuth2 access tokens of REST keys (`Authorization: Bearer …`). Every
//! operation is declared once in `OPERATIONS` (function, action, whether it
//! is store-scoped): the access check (`authorize`) and the OpenAPI
//! document's `x-keydesk-*` extensions both read that table.

pub mod audit;
pub mod body;
pub mod channels;
pub mod idempotent;
pub mod keys;
pub mod keys_input;
pub mod keys_write;
pub mod me;
pub mod stores;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

use super::credentials::{audit_refusal, authorization, check, Authorization};
use super::error::{ApiError, Problem};
use super::ApiData;
use crate::access::{AccessRequest, KeySnapshot, Presented, ReasonCode};
use crate::domain::secret::{check_format, Format};
use crate::domain::{Action, Function, Grant};

/// One operation of the Key API, as the code and the document know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The OpenAPI `operationId`.
    pub id: &'static str,
    pub method: &'static str,
    /// The path template, as the document and the allowed-methods list
    /// name it (`/api/v1/keys/{id}`).
    pub path: &'static str,
    /// The (function, action) the key must hold; None: any live key may
    /// call it (`/me`: a key may always ask who it is).
    pub grant: Option<(Function, Action)>,
    /// The request names a store (`{code}` in the path) and the key must
    /// reach it.
    pub store_scoped: bool,
}

const fn op(
    id: &'static str,
    method: &'static str,
    path: &'static str,
    function: Function,
    action: Action,
    store_scoped: bool,
) -> Operation {
    Operation {
        id,
        method,
        path,
        grant: Some((function, action)),
        store_scoped,
    }
}

use crate::domain::KeyRoleDefinition::{RoleAndPermission as RP, ShopAndChannel as SC};
use Action::{Create, Delete, Edit, View};

pub const GET_ME: Operation = Operation {
    id: "getMe",
    method: "GET",
    path: "/api/v1/me",
    grant: None,
    store_scoped: false,
};
pub const LIST_KEYS: Operation = op("listKeys", "GET", "/api/v1/keys", RP, View, false);
pub const GET_KEY: Operation = op("getKey", "GET", "/api/v1/keys/{id}", RP, View, false);
pub const CREATE_KEY: Operation = op("createKey", "POST", "/api/v1/keys", RP, Create, false);
pub const UPDATE_KEY: Operation = op("updateKey", "PATCH", "/api/v1/keys/{id}", RP, Edit, false);
pub const REFRESH_KEY: Operation = op(
    "refreshKey",
    "POST",
    "/api/v1/keys/{id}/refresh",
    RP,
    Create,
    false,
);
pub const STOP_OLD_SECRET: Operation = op(
    "stopOldSecret",
    "POST",
    "/api/v1/keys/{id}/stop-old-secret",
    RP,
    Edit,
    false,
);
pub const DELETE_KEY: Operation = op(
    "deleteKey",
    "DELETE",
    "/api/v1/keys/{id}",
    RP,
    Delete,
    false,
);
pub const LIST_AUDIT: Operation = op(
    "listAuditEvents",
    "GET",
    "/api/v1/audit-events",
    RP,
    View,
    false,
);
pub const LIST_STORES: Operation = op("listStores", "GET", "/api/v1/stores", SC, View, false);
pub const GET_STORE: Operation = op("getStore", "GET", "/api/v1/stores/{code}", SC, View, true);
pub const CREATE_STORE: Operation = op("createStore", "POST", "/api/v1/stores", SC, Create, false);
pub const RENAME_STORE: Operation = op(
    "renameStore",
    "PATCH",
    "/api/v1/stores/{code}",
    SC,
    Edit,
    true,
);
pub const DELETE_STORE: Operation = op(
    "deleteStore",
    "DELETE",
    "/api/v1/stores/{code}",
    SC,
    Delete,
    true,
);
pub const LIST_CHANNELS: Operation = op("listChannels", "GET", "/api/v1/channels", SC, View, false);
pub const GET_CHANNEL: Operation = op(
    "getChannel",
    "GET",
    "/api/v1/channels/{id}",
    SC,
    View,
    false,
);
pub const CREATE_CHANNEL: Operation = op(
    "createChannel",
    "POST",
    "/api/v1/channels",
    SC,
    Create,
    false,
);
pub const RENAME_CHANNEL: Operation = op(
    "renameChannel",
    "PATCH",
    "/api/v1/channels/{id}",
    SC,
    Edit,
    false,
);
pub const DELETE_CHANNEL: Operation = op(
    "deleteChannel",
    "DELETE",
    "/api/v1/channels/{id}",
    SC,
    Delete,
    false,
);

/// Every operation of the REST Key API: the one table.
pub const OPERATIONS: &[Operation] = &[
    GET_ME,
    LIST_KEYS,
    GET_KEY,
    CREATE_KEY,
    UPDATE_KEY,
    REFRESH_KEY,
    STOP_OLD_SECRET,
    DELETE_KEY,
    LIST_AUDIT,
    LIST_STORES,
    GET_STORE,
    CREATE_STORE,
    RENAME_STORE,
    DELETE_STORE,
    LIST_CHANNELS,
    GET_CHANNEL,
    CREATE_CHANNEL,
    RENAME_CHANNEL,
    DELETE_CHANNEL,
];

/// The paths under `/api/v1`, each with its handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/me").route(web::get().to(me::get)))
        .service(
            web::resource("/v1/keys")
                .route(web::get().to(keys::list))
                .route(web::post().to(keys_write::create)),
        )
        .service(
            web::resource("/v1/keys/{id}")
                .route(web::get().to(keys::get))
                .route(web::patch().to(keys_write::update))
                .route(web::delete().to(keys_write::delete)),
        )
        .service(web::resource("/v1/keys/{id}/refresh").route(web::post().to(keys_write::refresh)))
        .service(
            web::resource("/v1/keys/{id}/stop-old-secret")
                .route(web::post().to(keys_write::stop_old_secret)),
        )
        .service(web::resource("/v1/audit-events").route(web::get().to(audit::list)))
        .service(
            web::resource("/v1/stores")
                .route(web::get().to(stores::list))
                .route(web::post().to(stores::create)),
        )
        .service(
            web::resource("/v1/stores/{code}")
                .route(web::get().to(stores::get))
                .route(web::patch().to(stores::rename))
                .route(web::delete().to(stores::delete)),
        )
        .service(
            web::resource("/v1/channels")
                .route(web::get().to(channels::list))
                .route(web::post().to(channels::create)),
        )
        .service(
            web::resource("/v1/channels/{id}")
                .route(web::get().to(channels::get))
                .route(web::patch().to(channels::rename))
                .route(web::delete().to(channels::delete)),
        );
}

/// The key behind an accepted request.
pub struct Caller {
    pub key: KeySnapshot,
    /// What this request may do: the key's grant within the token's scope.
    pub grants: crate::domain::GrantSet,
    /// The secret generation whose token was presented.
    pub secret_id: i64,
    /// The codes of the stores the key reaches (None: all).
    pub store_codes: Option<Vec<String>>,
    pub token_expires_at: chrono::NaiveDateTime,
    /// The source address (as the throttle and the history see it).
    pub ip: Option<String>,
}

fn challenge(error: &str, description: &str) -> String {
    // Quoted-string: no quotes or backslashes inside.
    let d: String = description
        .chars()
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    format!(r#"Bearer realm="keydesk", error="{error}", error_description="{d}""#)
}

fn unauthenticated(code: &'static str, message: &str) -> ApiError {
    ApiError::Coded {
        status: StatusCode::UNAUTHORIZED,
        code,
        message: message.to_owned(),
        challenge: Some(challenge("invalid_token", message)),
        retry_after: None,
    }
}

/// What "Try it out" shows for each refusal: what to check (seed 002).
fn why(code: ReasonCode) -> &'static str {
    match code {
        ReasonCode::Malformed => "The access token is malformed: check that you copied all of it.",
        ReasonCode::NotFound => "The access token is not known: check that you copied it, or get a new one from /oauth/token with the key's Client Id and Client Secret.",
        ReasonCode::Inactive => "The key is inactive: activate it in API Key Management.",
        ReasonCode::Expired => "The key has expired: give it a later expiry date, or create a new key.",
        ReasonCode::SecretRetired => "The key was refreshed: the secret this token came from no longer works. Get a new token with the new secret.",
        ReasonCode::TokenExpired => "The access token has expired: get a new one from /oauth/token.",
        _ => "The credentials were not accepted.",
    }
}

/// Authenticates the bearer token and asks the one access decision whether
/// its key may run `op` (on the store `store_code`, for a store-scoped
/// operation), then counts the request against the key's rate.
pub async fn authorize(
    data: &ApiData,
    req: &HttpRequest,
    op: &Operation,
    store_code: Option<String>,
) -> Result<Caller, Problem> {
    let token = match authorization(req)? {
        Authorization::Bearer(t) => t,
        Authorization::None => {
            return Err(unauthenticated(
                "unauthenticated",
                "Send an access token: Authorization: Bearer <token> (get one from /oauth/token with the key's Client Id and Client Secret).",
            )
            .into())
        }
        Authorization::Basic { .. } => {
            return Err(unauthenticated(
                "unauthenticated",
                "The Key API takes access tokens, not Basic credentials: exchange the Client Id and Client Secret at /oauth/token first.",
            )
            .into())
        }
    };
    if check_format(&token) != Ok(Format::AccessToken) {
        let message = if check_format(&token).is_ok() {
            "This is a key's secret, not an access token: exchange the Client Id and Client Secret at /oauth/token first."
        } else {
            why(ReasonCode::Malformed)
        };
        return Err(unauthenticated("malformed", message).into());
    }
    let request = AccessRequest {
        function: op.grant.map(|g| g.0),
        action: op.grant.map(|g| g.1),
        store: None,
        // An operation of no function (`GET /me`: a key describing itself)
        // is no API method of the catalogue, so no method list limits it.
        method: op.grant.map(|_| op.method.to_owned()),
        path: op.grant.map(|_| req.path().to_owned()),
        route: op.grant.map(|_| op.path.to_owned()),
        kind: Some(crate::domain::KeyKind::Rest),
    };
    let scoped = if op.store_scoped { store_code } else { None };
    let c = check(data, &token, None, request, scoped, true).await?;
    audit_refusal(data, req, &c, op.id);
    c.note_use(data, req);
    let code = c.decision.code;
    let (Some(key), Presented::Token(t)) = (c.snapshot, c.presented) else {
        return Err(unauthenticated(code.code(), why(code)).into());
    };
    let (function, action) = op.grant.unwrap_or((RP, View));
    let needed = Grant::new(function, action).scope();
    let forbidden = |code: &'static str, message: String, ch: Option<String>| {
        Problem(ApiError::Coded {
            status: StatusCode::FORBIDDEN,
            code,
            message,
            challenge: ch,
            retry_after: None,
        })
    };
    match code {
        ReasonCode::Valid => {}
        ReasonCode::FunctionDenied => {
            let message = format!(
                "This key needs {}: {} ({needed}) for {} {}.",
                function.label(),
                action.label(),
                op.method,
                op.path
            );
            let ch =
                format!(r#"Bearer realm="keydesk", error="insufficient_scope", scope="{needed}""#);
            return Err(forbidden("insufficient_scope", message, Some(ch)));
        }
        // All-store keys are refused only stores that do not exist.
        ReasonCode::StoreDenied if key.stores.is_all() => {
            return Err(ApiError::coded(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is no such store.",
            )
            .into())
        }
        ReasonCode::StoreDenied => {
            return Err(forbidden(
                "store_denied",
                "This key has no access to that store.".into(),
                None,
            ))
        }
        ReasonCode::MethodBlocked => {
            return Err(forbidden(
                "method_blocked",
                format!("This key is not allowed {} {}.", op.method, op.path),
                None,
            ))
        }
        other => return Err(unauthenticated(other.code(), why(other)).into()),
    }
    if let Err(secs) = data.rate.take(key.key_id) {
        return Err(ApiError::Coded {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "rate_limited",
            message: format!(
                "This key made more than {} requests in a minute: wait {secs} s.",
                data.rate.limit()
            ),
            challenge: None,
            retry_after: Some(secs),
        }
        .into());
    }
    Ok(Caller {
        grants: key.grants.intersection(&t.scope),
        key,
        secret_id: t.secret.secret_id,
        store_codes: c.store_codes,
        token_expires_at: t.expires_at,
        ip: super::credentials::source_ip(data, req),
    })
}

impl Caller {
    /// The acting key's bound for the no-escalation rule.
    pub fn bound(&self) -> crate::keys::Bound {
        crate::keys::Bound {
            key_id: self.key.key_id,
            grants: self.grants,
            stores: self.key.stores.clone(),
            expires_at: self.key.expires_at,
            methods: self.key.allowed_methods.clone(),
        }
    }

    pub fn actor(&self) -> crate::models::audit::Actor {
        crate::models::audit::Actor::key(self.key.key_id, &self.key.name, self.ip.clone())
    }
}

/// A path's numeric id; anything else is a 404 (no such resource).
pub fn parse_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::coded(StatusCode::NOT_FOUND, "not_found", "No such id.").into())
}

/// RFC 3339 UTC, as every answer writes times.
pub fn time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
