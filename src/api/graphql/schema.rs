//! The schema: one query root merged from a type per field group, built
//! once, with the limits every request meets. No mutations: keys change
//! through the back office and the REST Key API.

use std::sync::OnceLock;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema, ServerError};

use super::api_keys::ApiKeysQuery;
use super::audit::AuditQuery;
use super::me::MeQuery;
use super::shop::ShopQuery;

#[derive(MergedObject, Default)]
pub struct Query(MeQuery, ShopQuery, ApiKeysQuery, AuditQuery);

pub type KeydeskSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Deepest selection accepted. Our own types nest at most four levels
/// (`auditEvents { nodes { actor { name } } }`); the rest is room for the
/// introspection query GraphiQL sends (13 levels: `ofType` chains).
pub const MAX_DEPTH: usize = 15;
/// Largest cost accepted: a field costs 1, a list of stores or channels 5,
/// a page of keys or events 20, plus what is selected inside. GraphiQL's
/// introspection costs about 200; a query asking for the same page a
/// hundred times under aliases does not get through.
pub const MAX_COMPLEXITY: usize = 400;
/// Directives on one field (a flood of `@skip` is a known parser DoS).
const MAX_DIRECTIVES: usize = 5;

pub fn schema() -> &'static KeydeskSchema {
    static SCHEMA: OnceLock<KeydeskSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::build(Query::default(), EmptyMutation, EmptySubscription)
            .limit_depth(MAX_DEPTH)
            .limit_complexity(MAX_COMPLEXITY)
            .limit_directives(MAX_DIRECTIVES)
            .finish()
    })
}

/// The schema in SDL, for the README and tests.
pub fn sdl() -> String {
    schema().sdl()
}

/// Gives async-graphql's own request errors (parse, validation, limits) a
/// code and, for the limits, a message that names the limit.
pub fn explain(mut e: ServerError) -> ServerError {
    if e.extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some())
    {
        return e;
    }
    let (code, limit) = match e.message.as_str() {
        "Query is nested too deep." => {
            e.message = format!(
                "The query is nested too deep: at most {MAX_DEPTH} levels of fields are accepted."
            );
            ("depth_limit_exceeded", Some(MAX_DEPTH))
        }
        "Query is too complex." => {
            e.message = format!(
                "The query is too complex: its cost is above {MAX_COMPLEXITY} (a field costs 1, a list of stores or channels 5, a page of keys or events 20). Ask for fewer fields or split it."
            );
            ("complexity_limit_exceeded", Some(MAX_COMPLEXITY))
        }
        m if m.starts_with("The number of directives") => ("directive_limit_exceeded", None),
        _ => ("invalid_query", None),
    };
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", code);
    if let Some(l) = limit {
        ext.set("limit", l as i32);
    }
    e
}
