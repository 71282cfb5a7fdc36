//! `GET /graphql/explorer`: GraphiQL, served from our own copies of its npm
//! assets (`static/vendor/`, no CDN) and started by a script of ours, so the
//! page runs offline and under a CSP without inline scripts. The page
//! holds no data: the key typed into it goes only to `/graphql`. Open to
//! anyone, like `/graphql` itself; it needs no session.

use actix_web::http::header;
use actix_web::HttpResponse;
use askama::Template;

#[derive(Template)]
#[template(path = "graphql/explorer.html")]
struct Explorer;

/// The site's CSP with one addition: GraphiQL's stylesheet embeds its
/// fonts as `data:` URLs. Scripts stay `'self'` only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn page() -> HttpResponse {
    match Explorer.render() {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Content-Security-Policy", CSP))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "explorer template");
            crate::error::render_error(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The explorer page could not be shown.",
            )
        }
    }
}
