//! The audit page's filters and page as they live in the URL
//! (`/admin/audit?key=12&action=key.edited&from=2026-12-01&page=2`): parsed
//! once at the edge into `AuditParams`, rendered back to a canonical query
//! string for links. A bad value is a message, never a guess.

use serde::Deserialize;

use super::list_query::{shorten, DateRange, DEFAULT_PAGE_SIZE, PAGE_SIZES};
use crate::models::audit::{action, AuditFilter};

/// The query string as sent; text only, so a bad value gets our message.
#[derive(Deserialize, Default, Debug)]
pub struct RawAuditQuery {
    pub key: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Longest actor name: a key name (100) is the longest an actor can have.
const MAX_ACTOR_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditParams {
    pub key_id: Option<i64>,
    pub actor: Option<String>,
    /// One of `action::ALL`'s codes.
    pub action: Option<&'static str>,
    /// Calendar days in UTC, both ends included.
    pub dates: DateRange,
    pub page: u32,
    pub per_page: u32,
}

impl Default for AuditParams {
    fn default() -> Self {
        Self {
            key_id: None,
            actor: None,
            action: None,
            dates: DateRange::default(),
            page: 1,
            per_page: DEFAULT_PAGE_SIZE,
        }
    }
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AuditParams {
    pub fn parse(raw: &RawAuditQuery) -> Result<Self, String> {
        let key_id = match present(&raw.key) {
            None => None,
            Some(s) => Some(s.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                format!(
                    "Key: `{}` is not a key id; a key id is a positive number.",
                    shorten(s)
                )
            })?),
        };
        let actor = match present(&raw.actor) {
            None => None,
            Some(s) if s.chars().count() > MAX_ACTOR_CHARS => {
                return Err(format!(
                    "Actor: a name has at most {MAX_ACTOR_CHARS} characters."
                ))
            }
            Some(s) if super::has_control_chars(s) => {
                return Err("Actor: a name may not contain control characters.".into())
            }
            Some(s) => Some(s.to_owned()),
        };
        let action = match present(&raw.action) {
            None => None,
            Some(s) => Some(
                action::ALL
                    .iter()
                    .map(|(code, _)| *code)
                    .find(|code| *code == s)
                    .ok_or_else(|| {
                        format!(
                            "Action: `{}` is not an action; choose one from the list.",
                            shorten(s)
                        )
                    })?,
            ),
        };
        let dates = DateRange::parse("Date", raw.from.as_deref(), raw.to.as_deref())?;
        let page = match present(&raw.page) {
            None => 1,
            Some(s) => s.parse::<u32>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                format!("Page `{}` does not exist: pages start at 1.", shorten(s))
            })?,
        };
        let per_page = match present(&raw.per_page) {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| PAGE_SIZES.contains(n))
                .ok_or_else(|| {
                    format!(
                        "Rows per page must be 10, 25, 50 or 100, not `{}`.",
                        shorten(s)
                    )
                })?,
        };
        Ok(Self {
            key_id,
            actor,
            action,
            dates,
            page,
            per_page,
        })
    }

    /// What the model queries by: the days become `[start, end)`.
    pub fn filter(&self) -> AuditFilter {
        let (from, to) = self.dates.bounds();
        AuditFilter {
            key_id: self.key_id,
            actor: self.actor.clone(),
            action: self.action.map(str::to_owned),
            from,
            to,
        }
    }

    pub fn is_filtered(&self) -> bool {
        self.key_id.is_some()
            || self.actor.is_some()
            || self.action.is_some()
            || self.dates.is_set()
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn at_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }

    /// Only the page size kept: where "Clear filters" leads.
    pub fn cleared(&self) -> Self {
        Self {
            per_page: self.per_page,
            ..Self::default()
        }
    }

    /// The canonical query string (defaults left out), with a leading `?`
    /// unless empty.
    pub fn query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(id) = self.key_id {
            pairs.push(("key", id.to_string()));
        }
        if let Some(a) = &self.actor {
            pairs.push(("actor", a.clone()));
        }
        if let Some(a) = self.action {
            pairs.push(("action", a.to_owned()));
        }
        for (k, v) in [("from", self.dates.from), ("to", self.dates.to)] {
            if let Some(v) = v {
                pairs.push((k, v.format("%Y-%m-%d").to_string()));
            }
        }
        if self.per_page != DEFAULT_PAGE_SIZE {
            pairs.push(("per_page", self.per_page.to_string()));
        }
        if self.page != 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if pairs.is_empty() {
            return String::new();
        }
        format!(
            "?{}",
            serde_html_form::to_string(&pairs).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawAuditQuery {
        serde_html_form::from_str(&serde_html_form::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn round_trip() {
        assert_eq!(
            AuditParams::parse(&RawAuditQuery::default()).unwrap(),
            AuditParams::default()
        );
        let p = AuditParams::parse(&raw(&[
            ("key", "12"),
            ("actor", "olivia & co"),
            ("action", "key.edited"),
            ("from", "2026-12-01"),
            ("to", "2026-12-02"),
            ("page", "3"),
            ("per_page", "10"),
        ]))
        .unwrap();
        let again = AuditParams::parse(&serde_html_form::from_str(&p.query_string()[1..]).unwrap())
            .unwrap();
        assert_eq!(p, again);
        let f = p.filter();
        assert_eq!(f.to.unwrap().to_string(), "2026-12-03 00:00:00");
    }

    #[test]
    fn bad_values_have_messages() {
        for (k, v) in [
            ("key", "abc"),
            ("key", "0"),
            ("key", "-3"),
            ("key", "99999999999999999999"),
            ("actor", "a\u{1b}b"),
            ("action", "key.stolen"),
            ("from", "2026-02-30"),
            ("to", "tomorrow"),
            ("page", "0"),
            ("per_page", "1000"),
        ] {
            assert!(AuditParams::parse(&raw(&[(k, v)])).is_err(), "{k}={v}");
        }
        assert!(AuditParams::parse(&raw(&[("actor", &"a".repeat(101))])).is_err());
        let e =
            AuditParams::parse(&raw(&[("from", "2026-12-02"), ("to", "2026-12-01")])).unwrap_err();
        assert!(e.contains("before the start"), "{e}");
    }
}
