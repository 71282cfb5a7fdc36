//! `POST /admin/stores` (add) and `POST /admin/stores/{id}` (rename). Names
//! follow the rules of key names; codes are unique and never change. Each
//! change records its audit event in the same transaction.

use actix_web::{web, HttpRequest, HttpResponse};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Deserialize;

use super::list::StoresPage;
use super::{find_store, parse_id};
use crate::auth::CurrentUser;
use crate::db::{write_transaction, Db};
use crate::domain::{KeyName, StoreCode};
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::state::AppState;
use crate::web::{client_ip, see_other, Form};

#[derive(Deserialize)]
pub struct AddInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct RenameInput {
    #[serde(default)]
    name: String,
}

use crate::stores::TAKEN;

/// The code was taken, by our check or (in a race) by the unique index.
fn is_taken(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Conflict(_)
            | AppError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _
            ))
    )
}

pub async fn add(
    req: HttpRequest,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    Form(input): Form<AddInput>,
) -> Result<HttpResponse, AppError> {
    let (name, code) = match (KeyName::parse(&input.name), StoreCode::parse(&input.code)) {
        (Ok(n), Ok(c)) => (n, c),
        (n, c) => {
            let mut page = StoresPage::load(&req, &db).await?;
            (page.new_name, page.new_code) = (input.name, input.code);
            (page.name_error, page.code_error) = (n.err(), c.err());
            return Ok(page.again(&req));
        }
    };
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, client_ip(&req));
    let result = db
        .run(move |c| {
            write_transaction(c, |c| {
                Ok(crate::stores::create(c, &actor, now, &name, &code)?.id)
            })
        })
        .await;
    match result {
        Ok(id) => {
            tracing::info!(store_id = id, "store created");
            Ok(see_other(&req, "/admin/stores"))
        }
        Err(e) if is_taken(&e) => {
            let mut page = StoresPage::load(&req, &db).await?;
            (page.new_name, page.new_code) = (input.name, input.code);
            page.code_error = Some(TAKEN.into());
            Ok(page.again(&req))
        }
        Err(e) => Err(e),
    }
}

pub async fn rename(
    req: HttpRequest,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    Form(input): Form<RenameInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    db.run(move |c| find_store(c, id)).await?;
    let name = match KeyName::parse(&input.name) {
        Ok(n) => n,
        Err(e) => {
            let mut page = StoresPage::load(&req, &db).await?;
            page.rename = Some((id, input.name, e));
            return Ok(page.again(&req));
        }
    };
    let now = state.clock.now();
    let now_actor = (now, Actor::user(user.id, &user.username, client_ip(&req)));
    db.run(move |c| {
        write_transaction(c, |c| {
            crate::stores::rename(c, &now_actor.1, now_actor.0, id, &name).map(|_| ())
        })
    })
    .await?;
    tracing::info!(store_id = id, "store renamed");
    Ok(see_other(&req, "/admin/stores"))
}
