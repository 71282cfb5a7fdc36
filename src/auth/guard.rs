//! The signed-in user, loaded once per request, and the role guard that sits on
//! route scopes: `.wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Owner))`.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::UserSession;
use crate::db::Db;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::models::user::{self, Roles};

/// The user this request acts for; active, with the roles as they are now.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub roles: Roles,
}

impl CurrentUser {
    pub fn can(&self, definition: BackofficeRole, level: AccessLevel) -> bool {
        self.roles.allows(definition, level)
    }
}

/// Loads the session's user from the database on every request, so a
/// deactivation or role change takes effect at the next click. A session of a
/// deleted or deactivated user is ended.
pub async fn load_user(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = UserSession::from_request(req.request());
    if let Some(uid) = session.user_id() {
        let db = req
            .app_data::<web::Data<Db>>()
            .ok_or_else(|| AppError::internal("Db missing from app data"))?
            .clone();
        let found = db
            .run(move |c| match user::find(c, uid)? {
                Some(u) if u.active => Ok(Some(CurrentUser {
                    id: u.id,
                    roles: user::roles_of(c, u.id)?,
                    username: u.username,
                })),
                _ => Ok(None),
            })
            .await?;
        match found {
            Some(u) => {
                req.extensions_mut().insert(u);
            }
            None => session.sign_out(),
        }
    }
    next.call(req).await
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Routes that take a CurrentUser sit behind `Require`, which has
        // already redirected anonymous visitors.
        ready(
            req.extensions()
                .get::<CurrentUser>()
                .cloned()
                .ok_or(AppError::Forbidden),
        )
    }
}

/// Optional form for pages that anyone may see (sign-in, errors).
pub fn current_user(req: &HttpRequest) -> Option<CurrentUser> {
    req.extensions().get::<CurrentUser>().cloned()
}

/// Where a signed-out visitor is sent: `/login?next=<where they were going>`.
pub fn login_redirect(req: &ServiceRequest) -> HttpResponse {
    let target = match req.method().as_str() {
        // After signing in, come back to the page, not to a form post.
        "GET" => req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/"),
        _ => "/admin/api-keys",
    };
    let location = format!("/login?next={}", urlencode(target));
    if req.headers().contains_key("hx-request") {
        // htmx would swap the login page into a fragment: ask for a full load.
        HttpResponse::Unauthorized()
            .insert_header(("HX-Redirect", location))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    }
}

fn urlencode(s: &str) -> String {
    serde_html_form::to_string([("", s)])
        .map(|x| x.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Route guard: signed out → redirect to sign-in; signed in without the
/// level → 403 page.
#[derive(Clone, Copy)]
pub struct Require {
    /// None: any signed-in user (their own account pages).
    role: Option<(BackofficeRole, AccessLevel)>,
}

impl Require {
    pub fn new(definition: BackofficeRole, level: AccessLevel) -> Self {
        Self {
            role: Some((definition, level)),
        }
    }

    /// Signed in, whatever the roles.
    pub fn signed_in() -> Self {
        Self { role: None }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Require
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = RequireMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireMiddleware {
            service: Rc::new(service),
            rule: *self,
        }))
    }
}

pub struct RequireMiddleware<S> {
    service: Rc<S>,
    rule: Require,
}

impl<S, B> Service<ServiceRequest> for RequireMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let allowed = req
            .extensions()
            .get::<CurrentUser>()
            .map(|u| self.rule.role.is_none_or(|(d, l)| u.can(d, l)));
        match allowed {
            None => {
                let resp = login_redirect(&req);
                Box::pin(async move { Ok(req.into_response(resp)) })
            }
            Some(false) => Box::pin(async move { Ok(req.error_response(AppError::Forbidden)) }),
            Some(true) => {
                let svc = self.service.clone();
                Box::pin(async move { Ok(svc.call(req).await?.map_into_boxed_body()) })
            }
        }
    }
}
