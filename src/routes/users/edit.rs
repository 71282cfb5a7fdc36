//! `GET/POST /admin/users/{id}`: change a user's roles and active flag. The
//! change applies to the user's open sessions at their next request.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;

use super::form::{self, RoleChoice};
use super::{find_user, parse_id};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::user::{self, User};
use crate::state::AppState;
use crate::web::{client_ip, see_other, Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "users/edit.html")]
pub struct EditUserPage {
    pub ctx: PageCtx,
    pub user: User,
    pub roles: Vec<RoleChoice>,
    pub active: bool,
    pub is_me: bool,
    pub error: Option<String>,
}

impl EditUserPage {
    fn levels(&self) -> [AccessLevel; 3] {
        form::levels()
    }
}

pub async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    me: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (u, roles) = db
        .run(move |c| {
            let u = find_user(c, id)?;
            Ok((u, user::roles_of(c, id)?))
        })
        .await?;
    let page = EditUserPage {
        ctx: PageCtx::from_request(&req),
        active: u.active,
        is_me: u.id == me.id,
        user: u,
        roles: form::choices(&roles),
        error: None,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}

pub async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    me: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let roles = form::parse_roles(&fields)?;
    let active = form::field(&fields, "active").is_some();
    let is_me = id == me.id;
    // Who takes their own User: Owner away can no longer see this page.
    let leaves_page = is_me && !roles.allows(BackofficeRole::User, AccessLevel::Owner);

    let now = state.clock.now();
    let actor = Actor::user(me.id, &me.username, client_ip(&req));
    let result = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                user::lock_owner_changes(c)?;
                let u = find_user(c, id)?;
                if is_me && !active {
                    return Err(AppError::Conflict(
                        "You cannot deactivate your own account.".into(),
                    ));
                }
                let old_roles = user::roles_of(c, id)?;
                user::replace_roles(c, id, &roles)?;
                if u.active != active {
                    user::set_active(c, id, active)?;
                }
                form::keep_an_owner(c)?;
                let mut changes = serde_json::Map::new();
                if old_roles != roles {
                    changes.insert(
                        "roles".into(),
                        serde_json::json!({
                            "old": form::roles_json(&old_roles),
                            "new": form::roles_json(&roles),
                        }),
                    );
                }
                if u.active != active {
                    changes.insert(
                        "active".into(),
                        serde_json::json!({ "old": u.active, "new": active }),
                    );
                }
                if !changes.is_empty() {
                    audit::record(
                        c,
                        now,
                        &actor,
                        action::USER_CHANGED,
                        Target::User {
                            id,
                            name: &u.username,
                        },
                        serde_json::json!({ "changes": changes }),
                    )?;
                }
                Ok(())
            })
        })
        .await;
    match result {
        Ok(()) => {
            tracing::info!(changed_user_id = id, "back-office user changed");
            Ok(see_other(
                &req,
                if leaves_page { "/" } else { "/admin/users" },
            ))
        }
        Err(AppError::Conflict(message)) => {
            let u = db.run(move |c| find_user(c, id)).await?;
            let mut resp = EditUserPage {
                ctx: PageCtx::from_request(&req),
                user: u,
                roles: form::choices_from_fields(&fields),
                active,
                is_me,
                error: Some(message),
            }
            .respond_to(&req)
            .map_into_boxed_body();
            *resp.status_mut() = StatusCode::CONFLICT;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}
