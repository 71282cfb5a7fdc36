//! Sales channels a GraphQL key can be tied to: listed for API Key viewers,
//! added, renamed and deleted (when no key is tied to them) by API Key
//! owners.

mod list;
mod save;

use actix_web::web;

use crate::auth::Require;
use crate::domain::{AccessLevel, BackofficeRole};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/channels")
            .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Viewer))
            .route("", web::get().to(list::show))
            .service(
                web::scope("")
                    .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Owner))
                    .route("", web::post().to(save::add))
                    .route("/{id}", web::post().to(save::rename))
                    .route("/{id}/delete", web::post().to(save::delete)),
            ),
    );
}
