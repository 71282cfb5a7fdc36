//! `me`: the calling key as keydesk sees it (name, roles, grants, stores,
//! expiry, which secret it used). Needs only a live key.

use async_graphql::{Context, Object, SimpleObject};

use super::auth::caller;
use super::{gql_err, nullable, time};
use crate::access::lookup::store_codes;
use crate::models::{api_key, channel};

#[derive(SimpleObject)]
pub struct Role {
    /// The role definition, e.g. `shop-channel`.
    pub definition: String,
    /// As the dialog shows it, e.g. `Shop & channel`.
    pub label: String,
    /// `viewer`, `editor` or `owner`.
    pub level: String,
}

#[derive(SimpleObject)]
pub struct Me {
    pub id: i64,
    pub name: String,
    /// Always `graphql` here.
    pub kind: String,
    pub active: bool,
    /// RFC 3339 in UTC; null: never expires.
    pub expires_at: Option<String>,
    pub roles: Vec<Role>,
    /// What the roles grant, as `function:action`.
    pub grants: Vec<String>,
    /// True: "Access to all stores".
    pub all_stores: bool,
    /// The codes of the stores the key reaches (empty with all stores).
    pub stores: Vec<String>,
    /// The sales channel the key is tied to, if any.
    pub channel: Option<String>,
    /// `CURRENT`, or `RETIRING` for the previous secret during a
    /// refresh's grace period.
    pub secret_in_use: String,
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The key making this request.
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        let r: async_graphql::Result<Option<Me>> = async move {
            let c = caller(ctx);
            c.check("me", None, None)?;
            let s = c.snapshot.clone();
            let (key_id, access) = (s.key_id, s.stores.clone());
            let (roles, codes, channel) = c
                .data
                .db
                .run(move |conn| {
                    let roles = api_key::roles_of(conn, key_id)?;
                    let codes = store_codes(conn, &access)?;
                    let channel_id = api_key::find(conn, crate::domain::KeyKind::Graphql, key_id)?
                        .and_then(|k| k.channel_id);
                    let channel = match channel_id {
                        Some(id) => channel::find(conn, id)?.map(|c| c.name),
                        None => None,
                    };
                    Ok((roles, codes, channel))
                })
                .await
                .map_err(gql_err)?;
            Ok(Some(Me {
                id: s.key_id,
                name: s.name,
                kind: s.kind.code().into(),
                active: s.active,
                expires_at: s.expires_at.map(time),
                roles: roles
                    .iter()
                    .map(|r| Role {
                        definition: r.definition.code().into(),
                        label: r.definition.label().into(),
                        level: r.level.code().into(),
                    })
                    .collect(),
                grants: s.grants.iter().map(|g| g.scope()).collect(),
                all_stores: s.stores.is_all(),
                stores: codes.unwrap_or_default(),
                channel,
                secret_in_use: c.secret_in_use().into(),
            }))
        }
        .await;
        nullable(ctx, r)
    }
}
