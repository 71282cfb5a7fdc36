//! Static assets, compiled into the binary so `keydesk` runs from any working
//! directory. `--static-dir` serves a folder instead, through actix-files
//! (for restyling without a rebuild).

use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

struct Asset {
    path: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $mime:literal) => {
        Asset {
            path: $path,
            mime: $mime,
            body: include_bytes!(concat!("../../static/", $path)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!(
        "vendor/htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/pico-2.1.1.min.css", "text/css; charset=utf-8"),
    // The GraphQL explorer (`/graphql/explorer`).
    asset!("graphql-explorer.js", "text/javascript; charset=utf-8"),
    asset!("graphql-explorer.css", "text/css; charset=utf-8"),
    asset!(
        "vendor/graphiql-4.1.2.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/graphiql-4.1.2.min.css", "text/css; charset=utf-8"),
    asset!(
        "vendor/react-18.3.1.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/react-dom-18.3.1.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("api-docs.js", "text/javascript; charset=utf-8"),
    asset!(
        "swagger-ui/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "swagger-ui/swagger-ui-standalone-preset.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "swagger-ui/swagger-ui-standalone-preset.js.LICENSE.txt",
        "text/plain; charset=utf-8"
    ),
    asset!("swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
    asset!("swagger-ui/LICENSE", "text/plain; charset=utf-8"),
    asset!("swagger-ui/VERSION", "text/plain; charset=utf-8"),
];

/// `/static/`: from `dir` when one is configured, else the embedded copy.
pub fn configure(cfg: &mut web::ServiceConfig, dir: Option<PathBuf>) {
    match dir {
        Some(dir) => {
            cfg.service(actix_files::Files::new("/static", dir).prefer_utf8(true));
        }
        None => {
            cfg.service(embedded);
        }
    }
}

#[get("/static/{path:.*}")]
pub async fn embedded(path: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.path == path.as_str()) {
        Some(a) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, a.mime))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(a.body),
        None => crate::error::render_error(
            actix_web::http::StatusCode::NOT_FOUND,
            "Not found",
            "There is no such file.",
        ),
    }
}
