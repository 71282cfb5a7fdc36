//! `GET/POST /admin/users/new`: a new user with a password and roles.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::form::{self, RoleChoice};
use crate::auth::{password, CurrentUser};
use crate::db::Db;
use crate::domain::{AccessLevel, Password, Username};
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::user::{self, NewUser, Roles};
use crate::state::AppState;
use crate::web::{client_ip, see_other, Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "users/new.html")]
pub struct NewUserPage {
    pub ctx: PageCtx,
    pub username: String,
    pub roles: Vec<RoleChoice>,
    pub active: bool,
    pub username_error: Option<String>,
    pub password_error: Option<String>,
}

impl NewUserPage {
    fn levels(&self) -> [AccessLevel; 3] {
        form::levels()
    }
}

pub async fn show(req: HttpRequest) -> HttpResponse {
    NewUserPage {
        ctx: PageCtx::from_request(&req),
        username: String::new(),
        roles: form::choices(&Roles::default()),
        active: true,
        username_error: None,
        password_error: None,
    }
    .respond_to(&req)
    .map_into_boxed_body()
}

pub async fn submit(
    req: HttpRequest,
    me: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let roles = form::parse_roles(&fields)?;
    let raw_username = form::field(&fields, "username").unwrap_or_default();
    let raw_password = form::field(&fields, "password").unwrap_or_default();
    let confirm = form::field(&fields, "password_confirm").unwrap_or_default();
    let again = |username_error: Option<String>, password_error: Option<String>| {
        let mut resp = NewUserPage {
            ctx: PageCtx::from_request(&req),
            username: raw_username.to_owned(),
            roles: form::choices_from_fields(&fields),
            active: form::field(&fields, "active").is_some(),
            username_error,
            password_error,
        }
        .respond_to(&req)
        .map_into_boxed_body();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        resp
    };

    let username = Username::parse(raw_username);
    let pw = Password::parse_new(raw_password).and_then(|p| {
        if raw_password == confirm {
            Ok(p)
        } else {
            Err("The two passwords do not match.".to_owned())
        }
    });
    let (username, pw) = match (username, pw) {
        (Ok(u), Ok(p)) => (u, p),
        (u, p) => return Ok(again(u.err(), p.err())),
    };
    let active = form::field(&fields, "active").is_some();

    let hash = password::off_thread(move || password::hash(&pw)).await?;
    let name = username.clone();
    let now = state.clock.now();
    let actor = Actor::user(me.id, &me.username, client_ip(&req));
    let result = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let new = NewUser {
                    username: name.as_str(),
                    password_hash: &hash,
                    active,
                    created_at: now,
                    updated_at: now,
                };
                let u = user::insert(c, &new, &roles)?;
                // Names and roles only: never the password or its hash.
                audit::record(
                    c,
                    now,
                    &actor,
                    action::USER_CREATED,
                    Target::User {
                        id: u.id,
                        name: &u.username,
                    },
                    serde_json::json!({ "active": active, "roles": form::roles_json(&roles) }),
                )?;
                Ok::<_, AppError>(u.id)
            })
        })
        .await;
    match result {
        Ok(id) => {
            tracing::info!(new_user_id = id, "back-office user created");
            Ok(see_other(&req, "/admin/users"))
        }
        Err(AppError::Database(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(again(
            Some(format!("A user named {username} exists already.")),
            None,
        )),
        Err(e) => Err(e),
    }
}
