//! `GET /api/v1/audit-events`: the history, newest first, with the audit
//! page's filters (key, actor, action, from, to) and paging (at most 100 a
//! page). A store-limited key sees the events about the keys and stores it
//! may see (`audit::list_seen_by`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::body::{invalid_query, query};
use super::{authorize, time, LIST_AUDIT};
use crate::api::error::Problem;
use crate::api::ApiData;
use crate::models::audit::{self, AuditFilter};

pub const MAX_PER_PAGE: i64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    key_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

fn number(name: &str, raw: &Option<String>, default: i64, max: i64) -> Result<i64, Problem> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| invalid_query(format!("{name} is a whole number from 1 to {max}."))),
    }
}

fn moment(name: &str, raw: &Option<String>) -> Result<Option<chrono::NaiveDateTime>, Problem> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.naive_utc()))
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0))
            })
            .map_err(|_| {
                invalid_query(format!(
                    "{name} is a date (2026-12-01) or an RFC 3339 time."
                ))
            }),
    }
}

pub async fn list(req: HttpRequest, data: web::Data<ApiData>) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &LIST_AUDIT, None).await?;
    let q: AuditQuery = query(&req)?;
    let filter = AuditFilter {
        key_id: match &q.key_id {
            None => None,
            Some(_) => Some(number("key_id", &q.key_id, 1, i64::MAX)?),
        },
        actor: q.actor.clone().filter(|s| !s.trim().is_empty()),
        action: q.action.clone().filter(|s| !s.trim().is_empty()),
        from: moment("from", &q.from)?,
        to: moment("to", &q.to)?,
    };
    let page = number("page", &q.page, 1, 1_000_000)?;
    let per_page = number("per_page", &q.per_page, 25, MAX_PER_PAGE)?;
    let seer = caller.key.stores.clone();
    let (rows, total) = data
        .db
        .run(move |c| {
            let offset = (page - 1) * per_page;
            Ok(audit::list_seen_by(c, &filter, per_page, offset, &seer)?)
        })
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "occurred_at": time(e.occurred_at),
                "actor": { "name": e.actor_name, "user_id": e.actor_user_id, "key_id": e.actor_key_id },
                "action": e.action,
                "target": { "type": e.target_type, "id": e.target_id, "name": e.target_name },
                "details": e.details_json(),
                "source_ip": e.source_ip,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "items": items, "page": page, "per_page": per_page, "total": total,
    })))
}
