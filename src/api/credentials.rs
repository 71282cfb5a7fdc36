//! Who is calling the Key API: HTTP Basic with a REST key's Client Id and
//! Client Secret, or a bearer access token from `/oauth/token`. Every check
//! goes through `access::decide`; failures take the same path (hash, lookup,
//! the same queries) whether or not the key exists.

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::error::ApiError;
use super::ApiData;
use crate::access::{
    self, decide, AccessRequest, Checked, Decision, KeySnapshot, Presented, ReasonCode, RefusedKey,
};
use crate::crypto::constant_time_eq;
use crate::domain::secret::{check_format, Format};
use crate::domain::{Action, Function, KeyKind};

/// What the Authorization header holds.
pub enum Authorization {
    None,
    Basic { client_id: String, secret: String },
    Bearer(String),
}

/// Reads the one Authorization header; two, or one that is not Basic or
/// Bearer, is a malformed request.
pub fn authorization(req: &HttpRequest) -> Result<Authorization, ApiError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Ok(Authorization::None);
    };
    if values.next().is_some() {
        return Err(ApiError::bad_request("Send one Authorization header."));
    }
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("The Authorization header is not readable."))?;
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ApiError::unauthorized("The Basic credentials are not readable."))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| ApiError::unauthorized("Basic credentials are CLIENT_ID:SECRET."))?;
        // RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
        Ok(Authorization::Basic {
            client_id: form_decode(id),
            secret: form_decode(secret),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Ok(Authorization::Bearer(rest.to_owned()))
    } else {
        Err(ApiError::unauthorized(
            "Authenticate with HTTP Basic (Client Id and Client Secret) or a bearer access token.",
        ))
    }
}

/// `application/x-www-form-urlencoded` decoding of one value.
pub fn form_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The source address of the request (the TCP peer: headers can be forged).
pub fn source_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// A credential checked against the request, with its key when found.
pub struct Checked2 {
    pub snapshot: Option<KeySnapshot>,
    pub presented: Presented,
    pub decision: Decision,
    /// The codes of the key's stores (None: all, or not asked for).
    pub store_codes: Option<Vec<String>>,
}

/// Checks one presented credential (secret or token) for `request`.
/// `client_id`, when given, must be the key's own (HTTP Basic).
pub async fn check(
    data: &ApiData,
    raw: &str,
    client_id: Option<&str>,
    request: AccessRequest,
    store_code: Option<String>,
    with_store_codes: bool,
) -> Result<Checked2, ApiError> {
    let checked = Checked::new(raw, &data.pepper);
    let now = data.clock.now();
    if matches!(checked, Checked::Malformed) {
        return Ok(Checked2 {
            snapshot: None,
            presented: Presented::Malformed,
            decision: decide(None, &Presented::Malformed, &request, now),
            store_codes: None,
        });
    }
    let client_id = client_id.map(str::to_owned);
    let (snapshot, presented, request, store_codes) = data
        .db
        .run(move |c| {
            let (mut snap, mut presented) = access::look_up(c, &checked)?;
            let mut request = request;
            if let Some(code) = store_code {
                request.store = Some(access::lookup::store_ref(c, &code)?);
            }
            if let Some(id) = &client_id {
                // Basic names the client: a secret of another key is unknown.
                let matches = snap
                    .as_ref()
                    .and_then(|s| s.client_id.as_deref())
                    .is_some_and(|own| constant_time_eq(own, id));
                if !matches {
                    snap = None;
                    presented = Presented::Unknown;
                }
            }
            let codes = match &snap {
                Some(s) if with_store_codes => access::lookup::store_codes(c, &s.stores)?,
                _ => None,
            };
            Ok((snap, presented, request, codes))
        })
        .await?;
    let decision = decide(snapshot.as_ref(), &presented, &request, now);
    Ok(Checked2 {
        snapshot,
        presented,
        decision,
        store_codes,
    })
}

impl Checked2 {
    /// Notes an authentic use for last used (off the request path).
    pub fn note_use(&self, data: &ApiData) {
        if let (Some(s), Some(secret_id)) = (&self.snapshot, self.decision.secret_id) {
            data.usage.record(s.key_id, secret_id, data.clock.now());
        }
    }
}

/// Records a refusal (rate-limited) unless the decision allowed.
pub fn audit_refusal(data: &ApiData, req: &HttpRequest, c: &Checked2, endpoint: &'static str) {
    if c.decision.is_valid() {
        return;
    }
    data.refusals.refused(
        data.clock.now(),
        c.decision.code,
        c.snapshot.as_ref().map(|s| RefusedKey {
            id: s.key_id,
            name: s.name.clone(),
        }),
        source_ip(req),
        endpoint,
    );
}

/// Authenticates the caller of `verify` and `introspect`: a REST client
/// holding Role & permission: View, by Basic or bearer token.
pub async fn caller(
    data: &ApiData,
    req: &HttpRequest,
    endpoint: &'static str,
) -> Result<KeySnapshot, ApiError> {
    let need = AccessRequest {
        function: Some(Function::RoleAndPermission),
        action: Some(Action::View),
        ..AccessRequest::default()
    };
    let c = match authorization(req)? {
        Authorization::None => return Err(ApiError::unauthorized(
            "Authenticate with HTTP Basic (Client Id and Client Secret) or a bearer access token.",
        )),
        Authorization::Basic { client_id, secret } => {
            if check_format(&secret) == Ok(Format::Secret(KeyKind::Graphql)) {
                return Err(ApiError::unauthorized(
                    "Only REST clients authenticate here.",
                ));
            }
            check(data, &secret, Some(&client_id), need, None, false).await?
        }
        Authorization::Bearer(token) => {
            if check_format(&token) != Ok(Format::AccessToken) {
                return Err(ApiError::Unauthorized {
                    challenge: r#"Bearer realm="keydesk", error="invalid_token""#.into(),
                    message: "The bearer credential is not an access token.".into(),
                });
            }
            check(data, &token, None, need, None, false).await?
        }
    };
    audit_refusal(data, req, &c, endpoint);
    c.note_use(data);
    match (c.decision.code, c.snapshot) {
        (ReasonCode::Valid, Some(s)) if s.kind == KeyKind::Rest => Ok(s),
        (ReasonCode::FunctionDenied, Some(_)) => Err(ApiError::Forbidden(
            "This client needs Role & permission: View to call this endpoint.".into(),
        )),
        _ => Err(ApiError::unauthorized("The credentials were not accepted.")),
    }
}
