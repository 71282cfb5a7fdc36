//! Rendering a dialog: the fragment alone for htmx (it goes into the page's
//! `<dialog>`), or wrapped in the layout as a page of its own without
//! JavaScript.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::web::{is_htmx, PageCtx};

#[derive(Template)]
#[template(path = "api_keys/dialog_page.html")]
struct DialogPage<'a> {
    ctx: PageCtx,
    title: &'a str,
    /// Rendered by an askama template, which has escaped every value.
    body: &'a str,
}

pub fn dialog(
    req: &HttpRequest,
    title: &str,
    fragment: &impl Template,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = fragment
        .render()
        .map_err(|e| AppError::internal(format!("template: {e}")))?;
    let html = if is_htmx(req) {
        body
    } else {
        DialogPage {
            ctx: PageCtx::from_request(req),
            title,
            body: &body,
        }
        .render()
        .map_err(|e| AppError::internal(format!("template: {e}")))?
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(html))
}

/// Whether fragments should carry htmx attributes (they are in a dialog).
pub fn in_dialog(req: &HttpRequest) -> bool {
    is_htmx(req)
}
