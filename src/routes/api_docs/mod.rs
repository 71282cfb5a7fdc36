//! Admin > API Key Management > API Documentation (seed 002): the Key API's
//! OpenAPI document in Swagger UI, vendored under `static/swagger-ui/` so
//! the page works offline. Authorize (client credentials or a pasted bearer
//! token), Try it out and Execute call the real API from the browser.
//! Signed-in API Key viewers and up. With `--platform-openapi`, the
//! platform's document too (served as JSON at `platform.json`), chosen in
//! Swagger UI's selector.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::Require;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageCtx;

/// The page's CSP: scripts only from us, as everywhere; Swagger UI's React
/// components set `style` attributes, so this one page allows inline styles.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

#[derive(Template)]
#[template(path = "api_docs/page.html")]
pub struct ApiDocsPage {
    pub ctx: PageCtx,
    /// The platform's document is loaded: offer it beside keydesk's.
    pub platform: bool,
}

/// Where the page and the selector find the platform's document.
pub const PLATFORM_URL: &str = "/admin/api-docs/platform.json";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/api-docs")
            .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Viewer))
            .route("", web::get().to(show))
            .route("/platform.json", web::get().to(platform)),
    );
}

async fn show(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let platform = state.catalogue.platform_document().is_some();
    let body = ApiDocsPage { ctx, platform }
        .render()
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CSP))
        .body(body))
}

/// The platform's document as loaded at start; 404 without one.
async fn platform(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let doc = state
        .catalogue
        .platform_document()
        .ok_or_else(|| AppError::not_found("The platform's OpenAPI document (none is loaded)"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(doc.as_ref()))
}
