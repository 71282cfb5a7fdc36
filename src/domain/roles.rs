//! Role definitions and access levels: of back-office users (which pages they
//! may use) and of GraphQL API keys (what the key may do on the platform).

use std::fmt;

/// Viewer < Editor < Owner. Stored as 1, 2, 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    Viewer = 1,
    Editor = 2,
    Owner = 3,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 3] = [Self::Viewer, Self::Editor, Self::Owner];

    pub fn code(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Owner => "owner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Viewer => "Viewer",
            Self::Editor => "Editor",
            Self::Owner => "Owner",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                format!(
                    "Unknown access level `{}`: choose Viewer, Editor or Owner.",
                    raw.trim()
                )
            })
    }

    pub fn as_i16(self) -> i16 {
        self as i16
    }

    pub fn from_i16(v: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_i16() == v)
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The back-office role definitions: each governs one admin page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BackofficeRole {
    /// API Key Management.
    ApiKey,
    /// Backoffice Users.
    User,
}

impl BackofficeRole {
    pub const ALL: [BackofficeRole; 2] = [Self::ApiKey, Self::User];

    pub fn code(self) -> &'static str {
        match self {
            Self::ApiKey => "api-key",
            Self::User => "user",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ApiKey => "API Key",
            Self::User => "User",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|d| d.code().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                format!(
                    "Unknown role definition `{}`: choose api-key or user.",
                    raw.trim()
                )
            })
    }
}

/// A back-office role as given on the command line: `api-key:owner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleGrant {
    pub definition: BackofficeRole,
    pub level: AccessLevel,
}

impl RoleGrant {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (def, level) = raw
            .split_once(':')
            .ok_or_else(|| format!("`{raw}` is not DEFINITION:LEVEL, e.g. api-key:owner."))?;
        Ok(Self {
            definition: BackofficeRole::parse(def)?,
            level: AccessLevel::parse(level)?,
        })
    }
}

impl std::str::FromStr for RoleGrant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The role definitions a GraphQL API key can hold, as seed 001 lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyRoleDefinition {
    ProductData,
    Logistics,
    Configuration,
    OrderData,
    Pricing,
    RoleAndPermission,
    ShopAndChannel,
    User,
}

impl KeyRoleDefinition {
    pub const ALL: [KeyRoleDefinition; 8] = [
        Self::ProductData,
        Self::Logistics,
        Self::Configuration,
        Self::OrderData,
        Self::Pricing,
        Self::RoleAndPermission,
        Self::ShopAndChannel,
        Self::User,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ProductData => "product-data",
            Self::Logistics => "logistics",
            Self::Configuration => "configuration",
            Self::OrderData => "order-data",
            Self::Pricing => "pricing",
            Self::RoleAndPermission => "role-permission",
            Self::ShopAndChannel => "shop-channel",
            Self::User => "user",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ProductData => "Product Data",
            Self::Logistics => "Logistics",
            Self::Configuration => "Configuration",
            Self::OrderData => "Order Data",
            Self::Pricing => "Pricing",
            Self::RoleAndPermission => "Role & permission",
            Self::ShopAndChannel => "Shop & channel",
            Self::User => "User",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|d| d.code() == raw.trim())
            .ok_or_else(|| "Unknown role definition: choose one from the list.".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse() {
        let g = RoleGrant::parse("api-key:owner").unwrap();
        assert_eq!(g.definition, BackofficeRole::ApiKey);
        assert_eq!(g.level, AccessLevel::Owner);
        assert!(RoleGrant::parse("api-key").is_err());
        assert!(RoleGrant::parse("billing:owner").is_err());
        assert!(RoleGrant::parse("user:god").is_err());
    }

    #[test]
    fn levels_order_and_round_trip() {
        assert!(
            AccessLevel::Viewer < AccessLevel::Editor && AccessLevel::Editor < AccessLevel::Owner
        );
        for l in AccessLevel::ALL {
            assert_eq!(AccessLevel::from_i16(l.as_i16()), Some(l));
        }
        for d in KeyRoleDefinition::ALL {
            assert_eq!(KeyRoleDefinition::parse(d.code()), Ok(d));
        }
    }
}
