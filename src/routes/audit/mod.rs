//! Admin > History (API Key: Viewer): every audit event, newest first, and
//! each key's own last events for its edit dialog. Events are shown as
//! text: their details are data written by keydesk, but askama escapes them
//! like anything else.

mod export;
mod list;

use std::collections::HashMap;

use actix_web::web;
use askama::Template;
use diesel::prelude::*;
use serde_json::Value;

use crate::auth::Require;
use crate::db::DbConnection;
use crate::domain::{AccessLevel, BackofficeRole, KeyKind};
use crate::error::AppError;
use crate::models::audit::{self, action, AuditEvent, TARGET_KEY};
use crate::schema::api_keys;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/audit")
            .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Viewer))
            .route("", web::get().to(list::show))
            .route("/export.csv", web::get().to(export::csv)),
    );
}

/// One event as a row shows it.
#[derive(Clone, Debug)]
pub struct EventView {
    pub id: i64,
    /// `2026-12-01 13:05:09`, UTC.
    pub time: String,
    /// `2026-12-01T13:05:09Z`, for `<time datetime>`.
    pub datetime: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    /// The key, store or user name ("" when the event has no target).
    pub target: String,
    /// The key's dialog, while the key exists.
    pub target_href: Option<String>,
    /// The details, one readable line each (`name: old → new`).
    pub details: Vec<String>,
    pub source_ip: String,
    /// A bulk action's undo (on one of its events, while not undone).
    pub undo_href: Option<String>,
}

/// How many events a key's dialog shows.
pub const KEY_HISTORY_LEN: i64 = 10;

/// A key's last events and the link to all of them, for the key's edit
/// dialog: add a field `history: KeyHistory` to the dialog's template struct
/// and `{% include "audit/_key_history.html" %}` where it should appear.
#[derive(Clone, Debug)]
pub struct KeyHistory {
    pub key_id: i64,
    pub events: Vec<EventView>,
}

impl KeyHistory {
    pub fn full_url(&self) -> String {
        format!("/admin/audit?key={}", self.key_id)
    }
}

/// The partial on its own (what a dialog that includes it renders).
#[derive(Template)]
#[template(path = "audit/_key_history.html")]
pub struct KeyHistoryFragment {
    pub history: KeyHistory,
}

/// The last `KEY_HISTORY_LEN` events of key `key_id`, newest first.
pub fn key_history(conn: &mut DbConnection, key_id: i64) -> Result<KeyHistory, AppError> {
    let rows = audit::latest_of_key(conn, key_id, KEY_HISTORY_LEN)?;
    Ok(KeyHistory {
        key_id,
        events: views(conn, rows)?,
    })
}

/// Rows to views; one query finds which of their keys still exist.
fn views(conn: &mut DbConnection, rows: Vec<AuditEvent>) -> Result<Vec<EventView>, AppError> {
    let key_ids: Vec<i64> = rows
        .iter()
        .filter(|e| e.target_type.as_deref() == Some(TARGET_KEY))
        .filter_map(|e| e.target_id)
        .collect();
    let live: HashMap<i64, String> = if key_ids.is_empty() {
        HashMap::new()
    } else {
        api_keys::table
            .filter(api_keys::id.eq_any(&key_ids))
            .select((api_keys::id, api_keys::kind))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let mut undo = bulk_undo_links(conn, &rows)?;
    Ok(rows
        .into_iter()
        .map(|e| {
            let undo_href = (e.action == action::KEYS_BULK_CHANGED)
                .then(|| bulk_id_of(&e))
                .flatten()
                .and_then(|id| undo.remove(&id));
            let target_href = (e.target_type.as_deref() == Some(TARGET_KEY))
                .then_some(e.target_id)
                .flatten()
                .and_then(|id| {
                    let kind = KeyKind::parse(live.get(&id)?)?;
                    Some(format!("{}/{}", kind.list_url(), id))
                });
            EventView {
                id: e.id,
                time: e.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                datetime: e.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                details: detail_lines(&e.details_json()),
                action_label: action::label(&e.action).to_owned(),
                target: e.target_name.unwrap_or_default(),
                target_href,
                actor: e.actor_name,
                action: e.action,
                source_ip: e.source_ip.unwrap_or_default(),
                undo_href,
            }
        })
        .collect())
}

fn bulk_id_of(e: &AuditEvent) -> Option<i64> {
    e.details_json()["bulk_id"].as_i64()
}

/// The undo address of each bulk action on the page that is not undone
/// yet; taken by its first (newest) event, so each is offered once.
fn bulk_undo_links(
    conn: &mut DbConnection,
    rows: &[AuditEvent],
) -> Result<HashMap<i64, String>, AppError> {
    let ids: Vec<i64> = rows
        .iter()
        .filter(|e| e.action == action::KEYS_BULK_CHANGED)
        .filter_map(bulk_id_of)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(crate::models::bulk_action::not_undone(conn, &ids)?
        .into_iter()
        .filter_map(|(id, kind)| {
            let kind = KeyKind::parse(&kind)?;
            Some((id, format!("{}/bulk/{id}/undo", kind.list_url())))
        })
        .collect())
}

/// The details object as lines: `{"changes": {"name": {"old": "a", "new":
/// "b"}}}` reads `name: a → b`; other fields `field: value`.
pub fn detail_lines(details: &Value) -> Vec<String> {
    let Value::Object(map) = details else {
        return match details {
            Value::Null => Vec::new(),
            other => vec![scalar(other)],
        };
    };
    let mut lines = Vec::new();
    for (k, v) in map {
        match (k.as_str(), v) {
            ("changes", Value::Object(changes)) => {
                for (field, change) in changes {
                    lines.push(change_line(field, change));
                }
            }
            _ => lines.push(change_line(k, v)),
        }
    }
    lines
}

fn change_line(field: &str, v: &Value) -> String {
    let field = field.replace('_', " ");
    match v {
        Value::Object(m) if m.contains_key("old") || m.contains_key("new") => format!(
            "{field}: {} → {}",
            scalar(m.get("old").unwrap_or(&Value::Null)),
            scalar(m.get("new").unwrap_or(&Value::Null))
        ),
        other => format!("{field}: {}", scalar(other)),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) if a.is_empty() => "none".into(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", scalar(v)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_read_as_lines() {
        let d = json!({"kind": "rest", "changes": {
            "name": {"old": "a", "new": "b"},
            "active": {"old": true, "new": false},
            "stores": {"old": "all", "new": ["berlin", "paris"]},
        }});
        assert_eq!(
            detail_lines(&d),
            vec![
                "active: yes → no",
                "name: a → b",
                "stores: all → berlin, paris",
                "kind: rest",
            ]
        );
        assert_eq!(
            detail_lines(&json!({"limited_keys": []})),
            vec!["limited keys: none"]
        );
        assert!(detail_lines(&Value::Null).is_empty());
    }

    #[test]
    fn the_partial_escapes_and_links_to_the_full_history() {
        let e = EventView {
            id: 1,
            time: "2026-12-01 10:00:00".into(),
            datetime: "2026-12-01T10:00:00Z".into(),
            actor: "<b>olivia</b>".into(),
            action: "key.edited".into(),
            action_label: "Key edited".into(),
            target: "k".into(),
            target_href: None,
            details: vec!["name: <i>a</i> → b".into()],
            source_ip: "127.0.0.1".into(),
            undo_href: None,
        };
        let html = KeyHistoryFragment {
            history: KeyHistory {
                key_id: 7,
                events: vec![e],
            },
        }
        .render()
        .unwrap();
        assert!(html.contains("href=\"/admin/audit?key=7\""), "{html}");
        assert!(
            html.contains("&#60;b&#62;olivia") || html.contains("&lt;b&gt;olivia"),
            "{html}"
        );
        assert!(!html.contains("<i>a</i>"), "{html}");
    }
}
