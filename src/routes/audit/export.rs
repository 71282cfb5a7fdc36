//! `GET /admin/audit/export.csv`: the events the audit page's filters
//! select (same query string, same role), oldest first, with the hash
//! chain's columns so a copy can be checked elsewhere. Cells that a
//! spreadsheet would run as a formula are prefixed with `'`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::db::Db;
use crate::domain::audit_query::{AuditParams, RawAuditQuery};
use crate::error::AppError;
use crate::models::audit;
use crate::web::Query;

/// The most rows one export holds; narrow the filters for more.
pub const MAX_ROWS: usize = 100_000;

const HEADER: [&str; 13] = [
    "id",
    "occurred_at",
    "actor",
    "actor_user_id",
    "actor_key_id",
    "action",
    "target_type",
    "target_id",
    "target_name",
    "details",
    "source_ip",
    "prev_hash",
    "hash",
];

pub async fn csv(
    db: web::Data<Db>,
    Query(raw): Query<RawAuditQuery>,
) -> Result<HttpResponse, AppError> {
    let params = AuditParams::parse(&raw).map_err(AppError::BadRequest)?;
    let filter = params.filter();
    let body = db
        .run(move |c| {
            let mut out = String::new();
            row(&mut out, HEADER.iter().map(|h| h.to_string()));
            let (mut after, mut written) = (0i64, 0usize);
            while written < MAX_ROWS {
                let rows = audit::batch_after(c, &filter, after, 1000)?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                for e in rows.into_iter().take(MAX_ROWS - written) {
                    written += 1;
                    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                    row(
                        &mut out,
                        [
                            e.id.to_string(),
                            e.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                            e.actor_name,
                            opt(e.actor_user_id),
                            opt(e.actor_key_id),
                            e.action,
                            e.target_type.unwrap_or_default(),
                            opt(e.target_id),
                            e.target_name.unwrap_or_default(),
                            e.details,
                            e.source_ip.unwrap_or_default(),
                            e.prev_hash.unwrap_or_default(),
                            e.hash.unwrap_or_default(),
                        ],
                    );
                }
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"keydesk-audit.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

fn row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(&c));
    }
    out.push_str("\r\n");
}

/// One CSV cell (RFC 4180 quoting), neutralised against formula injection:
/// a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` first.
pub fn cell(raw: &str) -> String {
    let mut v = String::with_capacity(raw.len() + 3);
    if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.push('\'');
    }
    v.push_str(raw);
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell(""), "");
    }
}
