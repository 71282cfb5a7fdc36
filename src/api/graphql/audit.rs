//! `auditEvents(filter, page)` (function Role & permission: View): the
//! History page's events, newest first, through the same parser
//! (`AuditParams::parse`) and query (`audit::list`).

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};

use super::api_keys::PageInput;
use super::auth::caller;
use super::{bad_input, gql_err, nullable, time};
use crate::domain::audit_query::{AuditParams, RawAuditQuery};
use crate::domain::list_query::page_count;
use crate::domain::Function;
use crate::models::audit::{self, action};

/// The History page's filters. Dates are `YYYY-MM-DD` (UTC days, both ends
/// included).
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Events about this key.
    pub key_id: Option<i64>,
    /// The actor's name exactly (a username or a key's name).
    pub actor: Option<String>,
    /// An action code, e.g. `key.created`, `credential.refused`.
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(SimpleObject)]
pub struct AuditActor {
    /// `USER`, `KEY`, `ANONYMOUS` or `SYSTEM`.
    pub kind: String,
    pub name: String,
    pub user_id: Option<i64>,
    pub key_id: Option<i64>,
}

#[derive(SimpleObject)]
pub struct AuditTarget {
    /// `api_key`, `store` or `user`.
    pub kind: String,
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(SimpleObject)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: String,
    pub actor: AuditActor,
    /// The action code, e.g. `key.edited`.
    pub action: String,
    /// As the History page names it, e.g. `Key edited`.
    pub action_label: String,
    pub target: Option<AuditTarget>,
    /// What changed: names, ids, codes and dates; never a secret.
    pub details: Json<serde_json::Value>,
    pub source_ip: Option<String>,
}

#[derive(SimpleObject)]
pub struct AuditEventPage {
    pub nodes: Vec<AuditEvent>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub pages: u32,
}

fn event(e: audit::AuditEvent) -> AuditEvent {
    let kind = match (e.actor_user_id, e.actor_key_id, e.actor_name.as_str()) {
        (Some(_), _, _) => "USER",
        (_, Some(_), _) => "KEY",
        (_, _, "anonymous") => "ANONYMOUS",
        _ => "SYSTEM",
    };
    let details = e.details_json();
    AuditEvent {
        id: e.id,
        occurred_at: time(e.occurred_at),
        actor: AuditActor {
            kind: kind.into(),
            name: e.actor_name,
            user_id: e.actor_user_id,
            key_id: e.actor_key_id,
        },
        action_label: action::label(&e.action).to_owned(),
        action: e.action,
        target: e.target_type.map(|kind| AuditTarget {
            kind,
            id: e.target_id,
            name: e.target_name,
        }),
        details: Json(details),
        source_ip: e.source_ip,
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The history, newest first, with the History page's filters. Needs
    /// Role & permission: View.
    #[graphql(complexity = "20 + child_complexity")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        page: Option<PageInput>,
    ) -> Option<AuditEventPage> {
        let r: async_graphql::Result<Option<AuditEventPage>> = async move {
            let c = caller(ctx);
            c.check("auditEvents", Some(Function::RoleAndPermission), None)?;
            let f = filter.unwrap_or_default();
            let page = page.unwrap_or_default();
            let params = AuditParams::parse(&RawAuditQuery {
                key: f.key_id.map(|k| k.to_string()),
                actor: f.actor,
                action: f.action,
                from: f.from,
                to: f.to,
                page: page.number.map(|n| n.to_string()),
                per_page: page.size.map(|n| n.to_string()),
            })
            .map_err(bad_input)?;
            let (p, seer) = (params.clone(), c.snapshot.stores.clone());
            let (rows, total) = c
                .data
                .db
                .run(move |conn| {
                    Ok(audit::list_seen_by(
                        conn,
                        &p.filter(),
                        i64::from(p.per_page),
                        p.offset(),
                        &seer,
                    )?)
                })
                .await
                .map_err(gql_err)?;
            let pages = page_count(total, params.per_page);
            if params.page > pages {
                return Err(bad_input(format!(
                    "Page {} does not exist: this history has {} page{}.",
                    params.page,
                    pages,
                    if pages == 1 { "" } else { "s" }
                )));
            }
            Ok(Some(AuditEventPage {
                nodes: rows.into_iter().map(event).collect(),
                total,
                page: params.page,
                page_size: params.per_page,
                pages,
            }))
        }
        .await;
        nullable(ctx, r)
    }
}
