//! The method catalogue (DESIGN.md "The method catalogue"): every API
//! method a key can be limited to, read from OpenAPI documents: keydesk's
//! own Key API document and, optionally, the platform's
//! (`--platform-openapi`). Built once at startup; the Allowed API Methods
//! field of both dialogs, the core's validation of a key's methods and the
//! verification endpoint all read this one value.
//!
//! An allowed method is stored as the operation's method and path template
//! exactly as the document writes them (`GET /api/v*/orders/statuses`); a
//! concrete request path is matched against templates by `template`.

mod document;
pub mod template;

use std::path::Path;

use serde_json::Value;

use crate::access::AllowedMethod;
use crate::domain::{Action, Function};
pub use document::STORE_PARAM_NAMES;
pub use template::Template;

/// Which document an operation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// keydesk's own Key API.
    Keydesk,
    /// The platform's document given with `--platform-openapi`.
    Platform,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Self::Keydesk => "keydesk",
            Self::Platform => "platform",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
}

/// The parameter of a store-scoped operation that names the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreParam {
    pub name: String,
    pub location: ParamIn,
}

/// One operation of a document.
#[derive(Clone, Debug)]
pub struct Operation {
    /// Upper case: `GET`.
    pub method: String,
    /// The path template as the document writes it.
    pub path: String,
    pub template: Template,
    pub function: Function,
    pub action: Action,
    pub store_param: Option<StoreParam>,
    pub source: Source,
    /// `summary`, else `operationId`, else empty.
    pub summary: String,
}

impl Operation {
    /// `GET /api/v*/orders/statuses`: how forms post it and histories show it.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub fn as_allowed(&self) -> AllowedMethod {
        AllowedMethod {
            method: self.method.clone(),
            path: self.path.clone(),
        }
    }

    /// The store a concrete call names through the store parameter.
    pub fn store_in<'a>(&self, path: &'a str) -> Option<&'a str> {
        let p = self.store_param.as_ref()?;
        match p.location {
            ParamIn::Path => self.template.param_value(&p.name, path),
            ParamIn::Query => template::query_value(path, &p.name),
        }
    }
}

/// What a key may call: every method, or only those listed. Only the
/// catalogue makes a list (`Catalogue::choose`), so a list always names
/// operations that exist; stored lists are read back with `from_stored`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedMethods(Option<Vec<AllowedMethod>>);

impl AllowedMethods {
    pub const ALL: AllowedMethods = AllowedMethods(None);

    pub fn is_all(&self) -> bool {
        self.0.is_none()
    }

    /// None: all methods.
    pub fn list(&self) -> Option<&[AllowedMethod]> {
        self.0.as_deref()
    }

    pub fn into_inner(self) -> Option<Vec<AllowedMethod>> {
        self.0
    }

    /// As read from the database (not checked against the catalogue: an
    /// operation the platform's document no longer has stays listed, and
    /// matches nothing new).
    pub(crate) fn from_stored(list: Option<Vec<AllowedMethod>>) -> Self {
        Self(list.map(|mut l| {
            l.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
            l
        }))
    }

    pub fn contains(&self, method: &str, path: &str) -> bool {
        match &self.0 {
            None => true,
            Some(l) => l.iter().any(|m| m.method == method && m.path == path),
        }
    }

    /// How histories and answers show it: `"all"` or `["GET /…", …]`.
    pub fn to_json(&self) -> Value {
        match &self.0 {
            None => Value::String("all".into()),
            Some(l) => Value::Array(
                l.iter()
                    .map(|m| Value::String(format!("{} {}", m.method, m.path)))
                    .collect(),
            ),
        }
    }
}

/// One function's operations, as a dialog shows them in a block.
pub struct Block<'a> {
    pub function: Function,
    pub operations: Vec<&'a Operation>,
}

#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    operations: Vec<Operation>,
    /// The platform's document as loaded (for the API Documentation page).
    platform: Option<std::sync::Arc<Value>>,
}

/// Most operations a form may name (far more than any document has).
const MAX_CHOSEN: usize = 2_000;

impl Catalogue {
    /// The catalogue of the given documents, in order. A document that is
    /// not OpenAPI 3.0/3.1, an operation without a function, or an
    /// operation declared twice (within a document or across them, path
    /// parameter names aside), is an error naming the operation.
    pub fn from_documents(docs: &[(Source, &Value)]) -> Result<Self, String> {
        let mut operations: Vec<Operation> = Vec::new();
        for (source, doc) in docs {
            for op in document::operations(doc, *source)? {
                if let Some(twin) = operations
                    .iter()
                    .find(|o| o.method == op.method && overlaps(o, &op))
                {
                    let what = if twin.source == Source::Keydesk && op.source == Source::Platform {
                        "overlaps keydesk's own"
                    } else {
                        "is declared twice:"
                    };
                    return Err(format!("{} {what} {}", op.label(), twin.label()));
                }
                operations.push(op);
            }
        }
        Ok(Self {
            operations,
            platform: None,
        })
    }

    /// The platform's document given with `--platform-openapi`, as parsed
    /// (YAML turned into JSON); None without one.
    pub fn platform_document(&self) -> Option<&std::sync::Arc<Value>> {
        self.platform.as_ref()
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The operation `method` + template `path`, exactly as written.
    pub fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.method.eq_ignore_ascii_case(method) && o.path == path)
    }

    /// The operation a concrete call is: of those with this method whose
    /// template matches, the most specific (`/orders/statuses` before
    /// `/orders/{id}`).
    pub fn resolve(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method) && o.template.matches(path))
            .reduce(|best, o| {
                if o.template.specificity(&best.template).is_gt() {
                    o
                } else {
                    best
                }
            })
    }

    /// A key's chosen methods from form or API values `METHOD PATH`: each
    /// must be an operation of the catalogue, and at least one is needed.
    pub fn choose<S: AsRef<str>>(&self, raw: &[S]) -> Result<AllowedMethods, String> {
        if raw.len() > MAX_CHOSEN {
            return Err("Too many methods.".into());
        }
        let mut chosen: Vec<&Operation> = Vec::new();
        for r in raw {
            let r = r.as_ref().trim();
            let op = r
                .split_once(' ')
                .and_then(|(m, p)| self.find(m.trim(), p.trim()))
                .ok_or_else(|| {
                    let shown: String = r.chars().filter(|c| !c.is_control()).take(80).collect();
                    format!(
                        "`{shown}` is not an API method of the catalogue: choose from the list."
                    )
                })?;
            if !chosen.iter().any(|c| std::ptr::eq(*c, op)) {
                chosen.push(op);
            }
        }
        if chosen.is_empty() {
            return Err("Choose at least one API method, or allow all methods.".into());
        }
        // One order (by path, then method), as stored lists are read back,
        // so equal choices compare equal.
        let mut list: Vec<AllowedMethod> = chosen.iter().map(|o| o.as_allowed()).collect();
        list.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        Ok(AllowedMethods(Some(list)))
    }

    /// The operations by function, in seed 001's order; empty blocks left out.
    pub fn blocks(&self) -> Vec<Block<'_>> {
        Function::ALL
            .into_iter()
            .map(|function| Block {
                function,
                operations: self
                    .operations
                    .iter()
                    .filter(|o| o.function == function)
                    .collect(),
            })
            .filter(|b| !b.operations.is_empty())
            .collect()
    }
}

/// Two operations of one method that some path reaches both: the same
/// template shape, or (across documents) one template matching the other
/// written as a path.
fn overlaps(a: &Operation, b: &Operation) -> bool {
    a.template.shape() == b.template.shape()
        || (a.source != b.source && (a.template.matches(&b.path) || b.template.matches(&a.path)))
}

/// Reads an OpenAPI document from a file: JSON when it parses as JSON (or
/// is named `.json`), YAML otherwise. The error is one line.
pub fn read_document(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    let parsed = if is_json {
        serde_json::from_str::<Value>(&text).map_err(|e| format!("it is not valid JSON: {e}"))
    } else {
        serde_norway::from_str::<Value>(&text).map_err(|e| format!("it is not valid YAML: {e}"))
    };
    parsed.map_err(|e| e.replace(['\n', '\r'], " "))
}

/// The catalogue keydesk serves with: its own document (`own`, when there
/// is one) and the platform's file, if given. The error names the file.
pub fn build(own: Option<&Value>, platform: Option<&Path>) -> Result<Catalogue, String> {
    let platform_doc = match platform {
        Some(p) => {
            Some(read_document(p).map_err(|e| format!("--platform-openapi {}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut docs: Vec<(Source, &Value)> = Vec::new();
    if let Some(own) = own {
        docs.push((Source::Keydesk, own));
    }
    if let Some(doc) = &platform_doc {
        docs.push((Source::Platform, doc));
    }
    let mut catalogue = Catalogue::from_documents(&docs).map_err(|e| match platform {
        Some(p) => format!(
            "--platform-openapi {}: {}",
            p.display(),
            e.replace(['\n', '\r'], " ")
        ),
        None => e,
    })?;
    catalogue.platform = platform_doc.map(std::sync::Arc::new);
    Ok(catalogue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform-openapi.yaml");
        read_document(&path).expect("the example reads")
    }

    fn platform() -> Catalogue {
        Catalogue::from_documents(&[(Source::Platform, &example())]).expect("the example loads")
    }

    #[test]
    fn the_example_loads_with_functions_actions_and_stores() {
        let c = platform();
        assert!(c.operations().len() >= 25, "{}", c.operations().len());
        let statuses = c.find("GET", "/api/v*/orders/statuses").unwrap();
        assert_eq!(statuses.function, Function::OrderData);
        assert_eq!(statuses.action, Action::View);
        assert_eq!(statuses.source, Source::Platform);
        let cancel = c
            .find("POST", "/api/v*/stock-transfers/{id}/cancel")
            .unwrap();
        assert_eq!(
            (cancel.function, cancel.action),
            (Function::Logistics, Action::Edit)
        );
        let suppliers = c.find("DELETE", "/api/v*/suppliers/{id}").unwrap();
        assert_eq!(
            (suppliers.function, suppliers.action),
            (Function::ProductData, Action::Delete)
        );
        let inv = c
            .find("PATCH", "/api/v*/stores/{storeCode}/inventory")
            .unwrap();
        assert_eq!(inv.action, Action::Edit);
        assert_eq!(
            inv.store_in("/api/v2/stores/berlin/inventory"),
            Some("berlin")
        );
        let orders = c.find("GET", "/api/v*/orders").unwrap();
        assert_eq!(
            orders.store_in("/api/v2/orders?store=hamburg"),
            Some("hamburg")
        );
        assert_eq!(orders.store_in("/api/v2/orders"), None);
        assert!(c
            .find("POST", "/api/v*/orders")
            .unwrap()
            .store_param
            .is_none());
        let head = c.find("HEAD", "/api/v*/prices/{id}").unwrap();
        assert_eq!(
            (head.function, head.action),
            (Function::Pricing, Action::View)
        );
        let blocks = c.blocks();
        let fns: Vec<Function> = blocks.iter().map(|b| b.function).collect();
        assert_eq!(
            fns,
            [
                Function::ProductData,
                Function::Logistics,
                Function::OrderData,
                Function::Pricing,
                Function::User
            ]
        );
    }

    #[test]
    fn a_json_file_reads_too() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("platform.json");
        std::fs::write(&p, serde_json::to_string(&example()).unwrap()).unwrap();
        let c = build(None, Some(&p)).unwrap();
        assert_eq!(c.operations().len(), platform().operations().len());
    }

    #[test]
    fn resolve_prefers_the_most_specific() {
        let c = platform();
        let op = c.resolve("get", "/api/v2/orders/statuses").unwrap();
        assert_eq!(op.path, "/api/v*/orders/statuses");
        let op = c.resolve("GET", "/api/v2/orders/17").unwrap();
        assert_eq!(op.path, "/api/v*/orders/{id}");
        assert!(c.resolve("POST", "/api/v2/orders/statuses").is_none());
        assert!(c.resolve("GET", "/api/v2/nothing").is_none());
    }

    #[test]
    fn choose_only_from_the_catalogue() {
        let c = platform();
        let m = c
            .choose(&["GET /api/v*/orders/statuses", "get /api/v*/orders/statuses"])
            .unwrap();
        assert_eq!(m.list().unwrap().len(), 1);
        assert_eq!(m.to_json(), json!(["GET /api/v*/orders/statuses"]));
        assert!(c.choose(&["GET /api/v2/orders/statuses"]).is_err());
        assert!(c.choose(&["DELETE /api/v*/orders/statuses"]).is_err());
        assert!(c.choose(&["GET"]).is_err());
        assert!(c.choose::<&str>(&[]).is_err());
        let a = c
            .choose(&["GET /api/v*/articles", "GET /api/v*/orders"])
            .unwrap();
        let b = c
            .choose(&["GET /api/v*/orders", "GET /api/v*/articles"])
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(AllowedMethods::ALL.to_json(), json!("all"));
    }

    fn doc(paths: Value) -> Value {
        json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" }, "paths": paths })
    }

    fn err(paths: Value) -> String {
        Catalogue::from_documents(&[(Source::Platform, &doc(paths))]).unwrap_err()
    }

    #[test]
    fn bad_documents_name_the_problem() {
        assert!(err(json!({ "/a": { "get": { "summary": "x" } } })).contains("names no function"));
        assert!(
            err(json!({ "/a": { "get": { "x-keydesk-function": "billing" } } }))
                .contains("billing")
        );
        assert!(
            err(json!({ "/a": { "get": { "tags": ["Pricing", "User"] } } }))
                .contains("two functions")
        );
        assert!(err(json!({ "/a": { "options": { "tags": ["Pricing"] } } }))
            .contains("x-keydesk-action"));
        assert!(err(
            json!({ "/a": { "get": { "tags": ["Pricing"], "x-keydesk-action": "read" } } })
        )
        .contains("read"));
        assert!(err(json!({ "a": { "get": { "tags": ["Pricing"] } } })).contains("start with /"));
        assert!(err(json!({ "/a/{id}": { "get": { "tags": ["Pricing"] } }, "/a/{key}": { "get": { "tags": ["User"] } } }))
            .contains("declared twice"));
        assert!(err(
            json!({ "/a": { "get": { "tags": ["Pricing"], "x-keydesk-store-param": "shop" } } })
        )
        .contains("shop"));
        let swagger = json!({ "swagger": "2.0", "paths": {} });
        assert!(Catalogue::from_documents(&[(Source::Platform, &swagger)])
            .unwrap_err()
            .contains("openapi"));
        let v4 = json!({ "openapi": "4.0.0", "paths": {} });
        assert!(Catalogue::from_documents(&[(Source::Platform, &v4)])
            .unwrap_err()
            .contains("4.0.0"));
        // Same path, other methods: fine.
        assert!(Catalogue::from_documents(&[(
            Source::Platform,
            &doc(
                json!({ "/a": { "get": { "tags": ["Pricing"] }, "put": { "tags": ["Pricing"] } } })
            )
        )])
        .is_ok());
    }

    #[test]
    fn the_platform_may_not_shadow_keydesk() {
        let own =
            doc(json!({ "/api/v1/me": { "get": { "x-keydesk-function": "role-permission" } } }));
        let theirs = doc(json!({ "/api/v*/me": { "get": { "tags": ["User"] } } }));
        let e = Catalogue::from_documents(&[(Source::Keydesk, &own), (Source::Platform, &theirs)])
            .unwrap_err();
        assert!(e.contains("overlaps keydesk's own"), "{e}");
        let c =
            Catalogue::from_documents(&[(Source::Keydesk, &own), (Source::Platform, &example())])
                .unwrap();
        assert_eq!(c.find("GET", "/api/v1/me").unwrap().source, Source::Keydesk);
    }

    #[test]
    fn file_errors_are_one_line_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.yaml");
        std::fs::write(&p, "openapi: 3.1.0\npaths:\n  /a: [unclosed\n").unwrap();
        let e = build(None, Some(&p)).unwrap_err();
        assert!(e.starts_with("--platform-openapi "), "{e}");
        assert!(e.contains("bad.yaml") && !e.contains('\n'), "{e}");
        let missing = build(None, Some(&dir.path().join("none.yaml"))).unwrap_err();
        assert!(missing.contains("cannot read"), "{missing}");
        assert!(build(None, None).unwrap().is_empty());
    }
}
