//! `GET /login`, `POST /login`: one generic message for any failure, with the
//! same status and the same argon2 work for unknown users.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::auth::{password, UserSession};
use crate::db::Db;
use crate::domain::{Password, Username};
use crate::error::AppError;
use crate::models::user;
use crate::web::{safe_next, see_other, Form, PageCtx, Query};

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub username: String,
    pub next: String,
    pub error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[get("/login")]
pub async fn show(req: HttpRequest, ctx: PageCtx, q: Query<NextParam>) -> HttpResponse {
    let next = safe_next(q.0.next.as_deref()).to_owned();
    if ctx.user.is_some() {
        return see_other(&req, &next);
    }
    let page = LoginPage {
        ctx,
        username: String::new(),
        next,
        error: None,
    };
    page.respond_to(&req).map_into_boxed_body()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

const FAILED: &str = "Incorrect username or password.";

#[post("/login")]
pub async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    session: UserSession,
    Form(form): Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref()).to_owned();
    let attempt = Password::parse_attempt(&form.password);
    let username = form.username.trim().to_owned();
    // A name no account can have is not looked up: PostgreSQL refuses some
    // (a NUL byte) with an error, and the answer would be "unknown" anyway.
    let found = match Username::parse(&form.username) {
        Ok(lookup) => {
            db.run(move |c| Ok(user::find_by_username(c, lookup.as_str())?))
                .await?
        }
        Err(_) => None,
    };
    let user_id = password::off_thread(move || {
        let stored = found.as_ref().map(|u| u.password_hash.as_str());
        // Always run argon2, even for unknown users or empty passwords.
        let attempt = attempt.unwrap_or_else(|| Password::parse_attempt("-").expect("non-empty"));
        let ok = password::verify(&attempt, stored);
        match found {
            Some(u) if ok && u.active => Some(u.id),
            _ => None,
        }
    })
    .await?;
    match user_id {
        Some(id) => {
            session.sign_in(id)?;
            tracing::info!(user_id = id, "signed in");
            Ok(see_other(&req, &next))
        }
        None => {
            tracing::info!("sign-in refused");
            let page = LoginPage {
                ctx: PageCtx::from_request(&req),
                username,
                next,
                error: Some(FAILED),
            };
            let mut resp = page.respond_to(&req).map_into_boxed_body();
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}
