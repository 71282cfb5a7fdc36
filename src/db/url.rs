//! Which backend a `--database-url` names.

use std::fmt;

/// A parsed database location. Parsed once at the edge so the rest of the
/// code never guesses the backend from a string.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file path (`keydesk.db` or `sqlite://PATH`).
    Sqlite(String),
    /// A libpq connection URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("the database URL is empty")]
    Empty,
    #[error("unsupported database URL scheme `{0}`: use a SQLite file path, sqlite://PATH or postgres://…")]
    UnsupportedScheme(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DatabaseUrlError::Empty);
            }
            return Ok(Self::Sqlite(path.to_owned()));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(DatabaseUrlError::UnsupportedScheme(scheme.to_owned()));
        }
        Ok(Self::Sqlite(raw.to_owned()))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Never prints a password that a PostgreSQL URL may carry.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{path}"),
            Self::Postgres(url) => {
                // postgres://user:password@host/db -> postgres://user:***@host/db
                match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if url[s + 3..at].contains(':') => {
                        let colon = s + 3 + url[s + 3..at].find(':').unwrap_or(0);
                        write!(f, "{}:***{}", &url[..colon], &url[at..])
                    }
                    _ => write!(f, "{url}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_form() {
        assert_eq!(
            DatabaseUrl::parse("keydesk.db"),
            Ok(DatabaseUrl::Sqlite("keydesk.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/a.db"),
            Ok(DatabaseUrl::Sqlite("/tmp/a.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("mysql://x"),
            Err(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        assert_eq!(DatabaseUrl::parse("  "), Err(DatabaseUrlError::Empty));
    }

    #[test]
    fn display_hides_password() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/keydesk").unwrap();
        assert_eq!(url.to_string(), "postgres://app:***@db:5432/keydesk");
    }
}
