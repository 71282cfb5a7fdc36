//! From what a caller says about a call (function, action, store code,
//! method and path) to the `AccessRequest` the decision reads: a method and
//! path are looked up in the method catalogue, whose operation (its most
//! specific template) supplies the function, action and store the caller
//! left out. The verification endpoint and the "Would this be allowed?"
//! page both build their request here, so they ask the same question.

use super::decision::{AccessRequest, StoreRef};
use crate::catalogue::{Catalogue, Operation};
use crate::domain::{Action, Function, StoreCode};

/// A call as the caller described it, already parsed.
#[derive(Clone, Debug, Default)]
pub struct Call {
    pub function: Option<Function>,
    pub action: Option<Action>,
    /// A store code as given (checked here: a code no store could have
    /// reaches no store).
    pub store: Option<String>,
    /// Upper case.
    pub method: Option<String>,
    pub path: Option<String>,
}

/// The request, the store code to look up (None: none asked, or a code no
/// store could have) and the catalogue operation the call resolved to.
pub struct Resolved<'c> {
    pub request: AccessRequest,
    pub store_code: Option<String>,
    pub operation: Option<&'c Operation>,
}

pub fn resolve(catalogue: &Catalogue, call: Call) -> Resolved<'_> {
    let operation = match (&call.method, &call.path) {
        (Some(m), Some(p)) => catalogue.resolve(m, p),
        _ => None,
    };
    let (function, action) = match (call.function, operation) {
        (None, Some(op)) => (Some(op.function), Some(op.action)),
        (f, _) => (f, call.action),
    };
    let store_raw = call.store.clone().or_else(|| {
        let (op, path) = (operation?, call.path.as_deref()?);
        op.store_in(path).map(str::to_owned)
    });
    let (store, store_code) = match store_raw.as_deref().map(StoreCode::parse) {
        None => (None, None),
        Some(Ok(c)) => (None, Some(c.as_str().to_owned())),
        Some(Err(_)) => (Some(StoreRef::Unknown), None),
    };
    Resolved {
        request: AccessRequest {
            function,
            action,
            store,
            method: call.method,
            path: call.path,
            route: operation.map(|o| o.path.clone()),
            kind: None,
        },
        store_code,
        operation,
    }
}
