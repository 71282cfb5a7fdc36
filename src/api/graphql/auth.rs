//! Who calls `/graphql`: a GraphQL key as `Authorization: Bearer <key>`,
//! checked once per request through `access::decide` (the credential, the
//! kind, POST /graphql against the key's allowed methods), then once per
//! field with the field's function. Refusals go to the history as at the
//! verification endpoint; authentic uses feed last used.

use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use chrono::NaiveDateTime;

use super::error::GqlError;
use crate::access::{decide, AccessRequest, KeySnapshot, Presented, ReasonCode, RefusedKey};
use crate::api::credentials::{self, audit_refusal, source_ip, Authorization};
use crate::api::ApiData;
use crate::domain::secret::{check_format, Format};
use crate::domain::{Action, Function, Grant, KeyKind};

pub const METHOD: &str = "POST";
pub const PATH: &str = "/graphql";
/// How refusals at this endpoint read in the history.
pub const ENDPOINT: &str = "graphql";

/// The checked caller, in every resolver's context.
pub struct Caller {
    pub snapshot: KeySnapshot,
    pub presented: Presented,
    /// The moment the request is decided at (one for all its fields).
    pub now: NaiveDateTime,
    pub data: ApiData,
    pub ip: Option<String>,
}

/// What every check at this endpoint asks, plus the field's function.
fn request(function: Option<Function>, store: Option<crate::access::StoreRef>) -> AccessRequest {
    AccessRequest {
        function,
        action: function.map(|_| Action::View),
        store,
        method: Some(METHOD.into()),
        path: Some(PATH.into()),
        route: None,
        kind: Some(KeyKind::Graphql),
    }
}

/// Why a credential was refused, in words that say what to check.
fn refusal_message(code: ReasonCode, presented_format: Option<Format>) -> String {
    match code {
        ReasonCode::Malformed => "The key is malformed: copy the whole secret (it starts with kd_gql_) without spaces or line breaks.".into(),
        ReasonCode::NotFound => "No key has this secret: check that you copied the current secret, or that the key was not deleted.".into(),
        ReasonCode::Inactive => "The key is inactive: an administrator can activate it again in API Key Management.".into(),
        ReasonCode::Expired => "The key has expired: an administrator can set a new expiry date in API Key Management.".into(),
        ReasonCode::SecretRetired => "The key was refreshed and this secret is retired: use the new secret shown when the key was refreshed.".into(),
        ReasonCode::WrongKind => match presented_format {
            Some(Format::AccessToken) => "This is an OAuth2 access token of a REST key: /graphql takes GraphQL keys (kd_gql_…). REST keys call /api/v1 with their token.".into(),
            _ => "This is a REST key's Client Secret: /graphql takes GraphQL keys (kd_gql_…). REST keys exchange their Client Id and Secret at /oauth/token and call /api/v1.".into(),
        },
        ReasonCode::MethodBlocked => "The key's Allowed API Methods do not include POST /graphql.".into(),
        other => format!("The key was refused ({other})."),
    }
}

/// Authenticates the request: Ok with the caller, or the refusal to send.
pub async fn authenticate(data: &ApiData, req: &HttpRequest) -> Result<Caller, GqlError> {
    let raw = match credentials::authorization(req) {
        Ok(Authorization::Bearer(raw)) => raw,
        Ok(Authorization::None) => {
            return Err(GqlError::unauthenticated(
                "unauthenticated",
                "Send the GraphQL key as Authorization: Bearer <key>.",
                None,
            ))
        }
        Ok(Authorization::Basic { .. }) => {
            return Err(GqlError::unauthenticated(
                "unauthenticated",
                "/graphql takes a GraphQL key as Authorization: Bearer <key>, not HTTP Basic.",
                None,
            ))
        }
        Err(_) => {
            return Err(GqlError::unauthenticated(
                "unauthenticated",
                "The Authorization header is not readable: send Authorization: Bearer <key>.",
                None,
            ))
        }
    };
    let format = check_format(&raw).ok();
    let c = credentials::check(data, &raw, None, request(None, None), None, false).await?;
    audit_refusal(data, req, &c, ENDPOINT);
    c.note_use(data, req);
    let code = c.decision.code;
    match (code, c.snapshot) {
        (ReasonCode::Valid, Some(snapshot)) => Ok(Caller {
            snapshot,
            presented: c.presented,
            now: data.clock.now(),
            data: data.clone(),
            ip: source_ip(data, req),
        }),
        (ReasonCode::MethodBlocked, _) => Err(GqlError {
            status: StatusCode::FORBIDDEN,
            code: code.code(),
            message: refusal_message(code, format),
            challenge: Some(challenge(
                "insufficient_scope",
                &refusal_message(code, format),
            )),
            extra: None,
        }),
        (code, _) => {
            let message = refusal_message(code, format);
            Err(GqlError::unauthenticated(
                code.code(),
                &message,
                Some(challenge("invalid_token", &message)),
            ))
        }
    }
}

/// RFC 6750 §3: the error and a description.
fn challenge(error: &str, description: &str) -> String {
    // A header value is visible ASCII: `…` becomes `...`, the rest goes.
    let d: String = description
        .replace('…', "...")
        .chars()
        .filter(|c| c.is_ascii() && *c != '"' && *c != '\\' && !c.is_ascii_control())
        .collect();
    format!(r#"Bearer realm="keydesk", error="{error}", error_description="{d}""#)
}

impl Caller {
    /// The one access decision for a field needing `function: View` (None:
    /// only a live key), optionally for one store.
    pub fn check(
        &self,
        field: &str,
        function: Option<Function>,
        store: Option<crate::access::StoreRef>,
    ) -> Result<(), async_graphql::Error> {
        let asked = request(function, store);
        let d = decide(Some(&self.snapshot), &self.presented, &asked, self.now);
        if d.is_valid() {
            // What the key used, for least privilege: the field's function.
            if let (Some(f), Presented::Secret(s)) = (function, &self.presented) {
                self.data.usage.record_use(
                    self.snapshot.key_id,
                    s.secret_id,
                    self.now,
                    Grant::new(f, Action::View),
                );
            }
            return Ok(());
        }
        let decision_id = self.data.refusals.refused(
            self.now,
            d.code,
            Some(RefusedKey {
                id: self.snapshot.key_id,
                name: self.snapshot.name.clone(),
            }),
            self.ip.clone(),
            ENDPOINT,
            &asked,
            None,
        );
        Err(denied(field, d.code, function, &decision_id))
    }

    /// True when the key reaches the store (the same decision, no error).
    pub fn reaches(&self, store_id: i64) -> bool {
        decide(
            Some(&self.snapshot),
            &self.presented,
            &request(None, Some(crate::access::StoreRef::Id(store_id))),
            self.now,
        )
        .is_valid()
    }

    /// Which secret the request used: the current one, or the previous one
    /// during a refresh's grace period.
    pub fn secret_in_use(&self) -> &'static str {
        match &self.presented {
            Presented::Secret(s) if s.retires_at.is_some() => "RETIRING",
            _ => "CURRENT",
        }
    }
}

fn denied(
    field: &str,
    code: ReasonCode,
    function: Option<Function>,
    decision_id: &str,
) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    let needed = function.map(|f| format!("{}:view", f.code()));
    let message = match (code, function) {
        (ReasonCode::FunctionDenied, Some(f)) => format!(
            "`{field}` needs {}: View ({}:view); this key's roles do not grant it.",
            f.label(),
            f.code()
        ),
        (ReasonCode::StoreDenied, _) => {
            format!("`{field}`: this key has no access to that store.")
        }
        (code, _) => format!("`{field}` was refused ({code})."),
    };
    async_graphql::Error::new(message).extend_with(|_, e| {
        e.set("code", code.code());
        e.set("decision_id", decision_id);
        if let Some(n) = &needed {
            e.set("needed", n.as_str());
        }
    })
}

/// The caller of a resolver.
pub fn caller<'a>(ctx: &async_graphql::Context<'a>) -> &'a Caller {
    // Present on every request: the handler executes no query without it.
    ctx.data_unchecked::<Caller>()
}
