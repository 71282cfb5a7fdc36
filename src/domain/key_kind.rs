use std::fmt;

/// The two tabs of the page: GraphQL keys and REST client credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Graphql,
    Rest,
}

impl KeyKind {
    /// The value stored in `api_keys.kind` and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Graphql => "graphql",
            Self::Rest => "rest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Graphql => "GraphQL",
            Self::Rest => "REST",
        }
    }

    /// The prefix of the secret, so a leaked key is recognisable by scanners.
    pub fn secret_prefix(self) -> &'static str {
        match self {
            Self::Graphql => "kd_gql_",
            Self::Rest => "kd_rest_",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "graphql" => Some(Self::Graphql),
            "rest" => Some(Self::Rest),
            _ => None,
        }
    }

    pub fn is_graphql(self) -> bool {
        self == Self::Graphql
    }

    pub fn list_url(self) -> String {
        format!("/admin/api-keys/{}", self.code())
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
