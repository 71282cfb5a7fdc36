//! `POST /admin/channels` (add) and `POST /admin/channels/{id}` (rename).
//! Names follow the same rules as key names and are unique.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Deserialize;

use super::list::ChannelsPage;
use crate::db::Db;
use crate::domain::KeyName;
use crate::error::AppError;
use crate::models::channel::{self, NewChannel};
use crate::models::now_utc;
use crate::web::{see_other, Form};

#[derive(Deserialize)]
pub struct NameInput {
    #[serde(default)]
    name: String,
}

const TAKEN: &str = "A channel with this name exists already.";

fn is_duplicate(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Database(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

async fn again(
    req: &HttpRequest,
    db: &Db,
    fill: impl FnOnce(&mut ChannelsPage),
) -> Result<HttpResponse, AppError> {
    let mut page = ChannelsPage::load(req, db).await?;
    fill(&mut page);
    let mut resp = page.respond_to(req).map_into_boxed_body();
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

pub async fn add(
    req: HttpRequest,
    db: web::Data<Db>,
    Form(input): Form<NameInput>,
) -> Result<HttpResponse, AppError> {
    let name = match KeyName::parse(&input.name) {
        Ok(n) => n,
        Err(e) => return again(&req, &db, |p| (p.new_name, p.error) = (input.name, Some(e))).await,
    };
    let result = db
        .run(move |c| {
            Ok(channel::insert(
                c,
                &NewChannel {
                    name: name.as_str(),
                    created_at: now_utc(),
                },
            )?)
        })
        .await;
    match result {
        Ok(_) => Ok(see_other(&req, "/admin/channels")),
        Err(e) if is_duplicate(&e) => {
            again(&req, &db, |p| {
                (p.new_name, p.error) = (input.name, Some(TAKEN.into()))
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
    let id = path.parse::<i64>().map_err(|_| {
        AppError::bad_request("That is not a channel id: a channel id is a number.")
    })?;
    let name = match KeyName::parse(&input.name) {
        Ok(n) => n,
        Err(e) => return again(&req, &db, |p| p.rename = Some((id, input.name, e))).await,
    };
    let result = db
        .run(move |c| Ok(channel::rename(c, id, name.as_str())?))
        .await;
    match result {
        Ok(0) => Err(AppError::not_found("That channel")),
        Ok(_) => Ok(see_other(&req, "/admin/channels")),
        Err(e) if is_duplicate(&e) => {
            again(&req, &db, |p| {
                p.rename = Some((id, input.name, TAKEN.into()))
            })
            .await
        }
        Err(e) => Err(e),
    }
}
