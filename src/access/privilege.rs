//! Least-privilege suggestions (issue 13, part 4): what a key may do against
//! what the usage record shows it did in the last 30 days. `assess` is a
//! pure function of the key's grants, stores and methods and of its usage;
//! `load` reads that usage. The list's "Over-privileged" filter is the SQL
//! form of "some grant unused" (`models::api_key`), over the same window.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDateTime};

use super::usage_tally::{hour_of, Dim};
use super::AllowedMethod;
use crate::catalogue::AllowedMethods;
use crate::db::DbConnection;
use crate::domain::permission::{Action, Grant, GrantSet};
use crate::domain::{AccessLevel, StoreAccess};
use crate::models::api_key::KeyRole;
use crate::models::key_usage;
use crate::models::store::Store;

/// The window suggestions look at.
pub const WINDOW_DAYS: i64 = 30;

/// The first hourly bucket inside the window ending at `now`.
pub fn window_start(now: NaiveDateTime) -> NaiveDateTime {
    hour_of(now - Duration::days(WINDOW_DAYS))
}

/// What a key used in the window, as the usage record says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Used {
    pub calls: i64,
    pub grants: GrantSet,
    /// Store codes.
    pub stores: BTreeSet<String>,
    /// `METHOD /template`, as the usage record writes them.
    pub methods: BTreeSet<String>,
}

/// The store side of a suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreFinding {
    /// "Access to all stores": the stores it used (none when no call named one).
    All { used: Vec<Store> },
    /// "Access to individual stores": those it reached, and those it did not.
    Individual {
        used: Vec<Store>,
        unused: Vec<Store>,
    },
}

/// A key's granted against used set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Privilege {
    pub calls: i64,
    pub granted: GrantSet,
    /// The granted pairs it used.
    pub used: GrantSet,
    pub stores: StoreFinding,
    /// Its method list's entries it did not call (None: "All methods").
    pub unused_methods: Option<Vec<AllowedMethod>>,
    /// Its method list's entries it called (None: "All methods").
    pub used_methods: Option<Vec<AllowedMethod>>,
}

impl Privilege {
    pub fn unused_grants(&self) -> Vec<Grant> {
        self.granted
            .iter()
            .filter(|g| !self.used.contains(*g))
            .collect()
    }

    /// "Granted 12 permissions, used 4 in the last 30 days."
    pub fn summary(&self) -> String {
        let n = self.granted.len();
        let noun = if n == 1 { "permission" } else { "permissions" };
        if self.calls == 0 {
            return format!("Granted {n} {noun}, used 0 in the last 30 days: no calls.");
        }
        format!(
            "Granted {n} {noun}, used {} in the last {WINDOW_DAYS} days.",
            self.used.len()
        )
    }

    /// Anything to narrow: a grant, an individual store or a listed method
    /// it did not use.
    pub fn has_unused(&self) -> bool {
        self.used != self.granted
            || matches!(&self.stores, StoreFinding::Individual { unused, .. } if !unused.is_empty())
            || self.unused_methods.as_ref().is_some_and(|m| !m.is_empty())
    }

    /// The grants to keep when narrowing: those used, and View beside any
    /// other action used (Edit, Create and Delete need View).
    pub fn narrowed_grants(&self) -> GrantSet {
        let mut set = self.used;
        for g in self.used.iter() {
            set.insert(Grant::new(g.function, Action::View));
        }
        set.intersection(&self.granted)
    }

    /// The stores to keep: the ones it used; unchanged when it used none
    /// (a key whose calls name no store needs no store list).
    pub fn narrowed_stores(&self, current: &StoreAccess) -> StoreAccess {
        let used = match &self.stores {
            StoreFinding::All { used } | StoreFinding::Individual { used, .. } => used,
        };
        if used.is_empty() {
            return current.clone();
        }
        StoreAccess::individual(used.iter().map(|s| s.id).collect())
    }

    /// The methods to keep: the listed ones it called; unchanged for "All
    /// methods" or when it called none of them.
    pub fn narrowed_methods(&self, current: &AllowedMethods) -> AllowedMethods {
        match &self.used_methods {
            Some(used) if !used.is_empty() => AllowedMethods::from_stored(Some(used.clone())),
            _ => current.clone(),
        }
    }
}

/// The smallest GraphQL roles whose bundles cover `grants`: per function,
/// the lowest access level holding every action used.
pub fn covering_roles(grants: GrantSet) -> Vec<KeyRole> {
    let mut roles: Vec<KeyRole> = Vec::new();
    for g in grants.iter() {
        let level = g.action.min_level();
        match roles.iter_mut().find(|r| r.definition == g.function) {
            Some(r) => r.level = r.level.max(level),
            None => roles.push(KeyRole {
                definition: g.function,
                level: level.max(AccessLevel::Viewer),
            }),
        }
    }
    roles
}

/// Compares a key's grants, store access and methods with its usage.
/// `stores` is every store (to name them).
pub fn assess(
    granted: GrantSet,
    access: &StoreAccess,
    methods: &AllowedMethods,
    stores: &[Store],
    used: &Used,
) -> Privilege {
    let used_stores: Vec<Store> = stores
        .iter()
        .filter(|s| used.stores.contains(&s.code) && access.allows(s.id))
        .cloned()
        .collect();
    let stores = match access {
        StoreAccess::All => StoreFinding::All { used: used_stores },
        StoreAccess::Individual(ids) => StoreFinding::Individual {
            unused: stores
                .iter()
                .filter(|s| ids.contains(&s.id) && !used.stores.contains(&s.code))
                .cloned()
                .collect(),
            used: used_stores,
        },
    };
    let called = |m: &AllowedMethod| used.methods.contains(&format!("{} {}", m.method, m.path));
    let (used_methods, unused_methods) = match methods.list() {
        None => (None, None),
        Some(list) => {
            let (u, n): (Vec<AllowedMethod>, Vec<AllowedMethod>) =
                list.iter().cloned().partition(|m| called(m));
            (Some(u), Some(n))
        }
    };
    Privilege {
        calls: used.calls,
        granted,
        used: used.grants.intersection(&granted),
        stores,
        unused_methods,
        used_methods,
    }
}

/// The key's usage in the window ending at `now`.
pub fn load(conn: &mut DbConnection, key_id: i64, now: NaiveDateTime) -> diesel::QueryResult<Used> {
    let since = window_start(now);
    let mut u = Used::default();
    for dim in [Dim::Calls, Dim::Grant, Dim::Store, Dim::Method] {
        for (value, n) in key_usage::totals_of_key(conn, key_id, dim, since)? {
            match dim {
                Dim::Calls => u.calls += n,
                Dim::Grant => {
                    if let Ok(g) = Grant::parse_scope(&value) {
                        u.grants.insert(g);
                    }
                }
                Dim::Store => {
                    u.stores.insert(value);
                }
                _ => {
                    u.methods.insert(value);
                }
            }
        }
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Function;

    fn store(id: i64, code: &str) -> Store {
        Store {
            id,
            name: code.to_uppercase(),
            code: code.into(),
            created_at: NaiveDateTime::default(),
        }
    }

    fn set(scopes: &[&str]) -> GrantSet {
        scopes
            .iter()
            .map(|s| Grant::parse_scope(s).unwrap())
            .collect()
    }

    fn method(m: &str, p: &str) -> AllowedMethod {
        AllowedMethod {
            method: m.into(),
            path: p.into(),
        }
    }

    #[test]
    fn lists_exactly_what_was_not_used() {
        let stores = [store(1, "berlin"), store(2, "hamburg"), store(3, "munich")];
        let granted = set(&[
            "pricing:view",
            "pricing:edit",
            "order-data:view",
            "user:view",
        ]);
        let methods = AllowedMethods::from_stored(Some(vec![
            method("GET", "/prices"),
            method("PUT", "/prices/{id}"),
        ]));
        let used = Used {
            calls: 7,
            grants: set(&["pricing:view", "logistics:view"]),
            stores: ["berlin".to_string(), "munich".to_string()].into(),
            methods: ["GET /prices".to_string()].into(),
        };
        let p = assess(
            granted,
            &StoreAccess::individual(vec![1, 2]),
            &methods,
            &stores,
            &used,
        );
        assert_eq!(p.granted.len(), 4);
        // Only granted pairs count as used (logistics was refused).
        assert_eq!(p.used.len(), 1);
        assert_eq!(
            p.summary(),
            "Granted 4 permissions, used 1 in the last 30 days."
        );
        assert_eq!(
            p.unused_grants(),
            set(&["pricing:edit", "order-data:view", "user:view"])
                .iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(
            p.stores,
            StoreFinding::Individual {
                used: vec![stores[0].clone()],
                unused: vec![stores[1].clone()],
            }
        );
        assert_eq!(p.unused_methods, Some(vec![method("PUT", "/prices/{id}")]));
        assert!(p.has_unused());
        assert_eq!(
            p.narrowed_stores(&StoreAccess::individual(vec![1, 2])),
            StoreAccess::individual(vec![1])
        );
        assert_eq!(
            p.narrowed_methods(&methods).list().unwrap(),
            [method("GET", "/prices")]
        );
    }

    #[test]
    fn all_stores_names_the_stores_used_and_no_calls_says_so() {
        let stores = [store(1, "berlin"), store(2, "hamburg")];
        let used = Used {
            calls: 2,
            grants: set(&["pricing:view"]),
            stores: ["hamburg".to_string()].into(),
            methods: BTreeSet::new(),
        };
        let p = assess(
            set(&["pricing:view"]),
            &StoreAccess::All,
            &AllowedMethods::ALL,
            &stores,
            &used,
        );
        assert_eq!(
            p.stores,
            StoreFinding::All {
                used: vec![stores[1].clone()]
            }
        );
        assert_eq!(p.unused_methods, None);
        assert!(!p.has_unused());
        assert_eq!(
            p.narrowed_stores(&StoreAccess::All),
            StoreAccess::individual(vec![2])
        );

        let idle = assess(
            set(&["pricing:view"]),
            &StoreAccess::All,
            &AllowedMethods::ALL,
            &stores,
            &Used::default(),
        );
        assert_eq!(
            idle.summary(),
            "Granted 1 permission, used 0 in the last 30 days: no calls."
        );
        assert_eq!(idle.narrowed_stores(&StoreAccess::All), StoreAccess::All);
    }

    #[test]
    fn narrowing_keeps_view_and_roles_cover_the_used_set() {
        let p = assess(
            set(&[
                "pricing:view",
                "pricing:edit",
                "pricing:delete",
                "user:view",
            ]),
            &StoreAccess::All,
            &AllowedMethods::ALL,
            &[],
            &Used {
                calls: 1,
                grants: set(&["pricing:edit"]),
                ..Used::default()
            },
        );
        assert_eq!(p.narrowed_grants(), set(&["pricing:view", "pricing:edit"]));
        let roles = covering_roles(set(&["pricing:view", "pricing:delete", "user:view"]));
        assert_eq!(
            roles,
            vec![
                KeyRole {
                    definition: Function::Pricing,
                    level: AccessLevel::Owner
                },
                KeyRole {
                    definition: Function::User,
                    level: AccessLevel::Viewer
                },
            ]
        );
        assert!(covering_roles(GrantSet::EMPTY).is_empty());
    }
}
