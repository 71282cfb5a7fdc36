//! Admin > API Key Management > Stores (seed 003): the stores a key can be
//! limited to. Listed for API Key viewers; added, renamed and deleted by API
//! Key owners. The code is the stable id the Key API names a store by, so
//! only the name can change.

mod delete;
mod list;
mod save;

use actix_web::web;

use crate::auth::Require;
use crate::db::DbConnection;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::models::store::{self, Store};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/stores")
            .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Viewer))
            .route("", web::get().to(list::show))
            .service(
                web::scope("")
                    .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Owner))
                    .route("", web::post().to(save::add))
                    .route("/{id}", web::post().to(save::rename))
                    .route("/{id}/delete", web::get().to(delete::confirm))
                    .route("/{id}/delete", web::post().to(delete::submit)),
            ),
    );
}

/// `{id}` of the path: anything but a positive number is a 400.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        AppError::bad_request("That is not a store id: a store id is a positive number.")
    })
}

/// The store `id`, or the 404 every stores route gives for an unknown one.
fn find_store(c: &mut DbConnection, id: i64) -> Result<Store, AppError> {
    store::find(c, id)?.ok_or_else(|| AppError::not_found("That store"))
}
