//! `GET /login`, `POST /login`: one generic message for any failure, with the
//! same status and the same argon2 work for unknown users; failures are
//! throttled per account and per source address (see `crate::throttle`).

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::auth::{password, UserSession};
use crate::db::Db;
use crate::domain::{Password, Username};
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::{now_utc, user};
use crate::throttle::{retry_after_secs, wait_in_words, Key, Throttle};
use crate::web::{safe_next, see_other, Form, PageCtx, Query};

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
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

/// What a checked sign-in comes to.
enum Outcome {
    SignedIn { id: i64, rehash: Option<String> },
    Refused,
}

#[post("/login")]
pub async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    throttle: web::Data<Throttle>,
    session: UserSession,
    Form(form): Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref()).to_owned();
    let attempt = Password::parse_attempt(&form.password);
    let username = form.username.trim().to_owned();
    let address = throttle.address_of(&req);
    let ip = Some(address.to_string());
    let parsed = Username::parse(&form.username).ok();
    // Counted for any well-formed name, existing or not, so being throttled
    // tells nothing about which usernames exist.
    let account = parsed.as_ref().map(|u| Key::account(u.as_str()));
    let keys: Vec<Key> = std::iter::once(Key::address(address))
        .chain(account.clone())
        .collect();

    // Blocked: refused before the password is even looked at.
    if let Some(wait) = throttle.check(&keys).await? {
        tracing::warn!(%address, "sign-in throttled");
        let details = serde_json::json!({ "retry_after_seconds": retry_after_secs(wait) });
        record(
            &db,
            Actor::anonymous(ip.clone()),
            action::SIGN_IN_THROTTLED,
            None,
            details,
        )
        .await?;
        let mut resp = page(
            &req,
            username,
            next,
            format!(
                "Too many failed sign-ins. Wait {} and try again.",
                wait_in_words(wait)
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(retry_after_secs(wait)),
        );
        return Ok(resp);
    }

    // A name no account can have is not looked up: PostgreSQL refuses some
    // (a NUL byte) with an error, and the answer would be "unknown" anyway.
    let found = match parsed {
        Some(lookup) => {
            db.run(move |c| Ok(user::find_by_username(c, lookup.as_str())?))
                .await?
        }
        None => None,
    };
    let known = found.as_ref().map(|u| (u.id, u.username.clone()));
    let outcome = password::off_thread(move || {
        let stored = found.as_ref().map(|u| u.password_hash.as_str());
        // Always run argon2, even for unknown users or empty passwords.
        let attempt = attempt.unwrap_or_else(|| Password::parse_attempt("-").expect("non-empty"));
        let ok = password::verify(&attempt, stored);
        match found {
            Some(u) if ok && u.active => Outcome::SignedIn {
                id: u.id,
                // Made with weaker settings than today's: store a new hash
                // now that the password is at hand.
                rehash: password::needs_rehash(&u.password_hash).then(|| password::hash(&attempt)),
            },
            _ => Outcome::Refused,
        }
    })
    .await?;
    match outcome {
        Outcome::SignedIn { id, rehash } => {
            if let Some(k) = &account {
                throttle.succeeded(k).await?;
            }
            if let Some(hash) = rehash {
                db.run(move |c| Ok(user::set_password_hash(c, id, &hash)?))
                    .await?;
                tracing::info!(user_id = id, "password hash upgraded to today's settings");
            }
            let name = known.map(|(_, n)| n).unwrap_or_default();
            let actor = Actor::user(id, &name, ip);
            record(
                &db,
                actor,
                action::SIGN_IN_SUCCEEDED,
                Some((id, name)),
                serde_json::json!({}),
            )
            .await?;
            session.sign_in(id)?;
            tracing::info!(user_id = id, %address, "signed in");
            Ok(see_other(&req, &next))
        }
        Outcome::Refused => {
            let wait = throttle.failed(&keys).await?;
            tracing::info!(%address, "sign-in refused");
            // The account when it exists; a name typed for no account is not
            // kept (it may be a password typed in the wrong field).
            let details = serde_json::json!({ "throttled_from_now": wait.is_some() });
            record(
                &db,
                Actor::anonymous(ip),
                action::SIGN_IN_FAILED,
                known,
                details,
            )
            .await?;
            let message = match wait {
                Some(w) => format!("{FAILED} Wait {} before you try again.", wait_in_words(w)),
                None => FAILED.to_owned(),
            };
            Ok(page(
                &req,
                username,
                next,
                message,
                StatusCode::UNAUTHORIZED,
            ))
        }
    }
}

/// Records a sign-in event, about the account `target` when there is one.
async fn record(
    db: &Db,
    actor: Actor,
    what: &'static str,
    target: Option<(i64, String)>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    db.run(move |c| {
        let target = match &target {
            Some((id, name)) => Target::User { id: *id, name },
            None => Target::None,
        };
        Ok(audit::record(c, now_utc(), &actor, what, target, details)?)
    })
    .await
}

fn page(
    req: &HttpRequest,
    username: String,
    next: String,
    error: String,
    status: StatusCode,
) -> HttpResponse {
    let page = LoginPage {
        ctx: PageCtx::from_request(req),
        username,
        next,
        error: Some(error),
    };
    let mut resp = page.respond_to(req).map_into_boxed_body();
    *resp.status_mut() = status;
    resp
}
