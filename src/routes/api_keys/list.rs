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
use crate::domain::list_query::{ListParams, RawListQuery, SortColumn, PAGE_SIZES};
use crate::domain::{AccessLevel, BackofficeRole, KeyKind};
use crate::error::AppError;
use crate::models::{api_key, channel};
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
}

/// Everything the list fragment shows; also embedded in the full page.
pub struct ListView {
    pub kind: KeyKind,
    pub params: ListParams,
    pub rows: Vec<RowView>,
    pub total: i64,
    pub pages: u32,
    pub can_create: bool,
    pub can_delete: bool,
    pub csrf: String,
    /// Rendered alone for htmx: carries the out-of-band filter state.
    pub fragment: bool,
}

pub fn format_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
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
        out
    }

    pub fn count_label(&self) -> String {
        match self.total {
            1 => "1 key".into(),
            n => format!("{n} keys"),
        }
    }

    pub fn page_sizes(&self) -> [u32; 4] {
        PAGE_SIZES
    }

    pub fn columns(&self) -> usize {
        4 + usize::from(self.kind.is_graphql()) + usize::from(self.can_delete)
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
    let (mut page, channels) = db
        .run(move |c| Ok((api_key::list(c, kind, &p)?, channel::all(c)?)))
        .await?;
    let pages = page_count(page.total, params.per_page);
    if params.page > pages && refresh {
        params.page = pages;
        let p = params.clone();
        page = db.run(move |c| Ok(api_key::list(c, kind, &p)?)).await?;
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
        pages,
        can_create: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
        can_delete: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
        csrf: ctx.csrf.clone(),
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

fn page_count(total: i64, per_page: u32) -> u32 {
    let per_page = i64::from(per_page.max(1));
    u32::try_from((total + per_page - 1) / per_page)
        .unwrap_or(u32::MAX)
        .max(1)
}
