//! `POST /admin/stores` (add) and `POST /admin/stores/{id}` (rename). Names
//! follow the rules of key names; codes are unique and never change. Each
//! change records its audit event in the same transaction.

use actix_web::{web, HttpRequest, HttpResponse};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Deserialize;
use serde_json::json;

use super::list::StoresPage;
use super::{find_store, parse_id};
use crate::auth::CurrentUser;
use crate::db::{write_transaction, Db};
use crate::domain::{KeyName, StoreCode};
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::store::{self, NewStore};
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

const TAKEN: &str = "A store with this code exists already: choose another code.";

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
                if store::find_by_code(c, code.as_str())?.is_some() {
                    return Err(AppError::Conflict(TAKEN.into()));
                }
                let s = store::insert(
                    c,
                    &NewStore {
                        name: name.as_str(),
                        code: code.as_str(),
                        created_at: now,
                    },
                )?;
                audit::record(
                    c,
                    now,
                    &actor,
                    action::STORE_CREATED,
                    Target::Store {
                        id: s.id,
                        name: &s.name,
                    },
                    json!({ "code": s.code }),
                )?;
                Ok(s.id)
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
    let actor = Actor::user(user.id, &user.username, client_ip(&req));
    db.run(move |c| {
        write_transaction(c, |c| {
            let before = find_store(c, id)?;
            if before.name == name.as_str() {
                return Ok(());
            }
            if store::rename(c, id, name.as_str())? == 0 {
                return Err(AppError::not_found("That store"));
            }
            audit::record(
                c,
                now,
                &actor,
                action::STORE_RENAMED,
                Target::Store {
                    id,
                    name: name.as_str(),
                },
                json!({
                    "code": before.code,
                    "changes": { "name": { "old": before.name, "new": name.as_str() } },
                }),
            )?;
            Ok(())
        })
    })
    .await?;
    tracing::info!(store_id = id, "store renamed");
    Ok(see_other(&req, "/admin/stores"))
}
