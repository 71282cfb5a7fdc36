//! The fields of a key's life that both dialogs share: Expiry date,
//! Permissions (the grid) and Access type with its stores. Parsed here into
//! typed values, each with its own message; shown by the `_expiry_field`,
//! `_permission_grid` and `_store_access` templates, which both dialogs
//! include as `life`.

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::list::format_time;
use crate::domain::expiry::DEFAULT_EXPIRY;
use crate::domain::{AccessType, Action, ExpiryChoice, Function, Grant, GrantSet, StoreAccess};
use crate::error::AppError;
use crate::models::store::Store;

/// More `grant` or `store` values than any form of ours sends.
const MAX_VALUES: usize = 1_000;

/// The raw fields, as both dialogs post them (flattened into each dialog's
/// input, hence `one_or_many` for the repeated ones).
#[derive(Deserialize, Default)]
pub struct LifeInput {
    pub expiry: Option<String>,
    #[serde(default)]
    pub expiry_date: String,
    #[serde(default, deserialize_with = "one_or_many")]
    pub grant: Vec<String>,
    pub access_type: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub store: Vec<String>,
}

/// A repeated form field inside `#[serde(flatten)]`: one value arrives as a
/// string, several as a sequence.
pub(super) fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

#[derive(Default)]
pub struct LifeErrors {
    pub expiry: Option<String>,
    pub grants: Option<String>,
    pub stores: Option<String>,
}

impl LifeErrors {
    pub fn any(&self) -> bool {
        self.expiry.is_some() || self.grants.is_some() || self.stores.is_some()
    }
}

/// What the templates show: the choices as made (or as stored), the stores
/// to pick from, and a message per field.
pub struct LifeFields {
    /// `30d`, `90d`, `1y`, `date`, `never` or (edit only) `keep`.
    pub expiry: String,
    pub expiry_date: String,
    /// Edit dialog: the expiry the key has now, for the "Keep" option.
    pub current_expiry: Option<Option<NaiveDateTime>>,
    pub grants: GrantSet,
    /// GraphQL keys: the grid shows what the roles allow, read-only.
    pub grid_readonly: bool,
    pub all_stores: bool,
    pub store_ids: Vec<i64>,
    pub stores: Vec<Store>,
    pub errors: LifeErrors,
    /// Stable ids for the fields of this dialog.
    pub prefix: &'static str,
}

impl LifeFields {
    /// A new key: 90 days, no permissions, all stores.
    pub fn for_new(stores: Vec<Store>, grid_readonly: bool) -> Self {
        Self {
            expiry: DEFAULT_EXPIRY.into(),
            expiry_date: String::new(),
            current_expiry: None,
            grants: GrantSet::EMPTY,
            grid_readonly,
            all_stores: true,
            store_ids: Vec::new(),
            stores,
            errors: LifeErrors::default(),
            prefix: "new",
        }
    }

    /// An existing key as stored.
    pub fn for_key(
        expires_at: Option<NaiveDateTime>,
        grants: GrantSet,
        access: &StoreAccess,
        stores: Vec<Store>,
        grid_readonly: bool,
    ) -> Self {
        Self {
            expiry: "keep".into(),
            expiry_date: expires_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            current_expiry: Some(expires_at),
            grants,
            grid_readonly,
            all_stores: access.is_all(),
            store_ids: access.store_ids().to_vec(),
            stores,
            errors: LifeErrors::default(),
            prefix: "edit",
        }
    }

    /// Keeps what was typed, to show the form again with its messages.
    pub fn refill(&mut self, input: &LifeInput, errors: LifeErrors) {
        if let Some(e) = &input.expiry {
            self.expiry = e.trim().to_owned();
        }
        self.expiry_date = input.expiry_date.trim().to_owned();
        if !self.grid_readonly {
            self.grants = input
                .grant
                .iter()
                .filter_map(|g| Grant::parse_scope(g).ok())
                .collect();
        }
        if let Some(t) = &input.access_type {
            self.all_stores = t.trim() != AccessType::Individual.code();
        }
        self.store_ids = input
            .store
            .iter()
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        self.errors = errors;
    }

    /// Individual access whose stores were all deleted: it reaches none.
    pub fn no_stores(&self) -> bool {
        !self.all_stores && self.store_ids.is_empty() && self.errors.stores.is_none()
    }

    pub fn functions(&self) -> [Function; 8] {
        Function::ALL
    }

    pub fn actions(&self) -> [Action; 4] {
        Action::ALL
    }

    pub fn granted(&self, f: &Function, a: &Action) -> bool {
        self.grants.allows(*f, *a)
    }

    pub fn scope(&self, f: &Function, a: &Action) -> String {
        Grant::new(*f, *a).scope()
    }

    pub fn store_checked(&self, s: &Store) -> bool {
        self.store_ids.contains(&s.id)
    }

    /// The options of the Expiry date select: (value, label).
    pub fn expiry_options(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(current) = self.current_expiry {
            let label = match current {
                Some(t) => format!("Keep: {} UTC", format_time(t)),
                None => "Keep: never expires".into(),
            };
            out.push(("keep", label));
        }
        out.extend([
            ("30d", "30 days".to_string()),
            (
                "90d",
                if self.current_expiry.is_none() {
                    "90 days (recommended)".to_string()
                } else {
                    "90 days".to_string()
                },
            ),
            ("1y", "1 year".to_string()),
            ("date", "A custom date".to_string()),
            ("never", "Never".to_string()),
        ]);
        out
    }

    pub fn expiry_selected(&self, value: &str) -> bool {
        self.expiry == value
    }

    pub fn access_types(&self) -> [AccessType; 2] {
        [AccessType::All, AccessType::Individual]
    }

    pub fn access_checked(&self, t: &AccessType) -> bool {
        (*t == AccessType::All) == self.all_stores
    }
}

/// The parsed life of a key, or the messages per field.
pub struct ParsedLife {
    pub expiry: Result<ExpiryChoice, String>,
    pub grants: Result<GrantSet, String>,
    pub stores: Result<StoreAccess, String>,
}

impl ParsedLife {
    pub fn errors(&self) -> LifeErrors {
        LifeErrors {
            expiry: self.expiry.as_ref().err().cloned(),
            grants: self.grants.as_ref().err().cloned(),
            stores: self.stores.as_ref().err().cloned(),
        }
    }
}

/// Parses the three fields. `allow_keep`: the edit dialog's "Keep" expiry.
/// `grants_allowed`: REST keys; a GraphQL form that sends grants is a 400
/// (no form of ours does).
pub fn parse(
    input: &LifeInput,
    stores: &[Store],
    allow_keep: bool,
    grants_allowed: bool,
    now: NaiveDateTime,
) -> Result<ParsedLife, AppError> {
    if input.grant.len() > MAX_VALUES || input.store.len() > MAX_VALUES {
        return Err(AppError::bad_request("The form has too many values."));
    }
    if !grants_allowed && !input.grant.is_empty() {
        return Err(AppError::bad_request(
            "GraphQL keys get their permissions from their roles.",
        ));
    }
    let expiry = ExpiryChoice::parse(
        input
            .expiry
            .as_deref()
            .unwrap_or(if allow_keep { "keep" } else { DEFAULT_EXPIRY }),
        &input.expiry_date,
        allow_keep,
        now,
    );
    Ok(ParsedLife {
        expiry,
        grants: parse_grants(&input.grant),
        stores: parse_stores(input.access_type.as_deref(), &input.store, stores),
    })
}

/// The grid: `function:action` values. Edit, Create and Delete imply View.
pub fn parse_grants(raw: &[String]) -> Result<GrantSet, String> {
    let set = raw
        .iter()
        .map(|g| Grant::parse_scope(g))
        .collect::<Result<GrantSet, String>>()?;
    match set.missing_view() {
        Some(f) => Err(format!(
            "Edit, Create and Delete include View: tick View for {} too.",
            f.label()
        )),
        None => Ok(set),
    }
}

/// Access type and stores: individual access needs at least one store, and
/// each must be one of `stores`.
pub fn parse_stores(
    access_type: Option<&str>,
    raw: &[String],
    stores: &[Store],
) -> Result<StoreAccess, String> {
    match AccessType::parse(access_type.unwrap_or("all"))? {
        AccessType::All => Ok(StoreAccess::All),
        AccessType::Individual => {
            let ids = raw
                .iter()
                .map(|s| {
                    s.trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|id| stores.iter().any(|st| st.id == *id))
                        .ok_or_else(|| {
                            "One of the chosen stores does not exist (any more): choose from the list."
                                .to_string()
                        })
                })
                .collect::<Result<Vec<i64>, String>>()?;
            if ids.is_empty() {
                return Err("Choose at least one store, or give access to all stores.".to_string());
            }
            Ok(StoreAccess::individual(ids))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn grid_values() {
        let g = parse_grants(&s(&["order-data:view", "order-data:edit"])).unwrap();
        assert_eq!(g.len(), 2);
        assert!(parse_grants(&s(&["order-data:edit"])).is_err());
        assert!(parse_grants(&s(&["billing:view"])).is_err());
        assert!(parse_grants(&s(&["order-data:read"])).is_err());
        assert!(parse_grants(&[]).unwrap().is_empty());
    }

    #[test]
    fn store_choice() {
        let now = crate::models::now_utc();
        let stores = vec![Store {
            id: 4,
            name: "Berlin".into(),
            code: "berlin".into(),
            created_at: now,
        }];
        assert_eq!(parse_stores(None, &[], &stores), Ok(StoreAccess::All));
        assert_eq!(
            parse_stores(Some("individual"), &s(&["4"]), &stores),
            Ok(StoreAccess::individual(vec![4]))
        );
        assert!(parse_stores(Some("individual"), &[], &stores).is_err());
        assert!(parse_stores(Some("individual"), &s(&["5"]), &stores).is_err());
        assert!(parse_stores(Some("individual"), &s(&["x"]), &stores).is_err());
        assert!(parse_stores(Some("some"), &[], &stores).is_err());
    }
}

#[cfg(test)]
mod form_tests {
    use super::LifeInput;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Outer {
        #[serde(default)]
        name: String,
        #[serde(default)]
        role_level: Vec<String>,
        #[serde(flatten)]
        life: LifeInput,
    }

    #[test]
    fn repeated_fields_survive_flatten() {
        let o: Outer = serde_html_form::from_str(
            "name=a&role_level=x&role_level=y&grant=order-data:view&grant=pricing:view&store=1&access_type=individual&expiry=30d",
        )
        .unwrap();
        assert_eq!(o.name, "a");
        assert_eq!(o.role_level.len(), 2);
        assert_eq!(o.life.grant.len(), 2);
        assert_eq!(o.life.store, vec!["1".to_string()]);
        let o: Outer =
            serde_html_form::from_str("name=a&role_level=x&grant=order-data:view").unwrap();
        assert_eq!(o.life.grant.len(), 1);
        assert_eq!(o.role_level, vec!["x".to_string()]);
    }
}
