//! `GET/POST /admin/users/{id}/delete`: a confirmation page, then the delete.
//! Nobody deletes themselves, and the last active Owner of a role stays.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;

use super::form;
use super::{find_user, parse_id};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::user::{self, User};
use crate::state::AppState;
use crate::web::{client_ip, see_other, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "users/delete.html")]
pub struct DeleteUserPage {
    pub ctx: PageCtx,
    pub user: User,
    pub error: Option<String>,
}

const NOT_YOURSELF: &str = "You cannot delete your own account. Ask another owner to do it.";

async fn page(
    req: &HttpRequest,
    db: &Db,
    id: i64,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let u = db.run(move |c| find_user(c, id)).await?;
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let mut resp = DeleteUserPage {
        ctx: PageCtx::from_request(req),
        user: u,
        error,
    }
    .respond_to(req)
    .map_into_boxed_body();
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn confirm(
    req: HttpRequest,
    db: web::Data<Db>,
    me: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let error = (id == me.id).then(|| NOT_YOURSELF.to_owned());
    page(&req, &db, id, error).await
}

pub async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    me: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    if id == me.id {
        return page(&req, &db, id, Some(NOT_YOURSELF.into())).await;
    }
    let now = state.clock.now();
    let actor = Actor::user(me.id, &me.username, client_ip(&req));
    let result = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                user::lock_owner_changes(c)?;
                let u = find_user(c, id)?;
                let roles = user::roles_of(c, id)?;
                if user::delete(c, id)? == 0 {
                    return Err(AppError::not_found("That user"));
                }
                form::keep_an_owner(c)?;
                audit::record(
                    c,
                    now,
                    &actor,
                    action::USER_DELETED,
                    Target::User {
                        id,
                        name: &u.username,
                    },
                    serde_json::json!({ "active": u.active, "roles": form::roles_json(&roles) }),
                )?;
                Ok(())
            })
        })
        .await;
    match result {
        Ok(()) => {
            tracing::info!(deleted_user_id = id, "back-office user deleted");
            Ok(see_other(&req, "/admin/users"))
        }
        Err(AppError::Conflict(message)) => page(&req, &db, id, Some(message)).await,
        Err(e) => Err(e),
    }
}
