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

/// No escalation: on each role definition a user may grant at most the
/// level they hold there. A level that does not change (another owner's, kept
/// while the active flag is edited) is not a grant; lowering one is allowed.
pub fn check_grants(mine: &Roles, before: &Roles, after: &Roles) -> Result<(), String> {
    for (d, wanted) in after.iter() {
        if before.level(*d) == Some(*wanted) {
            continue;
        }
        match mine.level(*d) {
            Some(held) if held >= *wanted => {}
            Some(held) => {
                return Err(format!(
                    "You can grant at most the level you hold yourself: you are {} of {}, so you cannot grant {}.",
                    held.label(),
                    d.label(),
                    wanted.label()
                ))
            }
            None => {
                return Err(format!(
                    "You hold no role on {}, so you cannot grant it. Ask an Owner of {} to do it.",
                    d.label(),
                    d.label()
                ))
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::check_grants;
    use crate::domain::RoleGrant;
    use crate::models::user::Roles;

    fn roles(r: &[&str]) -> Roles {
        let g: Vec<RoleGrant> = r.iter().map(|x| RoleGrant::parse(x).unwrap()).collect();
        Roles::from_grants(&g)
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        let me = roles(&["user:owner", "api-key:editor"]);
        let none = roles(&[]);
        assert!(check_grants(&me, &none, &roles(&["api-key:editor"])).is_ok());
        assert!(check_grants(&me, &none, &roles(&["api-key:owner"])).is_err());
        assert!(check_grants(&roles(&["user:owner"]), &none, &roles(&["api-key:viewer"])).is_err());
        // Kept as it was, or lowered: not a grant.
        let owner = roles(&["api-key:owner"]);
        assert!(check_grants(&me, &owner, &owner).is_ok());
        assert!(check_grants(&me, &owner, &roles(&["api-key:viewer"])).is_ok());
        assert!(check_grants(&me, &owner, &none).is_ok());
    }
}
