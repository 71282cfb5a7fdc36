//! The state of a key list as it lives in the URL: sort, filters, page.
//! Parsed once at the edge; rendered back to a canonical query string for
//! links, so reload, the back button and shared links show the same list.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::AccessType;

/// The query string as sent. Every field is text so a bad value gets our
/// message, not a deserializer's.
#[derive(Deserialize, Default, Debug)]
pub struct RawListQuery {
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub active: Option<String>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub expiry: Option<String>,
    pub access: Option<String>,
    pub store: Option<String>,
    pub used: Option<String>,
    pub privilege: Option<String>,
}

/// The Expiry filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryFilter {
    Expired,
    Within7Days,
    Never,
}

impl ExpiryFilter {
    pub const ALL: [ExpiryFilter; 3] = [Self::Expired, Self::Within7Days, Self::Never];

    pub fn code(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Within7Days => "7d",
            Self::Never => "never",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Expired => "Expired",
            Self::Within7Days => "Expires within 7 days",
            Self::Never => "Never expires",
        }
    }
}

/// The Last used filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageFilter {
    Idle30Days,
    Idle90Days,
    Never,
}

impl UsageFilter {
    pub const ALL: [UsageFilter; 3] = [Self::Idle30Days, Self::Idle90Days, Self::Never];

    pub fn code(self) -> &'static str {
        match self {
            Self::Idle30Days => "idle30",
            Self::Idle90Days => "idle90",
            Self::Never => "never",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Idle30Days => "Not used for 30 days",
            Self::Idle90Days => "Not used for 90 days",
            Self::Never => "Never used",
        }
    }
}

fn choice<T: Copy>(
    label: &str,
    raw: Option<&str>,
    all: &[T],
    code: impl Fn(T) -> &'static str,
) -> Result<Option<T>, String> {
    match raw {
        None | Some("any") => Ok(None),
        Some(s) => all
            .iter()
            .copied()
            .find(|x| code(*x) == s)
            .map(Some)
            .ok_or_else(|| {
                let codes: Vec<&str> = all.iter().map(|x| code(*x)).collect();
                format!(
                    "{label}: `{}` is not a choice; use {} or any.",
                    shorten(s),
                    codes.join(", ")
                )
            }),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    Name,
    Active,
    Created,
    Updated,
    Expires,
    LastUsed,
}

impl SortColumn {
    pub const ALL: [SortColumn; 6] = [
        Self::Name,
        Self::Active,
        Self::Created,
        Self::Updated,
        Self::Expires,
        Self::LastUsed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Active => "active",
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Expires => "expires",
            Self::LastUsed => "last_used",
        }
    }

    /// The column header, as seed 001 names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Active => "Active",
            Self::Created => "Date Created",
            Self::Updated => "Date Updated",
            Self::Expires => "Expires",
            Self::LastUsed => "Last used",
        }
    }

    /// The direction a first click sorts in: A–Z for names, soonest first
    /// for expiry, newest or active first otherwise.
    fn first_dir(self) -> SortDir {
        match self {
            Self::Name | Self::Expires => SortDir::Asc,
            _ => SortDir::Desc,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub fn code(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }

    pub fn aria(self) -> &'static str {
        match self {
            Self::Asc => "ascending",
            Self::Desc => "descending",
        }
    }

    pub fn reversed(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }
}

/// An inclusive range of calendar days (UTC); either end may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    /// Both ends as typed; `label` names the filter in the message.
    pub fn parse(label: &str, from: Option<&str>, to: Option<&str>) -> Result<Self, String> {
        let from = parse_date(label, "from", from)?;
        let to = parse_date(label, "to", to)?;
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(format!(
                    "{label}: the end date {t} is before the start date {f}."
                ));
            }
        }
        Ok(Self { from, to })
    }

    /// `[start, end)` as timestamps: the end is midnight after the last day.
    pub fn bounds(&self) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
        let start = self.from.map(|d| d.and_time(chrono::NaiveTime::MIN));
        let end = self
            .to
            .and_then(|d| d.succ_opt())
            .map(|d| d.and_time(chrono::NaiveTime::MIN));
        (start, end)
    }

    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}

fn parse_date(label: &str, end: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| (1..=9998).contains(&chrono::Datelike::year(d)))
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{label} {end}: `{}` is not a date; use YYYY-MM-DD.",
                shorten(raw)
            )
        })
}

/// A bad value as a message quotes it: at most 20 characters, no control
/// characters.
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

pub const PAGE_SIZES: [u32; 4] = [10, 25, 50, 100];

/// How many pages `total` rows make at `per_page` a page (at least one, so
/// an empty list still has its first page). The key list, the history and
/// the GraphQL endpoint page alike.
pub fn page_count(total: i64, per_page: u32) -> u32 {
    let per_page = i64::from(per_page.max(1));
    u32::try_from((total + per_page - 1) / per_page)
        .unwrap_or(u32::MAX)
        .max(1)
}
pub const DEFAULT_PAGE_SIZE: u32 = 25;
/// Longer than any name could match (see `key_search::condition`), but
/// taken as typed: a pasted paragraph finds nothing rather than failing.
/// The cap only keeps the page's links (which repeat the search) bounded.
pub const MAX_SEARCH_CHARS: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListParams {
    pub sort: SortColumn,
    pub dir: SortDir,
    pub active: Option<bool>,
    pub created: DateRange,
    pub updated: DateRange,
    pub q: Option<String>,
    pub page: u32,
    pub per_page: u32,
    pub expiry: Option<ExpiryFilter>,
    /// Access type: all stores, or individual stores.
    pub access: Option<AccessType>,
    /// Keys that may reach this store (all-store keys and those listing it).
    pub store: Option<i64>,
    pub used: Option<UsageFilter>,
    /// "Over-privileged": keys older than 30 days with a grant unused for 30
    /// days (`access::privilege`).
    pub over_privileged: bool,
}

impl Default for ListParams {
    fn default() -> Self {
        Self {
            sort: SortColumn::Created,
            dir: SortDir::Desc,
            active: None,
            created: DateRange::default(),
            updated: DateRange::default(),
            q: None,
            page: 1,
            per_page: DEFAULT_PAGE_SIZE,
            expiry: None,
            access: None,
            store: None,
            used: None,
            over_privileged: false,
        }
    }
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListParams {
    pub fn parse(raw: &RawListQuery) -> Result<Self, String> {
        let d = Self::default();
        let sort = match present(&raw.sort) {
            None => d.sort,
            Some(s) => SortColumn::ALL
                .into_iter()
                .find(|c| c.code() == s)
                .ok_or_else(|| {
                    format!(
                        "Cannot sort by `{}`: choose name, active, created, updated, expires or last_used.",
                        shorten(s)
                    )
                })?,
        };
        let dir = match present(&raw.dir) {
            None if present(&raw.sort).is_some() => sort.first_dir(),
            None => d.dir,
            Some("asc") => SortDir::Asc,
            Some("desc") => SortDir::Desc,
            Some(s) => {
                return Err(format!(
                    "Unknown sort direction `{}`: use asc or desc.",
                    shorten(s)
                ))
            }
        };
        let active = match present(&raw.active) {
            None | Some("any") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(s) => {
                return Err(format!(
                    "Is Active: `{}` is not a choice; use true, false or any.",
                    shorten(s)
                ))
            }
        };
        let created = DateRange::parse(
            "Date Created",
            raw.created_from.as_deref(),
            raw.created_to.as_deref(),
        )?;
        let updated = DateRange::parse(
            "Date Updated",
            raw.updated_from.as_deref(),
            raw.updated_to.as_deref(),
        )?;
        let q = match present(&raw.q) {
            None => None,
            Some(s) if s.chars().count() > MAX_SEARCH_CHARS => {
                return Err("A search has at most 10,000 characters.".into())
            }
            Some(s) if s.chars().any(char::is_control) => {
                return Err("A search may not contain control characters.".into())
            }
            Some(s) => Some(s.to_owned()),
        };
        let page = match present(&raw.page) {
            None => 1,
            Some(s) => match s.parse::<u32>() {
                Ok(p) if p >= 1 => p,
                _ => {
                    return Err(format!(
                        "Page `{}` does not exist: pages start at 1.",
                        shorten(s)
                    ))
                }
            },
        };
        let per_page = match present(&raw.per_page) {
            None => d.per_page,
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
        let expiry = choice("Expiry", present(&raw.expiry), &ExpiryFilter::ALL, |x| {
            x.code()
        })?;
        let access = choice(
            "Access type",
            present(&raw.access),
            &[AccessType::All, AccessType::Individual],
            |x| x.code(),
        )?;
        let store = match present(&raw.store) {
            None | Some("any") => None,
            Some(s) => Some(
                s.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or_else(|| format!("Store: `{}` is not a store.", shorten(s)))?,
            ),
        };
        let used = choice("Last used", present(&raw.used), &UsageFilter::ALL, |x| {
            x.code()
        })?;
        let over_privileged = match present(&raw.privilege) {
            None | Some("any") => false,
            Some("over") => true,
            Some(s) => {
                return Err(format!(
                    "Permissions: `{}` is not a choice; use over or any.",
                    shorten(s)
                ))
            }
        };
        Ok(Self {
            over_privileged,
            sort,
            dir,
            active,
            created,
            updated,
            q,
            page,
            per_page,
            expiry,
            access,
            store,
            used,
        })
    }

    /// True when any filter (not sort or paging) narrows the list.
    pub fn is_filtered(&self) -> bool {
        self.active.is_some()
            || self.created.is_set()
            || self.updated.is_set()
            || self.q.is_some()
            || self.expiry.is_some()
            || self.access.is_some()
            || self.store.is_some()
            || self.used.is_some()
            || self.over_privileged
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// The list after clicking `col`'s header: the same column flips, another
    /// starts in its natural direction; back to page 1 either way.
    pub fn sorted_by(&self, col: SortColumn) -> Self {
        let dir = if self.sort == col {
            self.dir.reversed()
        } else {
            col.first_dir()
        };
        Self {
            sort: col,
            dir,
            page: 1,
            ..self.clone()
        }
    }

    /// The same list in the opposite order, from its first page: how the
    /// end of a list too long to count is reached.
    pub fn reversed(&self) -> Self {
        Self {
            dir: self.dir.reversed(),
            page: 1,
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }

    /// Only sort and page size kept: what "Clear filters" leads to.
    pub fn cleared(&self) -> Self {
        Self {
            sort: self.sort,
            dir: self.dir,
            per_page: self.per_page,
            ..Self::default()
        }
    }

    /// The canonical query string (defaults left out), with a leading `?`
    /// unless empty.
    pub fn query_string(&self) -> String {
        let d = Self::default();
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if self.sort != d.sort || self.dir != d.dir {
            pairs.push(("sort", self.sort.code().into()));
            pairs.push(("dir", self.dir.code().into()));
        }
        if let Some(a) = self.active {
            pairs.push(("active", a.to_string()));
        }
        let dates = [
            ("created_from", self.created.from),
            ("created_to", self.created.to),
            ("updated_from", self.updated.from),
            ("updated_to", self.updated.to),
        ];
        for (k, v) in dates {
            if let Some(v) = v {
                pairs.push((k, v.format("%Y-%m-%d").to_string()));
            }
        }
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(e) = self.expiry {
            pairs.push(("expiry", e.code().into()));
        }
        if let Some(a) = self.access {
            pairs.push(("access", a.code().into()));
        }
        if let Some(s) = self.store {
            pairs.push(("store", s.to_string()));
        }
        if let Some(u) = self.used {
            pairs.push(("used", u.code().into()));
        }
        if self.over_privileged {
            pairs.push(("privilege", "over".into()));
        }
        if self.per_page != d.per_page {
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

    pub fn date_value(d: Option<NaiveDate>) -> String {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawListQuery {
        let qs = serde_html_form::to_string(pairs).unwrap();
        serde_html_form::from_str(&qs).unwrap()
    }

    #[test]
    fn defaults_and_round_trip() {
        let p = ListParams::parse(&RawListQuery::default()).unwrap();
        assert_eq!(p, ListParams::default());
        assert_eq!(p.query_string(), "");
        let p = ListParams::parse(&raw(&[
            ("sort", "name"),
            ("dir", "asc"),
            ("active", "true"),
            ("created_from", "2026-01-01"),
            ("created_to", "2026-02-01"),
            ("q", "shop & co"),
            ("page", "3"),
            ("per_page", "50"),
            ("expiry", "7d"),
            ("access", "individual"),
            ("store", "4"),
            ("used", "idle90"),
            ("privilege", "over"),
        ]))
        .unwrap();
        let again =
            ListParams::parse(&serde_html_form::from_str(&p.query_string()[1..]).unwrap()).unwrap();
        assert_eq!(p, again);
    }

    #[test]
    fn rejects_bad_values_with_messages() {
        for (k, v) in [
            ("sort", "secret_hash"),
            ("dir", "up"),
            ("active", "yes"),
            ("created_from", "2026-13-01"),
            ("updated_to", "yesterday"),
            ("page", "0"),
            ("page", "-1"),
            ("page", "abc"),
            ("per_page", "7"),
            ("q", "a\u{0}b"),
            ("expiry", "soon"),
            ("access", "some"),
            ("store", "berlin"),
            ("store", "0"),
            ("used", "yesterday"),
            ("privilege", "under"),
        ] {
            assert!(ListParams::parse(&raw(&[(k, v)])).is_err(), "{k}={v}");
        }
        let err = ListParams::parse(&raw(&[
            ("created_from", "2026-02-02"),
            ("created_to", "2026-02-01"),
        ]))
        .unwrap_err();
        assert!(err.contains("before the start"), "{err}");
    }

    #[test]
    fn clicking_a_header_toggles() {
        let p = ListParams::default();
        let by_name = p.sorted_by(SortColumn::Name);
        assert_eq!(
            (by_name.sort, by_name.dir),
            (SortColumn::Name, SortDir::Asc)
        );
        let again = by_name.sorted_by(SortColumn::Name);
        assert_eq!(again.dir, SortDir::Desc);
        assert_eq!(p.sorted_by(SortColumn::Created).dir, SortDir::Asc);
    }

    #[test]
    fn ranges_are_inclusive_days() {
        let r = DateRange::parse("Date Created", Some("2026-01-01"), Some("2026-01-31")).unwrap();
        let (s, e) = r.bounds();
        assert_eq!(s.unwrap().to_string(), "2026-01-01 00:00:00");
        assert_eq!(e.unwrap().to_string(), "2026-02-01 00:00:00");
    }
}
