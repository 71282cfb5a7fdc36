//! The app's own middleware, in the order a request meets them: HEAD as GET,
//! one log line per request, unknown routes as the error page, and error
//! responses rendered again inside the layout.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::HttpMessage;

use crate::auth::guard::CurrentUser;

/// Renders error responses again inside the layout, with the signed-in
/// user's menu; runs after the user is loaded and around CSRF and the guards.
pub async fn errors_in_layout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use crate::error::{ErrorInLayout, ErrorInfo};
    use askama::Template;
    // Inner middlewares answer errors as responses (`req.error_response`), so
    // the request is still at hand here. The request must not be cloned
    // before the call: routing needs it unshared.
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let info = res.response().extensions().get::<ErrorInfo>().cloned();
    let info = match info {
        Some(i) => i,
        None if status == StatusCode::NOT_FOUND && res.response().body().size().is_eof() => {
            ErrorInfo {
                title: "Not found",
                message: "There is no page at this address.".into(),
            }
        }
        None => return Ok(res),
    };
    let (http_req, res) = res.into_parts();
    let page = ErrorInLayout {
        ctx: crate::web::PageCtx::from_request(&http_req),
        status: status.as_u16(),
        title: info.title,
        message: &info.message,
    };
    match page.render() {
        Ok(html) => {
            let mut resp = actix_web::HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(html);
            // Keep what inner middleware set (Cache-Control: no-store): the
            // page shows the user's name and CSRF token.
            for (name, value) in res.headers() {
                if !resp.headers().contains_key(name) && name != header::CONTENT_LENGTH {
                    resp.headers_mut().append(name.clone(), value.clone());
                }
            }
            resp.extensions_mut().insert(info);
            Ok(ServiceResponse::new(http_req, resp))
        }
        Err(_) => Ok(ServiceResponse::new(http_req, res)),
    }
}

/// Sits outside the session middleware: an error it raises itself (the
/// store could not load, touch or save a session because the database is
/// busy) would be actix-session's bare 500, with no page, no headers and no
/// log line; it becomes the app's 503. The app's own errors pass unchanged.
pub async fn session_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(res) => Ok(res),
        Err(e) if e.as_error::<crate::error::AppError>().is_some() => Err(e),
        Err(e) if e.as_response_error().status_code().is_server_error() => {
            Err(crate::error::AppError::SessionStore(format!("{e:?}")).into())
        }
        Err(e) => Err(e),
    }
}

/// HEAD is answered as GET: actix-http drops the body of a HEAD response, so
/// every page and asset answers HEAD without a second set of routes.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Unknown routes get the error page instead of actix's empty 404.
pub fn plain_404<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let has_body = !matches!(
        res.response().body().size(),
        actix_web::body::BodySize::None | actix_web::body::BodySize::Sized(0)
    );
    if has_body {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, _) = res.into_parts();
    let resp = crate::error::render_error(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address.",
    );
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, resp).map_into_right_body(),
    ))
}

/// One log line per request: method, path (never the query, which may carry a
/// setup token), status, duration and the user id when signed in.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => {
            let uid = r.request().extensions().get::<CurrentUser>().map(|u| u.id);
            let status = r.status().as_u16();
            match uid {
                Some(uid) => {
                    tracing::info!(%method, %path, status, duration_ms = format!("{ms:.1}"), user_id = uid, "request")
                }
                None => {
                    tracing::info!(%method, %path, status, duration_ms = format!("{ms:.1}"), "request")
                }
            }
        }
        Err(e) => {
            tracing::info!(%method, %path, status = e.as_response_error().status_code().as_u16(), duration_ms = format!("{ms:.1}"), "request")
        }
    }
    res
}
