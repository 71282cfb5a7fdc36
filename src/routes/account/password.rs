//! `GET/POST /account/password`: change your own password. The current one
//! is required (a borrowed session alone cannot take the account over), and
//! every other session of the user ends; this one continues under a new id.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::auth::{password, CurrentUser, UserSession};
use crate::db::Db;
use crate::domain::Password;
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::models::user;
use crate::throttle::{retry_after_secs, wait_in_words, Key, Throttle};
use crate::web::{see_other, Form, PageCtx, Query};

#[derive(Template, WebTemplate)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub done: bool,
    pub current_error: Option<String>,
    pub password_error: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

pub async fn show(req: HttpRequest, q: Query<DoneParam>) -> HttpResponse {
    PasswordPage {
        ctx: PageCtx::from_request(&req),
        done: q.0.done.is_some(),
        current_error: None,
        password_error: None,
    }
    .respond_to(&req)
    .map_into_boxed_body()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
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
    session: UserSession,
    Form(form): Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let again = |current_error: Option<String>, password_error: Option<String>| {
        let mut resp = PasswordPage {
            ctx: PageCtx::from_request(&req),
            done: false,
            current_error,
            password_error,
        }
        .respond_to(&req)
        .map_into_boxed_body();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        resp
    };
    let new = Password::parse_new(&form.password, &me.username).and_then(|p| {
        if form.password == form.password_confirm {
            Ok(p)
        } else {
            Err("The two new passwords do not match.".to_owned())
        }
    });
    // The current password is a guess like any other: throttled as sign-in
    // is, so a borrowed session cannot try passwords at full speed.
    let keys = [
        Key::account(&me.username),
        Key::address(throttle.address_of(&req)),
    ];
    if let Some(wait) = throttle.check(&keys).await? {
        let mut resp = again(
            Some(format!(
                "Too many wrong passwords. Wait {} and try again.",
                wait_in_words(wait)
            )),
            None,
        );
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(retry_after_secs(wait)),
        );
        return Ok(resp);
    }
    let id = me.id;
    let found = db
        .run(move |c| Ok(user::find(c, id)?))
        .await?
        .ok_or(AppError::Forbidden)?;
    let stored = found.password_hash.clone();
    let current = Password::parse_attempt(&form.current_password);
    let current_ok = match current {
        Some(p) => password::off_thread(move || password::verify(&p, Some(&stored))).await?,
        None => false,
    };
    if !current_ok {
        throttle.failed(&keys).await?;
    }
    let current_error =
        (!current_ok).then(|| "Enter your current password as you sign in with it.".to_owned());
    let new = match (current_error, new) {
        (None, Ok(p)) => p,
        (c, n) => return Ok(again(c, n.err())),
    };
    let hash = password::off_thread(move || password::hash(&new)).await?;
    let by = Actor::user(id, &me.username, Some(keys[1].subject.clone()));
    db.run(move |c| Ok(user::change_password(c, &found, &hash, &by)?))
        .await?;
    // The store no longer has this session either: carry on under a new one.
    session.sign_in(id)?;
    tracing::info!(user_id = id, "password changed; other sessions ended");
    Ok(see_other(&req, "/account/password?done=1"))
}
