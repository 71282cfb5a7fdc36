//! What the create and edit forms share: one access-level select per role
//! definition, and the rule that every definition keeps an active Owner.

use crate::db::DbConnection;
use crate::domain::{AccessLevel, BackofficeRole, RoleGrant};
use crate::error::AppError;
use crate::models::user::{self, Roles};

/// One row of the roles fieldset as the template shows it.
pub struct RoleChoice {
    pub definition: BackofficeRole,
    /// The selected level's code, "" for no access.
    pub selected: String,
}

impl RoleChoice {
    pub fn field(&self) -> String {
        format!("role.{}", self.definition.code())
    }

    pub fn is(&self, level: &AccessLevel) -> bool {
        self.selected == level.code()
    }
}

pub fn choices(roles: &Roles) -> Vec<RoleChoice> {
    BackofficeRole::ALL
        .iter()
        .map(|d| RoleChoice {
            definition: *d,
            selected: roles
                .level(*d)
                .map(|l| l.code().to_owned())
                .unwrap_or_default(),
        })
        .collect()
}

/// The submitted selects as typed, so a form shown again keeps them.
pub fn choices_from_fields(fields: &[(String, String)]) -> Vec<RoleChoice> {
    BackofficeRole::ALL
        .iter()
        .map(|d| RoleChoice {
            definition: *d,
            selected: field(fields, &format!("role.{}", d.code()))
                .unwrap_or_default()
                .to_owned(),
        })
        .collect()
}

/// Parses the selects. The options come from the page, so anything else was
/// not typed by a user: a 400, not a form error.
pub fn parse_roles(fields: &[(String, String)]) -> Result<Roles, AppError> {
    let mut grants = Vec::new();
    for d in BackofficeRole::ALL {
        match field(fields, &format!("role.{}", d.code())) {
            None | Some("") => {}
            Some(raw) => {
                let level = AccessLevel::parse(raw)
                    .map_err(|e| AppError::bad_request(format!("Role {}: {e}", d.label())))?;
                grants.push(RoleGrant {
                    definition: d,
                    level,
                });
            }
        }
    }
    Ok(Roles::from_grants(&grants))
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn levels() -> [AccessLevel; 3] {
    AccessLevel::ALL
}

/// How roles read in the history: `["api-key:owner", "user:owner"]`.
pub fn roles_json(roles: &Roles) -> serde_json::Value {
    serde_json::Value::Array(
        roles
            .iter()
            .map(|(d, l)| serde_json::Value::String(format!("{}:{}", d.code(), l.code())))
            .collect(),
    )
}

/// Run after a change, inside its transaction: an error rolls it back.
pub fn keep_an_owner(conn: &mut DbConnection) -> Result<(), AppError> {
    let missing = user::definitions_without_owner(conn)?;
    match missing.first() {
        None => Ok(()),
        Some(d) => Err(AppError::Conflict(format!(
            "This would leave no active Owner of {}. Make another user Owner of {} first.",
            d.label(),
            d.label()
        ))),
    }
}
