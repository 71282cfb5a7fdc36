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
use crate::access::usage_tally::Call;
use crate::access::SecretUse;
use crate::access::{
    self, decide, AccessRequest, Checked, Decision, KeySnapshot, Presented, ReasonCode, RefusedKey,
};
use crate::crypto::constant_time_eq;
use crate::domain::secret::{check_format, Format};
use crate::domain::{Action, Function, Grant, KeyKind};
use crate::throttle::{retry_after_secs, Key, Scope};

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

/// The source address of the request, as the throttle counts it: the TCP
/// peer, or the client behind a `--trusted-proxy` (a forged
/// `X-Forwarded-For` from anyone else is not read).
pub fn source_ip(data: &ApiData, req: &HttpRequest) -> Option<String> {
    Some(data.throttle.address_of(req).to_string())
}

/// One client authentication with the throttle around it (issue 11): per
/// source address and, when the caller names one, per Client Id. A blocked
/// caller is refused (429, `Retry-After`) before its credential is looked
/// at, so guessing gains nothing; each such refusal is a (rate-limited)
/// history event.
pub struct Attempt {
    keys: Vec<Key>,
}

impl Attempt {
    pub async fn begin(
        data: &ApiData,
        req: &HttpRequest,
        client_id: Option<&str>,
        endpoint: &'static str,
    ) -> Result<Self, ApiError> {
        let address = data.throttle.address_of(req);
        let keys: Vec<Key> = std::iter::once(Key::address(address))
            .chain(client_id.map(Key::client))
            .collect();
        if let Some(wait) = data.throttle.check_fast(&keys).await? {
            tracing::warn!(%address, endpoint, "client authentication throttled");
            data.refusals.throttled(
                data.clock.now(),
                client_id.map(str::to_owned),
                Some(address.to_string()),
                endpoint,
                retry_after_secs(wait),
            );
            return Err(ApiError::Throttled { wait, oauth: false });
        }
        Ok(Self { keys })
    }

    /// The credential was refused: counted against every subject.
    pub async fn failed(&self, data: &ApiData) -> Result<(), ApiError> {
        data.throttle.failed(&self.keys).await?;
        Ok(())
    }

    /// The credential was accepted: the client's counter starts again (the
    /// address's does not, or one good client would shield a guesser).
    pub async fn succeeded(&self, data: &ApiData) -> Result<(), ApiError> {
        if let Some(k) = self.keys.iter().find(|k| k.scope == Scope::Client) {
            data.throttle.succeeded_fast(k).await?;
        }
        Ok(())
    }
}

/// A credential checked against the request, with its key when found.
pub struct Checked2 {
    pub snapshot: Option<KeySnapshot>,
    pub presented: Presented,
    pub decision: Decision,
    /// The codes of the key's stores (None: all, or not asked for).
    pub store_codes: Option<Vec<String>>,
    /// What was asked, as decided: for the usage record and the refusal's record.
    pub request: AccessRequest,
    pub store_code: Option<String>,
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
            request,
            store_code,
        });
    }
    let client_id = client_id.map(str::to_owned);
    let asked_store = store_code.clone();
    // The cache first (state, not verdicts: `decide` below still runs with
    // this request's `now`); the database only for what it does not hold.
    let cache = data.cache.clone();
    let version = cache.version();
    let hash = checked.hash().unwrap_or_default().to_owned();
    let hit = version.and_then(|_| cache.get(&hash));
    let store_hit = match &store_code {
        None => Some(None),
        Some(code) => cache.store(code).map(Some),
    };
    // Some(x): known (x None: all stores, or not asked for); None: to read.
    // A key the cache does not hold has codes still to read, once found.
    let codes_hit = match &hit {
        Some((s, _)) if with_store_codes => cache.store_codes(s.key_id),
        None if with_store_codes => None,
        _ => Some(None),
    };
    let (found, store, store_codes) = match (hit, store_hit, codes_hit) {
        (Some(found), Some(store), Some(codes)) => (Some(found), store, codes),
        (hit, store_hit, codes_hit) => {
            let cache = cache.clone();
            let hash = hash.clone();
            data.db
                .run(move |c| {
                    let found = match hit {
                        Some(f) => Some(f),
                        None => {
                            let (snap, presented) = access::look_up(c, &checked)?;
                            if let (Some(v), Some(s)) = (version, &snap) {
                                cache.put(v, &hash, s, &presented);
                            }
                            snap.map(|s| (s, presented))
                        }
                    };
                    let store = match (store_hit, store_code) {
                        (Some(s), _) => s,
                        (None, Some(code)) => {
                            let s = access::lookup::store_ref(c, &code)?;
                            if let Some(v) = version {
                                cache.put_store(v, &code, s);
                            }
                            Some(s)
                        }
                        (None, None) => None,
                    };
                    let codes = match (codes_hit, &found) {
                        (Some(codes), _) => codes,
                        (None, Some((s, _))) if with_store_codes => {
                            let codes = access::lookup::store_codes(c, &s.stores)?;
                            if let Some(v) = version {
                                cache.put_store_codes(v, s.key_id, &codes);
                            }
                            codes
                        }
                        (None, _) => None,
                    };
                    Ok((found, store, codes))
                })
                .await?
        }
    };
    let mut request = request;
    if store.is_some() {
        request.store = store;
    }
    let (mut snapshot, mut presented) = match found {
        Some((s, p)) => (Some(s), p),
        None => (None, Presented::Unknown),
    };
    if let Some(id) = &client_id {
        // Basic names the client: a secret of another key is unknown.
        let matches = snapshot
            .as_ref()
            .and_then(|s| s.client_id.as_deref())
            .is_some_and(|own| constant_time_eq(own, id));
        if !matches {
            snapshot = None;
            presented = Presented::Unknown;
        }
    }
    let store_codes = if snapshot.is_some() {
        store_codes
    } else {
        None
    };
    let decision = decide(snapshot.as_ref(), &presented, &request, now);
    Ok(Checked2 {
        snapshot,
        presented,
        decision,
        store_codes,
        request,
        store_code: asked_store,
    })
}

impl Checked2 {
    /// The secret generation presented (a token's: the one it came from).
    pub fn secret(&self) -> Option<&SecretUse> {
        match &self.presented {
            Presented::Secret(s) => Some(s),
            Presented::Token(t) => Some(&t.secret),
            _ => None,
        }
    }

    /// Notes the use of the caller's own credential (`note_call`) and, when
    /// its secret is in a grace period, marks the answer for the
    /// Deprecation and Sunset headers.
    pub fn note_use(&self, data: &ApiData, req: &HttpRequest) {
        self.note_call(data, req);
        if self.decision.secret_id.is_some() {
            if let Some((since, until)) = self.grace(data.clock.now()) {
                super::grace_headers::mark(req, super::grace_headers::InGrace { since, until });
            }
        }
    }

    /// Notes the call for the usage record, and an authentic use for last
    /// used (both in memory; written off the request path).
    pub fn note_call(&self, data: &ApiData, req: &HttpRequest) {
        let (Some(s), Some(secret)) = (&self.snapshot, self.secret()) else {
            return;
        };
        let ip = data.throttle.address_of(req).to_string();
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let r = &self.request;
        let grant = r
            .function
            .map(|f| Grant::new(f, r.action.unwrap_or(Action::View)));
        let method = match (&r.method, r.route.as_ref().or(r.path.as_ref())) {
            (Some(m), Some(p)) => Some((m.as_str(), p.as_str())),
            _ => None,
        };
        let call = Call {
            key_id: s.key_id,
            secret_id: secret.secret_id,
            at: data.clock.now(),
            code: self.decision.code,
            ip: Some(&ip),
            user_agent,
            grant,
            store: self.store_code.as_deref(),
            method,
        };
        data.usage
            .record_call(&call, self.decision.secret_id.is_some());
    }

    /// The grace period the presented secret is in at `now`: (when it
    /// began, when it ends), for the Deprecation and Sunset headers.
    pub fn grace(
        &self,
        now: chrono::NaiveDateTime,
    ) -> Option<(chrono::NaiveDateTime, chrono::NaiveDateTime)> {
        let s = self.secret()?;
        let end = s.retires_at.filter(|t| *t > now)?;
        Some((s.retiring_since.unwrap_or(now), end))
    }
}

/// Records a refusal (rate-limited) unless the decision allowed, and
/// returns its decision id, also kept on the request for the response
/// (`decision_id::attach`).
pub fn audit_refusal(
    data: &ApiData,
    req: &HttpRequest,
    c: &Checked2,
    endpoint: &'static str,
) -> Option<String> {
    if c.decision.is_valid() {
        return None;
    }
    let id = data.refusals.refused(
        data.clock.now(),
        c.decision.code,
        c.snapshot.as_ref().map(|s| RefusedKey {
            id: s.key_id,
            name: s.name.clone(),
        }),
        source_ip(data, req),
        endpoint,
        &c.request,
        c.store_code.as_deref(),
    );
    super::decision_id::keep(req, &id);
    Some(id)
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
    let (client_id, credential) = match authorization(req)? {
        Authorization::None => return Err(ApiError::unauthorized(
            "Authenticate with HTTP Basic (Client Id and Client Secret) or a bearer access token.",
        )),
        Authorization::Basic { client_id, secret } => (Some(client_id), secret),
        Authorization::Bearer(token) => (None, token),
    };
    let attempt = Attempt::begin(data, req, client_id.as_deref(), endpoint).await?;
    let c = match &client_id {
        Some(id) => {
            if check_format(&credential) == Ok(Format::Secret(KeyKind::Graphql)) {
                attempt.failed(data).await?;
                return Err(ApiError::unauthorized(
                    "Only REST clients authenticate here.",
                ));
            }
            check(data, &credential, Some(id), need, None, false).await?
        }
        None => {
            if check_format(&credential) != Ok(Format::AccessToken) {
                attempt.failed(data).await?;
                return Err(ApiError::Unauthorized {
                    challenge: r#"Bearer realm="keydesk", error="invalid_token""#.into(),
                    message: "The bearer credential is not an access token.".into(),
                });
            }
            check(data, &credential, None, need, None, false).await?
        }
    };
    let _ = audit_refusal(data, req, &c, endpoint);
    c.note_use(data, req);
    match (c.decision.code, c.snapshot) {
        (ReasonCode::Valid, Some(s)) if s.kind == KeyKind::Rest => {
            attempt.succeeded(data).await?;
            Ok(s)
        }
        // Authentic, but not entitled: not a guess.
        (ReasonCode::FunctionDenied, Some(s)) if s.kind == KeyKind::Rest => {
            attempt.succeeded(data).await?;
            Err(ApiError::Forbidden(
                "This client needs Role & permission: View to call this endpoint.".into(),
            ))
        }
        _ => {
            attempt.failed(data).await?;
            Err(ApiError::unauthorized("The credentials were not accepted."))
        }
    }
}
