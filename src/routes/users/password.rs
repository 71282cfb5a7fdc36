//! `GET/POST /admin/users/{id}/password` (User: Owner): set another user's
//! password; their sessions end. Your own goes through `/account/password`,
//! which asks for the current one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{find_user, parse_id};
use crate::auth::{password, CurrentUser};
use crate::db::Db;
use crate::domain::Password;
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::models::user::{self, User};
use crate::throttle::Throttle;
use crate::web::{see_other, Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "users/password.html")]
pub struct SetPasswordPage {
    pub ctx: PageCtx,
    pub user: User,
    pub password_error: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    me: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    if id == me.id {
        return Ok(see_other(&req, "/account/password"));
    }
    let u = db.run(move |c| find_user(c, id)).await?;
    Ok(SetPasswordPage {
        ctx: PageCtx::from_request(&req),
        user: u,
        password_error: None,
    }
    .respond_to(&req)
    .map_into_boxed_body())
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    me: CurrentUser,
    throttle: web::Data<Throttle>,
    path: web::Path<String>,
    Form(form): Form<SetPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    if id == me.id {
        return Ok(see_other(&req, "/account/password"));
    }
    let u = db.run(move |c| find_user(c, id)).await?;
    let pw = Password::parse_new(&form.password, &u.username).and_then(|p| {
        if form.password == form.password_confirm {
            Ok(p)
        } else {
            Err("The two passwords do not match.".to_owned())
        }
    });
    let pw = match pw {
        Ok(p) => p,
        Err(e) => {
            let mut resp = SetPasswordPage {
                ctx: PageCtx::from_request(&req),
                user: u.clone(),
                password_error: Some(e),
            }
            .respond_to(&req)
            .map_into_boxed_body();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let hash = password::off_thread(move || password::hash(&pw)).await?;
    let by = Actor::user(
        me.id,
        &me.username,
        Some(throttle.address_of(&req).to_string()),
    );
    db.run(move |c| Ok(user::change_password(c, &u, &hash, &by)?))
        .await?;
    tracing::info!(
        changed_user_id = id,
        by_user_id = me.id,
        "password set by an owner; their sessions ended"
    );
    Ok(see_other(&req, "/admin/users"))
}
