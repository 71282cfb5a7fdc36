//! Admin > API Key Management > API Documentation (seed 002): the Key API's
//! OpenAPI document in Swagger UI, vendored under `static/swagger-ui/` so
//! the page works offline. Authorize (client credentials or a pasted bearer
//! token), Try it out and Execute call the real API from the browser.
//! Signed-in API Key viewers and up.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::Require;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
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
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/api-docs")
            .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Viewer))
            .route("", web::get().to(show)),
    );
}

async fn show(ctx: PageCtx) -> Result<HttpResponse, AppError> {
    let body = ApiDocsPage { ctx }
        .render()
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CSP))
        .body(body))
}
