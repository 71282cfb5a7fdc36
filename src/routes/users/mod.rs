//! Admin > Backoffice Users (User: Owner): who may sign in to keydesk and
//! with which roles. Every route sits behind the one guard on the scope.

mod create;
mod delete;
mod edit;
mod form;
mod list;
mod password;

use actix_web::web;

use crate::auth::Require;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/users")
            .wrap(Require::new(BackofficeRole::User, AccessLevel::Owner))
            .route("", web::get().to(list::show))
            .route("/new", web::get().to(create::show))
            .route("/new", web::post().to(create::submit))
            .route("/{id}", web::get().to(edit::show))
            .route("/{id}", web::post().to(edit::submit))
            .route("/{id}/delete", web::get().to(delete::confirm))
            .route("/{id}/delete", web::post().to(delete::submit))
            .route("/{id}/password", web::get().to(password::show))
            .route("/{id}/password", web::post().to(password::submit)),
    );
}

/// The user `id`, or the 404 every users route gives for an unknown one.
fn find_user(
    c: &mut crate::db::DbConnection,
    id: i64,
) -> Result<crate::models::user::User, AppError> {
    crate::models::user::find(c, id)?.ok_or_else(|| AppError::not_found("That user"))
}

/// `{id}` of the path: not a number is a 404 like an unknown user.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found("That user"))
}
