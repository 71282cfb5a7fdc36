//! The OpenAPI document and the API Documentation page.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{header, spawn_app};
use crate::pages_support::{People, Who};

fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or_default().to_owned());
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_operation() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["tokenUrl"],
        "/oauth/token"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut ids = BTreeSet::new();
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/") || path == "/graphql", "{path}");
        for (method, op) in item.as_object().unwrap() {
            n += 1;
            let what = format!("{method} {path}");
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{what}"
            );
            for x in [
                "x-keydesk-function",
                "x-keydesk-action",
                "x-keydesk-store-scoped",
            ] {
                assert!(op.get(x).is_some(), "{what} lacks {x}");
            }
            assert!(!op["security"].as_array().unwrap().is_empty(), "{what}");
            assert!(op["responses"]["401"].is_object(), "{what}");
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    op["parameters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path"),
                    "{what}"
                );
            }
        }
    }
    // The REST operations and POST /graphql.
    assert_eq!(n, keydesk::api::v1::OPERATIONS.len() + 1);
    assert_eq!(
        doc["paths"]["/graphql"]["post"]["security"][0]["graphqlKey"],
        serde_json::json!([])
    );
    assert_eq!(
        doc["paths"]["/api/v1/stores/{code}"]["get"]["x-keydesk-store-scoped"],
        true
    );
    assert_eq!(
        doc["paths"]["/api/v1/keys"]["post"]["x-keydesk-function"],
        "role-permission"
    );
    assert_eq!(
        doc["paths"]["/api/v1/keys"]["post"]["x-keydesk-action"],
        "create"
    );
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        assert!(resolve(&doc, &r).is_some(), "{r} does not resolve");
    }
    assert_eq!(doc, keydesk::api::openapi::openapi_document());
}

#[tokio::test]
async fn the_api_documentation_page_is_for_api_key_viewers_and_up() {
    let people = People::sign_in_everyone().await;
    people.get("/admin/api-docs", Who::Viewer).await;
    let (_, b) = people
        .browsers
        .iter()
        .find(|(w, _)| *w == Who::Viewer)
        .unwrap();
    let resp = b.get("/admin/api-docs").await;
    let csp = header(resp.headers(), "content-security-policy");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let page = resp.text().await.unwrap();
    for w in [
        "API Documentation",
        "Authorize",
        "Try it out",
        "Execute",
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/api-docs.js",
    ] {
        assert!(page.contains(w), "{w}");
    }
    assert!(!page.contains("<script>"), "no inline script");
    // Linked from API Key Management.
    let list = b.get("/admin/api-keys/rest").await.text().await.unwrap();
    assert!(list.contains(r#"href="/admin/api-docs""#));
    // The assets are served.
    for a in [
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-ui/swagger-ui.css",
        "/static/api-docs.js",
        "/static/swagger-ui/LICENSE",
    ] {
        assert_eq!(b.get(a).await.status(), 200, "{a}");
    }
    // Other pages keep the strict style-src.
    let other = header(
        b.get("/admin/api-keys/rest").await.headers(),
        "content-security-policy",
    );
    assert!(!other.contains("unsafe-inline"), "{other}");
}

#[tokio::test]
async fn the_platforms_document_is_offered_beside_keydesks_when_loaded() {
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform-openapi.yaml");
    let loaded: Value = serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let app = crate::helpers::spawn_app_with(|s| s.platform_openapi = Some(path)).await;
    let people = People::sign_in_everyone_on(app).await;
    people
        .get("/admin/api-docs/platform.json", Who::Viewer)
        .await;
    people.get("/admin/api-docs", Who::Viewer).await;
    let (_, b) = people
        .browsers
        .iter()
        .find(|(w, _)| *w == Who::Viewer)
        .unwrap();
    let resp = b.get("/admin/api-docs/platform.json").await;
    assert_eq!(resp.status(), 200);
    assert!(header(resp.headers(), "content-type").starts_with("application/json"));
    let served: Value = resp.json().await.unwrap();
    assert_eq!(served, loaded, "the document as loaded, as JSON");
    let page = b.get("/admin/api-docs").await.text().await.unwrap();
    for w in [
        r#"data-platform-url="/admin/api-docs/platform.json""#,
        "/static/swagger-ui/swagger-ui-standalone-preset.js",
        r#"data-spec-url="/api/v1/openapi.json""#,
    ] {
        assert!(page.contains(w), "{w}");
    }
    assert_eq!(
        b.get("/static/swagger-ui/swagger-ui-standalone-preset.js")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn without_a_platform_document_the_page_shows_only_keydesks() {
    let people = People::sign_in_everyone().await;
    let b = &people.browsers.last().unwrap().1;
    let page = b.get("/admin/api-docs").await.text().await.unwrap();
    assert!(page.contains(r#"data-spec-url="/api/v1/openapi.json""#));
    assert!(!page.contains("data-platform-url"), "no second document");
    assert!(!page.contains("standalone-preset"));
    let resp = b.get("/admin/api-docs/platform.json").await;
    assert_eq!(resp.status(), 404);
}
