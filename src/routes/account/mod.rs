//! The signed-in user's own account: changing their password. Open to every
//! signed-in user, whatever their roles.

mod password;

use actix_web::web;

use crate::auth::Require;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/account")
            .wrap(Require::signed_in())
            .route("/password", web::get().to(password::show))
            .route("/password", web::post().to(password::submit)),
    );
}
