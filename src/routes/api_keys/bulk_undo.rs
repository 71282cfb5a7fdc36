//! `POST …/{kind}/bulk/{id}/undo` (API Key: Editor): puts back exactly the
//! values a bulk action replaced, on the keys that still exist, within 24
//! hours and once. A refusal changes nothing and says why.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::CurrentUser;
use crate::db::{write_transaction, Db};
use crate::error::AppError;
use crate::keys::bulk as core;
use crate::models::audit::Actor;
use crate::state::AppState;

pub async fn submit(
    req: HttpRequest,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: super::KeyPath,
) -> Result<HttpResponse, AppError> {
    let (kind, id) = (path.kind, path.id);
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let bulk = db
        .run(move |c| write_transaction(c, |c| core::start_undo(c, &actor, now, kind, id)))
        .await?;
    let mut restored = 0;
    let mut after = 0;
    loop {
        let b = bulk.clone();
        let (n, next) = db
            .run(move |c| write_transaction(c, |c| core::undo_batch(c, now, kind, &b, after)))
            .await?;
        restored += n;
        match next {
            Some(next) => after = next,
            None => break,
        }
    }
    tracing::info!(restored, bulk_id = id, "bulk action undone");
    let message = if restored == 1 {
        "Undone: 1 API key restored.".to_string()
    } else {
        format!("Undone: {restored} API keys restored.")
    };
    Ok(super::done(&req, kind, &message))
}
