//! The list's search box as SQL (issue 12): a name search served by each
//! backend's trigram index, and exact lookups by a secret's shown prefix and
//! by a REST key's Client Id. Whatever is typed is data, bound as a
//! parameter and taken literally: LIKE wildcards are escaped, FTS5 syntax
//! is quoted as one phrase, so no text can make the query fail.
//!
//! Matching is what it always was: the lower-cased search text (Rust's
//! Unicode lower-casing, as `api_key::name_key`) is a substring of the
//! key's `name_key`, compared byte by byte on both backends.
//! - PostgreSQL: `name_key LIKE '%text%'`, which the `pg_trgm` GIN index
//!   serves as it is (migration 2026-12-02-000300_search_indexes).
//! - SQLite: the FTS5 trigram table `api_keys_name_fts`, queried with the
//!   text as one phrase (consecutive trigrams: a substring). Text of one or
//!   two characters has no trigram; it keeps the LIKE, which reads the
//!   tab's narrowest covering index once at most and stops after the page
//!   (and the count after its bound): correct, and bounded by the tab's size.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::KeyKind;
use crate::schema::api_keys;

pub type Condition = Box<dyn BoxableExpression<api_keys::table, MultiBackend, SqlType = Bool>>;

/// Characters of a secret's shown prefix after its kind prefix
/// (`domain::secret`): "kd_gql_" + 6.
const SHOWN_CHARS: usize = 6;

/// How the SQLite page query meets the trigram matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Read the matching ids from the trigram index and sort them: best when
    /// few keys match (and for the count, which needs no order).
    FromMatches,
    /// Walk the sort column's index and keep the keys among the matches
    /// (`+id`: SQLite may not start from the ids): best when many match,
    /// as the page fills after a few hundred entries instead of sorting
    /// thousands of matches.
    WalkSortIndex,
}

/// Matches from which the page walks the sort index (see `Plan`), judged
/// from the bounded count the list has just made.
pub const WALK_FROM_MATCHES: i64 = 2_000;

/// The most characters a name's search key can have: a name's characters,
/// each lower-cased to at most three (Unicode's longest lower-case mapping
/// is shorter still).
const LONGEST_NAME_KEY: usize = 3 * crate::domain::KeyName::MAX_CHARS;

/// Keys whose name contains `text`, or (when `text` has their shape) whose
/// secret has that shown prefix, or whose Client Id it is.
pub fn condition(text: &str, sqlite: bool, plan: Plan) -> Condition {
    let lowered = text.to_lowercase();
    let mut cond: Condition = if lowered.chars().count() > LONGEST_NAME_KEY {
        // Longer than any lower-cased name: no name contains it, and no index
        // need read thousands of trigrams to say so.
        Box::new(sql::<Bool>("1 = 0"))
    } else if sqlite && uses_trigrams(text) {
        let id = match plan {
            Plan::FromMatches => "api_keys.id",
            Plan::WalkSortIndex => "+api_keys.id",
        };
        Box::new(
            sql::<Bool>(&format!(
                "{id} IN (SELECT rowid FROM api_keys_name_fts WHERE api_keys_name_fts MATCH "
            ))
            .bind::<Text, _>(fts_phrase(&lowered))
            .sql(")"),
        )
    } else {
        Box::new(api_keys::name_key.like(like_pattern(&lowered)).escape('\\'))
    };
    let exact = text.trim();
    if is_shown_prefix(exact) {
        cond = Box::new(
            cond.or(sql::<Bool>(
                "api_keys.id IN (SELECT api_key_id FROM api_key_secrets WHERE prefix = ",
            )
            .bind::<Text, _>(exact.to_owned())
            .sql(")")),
        );
    }
    if is_client_id(exact) {
        cond = Box::new(
            cond.or(sql::<Bool>("api_keys.client_id = ").bind::<Text, _>(exact.to_owned())),
        );
    }
    cond
}

/// Whether a search for `text` reads the trigram table (SQLite): three
/// characters or more once lower-cased.
pub fn uses_trigrams(text: &str) -> bool {
    text.to_lowercase().chars().count() >= 3
}

/// `%text%` with LIKE's wildcards taken literally (`text` already lower-cased).
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The text as one FTS5 string: inside double quotes, a quote is doubled
/// and everything else (AND, *, NEAR, ^, :) is plain text.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// "kd_gql_Ab12Cd", "kd_rest_Ab12Cd": what the list shows of a secret.
fn is_shown_prefix(s: &str) -> bool {
    [KeyKind::Graphql, KeyKind::Rest].iter().any(|k| {
        s.strip_prefix(k.secret_prefix()).is_some_and(|rest| {
            rest.len() == SHOWN_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    })
}

/// "kd_cid_" and base64url: a Client Id as `domain::secret::new_client_id`
/// makes them.
fn is_client_id(s: &str) -> bool {
    s.strip_prefix("kd_cid_").is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= 64
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn fts_syntax_is_one_quoted_phrase() {
        assert_eq!(fts_phrase("a\"b OR c*"), "\"a\"\"b OR c*\"");
    }

    #[test]
    fn shapes_of_exact_lookups() {
        assert!(is_shown_prefix("kd_gql_Ab12Cd"));
        assert!(is_shown_prefix("kd_rest_000000"));
        assert!(!is_shown_prefix("kd_gql_Ab12C"));
        assert!(!is_shown_prefix("kd_gql_Ab12Cd7"));
        assert!(!is_shown_prefix("kd_gql_Ab%2Cd"));
        assert!(is_client_id("kd_cid_AbC-_9"));
        assert!(!is_client_id("kd_cid_"));
        assert!(!is_client_id("kd_cid_a b"));
    }
}
