//! One OpenAPI 3.0 / 3.1 document (already parsed into JSON values) into
//! the catalogue's operations. What each operation must say:
//!
//! - its **function**: `x-keydesk-function` (a function's slug such as
//!   `order-data`, or its name such as `Order Data`), or else a tag that is
//!   a function's slug or name (case-insensitive); tags naming two
//!   different functions are an error;
//! - its **action**: `x-keydesk-action` (`view`, `edit`, `create`,
//!   `delete`), or else by the HTTP method: GET and HEAD view, PUT and PATCH
//!   edit, POST creates, DELETE deletes (OPTIONS and TRACE must say);
//! - its **store parameter**, if it is store-scoped: `x-keydesk-store-param`
//!   names a path or query parameter of the operation (`false`: none), or
//!   else a path or query parameter named `store` or `storeCode` is it.

use serde_json::{Map, Value};

use super::template::Template;
use super::{Operation, ParamIn, Source, StoreParam};
use crate::domain::{Action, Function};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The parameter names taken as the store without `x-keydesk-store-param`.
pub const STORE_PARAM_NAMES: [&str; 2] = ["store", "storeCode"];

pub(super) fn operations(doc: &Value, source: Source) -> Result<Vec<Operation>, String> {
    let root = doc
        .as_object()
        .ok_or("the document is not an object (an OpenAPI document is a mapping)")?;
    match root.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") || v.starts_with("3.1") => {}
        Some(v) => {
            return Err(format!(
                "openapi is `{v}`: only OpenAPI 3.0 and 3.1 documents are read"
            ))
        }
        None => {
            return Err("it has no `openapi` version field: is it an OpenAPI 3 document?".into())
        }
    }
    let paths = match root.get("paths") {
        None => return Ok(Vec::new()),
        Some(Value::Object(p)) => p,
        Some(_) => return Err("`paths` is not a mapping".into()),
    };
    let mut out = Vec::new();
    for (raw, item) in paths {
        if raw.starts_with("x-") {
            continue;
        }
        let template = Template::parse(raw)?;
        let item = item
            .as_object()
            .ok_or_else(|| format!("the path item `{raw}` is not a mapping"))?;
        if item.contains_key("$ref") {
            return Err(format!(
                "the path item `{raw}` is a $ref, which is not supported"
            ));
        }
        let shared = parameters(doc, item.get("parameters"), raw)?;
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let m = method.to_ascii_uppercase();
            let where_ = format!("{m} {raw}");
            let op = op
                .as_object()
                .ok_or_else(|| format!("{where_} is not a mapping"))?;
            let mut params = shared.clone();
            for p in parameters(doc, op.get("parameters"), &where_)? {
                params.retain(|q| !(q.0 == p.0 && q.1 == p.1));
                params.push(p);
            }
            // keydesk's own operations that belong to no function (the
            // token endpoint, say) are not methods a key is limited to:
            // left out. The platform's must each name one.
            let function = match (function_of(op, &where_), source) {
                (Ok(f), _) => f,
                (Err(_), Source::Keydesk) if !has_function_hint(op) => continue,
                (Err(e), _) => return Err(e),
            };
            out.push(Operation {
                function,
                action: action_of(op, &m, &where_)?,
                store_param: store_param_of(op, &params, &template, &where_)?,
                summary: summary_of(op),
                method: m,
                path: raw.clone(),
                template: template.clone(),
                source,
            });
        }
    }
    Ok(out)
}

/// (name, in) of each parameter, `$ref`s to `#/components/parameters/…`
/// followed.
fn parameters(
    doc: &Value,
    list: Option<&Value>,
    where_: &str,
) -> Result<Vec<(String, String)>, String> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("the parameters of {where_} are not a list"))?;
    let mut out = Vec::new();
    for p in list {
        let p = match p.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r
                    .strip_prefix("#/components/parameters/")
                    .ok_or_else(|| format!("{where_}: the parameter $ref `{r}` is not local"))?;
                doc.pointer(&format!("/components/parameters/{}", pointer_escape(name)))
                    .ok_or_else(|| format!("{where_}: the parameter $ref `{r}` points nowhere"))?
            }
            None => p,
        };
        let name = p.get("name").and_then(Value::as_str);
        let loc = p.get("in").and_then(Value::as_str);
        match (name, loc) {
            (Some(n), Some(l)) => out.push((n.to_owned(), l.to_owned())),
            _ => return Err(format!("{where_}: a parameter has no `name` or `in`")),
        }
    }
    Ok(out)
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Says something about its function (an extension), rightly or not.
/// `x-keydesk-function: null` says "no function" (keydesk's `GET /me`).
fn has_function_hint(op: &Map<String, Value>) -> bool {
    op.get("x-keydesk-function").is_some_and(|v| !v.is_null())
}

fn function_named(raw: &str) -> Option<Function> {
    let raw = raw.trim();
    Function::ALL
        .into_iter()
        .find(|f| f.code().eq_ignore_ascii_case(raw) || f.label().eq_ignore_ascii_case(raw))
}

fn function_of(op: &Map<String, Value>, where_: &str) -> Result<Function, String> {
    if let Some(v) = op.get("x-keydesk-function") {
        let raw = v
            .as_str()
            .ok_or_else(|| format!("{where_}: x-keydesk-function is not a string"))?;
        return function_named(raw).ok_or_else(|| {
            format!(
                "{where_}: x-keydesk-function `{raw}` is not a function ({})",
                slugs()
            )
        });
    }
    let tags: Vec<&str> = op
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut found: Option<Function> = None;
    for tag in tags {
        if let Some(f) = function_named(tag) {
            match found {
                Some(g) if g != f => {
                    return Err(format!(
                        "{where_}: its tags name two functions ({} and {}): say which with x-keydesk-function",
                        g.code(),
                        f.code()
                    ))
                }
                _ => found = Some(f),
            }
        }
    }
    found.ok_or_else(|| {
        format!(
            "{where_} names no function: add x-keydesk-function or a tag named after one ({})",
            slugs()
        )
    })
}

fn slugs() -> String {
    Function::ALL
        .iter()
        .map(|f| f.code())
        .collect::<Vec<_>>()
        .join(", ")
}

fn action_of(op: &Map<String, Value>, method: &str, where_: &str) -> Result<Action, String> {
    if let Some(v) = op.get("x-keydesk-action") {
        let raw = v
            .as_str()
            .ok_or_else(|| format!("{where_}: x-keydesk-action is not a string"))?;
        return Action::parse(raw).map_err(|_| {
            format!("{where_}: x-keydesk-action `{raw}` is not view, edit, create or delete")
        });
    }
    match method {
        "GET" | "HEAD" => Ok(Action::View),
        "PUT" | "PATCH" => Ok(Action::Edit),
        "POST" => Ok(Action::Create),
        "DELETE" => Ok(Action::Delete),
        _ => Err(format!(
            "{where_}: {method} has no action of its own: add x-keydesk-action"
        )),
    }
}

fn store_param_of(
    op: &Map<String, Value>,
    params: &[(String, String)],
    template: &Template,
    where_: &str,
) -> Result<Option<StoreParam>, String> {
    let usable = |name: &str| -> Option<StoreParam> {
        params
            .iter()
            .find(|(n, l)| n == name && (l == "path" || l == "query"))
            .map(|(n, l)| StoreParam {
                name: n.clone(),
                location: if l == "path" {
                    ParamIn::Path
                } else {
                    ParamIn::Query
                },
            })
    };
    match op.get("x-keydesk-store-param") {
        Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(name)) => {
            let p = usable(name).ok_or_else(|| {
                format!("{where_}: x-keydesk-store-param `{name}` is not one of its path or query parameters")
            })?;
            if p.location == ParamIn::Path && !template.has_param(&p.name) {
                return Err(format!(
                    "{where_}: the store parameter `{name}` is not in the path"
                ));
            }
            Ok(Some(p))
        }
        Some(_) => Err(format!(
            "{where_}: x-keydesk-store-param is a parameter name or false"
        )),
        None => Ok(STORE_PARAM_NAMES
            .iter()
            .find_map(|n| usable(n))
            .filter(|p| p.location == ParamIn::Query || template.has_param(&p.name))),
    }
}

fn summary_of(op: &Map<String, Value>) -> String {
    ["summary", "operationId"]
        .iter()
        .find_map(|k| op.get(*k).and_then(Value::as_str))
        .map(|s| s.chars().filter(|c| !c.is_control()).take(200).collect())
        .unwrap_or_default()
}
