//! The Allowed API Methods field of both dialogs (seed 003): "All methods"
//! (the default) or a list chosen from the method catalogue, shown in one
//! block per function (`templates/api_keys/_allowed_methods.html`). Without
//! JavaScript it is a plain list of checkboxes; app.js adds the block
//! toggles and the search.

use serde::Deserialize;

use crate::access::AllowedMethod;
use crate::catalogue::{AllowedMethods, Catalogue};
use crate::error::AppError;

/// The raw fields (flattened into each dialog's input).
#[derive(Deserialize, Default)]
pub struct MethodsInput {
    /// `all` or `chosen`; absent is `all` (a form from before this field).
    pub methods: Option<String>,
    /// `METHOD PATH` of each ticked operation.
    #[serde(default, deserialize_with = "super::life::one_or_many")]
    pub method: Vec<String>,
}

/// More `method` values than any form of ours sends.
const MAX_VALUES: usize = 2_000;

/// The choice, or the field's message. A value no form of ours sends (an
/// unknown mode, thousands of values) is a 400.
pub fn parse(
    input: &MethodsInput,
    catalogue: &Catalogue,
) -> Result<Result<AllowedMethods, String>, AppError> {
    if input.method.len() > MAX_VALUES {
        return Err(AppError::bad_request("The form has too many values."));
    }
    match input.methods.as_deref().map(str::trim) {
        None | Some("all") => Ok(Ok(AllowedMethods::ALL)),
        Some("chosen") => Ok(catalogue.choose(&input.method)),
        Some(_) => Err(AppError::bad_request(
            "Allowed API Methods is either all methods or the chosen ones.",
        )),
    }
}

pub struct OpView {
    /// `GET /api/v*/orders/statuses`: the checkbox's value.
    pub value: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub checked: bool,
}

pub struct BlockView {
    pub code: &'static str,
    pub label: &'static str,
    pub ops: Vec<OpView>,
}

/// What the template shows.
pub struct MethodsField {
    pub all: bool,
    pub blocks: Vec<BlockView>,
    /// Listed on the key but gone from the catalogue (the platform's
    /// document changed): dropped at the next save.
    pub stale: Vec<String>,
    pub error: Option<String>,
    pub prefix: &'static str,
}

impl MethodsField {
    pub fn new(catalogue: &Catalogue, methods: &AllowedMethods, prefix: &'static str) -> Self {
        let chosen: &[AllowedMethod] = methods.list().unwrap_or_default();
        Self::build(catalogue, methods.is_all(), chosen, prefix)
    }

    fn build(
        catalogue: &Catalogue,
        all: bool,
        chosen: &[AllowedMethod],
        prefix: &'static str,
    ) -> Self {
        let blocks = catalogue
            .blocks()
            .into_iter()
            .map(|b| BlockView {
                code: b.function.code(),
                label: b.function.label(),
                ops: b
                    .operations
                    .iter()
                    .map(|o| OpView {
                        value: o.label(),
                        method: o.method.clone(),
                        path: o.path.clone(),
                        summary: o.summary.clone(),
                        checked: chosen
                            .iter()
                            .any(|m| m.method == o.method && m.path == o.path),
                    })
                    .collect(),
            })
            .collect();
        let stale = chosen
            .iter()
            .filter(|m| catalogue.find(&m.method, &m.path).is_none())
            .map(|m| format!("{} {}", m.method, m.path))
            .collect();
        Self {
            all,
            blocks,
            stale,
            error: None,
            prefix,
        }
    }

    /// Keeps what was ticked, to show the form again with its message.
    pub fn refill(&mut self, input: &MethodsInput, error: Option<String>) {
        self.all = !matches!(input.methods.as_deref().map(str::trim), Some("chosen"));
        for b in &mut self.blocks {
            for o in &mut b.ops {
                o.checked = input.method.iter().any(|v| {
                    v.trim().split_once(' ').is_some_and(|(m, p)| {
                        m.eq_ignore_ascii_case(&o.method) && p.trim() == o.path
                    })
                });
            }
        }
        self.error = error;
    }

    pub fn chosen_count(&self) -> usize {
        self.blocks
            .iter()
            .flat_map(|b| &b.ops)
            .filter(|o| o.checked)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalogue() -> Catalogue {
        let doc = json!({ "openapi": "3.1.0", "paths": {
            "/api/v*/orders/statuses": { "get": { "tags": ["Order Data"] } },
            "/api/v*/articles": { "get": { "tags": ["Product Data"] }, "post": { "tags": ["Product Data"] } }
        }});
        Catalogue::from_documents(&[(crate::catalogue::Source::Platform, &doc)]).unwrap()
    }

    fn input(mode: Option<&str>, values: &[&str]) -> MethodsInput {
        MethodsInput {
            methods: mode.map(str::to_owned),
            method: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn modes() {
        let c = catalogue();
        assert!(parse(&input(None, &[]), &c).unwrap().unwrap().is_all());
        // "All" wins over boxes ticked before switching to it.
        assert!(parse(&input(Some("all"), &["GET /nope"]), &c)
            .unwrap()
            .unwrap()
            .is_all());
        let m = parse(&input(Some("chosen"), &["GET /api/v*/orders/statuses"]), &c)
            .unwrap()
            .unwrap();
        assert_eq!(m.list().unwrap().len(), 1);
        assert!(parse(&input(Some("chosen"), &[]), &c).unwrap().is_err());
        assert!(parse(&input(Some("chosen"), &["GET /nope"]), &c)
            .unwrap()
            .is_err());
        assert!(parse(&input(Some("some"), &[]), &c).is_err());
    }

    #[test]
    fn the_field_groups_by_function() {
        let c = catalogue();
        let m = c.choose(&["POST /api/v*/articles"]).unwrap();
        let f = MethodsField::new(&c, &m, "edit");
        assert!(!f.all);
        assert_eq!(f.blocks.len(), 2);
        assert_eq!(f.blocks[0].label, "Product Data");
        assert_eq!(f.chosen_count(), 1);
        let mut f = MethodsField::new(&c, &AllowedMethods::ALL, "new");
        assert!(f.all);
        f.refill(
            &input(Some("chosen"), &["get /api/v*/orders/statuses"]),
            None,
        );
        assert!(!f.all);
        assert_eq!(f.chosen_count(), 1);
    }
}
