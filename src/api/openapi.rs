//! The Key API's OpenAPI 3.1 document, generated from the operation table
//! (`v1::OPERATIONS`): each operation's path, method, `x-keydesk-function`,
//! `x-keydesk-action` and `x-keydesk-store-scoped` come from the very
//! entries the handlers' access checks use, so the document cannot drift
//! from what is enforced. Served at `/api/v1/openapi.json`; the method
//! catalogue reads `openapi_document()`. `POST /graphql` is in it too
//! (`graphql::openapi`), so Allowed API Methods can name it.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

use super::v1::{Operation, OPERATIONS};

/// What the document says about one operation beyond the table.
struct Doc {
    summary: &'static str,
    tag: &'static str,
    body: Option<&'static str>,
    ok: (u16, &'static str),
    query: &'static [(&'static str, &'static str)],
    idempotent: bool,
}

fn doc(op: &Operation) -> Doc {
    let d = |summary, tag, body, ok, query, idempotent| Doc {
        summary,
        tag,
        body,
        ok,
        query,
        idempotent,
    };
    const LIST: &[(&str, &str)] = &[
        ("kind", "rest (default) or graphql"),
        ("q", "search in names"),
        ("active", "true, false or any"),
        (
            "sort",
            "name, active, created, updated, expires or last_used",
        ),
        ("dir", "asc or desc"),
        ("created_from", "YYYY-MM-DD"),
        ("created_to", "YYYY-MM-DD"),
        ("updated_from", "YYYY-MM-DD"),
        ("updated_to", "YYYY-MM-DD"),
        ("expiry", "expired, within-7-days or never"),
        ("access", "all or individual"),
        ("store", "a store id"),
        ("used", "a last-used filter"),
        ("page", "1, 2, …"),
        ("per_page", "10, 25, 50 or 100"),
    ];
    const AUDIT: &[(&str, &str)] = &[
        ("key_id", "events about this key"),
        ("actor", "user or key name"),
        ("action", "e.g. key.created"),
        ("from", "date or RFC 3339 time (inclusive)"),
        ("to", "date or RFC 3339 time (exclusive)"),
        ("page", "1, 2, …"),
        ("per_page", "1 to 100"),
    ];
    match op.id {
        "getMe" => d("The calling key", "Me", None, (200, "Me"), &[], false),
        "listKeys" => d(
            "List API keys",
            "API keys",
            None,
            (200, "KeyList"),
            LIST,
            false,
        ),
        "getKey" => d("Get an API key", "API keys", None, (200, "Key"), &[], false),
        "createKey" => d(
            "Create an API key (the secret is in this one answer)",
            "API keys",
            Some("KeyCreate"),
            (201, "KeyWithSecret"),
            &[],
            true,
        ),
        "updateKey" => d(
            "Change an API key",
            "API keys",
            Some("KeyUpdate"),
            (200, "Key"),
            &[],
            false,
        ),
        "refreshKey" => d(
            "Refresh an API key's secret",
            "API keys",
            Some("KeyRefresh"),
            (200, "KeyWithSecret"),
            &[],
            true,
        ),
        "stopOldSecret" => d(
            "Stop the old secret now",
            "API keys",
            None,
            (200, "Stopped"),
            &[],
            false,
        ),
        "deleteKey" => d("Delete an API key", "API keys", None, (204, ""), &[], false),
        "listAuditEvents" => d(
            "List audit events",
            "Audit events",
            None,
            (200, "AuditList"),
            AUDIT,
            false,
        ),
        "listStores" => d(
            "List the stores the key reaches",
            "Stores",
            None,
            (200, "StoreList"),
            &[],
            false,
        ),
        "getStore" => d("Get a store", "Stores", None, (200, "Store"), &[], false),
        "createStore" => d(
            "Add a store",
            "Stores",
            Some("StoreCreate"),
            (201, "Store"),
            &[],
            false,
        ),
        "renameStore" => d(
            "Rename a store",
            "Stores",
            Some("StoreRename"),
            (200, "Store"),
            &[],
            false,
        ),
        "deleteStore" => d("Delete a store", "Stores", None, (204, ""), &[], false),
        "listChannels" => d(
            "List sales channels",
            "Sales channels",
            None,
            (200, "ChannelList"),
            &[],
            false,
        ),
        "createChannel" => d(
            "Add a sales channel",
            "Sales channels",
            Some("ChannelName"),
            (201, "Channel"),
            &[],
            true,
        ),
        "renameChannel" => d(
            "Rename a sales channel",
            "Sales channels",
            Some("ChannelName"),
            (200, "Channel"),
            &[],
            false,
        ),
        "deleteChannel" => d(
            "Delete a sales channel (refused with 409 while keys are tied to it)",
            "Sales channels",
            None,
            (204, ""),
            &[],
            false,
        ),
        _ => d(
            "Get a sales channel",
            "Sales channels",
            None,
            (200, "Channel"),
            &[],
            false,
        ),
    }
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": schema("Problem") } }
    })
}

fn operation(op: &Operation) -> Value {
    let d = doc(op);
    let mut params: Vec<Value> = Vec::new();
    for seg in op.path.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let ty = if name == "id" {
                json!({ "type": "integer", "minimum": 1 })
            } else {
                json!({ "type": "string" })
            };
            params.push(json!({ "name": name, "in": "path", "required": true, "schema": ty }));
        }
    }
    for (name, description) in d.query {
        params.push(json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } }));
    }
    if d.idempotent {
        params.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Retry-safe: the same key and body return the first answer (secret fields null); another body is refused with 422.",
            "schema": { "type": "string", "maxLength": 255 }
        }));
    }
    let mut responses = Map::new();
    let ok = if d.ok.1.is_empty() {
        json!({ "description": "Done" })
    } else {
        json!({ "description": "OK", "content": { "application/json": { "schema": schema(d.ok.1) } } })
    };
    responses.insert(d.ok.0.to_string(), ok);
    responses.insert("401".into(), problem("Unauthenticated: no, a malformed, unknown or expired token, or a key that is inactive, expired or refreshed (WWW-Authenticate says which)"));
    responses.insert("403".into(), problem("insufficient_scope (names the function:action), store_denied, method_blocked, or refused (beyond the key's own bound)"));
    responses.insert(
        "429".into(),
        problem("Too many requests from this key (Retry-After)"),
    );
    if op.path.contains('{') {
        responses.insert("404".into(), problem("No such id"));
    }
    if op.method != "GET" && matches!(d.tag, "Stores" | "Sales channels") {
        responses.insert(
            "409".into(),
            problem("conflict: the name or code is taken, or keys are tied to the channel"),
        );
    }
    if d.body.is_some() {
        responses.insert("400".into(), problem("Malformed JSON"));
        responses.insert("413".into(), problem("Body too large"));
        responses.insert("415".into(), problem("Not application/json"));
        responses.insert(
            "422".into(),
            problem("Wrong types, unknown fields or invalid values"),
        );
    }
    let (function, action) = match op.grant {
        Some((f, a)) => (json!(f.code()), json!(a.code())),
        None => (Value::Null, Value::Null),
    };
    let mut o = json!({
        "operationId": op.id,
        "summary": d.summary,
        "tags": [d.tag],
        "parameters": params,
        "responses": responses,
        "security": [{ "oauth2": [] }, { "bearer": [] }],
        "x-keydesk-function": function,
        "x-keydesk-action": action,
        "x-keydesk-store-scoped": op.store_scoped,
    });
    if let Some(b) = d.body {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema(b) } }
        });
    }
    o
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false })
}

fn components() -> Value {
    let time = json!({ "type": ["string", "null"], "format": "date-time" });
    let grants =
        json!({ "type": "array", "items": { "type": "string", "example": "order-data:view" } });
    let stores = json!({ "oneOf": [ { "const": "all" }, { "type": "array", "items": { "type": "string" } } ] });
    let key = json!({
        "type": "object",
        "properties": {
            "id": { "type": "integer" }, "kind": { "enum": ["rest", "graphql"] }, "name": { "type": "string" },
            "active": { "type": "boolean" }, "client_id": { "type": ["string", "null"] },
            "channel_id": { "type": ["integer", "null"] },
            "roles": { "type": "array", "items": { "type": "object", "properties": { "definition": { "type": "string" }, "level": { "type": "string" } } } },
            "grants": grants, "stores": stores, "expires_at": time, "created_at": time, "updated_at": time, "last_used_at": time,
            "secrets": { "type": "array", "items": { "type": "object", "properties": { "prefix": { "type": "string" }, "created_at": time, "retires_at": time } } }
        }
    });
    let list = |item: &str| json!({ "type": "object", "properties": { "items": { "type": "array", "items": schema(item) }, "total": { "type": "integer" } } });
    json!({
        "securitySchemes": {
            "oauth2": { "type": "oauth2", "description": "A REST key's Client Id and Client Secret, exchanged for an access token.",
                "flows": { "clientCredentials": { "tokenUrl": "/oauth/token", "scopes": {} } } },
            "bearer": { "type": "http", "scheme": "bearer", "description": "An access token from /oauth/token, pasted." }
        },
        "schemas": {
            "Problem": { "type": "object", "required": ["code", "message", "status"], "properties": {
                "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                "code": { "type": "string" }, "message": { "type": "string" }, "detail": { "type": "string" } } },
            "Me": { "type": "object", "properties": {
                "id": { "type": "integer" }, "name": { "type": "string" }, "kind": { "type": "string" },
                "client_id": { "type": ["string", "null"] }, "active": { "type": "boolean" },
                "expires_at": time, "grants": grants, "stores": stores, "token_expires_at": time,
                "secret": { "type": ["object", "null"], "properties": { "prefix": { "type": "string" }, "created_at": time, "retires_at": time } } } },
            "Key": key,
            "KeyList": { "type": "object", "properties": { "items": { "type": "array", "items": { "type": "object" } },
                "page": { "type": "integer" }, "per_page": { "type": "integer" }, "total": { "type": "integer" },
                "total_is_lower_bound": { "type": "boolean" } } },
            "KeyWithSecret": { "type": "object", "properties": { "key": schema("Key"),
                "client_id": { "type": ["string", "null"] },
                "client_secret": { "type": ["string", "null"], "description": "Shown once; null in a replayed answer." },
                "api_key": { "type": ["string", "null"], "description": "GraphQL keys: shown once." },
                "old_secret_retires_at": time, "secret_shown_once": { "type": "boolean" } } },
            "KeyCreate": obj(json!({
                "kind": { "enum": ["rest", "graphql"] }, "name": { "type": "string" }, "active": { "type": "boolean" },
                "grants": grants, "roles": { "type": "array", "items": { "type": "object", "properties": { "definition": { "type": "string" }, "level": { "type": "string" } } } },
                "channel_id": { "type": "integer" }, "stores": stores, "expires_at": time }), &["name"]),
            "KeyUpdate": obj(json!({ "name": { "type": "string" }, "active": { "type": "boolean" }, "grants": grants,
                "stores": stores, "expires_at": time, "channel_id": { "type": ["integer", "null"] } }), &[]),
            "KeyRefresh": obj(json!({ "grace": { "enum": ["now", "1h", "24h", "7d", "30d"] } }), &[]),
            "Stopped": { "type": "object", "properties": { "stopped": { "type": "boolean" } } },
            "AuditList": { "type": "object", "properties": { "items": { "type": "array", "items": { "type": "object" } },
                "page": { "type": "integer" }, "per_page": { "type": "integer" }, "total": { "type": "integer" } } },
            "Store": { "type": "object", "properties": { "id": { "type": "integer" }, "code": { "type": "string" }, "name": { "type": "string" }, "created_at": time } },
            "StoreList": list("Store"),
            "StoreCreate": obj(json!({ "name": { "type": "string" }, "code": { "type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$" } }), &["name", "code"]),
            "StoreRename": obj(json!({ "name": { "type": "string" } }), &["name"]),
            "Channel": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "created_at": time } },
            "ChannelList": list("Channel"),
            "ChannelName": obj(json!({ "name": { "type": "string", "maxLength": 100 } }), &["name"])
        }
    })
}

/// keydesk's own Key API, as an OpenAPI 3.1 document.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let entry = paths.entry(op.path).or_insert_with(|| json!({}));
        entry[op.method.to_ascii_lowercase()] = operation(op);
    }
    let (gql_path, gql_item) = super::graphql::openapi::path_item();
    paths.insert(gql_path.into(), gql_item);
    let mut components = components();
    components["securitySchemes"]["graphqlKey"] = super::graphql::openapi::security_scheme();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "keydesk Key API",
            "version": "1",
            "description": "Manage keydesk with a REST key: exchange its Client Id and Client Secret at /oauth/token for an access token, then send it as a bearer token. Each operation names the function and action the key needs (x-keydesk-function, x-keydesk-action) and whether it is store-scoped. Errors are RFC 9457 problem details with a stable code."
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": components,
    })
}

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(openapi_document())
}
