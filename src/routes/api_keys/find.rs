//! `POST /admin/api-keys/find-secret` (API Key: Viewer): paste a whole
//! secret, land on its key: the tab of the key, searched by the secret's
//! shown prefix (which the list shows anyway), so the row and its dialog
//! link are one click away. A POST, so the secret is never in a URL, a
//! browser history or an access log; the response never repeats it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::list_query::ListParams;
use crate::error::AppError;
use crate::keys;
use crate::models::audit::Actor;
use crate::state::AppState;
use crate::web::Form;

/// One message for every miss: well-formed or not, retired or never issued.
pub const NOT_FOUND: &str = "No key has this secret.";

#[derive(Deserialize)]
pub struct Pasted {
    #[serde(default)]
    secret: String,
}

pub async fn submit(
    req: HttpRequest,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    Form(form): Form<Pasted>,
) -> Result<HttpResponse, AppError> {
    if form.secret.trim().is_empty() {
        return Err(AppError::bad_request(
            "Paste the secret whose key you are looking for.",
        ));
    }
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let state = state.into_inner();
    let found = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                keys::find_by_secret(c, &actor, now, &form.secret, &state.key_pepper)
            })
        })
        .await?;
    match found {
        Some(f) => {
            let params = ListParams {
                q: Some(f.prefix),
                ..ListParams::default()
            };
            let url = format!("{}{}", f.kind.list_url(), params.query_string());
            Ok(crate::web::see_other(&req, &url))
        }
        None => Err(AppError::NotFound(NOT_FOUND.into())),
    }
}
