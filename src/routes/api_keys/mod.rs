//! Admin > API Key Management: the GraphQL and REST tabs, and the create,
//! edit, refresh and delete dialogs, and bulk actions over a filter.
//! Viewers see; Editors edit (one key or, in bulk, all a filter matches); Owners
//! create, refresh and delete. The guards are on the routes below, not in the handlers.

pub mod bulk;
mod bulk_impact;
mod bulk_input;
mod bulk_undo;
pub mod cockpit;
pub mod create;
pub mod delete;
pub mod edit;
mod edit_confirm;
pub mod find;
mod form;
mod impact;
mod life;
pub mod list;
mod methods;
mod privilege;
pub mod refresh;
mod secrets;
pub mod simulate;
mod simulate_lookup;
mod view;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use std::future::{ready, Ready};

use crate::auth::Require;
use crate::domain::{AccessLevel, BackofficeRole, KeyKind};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let owner = || Require::new(BackofficeRole::ApiKey, AccessLevel::Owner);
    let editor = || Require::new(BackofficeRole::ApiKey, AccessLevel::Editor);
    cfg.service(
        web::scope("/admin/api-keys")
            .wrap(Require::new(BackofficeRole::ApiKey, AccessLevel::Viewer))
            .route("", web::get().to(list::index))
            .route("/find-secret", web::post().to(find::submit))
            .service(
                web::resource("/simulate")
                    .route(web::get().to(simulate::show))
                    .route(web::post().to(simulate::submit)),
            )
            .route("/{kind}", web::get().to(list::show))
            .service(
                web::resource("/{kind}/new")
                    .wrap(owner())
                    .route(web::get().to(create::show))
                    .route(web::post().to(create::submit)),
            )
            .service(
                web::scope("/{kind}/delete")
                    .wrap(owner())
                    .route("/confirm", web::post().to(delete::confirm))
                    .route("", web::post().to(delete::submit)),
            )
            .service(
                web::resource("/{kind}/bulk")
                    .wrap(editor())
                    .route(web::get().to(bulk::preview))
                    .route(web::post().to(bulk::submit)),
            )
            .service(
                web::resource("/{kind}/bulk/{id}/undo")
                    .wrap(editor())
                    .route(web::post().to(bulk_undo::submit)),
            )
            .service(
                web::resource("/{kind}/{id}/refresh")
                    .wrap(owner())
                    .route(web::get().to(refresh::show))
                    .route(web::post().to(refresh::submit)),
            )
            .service(
                web::resource("/{kind}/{id}/stop-old-secret")
                    .wrap(owner())
                    .route(web::post().to(refresh::stop_old)),
            )
            .service(
                web::resource("/{kind}/{id}/grace/stop-when-idle")
                    .wrap(owner())
                    .route(web::post().to(cockpit::stop_when_idle)),
            )
            .service(
                web::resource("/{kind}/{id}/grace/extend")
                    .wrap(owner())
                    .route(web::post().to(cockpit::extend)),
            )
            .route("/{kind}/{id}/unused", web::get().to(privilege::unused))
            // Editor (REST) or Owner (GraphQL: a new key), checked in the handler.
            .route("/{kind}/{id}/narrow", web::get().to(privilege::narrow))
            .service(
                web::resource("/{kind}/{id}/delete")
                    .wrap(owner())
                    .route(web::get().to(delete::confirm_one)),
            )
            .service(
                web::resource("/{kind}/{id}")
                    .route(web::get().to(edit::show))
                    .route(web::post().to(edit::submit).wrap(editor())),
            ),
    );
}

/// `{kind}` of the path: an unknown tab is a 404.
pub struct KindPath(pub KeyKind);

impl FromRequest for KindPath {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_kind(req).map(KindPath))
    }
}

fn parse_kind(req: &HttpRequest) -> Result<KeyKind, AppError> {
    req.match_info()
        .get("kind")
        .and_then(KeyKind::parse)
        .ok_or_else(|| AppError::NotFound("There is no such tab: use GraphQL or REST.".into()))
}

/// `{kind}/{id}` of the path: a non-numeric id is a 400; whether the key
/// exists in that tab is for the handler's query.
pub struct KeyPath {
    pub kind: KeyKind,
    pub id: i64,
}

impl FromRequest for KeyPath {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_kind(req).and_then(|kind| {
            let raw = req.match_info().get("id").unwrap_or_default();
            raw.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(|id| KeyPath { kind, id })
                .ok_or_else(|| {
                    AppError::bad_request("That is not a key id: a key id is a positive number.")
                })
        }))
    }
}

/// Tells the page's list to refresh itself (the dialog stays open).
fn keys_changed(resp: &mut HttpResponse) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    resp.headers_mut().insert(
        HeaderName::from_static("hx-trigger"),
        HeaderValue::from_static("keys-changed"),
    );
}

/// htmx events sent with a response: refresh the list, close the dialog,
/// and a message for the status area.
fn done(req: &HttpRequest, kind: KeyKind, message: &str) -> HttpResponse {
    if crate::web::is_htmx(req) {
        let trigger = serde_json::json!({
            "keys-changed": true,
            "close-modal": true,
            "flash": message,
        });
        HttpResponse::NoContent()
            .insert_header(("HX-Trigger", trigger.to_string()))
            .finish()
    } else {
        crate::web::see_other(req, &kind.list_url())
    }
}
