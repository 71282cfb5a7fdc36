//! `GET /admin/api-keys/{kind}`: the tab with its filters and one page of
//! keys. An htmx request for the list gets only the list (and pushes the
//! canonical URL); anything else gets the whole page.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;

use super::KindPath;
use crate::db::Db;
use crate::domain::list_query::{
    page_count, ExpiryFilter, ListParams, RawListQuery, SortColumn, UsageFilter, PAGE_SIZES,
};
use crate::domain::{AccessLevel, AccessType, BackofficeRole, KeyKind};
use crate::error::AppError;
use crate::models::{api_key, channel, store};
use crate::state::AppState;
use crate::web::{PageCtx, Query};

pub async fn index(req: HttpRequest) -> HttpResponse {
    crate::web::see_other(&req, &KeyKind::Graphql.list_url())
}

pub struct RowView {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub channel: Option<String>,
    pub created: String,
    pub updated: String,
    pub href: String,
    pub expires: Expires,
    pub last_used: String,
}

/// The Expires cell: "Never", an "Expired" badge, or a date with an
/// "in 3 days" hint when it is within a week.
pub enum Expires {
    Never,
    Expired(String),
    Soon { date: String, hint: String },
    On(String),
}

impl Expires {
    pub fn of(t: Option<NaiveDateTime>, now: NaiveDateTime) -> Self {
        match t {
            None => Self::Never,
            Some(t) if t <= now => Self::Expired(format_time(t)),
            Some(t) if t - now <= chrono::Duration::days(7) => Self::Soon {
                date: format_time(t),
                hint: relative_time(t, now),
            },
            Some(t) => Self::On(format_time(t)),
        }
    }
}

/// Everything the list fragment shows; also embedded in the full page.
pub struct ListView {
    pub kind: KeyKind,
    pub params: ListParams,
    pub rows: Vec<RowView>,
    /// Exact up to `api_key::COUNT_BOUND`; the bound when `more` is set.
    pub total: i64,
    /// More keys match than were counted: pages go up to the bound, and
    /// "Last" reverses the sort.
    pub more: bool,
    pub pages: u32,
    pub can_create: bool,
    pub can_delete: bool,
    pub can_refresh: bool,
    pub can_edit: bool,
    pub csrf: String,
    /// For the Store filter.
    pub stores: Vec<crate::models::store::Store>,
    /// Rendered alone for htmx: carries the out-of-band filter state.
    pub fragment: bool,
}

/// 10000 → "10,000".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

pub fn format_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// "just now", "3 min ago", "5 h ago", "in 3 days" (rounded to the nearest
/// unit); a date beyond a month.
pub fn relative_time(t: NaiveDateTime, now: NaiveDateTime) -> String {
    let secs = (t - now).num_seconds();
    let (future, secs) = (secs > 0, secs.unsigned_abs());
    let (mins, hours, days) = (
        (secs + 30) / 60,
        (secs + 1_800) / 3_600,
        (secs + 43_200) / 86_400,
    );
    let amount = if mins == 0 {
        return "just now".into();
    } else if mins < 60 {
        format!("{mins} min")
    } else if hours < 24 {
        format!("{hours} h")
    } else if days == 1 {
        "1 day".to_string()
    } else if days <= 30 {
        format!("{days} days")
    } else {
        return t.format("%Y-%m-%d").to_string();
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::{relative_time, thousands};
    use chrono::Duration;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(400), "400");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn relative_times_round_to_the_nearest_unit() {
        let now = crate::models::now_utc();
        let cases = [
            (Duration::seconds(10), "just now"),
            (Duration::minutes(3), "in 3 min"),
            (-Duration::minutes(3), "3 min ago"),
            (Duration::days(3) - Duration::seconds(5), "in 3 days"),
            (Duration::hours(5), "in 5 h"),
            (Duration::hours(23) + Duration::minutes(50), "in 1 day"),
        ];
        for (d, want) in cases {
            assert_eq!(relative_time(now + d, now), want, "{d}");
        }
    }
}

impl ListView {
    pub fn url(&self, p: &ListParams) -> String {
        format!("{}{}", self.kind.list_url(), p.query_string())
    }

    pub fn self_url(&self) -> String {
        self.url(&self.params)
    }

    pub fn sort_href(&self, col: &SortColumn) -> String {
        self.url(&self.params.sorted_by(*col))
    }

    /// `aria-sort` of a column header: only on the sorted column.
    pub fn aria_sort(&self, col: &SortColumn) -> &'static str {
        if self.params.sort == *col {
            self.params.dir.aria()
        } else {
            "none"
        }
    }

    pub fn sort_arrow(&self, col: &SortColumn) -> &'static str {
        match (self.params.sort == *col, self.params.dir.aria()) {
            (false, _) => "↕",
            (true, "ascending") => "▲",
            (true, _) => "▼",
        }
    }

    pub fn page_href(&self, page: impl std::borrow::Borrow<u32>) -> String {
        self.url(&self.params.at_page(*page.borrow()))
    }

    pub fn clear_href(&self) -> String {
        self.url(&self.params.cleared())
    }

    pub fn has_prev(&self) -> bool {
        self.params.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.params.page < self.pages
    }

    pub fn prev_page(&self) -> u32 {
        self.params.page.saturating_sub(1).max(1)
    }

    pub fn next_page(&self) -> u32 {
        self.params.page + 1
    }

    /// Page numbers to offer: first, last and two around the current page;
    /// `0` stands for a gap.
    pub fn page_numbers(&self) -> Vec<u32> {
        let (cur, last) = (self.params.page, self.pages);
        let mut out = Vec::new();
        for n in 1..=last {
            if n == 1 || n == last || n.abs_diff(cur) <= 2 {
                out.push(n);
            } else if out.last() != Some(&0) {
                out.push(0);
            }
        }
        // Past the count's bound there is more than the last number shown.
        if self.more {
            out.push(0);
        }
        out
    }

    pub fn count_label(&self) -> String {
        match (self.total, self.more) {
            (n, true) => format!("more than {} keys", thousands(n)),
            (1, false) => "1 key".into(),
            (n, false) => format!("{n} keys"),
        }
    }

    /// "of 12" or, past the count's bound, "of more than 400".
    pub fn pages_label(&self) -> String {
        if self.more {
            format!("of more than {}", thousands(i64::from(self.pages)))
        } else {
            format!("of {}", self.pages)
        }
    }

    /// The end of a list too long to page through: the same filters in the
    /// opposite order.
    pub fn last_href(&self) -> String {
        self.url(&self.params.reversed())
    }

    pub fn page_sizes(&self) -> [u32; 4] {
        PAGE_SIZES
    }

    pub fn columns(&self) -> usize {
        7 + usize::from(self.kind.is_graphql()) + usize::from(self.can_delete)
    }

    pub fn expiry_filters(&self) -> [ExpiryFilter; 3] {
        ExpiryFilter::ALL
    }

    pub fn usage_filters(&self) -> [UsageFilter; 3] {
        UsageFilter::ALL
    }

    pub fn access_filters(&self) -> [AccessType; 2] {
        [AccessType::All, AccessType::Individual]
    }

    pub fn expiry_is(&self, f: &ExpiryFilter) -> bool {
        self.params.expiry == Some(*f)
    }

    pub fn usage_is(&self, f: &UsageFilter) -> bool {
        self.params.used == Some(*f)
    }

    pub fn access_is(&self, a: &AccessType) -> bool {
        self.params.access == Some(*a)
    }

    pub fn store_is(&self, id: &i64) -> bool {
        self.params.store == Some(*id)
    }

    /// Hidden inputs' values for the per-page form.
    pub fn expiry_code(&self) -> &'static str {
        self.params.expiry.map(|e| e.code()).unwrap_or("")
    }

    pub fn usage_code(&self) -> &'static str {
        self.params.used.map(|e| e.code()).unwrap_or("")
    }

    pub fn access_code(&self) -> &'static str {
        self.params.access.map(|e| e.code()).unwrap_or("")
    }

    pub fn store_code(&self) -> String {
        self.params.store.map(|s| s.to_string()).unwrap_or_default()
    }

    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        ListParams::date_value(*d)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys/page.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub view: ListView,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys/_list.html")]
pub struct ListFragment {
    pub view: ListView,
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: actix_web::web::Data<Db>,
    state: actix_web::web::Data<AppState>,
    KindPath(kind): KindPath,
    Query(raw): Query<RawListQuery>,
) -> Result<HttpResponse, AppError> {
    let mut params = ListParams::parse(&raw).map_err(AppError::BadRequest)?;
    let wants_list = req
        .headers()
        .get("hx-target")
        .is_some_and(|t| t.as_bytes() == b"key-list");
    // The list refreshing itself after an edit or delete: no new history
    // entry, and a page emptied by a delete falls back to the last page.
    let refresh = req
        .headers()
        .get("hx-trigger")
        .is_some_and(|t| t.as_bytes() == b"key-list");
    let p = params.clone();
    let now = state.clock.now();
    let (mut page, channels, stores) = db
        .run(move |c| {
            Ok((
                api_key::list(c, kind, &p, now)?,
                channel::all(c)?,
                store::all(c)?,
            ))
        })
        .await?;
    let pages = page_count(page.total, params.per_page);
    if params.page > pages && refresh {
        params.page = pages;
        let p = params.clone();
        page = db
            .run(move |c| Ok(api_key::list(c, kind, &p, now)?))
            .await?;
    }
    if params.page > pages && page.more {
        return Err(AppError::NotFound(format!(
            "Page {} is past the first {} keys this list counts: reverse the sort to see the last ones.",
            params.page,
            thousands(page.total)
        )));
    }
    if params.page > pages {
        return Err(AppError::NotFound(format!(
            "Page {} does not exist: this list has {} page{}.",
            params.page,
            pages,
            if pages == 1 { "" } else { "s" }
        )));
    }
    let channel_names: HashMap<i64, String> =
        channels.into_iter().map(|c| (c.id, c.name)).collect();
    let rows = page
        .rows
        .into_iter()
        .map(|r| RowView {
            href: format!("{}/{}", kind.list_url(), r.id),
            channel: r.channel_id.and_then(|id| channel_names.get(&id).cloned()),
            created: format_time(r.created_at),
            updated: format_time(r.updated_at),
            expires: Expires::of(r.expires_at, now),
            last_used: r
                .last_used_at
                .map(|t| relative_time(t, now))
                .unwrap_or_else(|| "never".into()),
            id: r.id,
            name: r.name,
            active: r.active,
        })
        .collect();
    let view = ListView {
        kind,
        params,
        rows,
        total: page.total,
        more: page.more,
        pages,
        can_create: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
        can_delete: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
        can_refresh: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
        can_edit: ctx.can(BackofficeRole::ApiKey, AccessLevel::Editor),
        csrf: ctx.csrf.clone(),
        stores,
        fragment: wants_list,
    };
    let canonical = view.self_url();
    let html = if wants_list {
        ListFragment { view }.render()
    } else {
        ListPage { ctx, view }.render()
    }
    .map_err(|e| AppError::internal(format!("template: {e}")))?;
    let mut resp = HttpResponse::Ok();
    resp.content_type("text/html; charset=utf-8");
    // A filter, sort or page change puts the list's URL in the address bar.
    if wants_list && !refresh {
        resp.insert_header(("HX-Push-Url", canonical));
    }
    Ok(resp.body(html))
}
