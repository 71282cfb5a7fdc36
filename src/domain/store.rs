//! Stores (seed 003): a key has "Access to all stores" or "Access to
//! individual stores" with a list of them.

use std::fmt;

/// A store's code: what the Key API and the verification endpoint name it by
/// (`berlin`, `shop-02`). 1–40 lower-case ASCII letters, digits, `-` and `_`,
/// starting with a letter or digit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoreCode(String);

impl StoreCode {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Enter a code, e.g. berlin.".into());
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "A code has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        let ok_first = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let ok_rest = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok_first || !ok_rest {
            return Err(
                "A code uses lower-case letters a–z, digits, - and _, and starts with a letter or digit."
                    .into(),
            );
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StoreCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which stores a key may reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreAccess {
    /// "Access to all stores".
    All,
    /// "Access to individual stores": these store ids (sorted, no
    /// duplicates). Empty only when the stores were deleted afterwards: the
    /// key then reaches no store.
    Individual(Vec<i64>),
}

impl StoreAccess {
    pub fn individual(mut ids: Vec<i64>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Self::Individual(ids)
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Self::All)
    }

    pub fn store_ids(&self) -> &[i64] {
        match self {
            Self::All => &[],
            Self::Individual(ids) => ids,
        }
    }

    pub fn allows(&self, store_id: i64) -> bool {
        match self {
            Self::All => true,
            Self::Individual(ids) => ids.binary_search(&store_id).is_ok(),
        }
    }

    /// True when every store `self` reaches is also reached by `other`.
    pub fn is_within(&self, other: &StoreAccess) -> bool {
        match (self, other) {
            (_, Self::All) => true,
            (Self::All, Self::Individual(_)) => false,
            (Self::Individual(a), Self::Individual(b)) => a.iter().all(|id| b.contains(id)),
        }
    }
}

/// The Access type radio of the dialogs, in seed 003's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessType {
    All,
    Individual,
}

impl AccessType {
    pub fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Individual => "individual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "Access to all stores",
            Self::Individual => "Access to individual stores",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "all" => Ok(Self::All),
            "individual" => Ok(Self::Individual),
            _ => Err("Choose an access type: all stores or individual stores.".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(StoreCode::parse(" berlin ").unwrap().as_str(), "berlin");
        assert!(StoreCode::parse("shop-02_a").is_ok());
        for bad in ["", "Berlin", "-x", "a b", "münchen", &"a".repeat(41)] {
            assert!(StoreCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn access() {
        let some = StoreAccess::individual(vec![3, 1, 3]);
        assert_eq!(some.store_ids(), &[1, 3]);
        assert!(some.allows(3) && !some.allows(2));
        assert!(StoreAccess::All.allows(99));
        assert!(some.is_within(&StoreAccess::All));
        assert!(!StoreAccess::All.is_within(&some));
        assert!(StoreAccess::individual(vec![1]).is_within(&some));
        assert!(!StoreAccess::individual(vec![]).allows(1));
    }
}
