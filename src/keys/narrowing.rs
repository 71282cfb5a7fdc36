//! What an edit takes away from a key (issue 13, part 3): switching Active
//! off, or narrowing its grants, stores or Allowed API Methods. The back
//! office asks before saving such an edit; the Key API saves it as asked.
//! Both compare with the same function, over the key as it is now.

use crate::access::AllowedMethod;
use crate::domain::{Grant, StoreAccess};

use super::{KeyChanges, KeyState};

/// A narrowing of stores or methods: from "all" to a list, or a list to a
/// shorter one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut<T> {
    /// The key could reach every store (or method) before.
    pub from_all: bool,
    /// Listed before, not after (empty when `from_all`).
    pub removed: Vec<T>,
    /// What the key keeps.
    pub kept: Vec<T>,
}

impl<T: PartialEq> Cut<T> {
    /// Whether `x` is no longer reachable after the cut.
    pub fn takes(&self, x: &T) -> bool {
        if self.from_all {
            !self.kept.contains(x)
        } else {
            self.removed.contains(x)
        }
    }
}

/// Everything an edit takes away; empty when it only adds or renames.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narrowing {
    pub deactivates: bool,
    pub removed_grants: Vec<Grant>,
    /// Store ids.
    pub stores: Option<Cut<i64>>,
    pub methods: Option<Cut<AllowedMethod>>,
}

impl Narrowing {
    pub fn is_empty(&self) -> bool {
        !self.deactivates
            && self.removed_grants.is_empty()
            && self.stores.is_none()
            && self.methods.is_none()
    }

    /// What the confirmation binds to: the key's state and what is taken
    /// away, so a confirmation given for another state does not apply.
    pub fn fingerprint(&self, before: &KeyState) -> String {
        let k = &before.key;
        format!(
            "{}|{}|{}|{:?}|{}|{:?}|{:?}|{:?}",
            k.id,
            k.updated_at,
            k.active,
            k.expires_at,
            before.grants.scopes(),
            before.stores,
            before.methods,
            self
        )
    }
}

fn cut<T: Clone + PartialEq>(before: Option<&[T]>, after: Option<&[T]>) -> Option<Cut<T>> {
    match (before, after) {
        (_, None) => None,
        (None, Some(kept)) => Some(Cut {
            from_all: true,
            removed: Vec::new(),
            kept: kept.to_vec(),
        }),
        (Some(old), Some(kept)) => {
            let removed: Vec<T> = old.iter().filter(|x| !kept.contains(x)).cloned().collect();
            (!removed.is_empty()).then(|| Cut {
                from_all: false,
                removed,
                kept: kept.to_vec(),
            })
        }
    }
}

fn stores_list(s: &StoreAccess) -> Option<&[i64]> {
    (!s.is_all()).then(|| s.store_ids())
}

/// What `changes` take away from the key `before` describes.
pub fn narrowing(before: &KeyState, changes: &KeyChanges) -> Narrowing {
    let removed_grants = match changes.grants {
        Some(new) => before.grants.iter().filter(|g| !new.contains(*g)).collect(),
        None => Vec::new(),
    };
    Narrowing {
        deactivates: before.key.active && !changes.active,
        removed_grants,
        stores: cut(stores_list(&before.stores), stores_list(&changes.stores)),
        methods: cut(before.methods.list(), changes.allowed_methods.list()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts() {
        assert_eq!(cut::<i64>(None, None), None);
        assert_eq!(cut(Some(&[1][..]), None), None, "to all: wider");
        assert_eq!(cut(Some(&[1, 2][..]), Some(&[2, 1][..])), None);
        let c = cut(None, Some(&[1][..])).unwrap();
        assert!(c.from_all && c.takes(&2) && !c.takes(&1));
        let c = cut(Some(&[1, 2][..]), Some(&[2, 3][..])).unwrap();
        assert_eq!(c.removed, [1]);
        assert!(c.takes(&1) && !c.takes(&3));
    }
}
