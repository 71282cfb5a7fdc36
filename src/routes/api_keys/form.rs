//! Fields shared by the create and edit dialogs, parsed into typed values
//! with a message per field.

use crate::domain::{AccessLevel, KeyRoleDefinition};
use crate::error::AppError;
use crate::models::api_key::KeyRole;
use crate::models::channel::Channel;

/// Most role rows a form may send: one per definition.
const MAX_ROLE_ROWS: usize = KeyRoleDefinition::ALL.len();

/// The Active switch: absent is off.
pub fn parse_active(raw: Option<&str>) -> Result<bool, AppError> {
    match raw {
        None => Ok(false),
        Some("true" | "on") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(AppError::bad_request("Active must be on or off.")),
    }
}

/// The Channel select: empty is no channel; anything else must be a channel
/// that exists.
pub fn parse_channel(raw: &str, channels: &[Channel]) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|id| channels.iter().any(|c| c.id == *id))
        .map(Some)
        .ok_or_else(|| "Choose a channel from the list.".to_string())
}

/// A role row as typed, kept to show the form again.
#[derive(Clone, Default)]
pub struct RoleRow {
    pub definition: String,
    pub level: String,
}

/// The Roles field: the rows as typed (to show the form again) and either
/// the roles or what is wrong with them.
pub struct ParsedRoles {
    pub rows: Vec<RoleRow>,
    pub roles: Result<Vec<KeyRole>, String>,
}

/// Pairs the `role_definition` and `role_level` fields row by row. Blank rows
/// are skipped; a half-filled row, an unknown value or the same definition
/// twice is an error for the Roles field. Mismatched field counts are a 400:
/// no form of ours sends them.
pub fn parse_roles(definitions: &[String], levels: &[String]) -> Result<ParsedRoles, AppError> {
    if definitions.len() != levels.len() {
        return Err(AppError::bad_request(
            "Each role needs a Role Definition and an Access level.",
        ));
    }
    if definitions.len() > MAX_ROLE_ROWS * 2 {
        return Err(AppError::bad_request("Too many role rows."));
    }
    let rows: Vec<RoleRow> = definitions
        .iter()
        .zip(levels)
        .map(|(d, l)| RoleRow {
            definition: d.trim().to_owned(),
            level: l.trim().to_owned(),
        })
        .filter(|r| !(r.definition.is_empty() && r.level.is_empty()))
        .collect();
    let roles = validate_roles(&rows);
    Ok(ParsedRoles { rows, roles })
}

fn validate_roles(rows: &[RoleRow]) -> Result<Vec<KeyRole>, String> {
    let mut roles: Vec<KeyRole> = Vec::new();
    for r in rows {
        if r.definition.is_empty() {
            return Err("Choose a Role Definition for every access level.".into());
        }
        let definition = KeyRoleDefinition::parse(&r.definition)?;
        if r.level.is_empty() {
            return Err(format!(
                "Choose an Access level for {}.",
                definition.label()
            ));
        }
        let level = AccessLevel::parse(&r.level)?;
        if roles.iter().any(|x| x.definition == definition) {
            return Err(format!(
                "{} is listed twice: each role definition can be added once.",
                definition.label()
            ));
        }
        roles.push(KeyRole { definition, level });
    }
    Ok(roles)
}

/// Option lists for the templates.
pub fn definitions() -> [KeyRoleDefinition; 8] {
    KeyRoleDefinition::ALL
}

pub fn levels() -> [AccessLevel; 3] {
    AccessLevel::ALL
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn roles_pair_up() {
        let parsed =
            parse_roles(&s(&["pricing", "", "user"]), &s(&["owner", "", "viewer"])).unwrap();
        let r = parsed.roles.unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].definition, KeyRoleDefinition::Pricing);
    }

    #[test]
    fn bad_roles_are_field_errors() {
        for (d, l) in [
            (vec!["pricing", "pricing"], vec!["owner", "viewer"]),
            (vec!["pricing"], vec![""]),
            (vec![""], vec!["owner"]),
            (vec!["billing"], vec!["owner"]),
            (vec!["pricing"], vec!["admin"]),
        ] {
            let parsed = parse_roles(&s(&d), &s(&l)).unwrap();
            assert!(parsed.roles.is_err(), "{d:?} {l:?}");
        }
        assert!(parse_roles(&s(&["pricing"]), &s(&[])).is_err());
    }

    #[test]
    fn active_switch() {
        assert!(!parse_active(None).unwrap());
        assert!(parse_active(Some("true")).unwrap());
        assert!(parse_active(Some("yes please")).is_err());
    }
}
