//! `/setup?token=…`: on a fresh install, creates the first user with Owner on
//! every role. The token is printed once in the log, stored only as a hash and
//! dies with use; once any user exists the page refuses every request.

use actix_web::http::StatusCode;
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

#[get("/setup")]
pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    q: Query<TokenParam>,
) -> Result<HttpResponse, AppError> {
    let token = q.0.token;
    let t = token.clone();
    db.run(move |c| check_token(c, &t)).await?;
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
    session: UserSession,
    Form(form): Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let t = form.token.clone();
    db.run(move |c| check_token(c, &t)).await?;

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
