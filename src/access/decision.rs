//! The decision itself: a pure function of the key's state, what was
//! presented and the request, at a given moment. No I/O, so every case is a
//! unit test (see the table at the end).

use chrono::NaiveDateTime;

use crate::catalogue::Template;
use crate::domain::{Action, Function, GrantSet, KeyKind, StoreAccess};

/// Why a check was answered as it was; `valid` is the only allow. One code
/// per cause, never reused (DESIGN.md "One access decision").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    Valid,
    Malformed,
    NotFound,
    Inactive,
    Expired,
    SecretRetired,
    TokenExpired,
    FunctionDenied,
    StoreDenied,
    MethodBlocked,
    /// A live key of the other kind: a REST secret or access token at the
    /// GraphQL endpoint, or a GraphQL key where only REST clients go.
    WrongKind,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 11] = [
        Self::Valid,
        Self::Malformed,
        Self::NotFound,
        Self::Inactive,
        Self::Expired,
        Self::SecretRetired,
        Self::TokenExpired,
        Self::FunctionDenied,
        Self::StoreDenied,
        Self::MethodBlocked,
        Self::WrongKind,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Malformed => "malformed",
            Self::NotFound => "not_found",
            Self::Inactive => "inactive",
            Self::Expired => "expired",
            Self::SecretRetired => "secret_retired",
            Self::TokenExpired => "token_expired",
            Self::FunctionDenied => "function_denied",
            Self::StoreDenied => "store_denied",
            Self::MethodBlocked => "method_blocked",
            Self::WrongKind => "wrong_kind",
        }
    }

    /// The credential itself is good (the key, its secret and any token are
    /// alive); only the request went beyond the grant. Such a use counts as
    /// a use of the secret.
    pub fn is_authentic(self) -> bool {
        matches!(
            self,
            Self::Valid | Self::FunctionDenied | Self::StoreDenied | Self::MethodBlocked
        )
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One API method a key may call: an operation of the method catalogue,
/// by its method and path template as the document writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedMethod {
    pub method: String,
    pub path: String,
}

/// Everything the decision reads about a key, as loaded for one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySnapshot {
    pub key_id: i64,
    pub name: String,
    pub kind: KeyKind,
    pub client_id: Option<String>,
    pub active: bool,
    /// The key stops working at this moment (`expires_at <= now` is expired).
    pub expires_at: Option<NaiveDateTime>,
    pub grants: GrantSet,
    pub stores: StoreAccess,
    /// None: every method ("All methods", the default).
    pub allowed_methods: Option<Vec<AllowedMethod>>,
}

/// The secret generation a credential belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretUse {
    pub secret_id: i64,
    /// NULL = current; `> now` retiring; `<= now` retired.
    pub retires_at: Option<NaiveDateTime>,
    /// When its grace period began (the Deprecation header's date).
    pub retiring_since: Option<NaiveDateTime>,
}

impl SecretUse {
    fn retired_at(&self, now: NaiveDateTime) -> bool {
        self.retires_at.is_some_and(|t| t <= now)
    }
}

/// An access token as stored (only its hash identifies it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUse {
    pub token_id: i64,
    /// The generation it was issued from: it dies when that one retires.
    pub secret: SecretUse,
    pub issued_at: NaiveDateTime,
    /// The token stops working at this moment (`expires_at <= now`).
    pub expires_at: NaiveDateTime,
    /// What it was issued for; the key's current grant still bounds it.
    pub scope: GrantSet,
}

/// What was presented, after the format check and the lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presented {
    /// Wrong prefix, length, characters or checksum: never looked up.
    Malformed,
    /// Well formed, but no secret or token has its hash.
    Unknown,
    Secret(SecretUse),
    Token(TokenUse),
}

/// A store the request names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreRef {
    Id(i64),
    /// A code no store has: no key reaches it.
    Unknown,
}

/// What the credential is used for; every part optional (nothing = "is
/// this credential alive?").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessRequest {
    /// With a function and no action, View is asked.
    pub function: Option<Function>,
    pub action: Option<Action>,
    pub store: Option<StoreRef>,
    pub method: Option<String>,
    /// The concrete path called (`/api/v2/orders/statuses`).
    pub path: Option<String>,
    /// The catalogue's template this call resolved to (its most specific
    /// match), when the caller looked it up: then only that operation's
    /// listing allows it, so `GET /orders/{id}` never lets through
    /// `GET /orders/statuses`.
    pub route: Option<String>,
    /// The kind of key the endpoint takes (None: either).
    pub kind: Option<KeyKind>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub code: ReasonCode,
    /// The generation whose use this was (for last used), when authentic.
    pub secret_id: Option<i64>,
}

impl Decision {
    pub fn is_valid(&self) -> bool {
        self.code == ReasonCode::Valid
    }

    fn deny(code: ReasonCode) -> Self {
        Self {
            code,
            secret_id: None,
        }
    }
}

/// The one access decision. `state` is the key the lookup found (None when
/// nothing matched). Order: format → lookup → kind → active → expiry →
/// secret retired / token expired → function and action → store → method.
pub fn decide(
    state: Option<&KeySnapshot>,
    presented: &Presented,
    req: &AccessRequest,
    now: NaiveDateTime,
) -> Decision {
    use ReasonCode as R;
    let (key, secret, token) = match (presented, state) {
        (Presented::Malformed, _) => return Decision::deny(R::Malformed),
        (Presented::Unknown, _) | (_, None) => return Decision::deny(R::NotFound),
        (Presented::Secret(s), Some(k)) => (k, s, None),
        (Presented::Token(t), Some(k)) => (k, &t.secret, Some(t)),
    };
    // Before the key's state: a credential for another door says nothing
    // about whether it works at its own, and is no use of it.
    if req.kind.is_some_and(|kind| kind != key.kind) {
        return Decision::deny(R::WrongKind);
    }
    if !key.active {
        return Decision::deny(R::Inactive);
    }
    if key.expires_at.is_some_and(|t| t <= now) {
        return Decision::deny(R::Expired);
    }
    if secret.retired_at(now) {
        return Decision::deny(R::SecretRetired);
    }
    if token.is_some_and(|t| t.expires_at <= now) {
        return Decision::deny(R::TokenExpired);
    }
    let authentic = |code| Decision {
        code,
        secret_id: Some(secret.secret_id),
    };
    let grants = match token {
        Some(t) => key.grants.intersection(&t.scope),
        None => key.grants,
    };
    if let Some(f) = req.function {
        if !grants.allows(f, req.action.unwrap_or(Action::View)) {
            return authentic(R::FunctionDenied);
        }
    } else if req.action.is_some() {
        // An action on no function names nothing a key could hold.
        return authentic(R::FunctionDenied);
    }
    match req.store {
        Some(StoreRef::Id(id)) if !key.stores.allows(id) => return authentic(R::StoreDenied),
        Some(StoreRef::Unknown) => return authentic(R::StoreDenied),
        _ => {}
    }
    if let Some(allowed) = &key.allowed_methods {
        // A limited key: a call that names a method or a path must be a
        // listed operation; the method compared case-insensitively, the
        // path by the template rule (`catalogue::template`).
        if req.method.is_some() || req.path.is_some() {
            let method = req.method.as_deref().unwrap_or("");
            let path = req.path.as_deref().unwrap_or("");
            let listed = allowed.iter().any(|m| {
                m.method.eq_ignore_ascii_case(method)
                    && req.route.as_ref().is_none_or(|r| *r == m.path)
                    && Template::parse(&m.path).is_ok_and(|t| t.matches(path))
            });
            if !listed {
                return authentic(R::MethodBlocked);
            }
        }
    }
    authentic(R::Valid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Grant;
    use chrono::{Duration, NaiveDate};

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    fn key() -> KeySnapshot {
        KeySnapshot {
            key_id: 7,
            name: "Partner".into(),
            kind: KeyKind::Rest,
            client_id: Some("kd_cid_x".into()),
            active: true,
            expires_at: None,
            grants: [
                Grant::new(Function::OrderData, Action::View),
                Grant::new(Function::OrderData, Action::Edit),
                Grant::new(Function::Pricing, Action::View),
            ]
            .into_iter()
            .collect(),
            stores: StoreAccess::individual(vec![1, 3]),
            allowed_methods: None,
        }
    }

    fn secret() -> Presented {
        Presented::Secret(SecretUse {
            secret_id: 70,
            retires_at: None,
            retiring_since: None,
        })
    }

    fn token(scope: GrantSet, expires_at: NaiveDateTime) -> Presented {
        Presented::Token(TokenUse {
            token_id: 700,
            secret: SecretUse {
                secret_id: 70,
                retires_at: None,
                retiring_since: None,
            },
            issued_at: now() - Duration::hours(1),
            expires_at,
            scope,
        })
    }

    fn req(f: Option<Function>, a: Option<Action>, store: Option<StoreRef>) -> AccessRequest {
        AccessRequest {
            function: f,
            action: a,
            store,
            ..AccessRequest::default()
        }
    }

    fn code(k: &KeySnapshot, p: &Presented, r: &AccessRequest, at: NaiveDateTime) -> ReasonCode {
        decide(Some(k), p, r, at).code
    }

    #[test]
    fn codes_are_the_design_vocabulary() {
        let codes: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [
                "valid",
                "malformed",
                "not_found",
                "inactive",
                "expired",
                "secret_retired",
                "token_expired",
                "function_denied",
                "store_denied",
                "method_blocked",
                "wrong_kind"
            ]
        );
    }

    #[test]
    fn malformed_and_unknown_come_first() {
        let any = req(Some(Function::User), None, None);
        assert_eq!(
            decide(Some(&key()), &Presented::Malformed, &any, now()).code,
            ReasonCode::Malformed
        );
        assert_eq!(
            decide(None, &Presented::Malformed, &any, now()).code,
            ReasonCode::Malformed
        );
        assert_eq!(
            decide(None, &Presented::Unknown, &any, now()).code,
            ReasonCode::NotFound
        );
        // A secret found but its key gone (deleted in between).
        assert_eq!(
            decide(None, &secret(), &any, now()).code,
            ReasonCode::NotFound
        );
        assert_eq!(decide(None, &secret(), &any, now()).secret_id, None);
    }

    /// One row per case: (what changes, request, expected code).
    #[test]
    fn the_table() {
        use crate::domain::KeyRoleDefinition::*;
        use Action::*;
        use ReasonCode as R;
        let t = now();
        let inactive = KeySnapshot {
            active: false,
            expires_at: Some(t - Duration::days(1)),
            ..key()
        };
        let expired_now = KeySnapshot {
            expires_at: Some(t),
            ..key()
        };
        let expires_next_second = KeySnapshot {
            expires_at: Some(t + Duration::seconds(1)),
            ..key()
        };
        let all_stores = KeySnapshot {
            stores: StoreAccess::All,
            ..key()
        };
        let methods = KeySnapshot {
            allowed_methods: Some(vec![AllowedMethod {
                method: "GET".into(),
                path: "/api/v2/orders/statuses".into(),
            }]),
            ..key()
        };
        let retired_now = Presented::Secret(SecretUse {
            secret_id: 70,
            retires_at: Some(t),
            retiring_since: None,
        });
        let retiring = Presented::Secret(SecretUse {
            secret_id: 70,
            retires_at: Some(t + Duration::seconds(1)),
            retiring_since: None,
        });
        let nothing = AccessRequest::default();
        let view_orders = req(Some(OrderData), Some(View), None);
        let (base, cur) = (key(), secret());
        let cases: Vec<(&str, &KeySnapshot, &Presented, AccessRequest, R)> = vec![
            (
                "alive, nothing asked",
                &base,
                &cur,
                nothing.clone(),
                R::Valid,
            ),
            (
                "inactive beats expired",
                &inactive,
                &cur,
                nothing.clone(),
                R::Inactive,
            ),
            (
                "expires_at == now is expired",
                &expired_now,
                &cur,
                nothing.clone(),
                R::Expired,
            ),
            (
                "a second before expiry",
                &expires_next_second,
                &cur,
                nothing.clone(),
                R::Valid,
            ),
            (
                "expired beats retired",
                &expired_now,
                &retired_now,
                nothing.clone(),
                R::Expired,
            ),
            (
                "retires_at == now is retired",
                &base,
                &retired_now,
                nothing.clone(),
                R::SecretRetired,
            ),
            (
                "retiring still works",
                &base,
                &retiring,
                view_orders.clone(),
                R::Valid,
            ),
            ("granted", &base, &cur, view_orders.clone(), R::Valid),
            (
                "function alone asks View",
                &base,
                &cur,
                req(Some(Pricing), None, None),
                R::Valid,
            ),
            (
                "action not granted",
                &base,
                &cur,
                req(Some(Pricing), Some(Edit), None),
                R::FunctionDenied,
            ),
            (
                "function not granted",
                &base,
                &cur,
                req(Some(Logistics), Some(View), None),
                R::FunctionDenied,
            ),
            (
                "action without function",
                &base,
                &cur,
                req(None, Some(View), None),
                R::FunctionDenied,
            ),
            (
                "retired beats function",
                &base,
                &retired_now,
                req(Some(User), None, None),
                R::SecretRetired,
            ),
            (
                "listed store",
                &base,
                &cur,
                req(None, None, Some(StoreRef::Id(3))),
                R::Valid,
            ),
            (
                "other store",
                &base,
                &cur,
                req(None, None, Some(StoreRef::Id(2))),
                R::StoreDenied,
            ),
            (
                "unknown store",
                &all_stores,
                &cur,
                req(None, None, Some(StoreRef::Unknown)),
                R::StoreDenied,
            ),
            (
                "all stores",
                &all_stores,
                &cur,
                req(None, None, Some(StoreRef::Id(99))),
                R::Valid,
            ),
            (
                "function beats store",
                &base,
                &cur,
                req(Some(User), None, Some(StoreRef::Id(2))),
                R::FunctionDenied,
            ),
            (
                "all methods",
                &base,
                &cur,
                AccessRequest {
                    method: Some("DELETE".into()),
                    path: Some("/x".into()),
                    ..view_orders.clone()
                },
                R::Valid,
            ),
            (
                "listed method",
                &methods,
                &cur,
                AccessRequest {
                    method: Some("get".into()),
                    path: Some("/api/v2/orders/statuses".into()),
                    ..view_orders.clone()
                },
                R::Valid,
            ),
            (
                "unlisted method",
                &methods,
                &cur,
                AccessRequest {
                    method: Some("POST".into()),
                    path: Some("/api/v2/orders/statuses".into()),
                    ..view_orders.clone()
                },
                R::MethodBlocked,
            ),
            (
                "unlisted path",
                &methods,
                &cur,
                AccessRequest {
                    method: Some("GET".into()),
                    path: Some("/api/v2/orders".into()),
                    ..view_orders.clone()
                },
                R::MethodBlocked,
            ),
            (
                "store beats method",
                &methods,
                &cur,
                AccessRequest {
                    method: Some("POST".into()),
                    store: Some(StoreRef::Id(2)),
                    ..view_orders.clone()
                },
                R::StoreDenied,
            ),
            (
                "the kind the endpoint takes",
                &base,
                &cur,
                AccessRequest {
                    kind: Some(KeyKind::Rest),
                    ..view_orders.clone()
                },
                R::Valid,
            ),
            (
                "another kind",
                &base,
                &cur,
                AccessRequest {
                    kind: Some(KeyKind::Graphql),
                    ..view_orders.clone()
                },
                R::WrongKind,
            ),
            (
                "kind beats inactive",
                &inactive,
                &retired_now,
                AccessRequest {
                    kind: Some(KeyKind::Graphql),
                    ..nothing.clone()
                },
                R::WrongKind,
            ),
        ];
        for (what, k, p, r, want) in cases {
            assert_eq!(code(k, p, &r, t), want, "{what}");
        }
    }

    /// Allowed API Methods: every boundary of the match.
    #[test]
    fn methods() {
        use ReasonCode as R;
        let m = |method: &str, path: &str| AllowedMethod {
            method: method.into(),
            path: path.into(),
        };
        let limited = KeySnapshot {
            allowed_methods: Some(vec![
                m("GET", "/api/v*/orders/statuses"),
                m("GET", "/api/v*/orders/{id}"),
            ]),
            ..key()
        };
        let only_id = KeySnapshot {
            allowed_methods: Some(vec![m("GET", "/api/v*/orders/{id}")]),
            ..key()
        };
        let none_listed = KeySnapshot {
            allowed_methods: Some(vec![]),
            ..key()
        };
        let call = |method: Option<&str>, path: Option<&str>, route: Option<&str>| AccessRequest {
            method: method.map(str::to_owned),
            path: path.map(str::to_owned),
            route: route.map(str::to_owned),
            ..AccessRequest::default()
        };
        let statuses = Some("/api/v*/orders/statuses");
        let every = key();
        let cases: Vec<(&str, &KeySnapshot, AccessRequest, R)> = vec![
            (
                "listed, v2",
                &limited,
                call(Some("GET"), Some("/api/v2/orders/statuses"), None),
                R::Valid,
            ),
            (
                "listed, v1",
                &limited,
                call(Some("GET"), Some("/api/v1/orders/statuses"), None),
                R::Valid,
            ),
            (
                "method case",
                &limited,
                call(Some("get"), Some("/api/v2/orders/statuses"), None),
                R::Valid,
            ),
            (
                "query ignored",
                &limited,
                call(Some("GET"), Some("/api/v2/orders/statuses?page=2"), None),
                R::Valid,
            ),
            (
                "with its route",
                &limited,
                call(Some("GET"), Some("/api/v2/orders/statuses"), statuses),
                R::Valid,
            ),
            (
                "parameter",
                &limited,
                call(Some("GET"), Some("/api/v2/orders/17"), None),
                R::Valid,
            ),
            (
                "other method",
                &limited,
                call(Some("POST"), Some("/api/v2/orders/statuses"), None),
                R::MethodBlocked,
            ),
            (
                "HEAD is not GET",
                &limited,
                call(Some("HEAD"), Some("/api/v2/orders/statuses"), None),
                R::MethodBlocked,
            ),
            (
                "other path",
                &limited,
                call(Some("GET"), Some("/api/v2/orders"), None),
                R::MethodBlocked,
            ),
            (
                "trailing slash",
                &limited,
                call(Some("GET"), Some("/api/v2/orders/statuses/"), None),
                R::MethodBlocked,
            ),
            (
                "longer path",
                &limited,
                call(Some("GET"), Some("/api/v2/orders/17/lines"), None),
                R::MethodBlocked,
            ),
            (
                "dot segments",
                &limited,
                call(Some("GET"), Some("/api/v2/x/../orders/statuses"), None),
                R::MethodBlocked,
            ),
            (
                "no version",
                &limited,
                call(Some("GET"), Some("/api/v/orders/statuses"), None),
                R::MethodBlocked,
            ),
            (
                "case of the path",
                &limited,
                call(Some("GET"), Some("/API/v2/orders/statuses"), None),
                R::MethodBlocked,
            ),
            (
                "method without path",
                &limited,
                call(Some("GET"), None, None),
                R::MethodBlocked,
            ),
            (
                "path without method",
                &limited,
                call(None, Some("/api/v2/orders/statuses"), None),
                R::MethodBlocked,
            ),
            (
                "nothing asked",
                &limited,
                AccessRequest::default(),
                R::Valid,
            ),
            (
                "a template's match is not enough when the route is another",
                &only_id,
                call(Some("GET"), Some("/api/v2/orders/statuses"), statuses),
                R::MethodBlocked,
            ),
            (
                "without a route the template decides",
                &only_id,
                call(Some("GET"), Some("/api/v2/orders/statuses"), None),
                R::Valid,
            ),
            (
                "an empty list allows nothing",
                &none_listed,
                call(Some("GET"), Some("/x"), None),
                R::MethodBlocked,
            ),
            (
                "all methods",
                &every,
                call(Some("DELETE"), Some("/x"), None),
                R::Valid,
            ),
        ];
        for (what, k, r, want) in cases {
            assert_eq!(code(k, &secret(), &r, now()), want, "{what}");
        }
        // Grants and stores still come first.
        let r = AccessRequest {
            function: Some(Function::User),
            ..call(Some("GET"), Some("/api/v2/orders/statuses"), None)
        };
        assert_eq!(code(&limited, &secret(), &r, now()), R::FunctionDenied);
    }

    #[test]
    fn tokens() {
        use ReasonCode as R;
        let t = now();
        let scope: GrantSet = [Grant::new(Function::OrderData, Action::View)]
            .into_iter()
            .collect();
        let wide: GrantSet = [
            Grant::new(Function::OrderData, Action::View),
            Grant::new(Function::User, Action::View),
        ]
        .into_iter()
        .collect();
        let view = req(Some(Function::OrderData), None, None);
        let edit = req(Some(Function::OrderData), Some(Action::Edit), None);
        let live = token(scope, t + Duration::seconds(1));
        assert_eq!(code(&key(), &live, &view, t), R::Valid);
        // Narrowed: the key may edit, the token may not.
        assert_eq!(code(&key(), &live, &edit, t), R::FunctionDenied);
        // At the exact second of its expiry the token is dead.
        assert_eq!(code(&key(), &token(scope, t), &view, t), R::TokenExpired);
        // The key's current grant still bounds an older, wider scope.
        let wide = token(wide, t + Duration::hours(1));
        let user = req(Some(Function::User), None, None);
        assert_eq!(code(&key(), &wide, &user, t), R::FunctionDenied);
        // Dies with its secret, its key's expiry and deactivation.
        let Presented::Token(mut tu) = live.clone() else {
            unreachable!()
        };
        tu.secret.retires_at = Some(t);
        assert_eq!(
            code(&key(), &Presented::Token(tu), &view, t),
            R::SecretRetired
        );
        let expired = KeySnapshot {
            expires_at: Some(t),
            ..key()
        };
        assert_eq!(code(&expired, &live, &view, t), R::Expired);
        let off = KeySnapshot {
            active: false,
            ..key()
        };
        assert_eq!(code(&off, &live, &view, t), R::Inactive);
        let d = decide(Some(&key()), &live, &view, t);
        assert_eq!(d.secret_id, Some(70));
    }

    #[test]
    fn only_authentic_uses_name_their_secret() {
        let t = now();
        for c in ReasonCode::ALL {
            let _ = c.is_authentic();
        }
        let d = decide(
            Some(&key()),
            &secret(),
            &req(Some(Function::User), None, None),
            t,
        );
        assert_eq!(
            (d.code, d.secret_id),
            (ReasonCode::FunctionDenied, Some(70))
        );
        let off = KeySnapshot {
            active: false,
            ..key()
        };
        assert_eq!(
            decide(Some(&off), &secret(), &AccessRequest::default(), t).secret_id,
            None
        );
    }
}
