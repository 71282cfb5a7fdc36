//! `POST /admin/channels` (add), `POST /admin/channels/{id}` (rename) and
//! `POST /admin/channels/{id}/delete`. The rules live in `crate::channels`,
//! shared with the Key API; here a refusal shows on the page again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use serde::Deserialize;

use super::list::ChannelsPage;
use crate::db::{write_transaction, Db};
use crate::domain::KeyName;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{see_other, Form};

#[derive(Deserialize)]
pub struct NameInput {
    #[serde(default)]
    name: String,
}

async fn again(
    req: &HttpRequest,
    db: &Db,
    status: StatusCode,
    fill: impl FnOnce(&mut ChannelsPage),
) -> Result<HttpResponse, AppError> {
    let mut page = ChannelsPage::load(req, db).await?;
    fill(&mut page);
    let mut resp = page.respond_to(req).map_into_boxed_body();
    *resp.status_mut() = status;
    Ok(resp)
}

const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::bad_request("That is not a channel id: a channel id is a number."))
}

pub async fn add(
    req: HttpRequest,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    Form(input): Form<NameInput>,
) -> Result<HttpResponse, AppError> {
    let name = match KeyName::parse(&input.name) {
        Ok(n) => n,
        Err(e) => {
            return again(&req, &db, INVALID, |p| {
                (p.new_name, p.error) = (input.name, Some(e))
            })
            .await
        }
    };
    let now = state.clock.now();
    let result = db
        .run(move |c| write_transaction(c, |c| crate::channels::create(c, now, &name)))
        .await;
    match result {
        Ok(_) => Ok(see_other(&req, "/admin/channels")),
        Err(AppError::Conflict(m)) => {
            again(&req, &db, INVALID, |p| {
                (p.new_name, p.error) = (input.name, Some(m))
            })
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn rename(
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<String>,
    Form(input): Form<NameInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let name = match KeyName::parse(&input.name) {
        Ok(n) => n,
        Err(e) => return again(&req, &db, INVALID, |p| p.rename = Some((id, input.name, e))).await,
    };
    let result = db
        .run(move |c| write_transaction(c, |c| crate::channels::rename(c, id, &name)))
        .await;
    match result {
        Ok(_) => Ok(see_other(&req, "/admin/channels")),
        Err(AppError::Conflict(m)) => {
            again(&req, &db, INVALID, |p| p.rename = Some((id, input.name, m))).await
        }
        Err(e) => Err(e),
    }
}

pub async fn delete(
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let result = db
        .run(move |c| write_transaction(c, |c| crate::channels::delete(c, id)))
        .await;
    match result {
        Ok(_) => Ok(see_other(&req, "/admin/channels")),
        Err(AppError::Conflict(m)) => {
            again(&req, &db, StatusCode::CONFLICT, |p| {
                p.delete_error = Some((id, m))
            })
            .await
        }
        Err(e) => Err(e),
    }
}
