//! Routes by feature, one file per action. Role guards sit on the scopes here,
//! so a handler added inside a scope cannot forget them.

pub mod account;
pub mod api_docs;
pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod channels;
pub mod health;
pub mod stores;
pub mod users;

use actix_web::{get, web, HttpRequest, HttpResponse};

#[get("/")]
async fn home(req: HttpRequest) -> HttpResponse {
    crate::web::see_other(&req, "/admin/api-keys")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(auth::login::show)
        .service(auth::login::submit)
        .service(auth::logout::submit)
        .service(auth::setup::show)
        .service(auth::setup::submit)
        .configure(account::configure)
        .configure(api_keys::configure)
        .configure(api_docs::configure)
        .configure(channels::configure)
        .configure(stores::configure)
        .configure(audit::configure)
        .configure(users::configure);
}
