//! The permission model shared by both faces (see `shared/DESIGN.md`): a
//! key's grant is a set of (function, action). The functions are seed 001's
//! eight role definitions; the actions are seed 000's View, Edit, Create and
//! Delete. An access level is a bundle of actions.

use std::fmt;

use super::{AccessLevel, KeyRoleDefinition};
use crate::models::api_key::KeyRole;

/// A part of the platform a key may act on.
pub type Function = KeyRoleDefinition;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    View,
    Edit,
    Create,
    Delete,
}

impl Action {
    pub const ALL: [Action; 4] = [Self::View, Self::Edit, Self::Create, Self::Delete];

    pub fn code(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Edit => "edit",
            Self::Create => "create",
            Self::Delete => "delete",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::View => "View",
            Self::Edit => "Edit",
            Self::Create => "Create",
            Self::Delete => "Delete",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.code().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                format!(
                    "Unknown action `{}`: choose view, edit, create or delete.",
                    shorten(raw)
                )
            })
    }

    /// The lowest access level whose bundle holds this action.
    pub fn min_level(self) -> AccessLevel {
        match self {
            Self::View => AccessLevel::Viewer,
            Self::Edit => AccessLevel::Editor,
            Self::Create | Self::Delete => AccessLevel::Owner,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A function's slug, as the Key API and the verification endpoint take it.
pub fn parse_function(raw: &str) -> Result<Function, String> {
    Function::ALL
        .into_iter()
        .find(|f| f.code() == raw.trim())
        .ok_or_else(|| {
            let valid: Vec<&str> = Function::ALL.iter().map(|f| f.code()).collect();
            format!(
                "Unknown function `{}`: choose one of {}.",
                shorten(raw),
                valid.join(", ")
            )
        })
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// One (function, action) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    pub function: Function,
    pub action: Action,
}

impl Grant {
    pub fn new(function: Function, action: Action) -> Self {
        Self { function, action }
    }

    /// `order-data:view`, the form OAuth scopes and error messages use.
    pub fn scope(&self) -> String {
        format!("{}:{}", self.function.code(), self.action.code())
    }

    pub fn parse_scope(raw: &str) -> Result<Self, String> {
        let (f, a) = raw
            .split_once(':')
            .ok_or_else(|| format!("`{}` is not FUNCTION:ACTION.", shorten(raw)))?;
        Ok(Self::new(parse_function(f)?, Action::parse(a)?))
    }

    fn bit(&self) -> u32 {
        let f = Function::ALL
            .iter()
            .position(|x| *x == self.function)
            .unwrap_or(0);
        1 << (f * Action::ALL.len() + self.action.index())
    }
}

/// A key's whole grant: a set of (function, action), kept as 32 bits (8
/// functions × 4 actions) so a check is one AND.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GrantSet(u32);

impl GrantSet {
    pub const EMPTY: GrantSet = GrantSet(0);

    pub fn contains(&self, g: Grant) -> bool {
        self.0 & g.bit() != 0
    }

    pub fn allows(&self, function: Function, action: Action) -> bool {
        self.contains(Grant::new(function, action))
    }

    pub fn insert(&mut self, g: Grant) {
        self.0 |= g.bit();
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// True when every pair of `self` is also in `other`.
    pub fn is_subset_of(&self, other: &GrantSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn intersection(&self, other: &GrantSet) -> GrantSet {
        GrantSet(self.0 & other.0)
    }

    /// Every pair, function by function in seed 001's order, then action.
    pub fn iter(&self) -> impl Iterator<Item = Grant> + '_ {
        Function::ALL.into_iter().flat_map(move |f| {
            Action::ALL
                .into_iter()
                .map(move |a| Grant::new(f, a))
                .filter(move |g| self.contains(*g))
        })
    }

    /// What GraphQL roles allow: each role's level as its bundle of actions.
    pub fn from_roles(roles: &[KeyRole]) -> Self {
        let mut set = Self::EMPTY;
        for r in roles {
            for a in Action::ALL {
                if r.level >= a.min_level() {
                    set.insert(Grant::new(r.definition, a));
                }
            }
        }
        set
    }

    /// Edit, Create and Delete need View on the same function; the first
    /// function that breaks the rule, if any.
    pub fn missing_view(&self) -> Option<Function> {
        Function::ALL.into_iter().find(|f| {
            !self.allows(*f, Action::View) && Action::ALL[1..].iter().any(|a| self.allows(*f, *a))
        })
    }

    /// Space-separated scopes, as OAuth answers them.
    pub fn scopes(&self) -> String {
        self.iter().map(|g| g.scope()).collect::<Vec<_>>().join(" ")
    }
}

impl FromIterator<Grant> for GrantSet {
    fn from_iter<I: IntoIterator<Item = Grant>>(iter: I) -> Self {
        let mut set = Self::EMPTY;
        for g in iter {
            set.insert(g);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_expand_to_their_bundles() {
        let set = GrantSet::from_roles(&[
            KeyRole {
                definition: Function::OrderData,
                level: AccessLevel::Viewer,
            },
            KeyRole {
                definition: Function::Pricing,
                level: AccessLevel::Owner,
            },
        ]);
        assert_eq!(set.len(), 5);
        assert!(set.allows(Function::OrderData, Action::View));
        assert!(!set.allows(Function::OrderData, Action::Edit));
        assert!(set.allows(Function::Pricing, Action::Delete));
        assert_eq!(set.missing_view(), None);
    }

    #[test]
    fn every_pair_has_its_own_bit() {
        let all: GrantSet = Function::ALL
            .into_iter()
            .flat_map(|f| Action::ALL.into_iter().map(move |a| Grant::new(f, a)))
            .collect();
        assert_eq!(all.len(), 32);
        assert_eq!(all.iter().count(), 32);
        assert!(GrantSet::EMPTY.is_subset_of(&all));
        assert!(!all.is_subset_of(&GrantSet::EMPTY));
    }

    #[test]
    fn edit_without_view_is_caught() {
        let set: GrantSet = [Grant::new(Function::Logistics, Action::Edit)]
            .into_iter()
            .collect();
        assert_eq!(set.missing_view(), Some(Function::Logistics));
    }

    #[test]
    fn scopes_round_trip() {
        let g = Grant::new(Function::RoleAndPermission, Action::View);
        assert_eq!(g.scope(), "role-permission:view");
        assert_eq!(Grant::parse_scope("role-permission:view"), Ok(g));
        assert!(Grant::parse_scope("billing:view").is_err());
        assert!(Grant::parse_scope("order-data:read").is_err());
        assert!(Grant::parse_scope("order-data").is_err());
    }
}
