//! No privilege escalation through the Key API: a key acting on keys can
//! never make or leave a key that goes beyond its own grant, stores or
//! expiry, and cannot delete itself. Pure checks over the acting key's
//! bound, so both the rule and its cases live here once.

use chrono::NaiveDateTime;

use crate::access::AllowedMethod;
use crate::domain::{GrantSet, StoreAccess};
use crate::error::AppError;

/// What the acting key itself may do and reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    pub key_id: i64,
    pub grants: GrantSet,
    pub stores: StoreAccess,
    /// None: the acting key never expires.
    pub expires_at: Option<NaiveDateTime>,
    /// Its Allowed API Methods (None: all methods).
    pub methods: Option<Vec<AllowedMethod>>,
}

/// What a key would be (or is): its grant, stores and expiry.
#[derive(Clone, Copy, Debug)]
pub struct Reach<'a> {
    pub grants: &'a GrantSet,
    pub stores: &'a StoreAccess,
    pub expires_at: Option<NaiveDateTime>,
    /// None: all methods.
    pub methods: Option<&'a [AllowedMethod]>,
}

fn refused(what: &str) -> AppError {
    AppError::Refused(format!(
        "A key cannot {what} beyond its own grant, stores, expiry or API methods."
    ))
}

impl Bound {
    /// True when `r` reaches nothing the acting key does not.
    pub fn covers(&self, r: Reach<'_>) -> bool {
        let expiry_ok = match (self.expires_at, r.expires_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(own), Some(t)) => t <= own,
        };
        let methods_ok = match (&self.methods, r.methods) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(own), Some(list)) => list.iter().all(|m| own.contains(m)),
        };
        r.grants.is_subset_of(&self.grants)
            && r.stores.is_within(&self.stores)
            && expiry_ok
            && methods_ok
    }

    /// A new key the acting key would create.
    pub fn check_create(&self, new: Reach<'_>) -> Result<(), AppError> {
        if self.covers(new) {
            Ok(())
        } else {
            Err(refused("create a key"))
        }
    }

    /// Acting on an existing key (change, refresh, stop its old secret,
    /// delete): only on keys within the bound, so a key cannot take over a
    /// wider one (e.g. by refreshing it and reading the new secret).
    pub fn check_target(&self, target: Reach<'_>) -> Result<(), AppError> {
        if self.covers(target) {
            Ok(())
        } else {
            Err(refused("act on a key that goes"))
        }
    }

    /// A change: the key before and after must both lie within the bound.
    pub fn check_change(&self, before: Reach<'_>, after: Reach<'_>) -> Result<(), AppError> {
        self.check_target(before)?;
        if self.covers(after) {
            Ok(())
        } else {
            Err(refused("widen a key"))
        }
    }

    pub fn check_delete(&self, ids: &[i64]) -> Result<(), AppError> {
        if ids.contains(&self.key_id) {
            Err(AppError::Refused(
                "A key cannot delete itself: delete it in API Key Management, or with another key."
                    .into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Action, Function, Grant};
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 1, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn set(gs: &[(Function, Action)]) -> GrantSet {
        gs.iter().map(|(f, a)| Grant::new(*f, *a)).collect()
    }

    fn bound() -> Bound {
        Bound {
            key_id: 1,
            grants: set(&[
                (Function::RoleAndPermission, Action::View),
                (Function::RoleAndPermission, Action::Create),
                (Function::Pricing, Action::View),
            ]),
            stores: StoreAccess::individual(vec![1, 2]),
            expires_at: Some(day(10)),
            methods: None,
        }
    }

    #[test]
    fn a_narrower_key_may_be_created() {
        let g = set(&[(Function::Pricing, Action::View)]);
        let s = StoreAccess::individual(vec![2]);
        let r = Reach {
            grants: &g,
            stores: &s,
            expires_at: Some(day(9)),
            methods: None,
        };
        assert!(bound().check_create(r).is_ok());
        // Exactly the same reach is not wider.
        let b = bound();
        let same = Reach {
            grants: &b.grants,
            stores: &b.stores,
            expires_at: b.expires_at,
            methods: None,
        };
        assert!(b.check_create(same).is_ok());
    }

    #[test]
    fn wider_grants_stores_or_expiry_are_refused() {
        let b = bound();
        let wider = set(&[(Function::Pricing, Action::Edit)]);
        let all = StoreAccess::All;
        let other = StoreAccess::individual(vec![3]);
        let own = StoreAccess::individual(vec![1]);
        let narrow = set(&[(Function::Pricing, Action::View)]);
        let cases = [
            (&wider, &own, Some(day(9))),
            (&narrow, &all, Some(day(9))),
            (&narrow, &other, Some(day(9))),
            (&narrow, &own, Some(day(11))),
            (&narrow, &own, None),
        ];
        for (g, s, e) in cases {
            let r = Reach {
                grants: g,
                stores: s,
                expires_at: e,
                methods: None,
            };
            assert!(b.check_create(r).is_err(), "{g:?} {s:?} {e:?}");
            assert!(b.check_target(r).is_err());
        }
    }

    #[test]
    fn an_unbounded_key_may_create_anything_it_holds() {
        let b = Bound {
            stores: StoreAccess::All,
            expires_at: None,
            methods: None,
            ..bound()
        };
        let g = set(&[(Function::Pricing, Action::View)]);
        let r = Reach {
            grants: &g,
            stores: &StoreAccess::All,
            expires_at: None,
            methods: None,
        };
        assert!(b.check_create(r).is_ok());
    }

    #[test]
    fn widening_a_key_or_itself_is_refused() {
        let b = bound();
        let narrow = set(&[(Function::Pricing, Action::View)]);
        let s = StoreAccess::individual(vec![1]);
        let before = Reach {
            grants: &narrow,
            stores: &s,
            expires_at: Some(day(5)),
            methods: None,
        };
        let widened = set(&[
            (Function::Pricing, Action::View),
            (Function::Pricing, Action::Edit),
        ]);
        let after = Reach {
            grants: &widened,
            ..before
        };
        assert!(b.check_change(before, before).is_ok());
        assert!(b.check_change(before, after).is_err());
    }

    #[test]
    fn a_key_cannot_delete_itself() {
        assert!(bound().check_delete(&[2, 3]).is_ok());
        assert!(bound().check_delete(&[2, 1]).is_err());
    }

    #[test]
    fn a_key_with_chosen_methods_cannot_make_a_key_with_more() {
        let m = |method: &str, path: &str| AllowedMethod {
            method: method.into(),
            path: path.into(),
        };
        let b = Bound {
            methods: Some(vec![m("GET", "/api/v1/me"), m("GET", "/api/v1/keys")]),
            ..bound()
        };
        let g = set(&[(Function::Pricing, Action::View)]);
        let s = StoreAccess::individual(vec![1]);
        let one = [m("GET", "/api/v1/keys")];
        let other = [m("DELETE", "/api/v1/keys/{id}")];
        let reach = |methods| Reach {
            grants: &g,
            stores: &s,
            expires_at: Some(day(9)),
            methods,
        };
        assert!(b.check_create(reach(Some(&one))).is_ok());
        assert!(b.check_create(reach(Some(&other))).is_err());
        assert!(b.check_create(reach(None)).is_err(), "all methods is wider");
        assert!(bound().check_create(reach(None)).is_ok());
    }
}
