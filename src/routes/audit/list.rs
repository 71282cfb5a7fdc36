//! `GET /admin/audit`: one page of events, newest first, with the filters of
//! the URL. The filter form also works with htmx: it gets the same whole
//! page and swaps its `<main>`, so filters, list and address stay in step.

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use diesel::prelude::*;

use super::{views, EventView};
use crate::db::{Db, DbConnection};
use crate::domain::audit_query::{AuditParams, RawAuditQuery};
use crate::domain::list_query::{page_count, ListParams, PAGE_SIZES};
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::models::audit::{self, action};
use crate::schema::api_keys;
use crate::web::{PageCtx, Query};

#[derive(Template, WebTemplate)]
#[template(path = "audit/page.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub params: AuditParams,
    /// The filtered key's name, when `?key=` is set.
    pub key_name: Option<String>,
    pub events: Vec<EventView>,
    pub total: i64,
    pub pages: u32,
    /// API Key: Editor may undo a bulk action from its entry.
    pub can_undo: bool,
}

impl AuditPage {
    fn url(&self, p: &AuditParams) -> String {
        format!("/admin/audit{}", p.query_string())
    }

    fn page_href(&self, page: impl std::borrow::Borrow<u32>) -> String {
        self.url(&self.params.at_page(*page.borrow()))
    }

    /// The CSV export of what the filters select (all pages).
    fn export_href(&self) -> String {
        format!(
            "/admin/audit/export.csv{}",
            self.params.at_page(1).query_string()
        )
    }

    fn clear_href(&self) -> String {
        self.url(&self.params.cleared())
    }

    fn has_prev(&self) -> bool {
        self.params.page > 1
    }

    fn has_next(&self) -> bool {
        self.params.page < self.pages
    }

    /// First, last and two around the current page; `0` is a gap.
    fn page_numbers(&self) -> Vec<u32> {
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

    fn count_label(&self) -> String {
        match self.total {
            1 => "1 event".into(),
            n => format!("{n} events"),
        }
    }

    fn actions(&self) -> &'static [(&'static str, &'static str)] {
        &action::ALL
    }

    fn is_action(&self, code: &&str) -> bool {
        self.params.action == Some(*code)
    }

    fn page_sizes(&self) -> [u32; 4] {
        PAGE_SIZES
    }

    fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        ListParams::date_value(*d)
    }

    fn key_value(&self) -> String {
        self.params
            .key_id
            .map(|k| k.to_string())
            .unwrap_or_default()
    }
}

/// The key's current name, or the one its last event recorded (a deleted
/// key keeps its history), or its number.
fn key_name(conn: &mut DbConnection, id: i64) -> Result<String, AppError> {
    let live = api_keys::table
        .find(id)
        .select(api_keys::name)
        .first::<String>(conn)
        .optional()?;
    if let Some(name) = live {
        return Ok(name);
    }
    let last = audit::latest_of_key(conn, id, 1)?;
    Ok(last
        .into_iter()
        .next()
        .and_then(|e| e.target_name)
        .unwrap_or_else(|| format!("key #{id}")))
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    Query(raw): Query<RawAuditQuery>,
) -> Result<HttpResponse, AppError> {
    let params = AuditParams::parse(&raw).map_err(AppError::BadRequest)?;
    let p = params.clone();
    let (events, total, key_name) = db
        .run(move |c| {
            let (rows, total) = audit::list(c, &p.filter(), i64::from(p.per_page), p.offset())?;
            let name = match p.key_id {
                Some(id) => Some(key_name(c, id)?),
                None => None,
            };
            Ok((views(c, rows)?, total, name))
        })
        .await?;
    let pages = page_count(total, params.per_page);
    if params.page > pages {
        return Err(AppError::NotFound(format!(
            "Page {} does not exist: this history has {} page{}.",
            params.page,
            pages,
            if pages == 1 { "" } else { "s" }
        )));
    }
    let page = AuditPage {
        can_undo: ctx.can(BackofficeRole::ApiKey, AccessLevel::Editor),
        ctx,
        params,
        key_name,
        events,
        total,
        pages,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}
