//! `GET /admin/users`: every back-office user with roles and status.

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;

use crate::db::Db;
use crate::error::AppError;
use crate::models::user::{self, Roles, User};
use crate::web::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "users/list.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub users: Vec<(User, Roles)>,
}

impl UsersPage {
    fn roles_text(&self, roles: &Roles) -> String {
        if roles.is_empty() {
            return "No access".into();
        }
        roles
            .iter()
            .map(|(d, l)| format!("{}: {}", d.label(), l.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn is_me(&self, u: &User) -> bool {
        self.ctx.user.as_ref().is_some_and(|me| me.id == u.id)
    }
}

pub async fn show(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let users = db.run(|c| Ok(user::list_with_roles(c)?)).await?;
    let page = UsersPage {
        ctx: PageCtx::from_request(&req),
        users,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}
