//! `POST /graphql` in keydesk's OpenAPI document, so the method catalogue
//! lists it and a key's Allowed API Methods can name it: the endpoint
//! checks its method list once per request (`auth::authenticate`), so a
//! method-limited GraphQL key calls /graphql only when POST /graphql is
//! chosen, as a method-limited REST key calls only the Key API operations
//! chosen. Each field is then checked with its own function; the
//! catalogue files the endpoint under Shop & channel: View (`me`, `stores`
//! and `channels`, what a shop frontend's key reads) for its block.

use serde_json::{json, Value};

use super::auth::PATH;

/// The path item and the security scheme a GraphQL key's secret uses.
pub fn path_item() -> (&'static str, Value) {
    let problem = |d: &str| json!({ "description": d });
    (
        PATH,
        json!({ "post": {
            "operationId": "graphql",
            "summary": "GraphQL: me, stores, channels, apiKeys, auditEvents (each field checked with its own function)",
            "tags": ["GraphQL"],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["query"],
                "properties": {
                    "query": { "type": "string", "example": "{ me { name } stores { code name } }" },
                    "variables": { "type": ["object", "null"] },
                    "operationName": { "type": ["string", "null"] }
                } } } } },
            "responses": {
                "200": { "description": "data and errors (a field the key may not read is null, with its error)",
                    "content": { "application/json": { "schema": { "type": "object" } } } },
                "401": problem("Unauthenticated: no, a malformed or unknown key, or one that is inactive, expired or refreshed"),
                "403": problem("method_blocked: the key's Allowed API Methods do not include POST /graphql")
            },
            "security": [{ "graphqlKey": [] }],
            "x-keydesk-function": "shop-channel",
            "x-keydesk-action": "view",
            "x-keydesk-store-scoped": false
        } }),
    )
}

pub fn security_scheme() -> Value {
    json!({ "type": "http", "scheme": "bearer", "description": "A GraphQL key's secret (kd_gql_…), pasted." })
}
