//! `/setup?token=…`: on a fresh install, creates the first user with Owner on
//! every role. The token is printed once in the log, stored only as a hash and
//! dies with use; once any user exists the page refuses every request.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::auth::{password, UserSession};
use crate::crypto::sha256_hex;
use crate::db::{Db, DbConnection};
use crate::domain::{Password, Username};
use crate::error::AppError;
use crate::models::user::{self, NewUser, Roles};
use crate::models::{now_utc, setting};
use crate::throttle::{retry_after_secs, wait_in_words, Key, Throttle};
use crate::web::{see_other, Form, PageCtx, Query};

#[derive(Template, WebTemplate)]
#[template(path = "auth/setup.html")]
pub struct SetupPage {
    pub ctx: PageCtx,
    pub token: String,
    pub username: String,
    pub username_error: Option<String>,
    pub password_error: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenParam {
    #[serde(default)]
    token: String,
}

const GONE: &str =
    "Setup is complete: this link works only once, on a new installation. Sign in instead.";
const BAD_TOKEN: &str =
    "This setup link is not valid. Use the link printed in the server log at first start.";

/// Ok when no user exists yet and `token` is the one in the log.
fn check_token(conn: &mut DbConnection, token: &str) -> Result<(), AppError> {
    if user::count(conn)? > 0 {
        return Err(AppError::NotFound(GONE.into()));
    }
    check_token_hash(conn, token)
}

/// Checks the token with the address throttle around it: a wrong token is a
/// failed guess like a wrong password (the token is 256 bits, but guessing
/// should still cost time), and a blocked address is not even checked.
async fn checked(
    req: &HttpRequest,
    db: &Db,
    throttle: &Throttle,
    token: String,
) -> Result<Option<HttpResponse>, AppError> {
    let keys = [Key::address(throttle.address_of(req))];
    if let Some(wait) = throttle.check(&keys).await? {
        let mut resp = crate::error::render_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            &format!(
                "Too many wrong setup links from your address. Wait {} and try again.",
                wait_in_words(wait)
            ),
        );
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(retry_after_secs(wait)),
        );
        return Ok(Some(resp));
    }
    match db.run(move |c| check_token(c, &token)).await {
        Err(AppError::NotFound(m)) if m == BAD_TOKEN => {
            throttle.failed(&keys).await?;
            Err(AppError::NotFound(m))
        }
        other => other.map(|()| None),
    }
}

#[get("/setup")]
pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    throttle: web::Data<Throttle>,
    q: Query<TokenParam>,
) -> Result<HttpResponse, AppError> {
    let token = q.0.token;
    if let Some(resp) = checked(&req, &db, &throttle, token.clone()).await? {
        return Ok(resp);
    }
    let page = SetupPage {
        ctx,
        token,
        username: String::new(),
        username_error: None,
        password_error: None,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

#[post("/setup")]
pub async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    throttle: web::Data<Throttle>,
    session: UserSession,
    Form(form): Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(resp) = checked(&req, &db, &throttle, form.token.clone()).await? {
        return Ok(resp);
    }

    let username = Username::parse(&form.username);
    let pw = Password::parse_new(&form.password, &form.username).and_then(|p| {
        if form.password == form.password_confirm {
            Ok(p)
        } else {
            Err("The two passwords do not match.".into())
        }
    });
    let (username, pw) = match (username, pw) {
        (Ok(u), Ok(p)) => (u, p),
        (u, p) => {
            let page = SetupPage {
                ctx: PageCtx::from_request(&req),
                token: form.token,
                username: form.username,
                username_error: u.err(),
                password_error: p.err(),
            };
            let mut resp = page.respond_to(&req).map_into_boxed_body();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };

    let hash = password::off_thread(move || password::hash(&pw)).await?;
    let token = form.token;
    let user_id = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let now = now_utc();
                let new = NewUser {
                    username: username.as_str(),
                    password_hash: &hash,
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                let u = user::insert(c, &new, &Roles::all_owner())?;
                // Written first, checked after. Deleting the token's own row
                // is what makes two racing setups safe on PostgreSQL too: the
                // second waits on the row lock and then deletes nothing.
                if user::count(c)? != 1 {
                    return Err(AppError::NotFound(GONE.into()));
                }
                if token.is_empty() || setting::delete(c, &token_row(&token))? != 1 {
                    return Err(AppError::NotFound(BAD_TOKEN.into()));
                }
                setting::delete_prefixed(c, setting::SETUP_TOKEN_PREFIX)?;
                Ok(u.id)
            })
        })
        .await?;
    session.sign_in(user_id)?;
    tracing::info!(user_id, "first owner created through setup");
    Ok(see_other(&req, "/admin/api-keys"))
}

/// The token is one of the printed links. Looked up by its hash: the hash of
/// a 256-bit token leaks nothing through timing.
fn check_token_hash(c: &mut DbConnection, token: &str) -> Result<(), AppError> {
    if !token.is_empty() && setting::exists(c, &token_row(token))? {
        Ok(())
    } else {
        Err(AppError::NotFound(BAD_TOKEN.into()))
    }
}

/// The settings row that stands for a setup token: its hash, never the token.
fn token_row(token: &str) -> String {
    format!(
        "{}{}",
        setting::SETUP_TOKEN_PREFIX,
        sha256_hex(token.as_bytes())
    )
}
