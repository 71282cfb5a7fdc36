//! The decision in words (issue 13, part 5): one sentence naming the rule
//! that decided, for the "Would this be allowed?" page and for looking up a
//! real refusal by its decision id. It reads what `decide` read, in the same
//! order, so the sentence and the code never disagree.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::decision::{AccessRequest, KeySnapshot, ReasonCode, StoreRef};
use crate::domain::{Action, KeyKind};

/// What the sentence needs besides the code.
pub struct Context<'a> {
    /// The key as the decision saw it (None: nothing matched).
    pub key: Option<&'a KeySnapshot>,
    pub request: &'a AccessRequest,
    /// Store names by id: the key's stores and the one asked for.
    pub store_names: &'a HashMap<i64, String>,
    /// The store as the request named it (its code), for one that does not exist.
    pub store_asked: Option<&'a str>,
    /// When the presented secret was retired, if it was.
    pub secret_retired_at: Option<NaiveDateTime>,
}

fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "Berlin", "Berlin and Hamburg", "Berlin, Hamburg and Munich".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Context<'_> {
    fn store_name(&self, id: i64) -> String {
        self.store_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("store #{id}"))
    }

    fn asked_store(&self) -> String {
        match self.request.store {
            Some(StoreRef::Id(id)) => self.store_name(id),
            _ => self.store_asked.unwrap_or("that store").to_owned(),
        }
    }

    fn call(&self) -> String {
        let r = self.request;
        match (&r.method, &r.path) {
            (Some(m), Some(p)) => format!("{m} {p}"),
            (Some(m), None) => m.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => String::new(),
        }
    }
}

/// The sentence for `code` ("allowed: …" or "denied: …").
pub fn sentence(code: ReasonCode, cx: &Context<'_>) -> String {
    use ReasonCode as R;
    let req = cx.request;
    let Some(key) = cx.key else {
        return match code {
            R::Malformed => "denied: what was presented is not a keydesk secret or access token (wrong prefix, length or checksum)".into(),
            _ => "denied: no key has this secret or access token (never issued, or its key was deleted)".into(),
        };
    };
    let function = req.function;
    let action = req.action.unwrap_or(Action::View);
    match code {
        R::Malformed => "denied: what was presented is not a keydesk secret or access token".into(),
        R::NotFound => "denied: no key has this secret or access token".into(),
        R::WrongKind => {
            let other = match key.kind {
                KeyKind::Graphql => "REST",
                KeyKind::Rest => "GraphQL",
            };
            format!(
                "denied: this is a {} key, and the endpoint takes {other} credentials",
                key.kind.label()
            )
        }
        R::Inactive => "denied: the key is deactivated".into(),
        R::Expired => match key.expires_at {
            Some(t) => format!("denied: the key expired at {}", time(t)),
            None => "denied: the key has expired".into(),
        },
        R::SecretRetired => match cx.secret_retired_at {
            Some(t) => format!("denied: this secret of the key was retired at {}", time(t)),
            None => "denied: this secret of the key was retired".into(),
        },
        R::TokenExpired => "denied: the access token has expired (tokens live 24 hours by default; get a new one at /oauth/token)".into(),
        R::FunctionDenied => match function {
            None => "denied: an action was asked without a function".into(),
            Some(f) => {
                let held: Vec<&str> = Action::ALL
                    .iter()
                    .filter(|a| key.grants.allows(f, **a))
                    .map(|a| a.label())
                    .collect();
                if held.is_empty() {
                    format!(
                        "denied: the key has no {} permission (it would need {}: {})",
                        f.label(),
                        f.label(),
                        action.label()
                    )
                } else {
                    format!(
                        "denied: the key has {}: {}, not {}",
                        f.label(),
                        held.join(", "),
                        action.label()
                    )
                }
            }
        },
        R::StoreDenied => {
            if matches!(req.store, Some(StoreRef::Unknown)) {
                return format!("denied: there is no store {}", cx.asked_store());
            }
            let names: Vec<String> = key
                .stores
                .store_ids()
                .iter()
                .map(|id| cx.store_name(*id))
                .collect();
            let stores = match names.len() {
                0 => "no store".to_owned(),
                1 => format!("only store {}", names[0]),
                _ => format!("stores {}", and_list(&names)),
            };
            format!("denied: the key may reach {stores}, not {}", cx.asked_store())
        }
        R::MethodBlocked => {
            let listed: Vec<String> = key
                .allowed_methods
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|m| format!("{} {}", m.method, m.path))
                .collect();
            let shown = match listed.len() {
                0 => "none".to_owned(),
                n if n <= 5 => listed.join(", "),
                n => format!("{}, and {} more", listed[..5].join(", "), n - 5),
            };
            let call = cx.call();
            let call = if call.is_empty() { "this call".into() } else { call };
            format!("denied: {call} is not in the key's Allowed API Methods ({shown})")
        }
        R::Valid => {
            let mut parts = vec!["the key is active".to_owned()];
            if let Some(t) = key.expires_at {
                parts.push(format!("expires at {}", time(t)));
            }
            if let Some(f) = function {
                parts.push(format!("has {}: {}", f.label(), action.label()));
            }
            if req.store.is_some() {
                parts.push(format!("may reach {}", cx.asked_store()));
            }
            if req.method.is_some() || req.path.is_some() {
                parts.push(match key.allowed_methods {
                    None => format!("may call all methods, {} among them", cx.call()),
                    Some(_) => format!("has {} among its Allowed API Methods", cx.call()),
                });
            }
            format!("allowed: {}", and_list(&parts))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{decide, AllowedMethod, Presented, SecretUse};
    use crate::domain::{Function, Grant, StoreAccess};
    use chrono::NaiveDate;

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
            client_id: None,
            active: true,
            expires_at: None,
            grants: [
                Grant::new(Function::OrderData, Action::View),
                Grant::new(Function::Pricing, Action::View),
                Grant::new(Function::Pricing, Action::Edit),
            ]
            .into_iter()
            .collect(),
            stores: StoreAccess::individual(vec![1, 2]),
            allowed_methods: None,
        }
    }

    fn names() -> HashMap<i64, String> {
        [(1, "Berlin"), (2, "Hamburg"), (3, "Munich")]
            .into_iter()
            .map(|(i, n)| (i, n.to_owned()))
            .collect()
    }

    /// Decides and explains, as the simulator does.
    fn say(k: &KeySnapshot, req: AccessRequest) -> (ReasonCode, String) {
        let p = Presented::Secret(SecretUse {
            secret_id: 1,
            retires_at: None,
            retiring_since: None,
        });
        let code = decide(Some(k), &p, &req, now()).code;
        let n = names();
        let cx = Context {
            key: Some(k),
            request: &req,
            store_names: &n,
            store_asked: Some("nowhere"),
            secret_retired_at: None,
        };
        (code, sentence(code, &cx))
    }

    fn ask(f: Function, a: Action, store: Option<StoreRef>) -> AccessRequest {
        AccessRequest {
            function: Some(f),
            action: Some(a),
            store,
            ..AccessRequest::default()
        }
    }

    #[test]
    fn each_denial_names_its_rule() {
        use crate::domain::KeyRoleDefinition::*;
        let k = key();
        assert_eq!(
            say(&k, ask(OrderData, Action::View, Some(StoreRef::Id(3)))).1,
            "denied: the key may reach stores Berlin and Hamburg, not Munich"
        );
        assert_eq!(
            say(&k, ask(OrderData, Action::Edit, None)).1,
            "denied: the key has Order Data: View, not Edit"
        );
        assert_eq!(
            say(&k, ask(Logistics, Action::Delete, None)).1,
            "denied: the key has no Logistics permission (it would need Logistics: Delete)"
        );
        assert_eq!(
            say(&k, ask(Pricing, Action::View, Some(StoreRef::Unknown))).1,
            "denied: there is no store nowhere"
        );
        let off = KeySnapshot {
            active: false,
            ..key()
        };
        assert_eq!(
            say(&off, AccessRequest::default()).1,
            "denied: the key is deactivated"
        );
        let expired = KeySnapshot {
            expires_at: Some(now() - chrono::Duration::hours(1)),
            ..key()
        };
        assert_eq!(
            say(&expired, AccessRequest::default()).1,
            "denied: the key expired at 2026-12-01 11:00 UTC"
        );
        let limited = KeySnapshot {
            allowed_methods: Some(vec![AllowedMethod {
                method: "GET".into(),
                path: "/api/v*/orders/{id}".into(),
            }]),
            ..key()
        };
        let call = AccessRequest {
            method: Some("POST".into()),
            path: Some("/api/v2/orders/4".into()),
            ..ask(OrderData, Action::View, None)
        };
        assert_eq!(
            say(&limited, call),
            (
                ReasonCode::MethodBlocked,
                "denied: POST /api/v2/orders/4 is not in the key's Allowed API Methods (GET /api/v*/orders/{id})".into()
            )
        );
        let one_store = KeySnapshot {
            stores: StoreAccess::individual(vec![1]),
            ..key()
        };
        assert_eq!(
            say(
                &one_store,
                ask(Pricing, Action::View, Some(StoreRef::Id(2)))
            )
            .1,
            "denied: the key may reach only store Berlin, not Hamburg"
        );
    }

    #[test]
    fn an_allow_says_what_let_it_through() {
        let (code, s) = say(
            &key(),
            ask(Function::Pricing, Action::Edit, Some(StoreRef::Id(1))),
        );
        assert_eq!(code, ReasonCode::Valid);
        assert_eq!(
            s,
            "allowed: the key is active, has Pricing: Edit and may reach Berlin"
        );
    }

    #[test]
    fn every_code_has_a_sentence() {
        let k = key();
        let req = AccessRequest::default();
        let n = names();
        for code in ReasonCode::ALL {
            for key in [None, Some(&k)] {
                let cx = Context {
                    key,
                    request: &req,
                    store_names: &n,
                    store_asked: None,
                    secret_retired_at: None,
                };
                let s = sentence(code, &cx);
                let prefix = if code == ReasonCode::Valid && key.is_some() {
                    "allowed: "
                } else {
                    "denied: "
                };
                assert!(s.starts_with(prefix), "{code}: {s}");
            }
        }
    }
}
