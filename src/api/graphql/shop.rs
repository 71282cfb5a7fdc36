//! `stores` and `channels` (function Shop & channel: View). Stores are
//! store-scoped: a key with "Access to individual stores" sees only its
//! own, each passed through the same decision.

use async_graphql::{Context, Object, SimpleObject};

use super::auth::caller;
use super::{gql_err, nullable, time};
use crate::domain::Function;
use crate::models::{channel, store};

#[derive(SimpleObject)]
pub struct Store {
    pub id: i64,
    /// What the Key API and the verification endpoint name it by.
    pub code: String,
    pub name: String,
    pub created_at: String,
}

#[derive(SimpleObject)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub created_at: String,
}

#[derive(Default)]
pub struct ShopQuery;

#[Object]
impl ShopQuery {
    /// The stores this key reaches, by name. Needs Shop & channel: View.
    #[graphql(complexity = "5 + child_complexity")]
    async fn stores(&self, ctx: &Context<'_>) -> Option<Vec<Store>> {
        let r: async_graphql::Result<Option<Vec<Store>>> = async move {
            let c = caller(ctx);
            c.check("stores", Some(Function::ShopAndChannel), None)?;
            let all = c
                .data
                .db
                .run(|conn| Ok(store::all(conn)?))
                .await
                .map_err(gql_err)?;
            Ok(Some(
                all.into_iter()
                    .filter(|s| c.reaches(s.id))
                    .map(|s| Store {
                        id: s.id,
                        code: s.code,
                        name: s.name,
                        created_at: time(s.created_at),
                    })
                    .collect(),
            ))
        }
        .await;
        nullable(ctx, r)
    }

    /// The sales channels, by name. Needs Shop & channel: View.
    #[graphql(complexity = "5 + child_complexity")]
    async fn channels(&self, ctx: &Context<'_>) -> Option<Vec<Channel>> {
        let r: async_graphql::Result<Option<Vec<Channel>>> = async move {
            let c = caller(ctx);
            c.check("channels", Some(Function::ShopAndChannel), None)?;
            let all = c
                .data
                .db
                .run(|conn| Ok(channel::all(conn)?))
                .await
                .map_err(gql_err)?;
            Ok(Some(
                all.into_iter()
                    .map(|ch| Channel {
                        id: ch.id,
                        name: ch.name,
                        created_at: time(ch.created_at),
                    })
                    .collect(),
            ))
        }
        .await;
        nullable(ctx, r)
    }
}
