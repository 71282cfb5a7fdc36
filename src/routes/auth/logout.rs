//! `POST /logout`: ends the session in the store, so any copy of the cookie
//! is refused from now on.

use actix_web::{post, HttpRequest, HttpResponse};

use crate::auth::UserSession;
use crate::web::see_other;

#[post("/logout")]
pub async fn submit(req: HttpRequest, session: UserSession) -> HttpResponse {
    if let Some(id) = session.user_id() {
        tracing::info!(user_id = id, "signed out");
    }
    session.sign_out();
    see_other(&req, "/login")
}
