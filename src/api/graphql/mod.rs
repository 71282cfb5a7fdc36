//! `/graphql`: the GraphQL endpoint for GraphQL keys (issue 10, part 4) and
//! its explorer page. `POST /graphql` takes `application/json`
//! (`query`, `operationName`, `variables`) with `Authorization: Bearer
//! <GraphQL key>`; every field is checked through `access::decide`.
//! Introspection is open to any live GraphQL key (the schema is documented
//! in the README, and the explorer needs it for its docs and completion);
//! without a key nothing runs, not even introspection.

mod api_keys;
mod audit;
pub mod auth;
mod error;
mod explorer;
mod me;
pub mod openapi;
pub mod schema;
mod shop;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{read_body, ApiData};
use error::GqlError;

/// Where the explorer page lives.
pub const EXPLORER_PATH: &str = "/graphql/explorer";

pub fn configure(cfg: &mut web::ServiceConfig, data: web::Data<ApiData>) {
    cfg.service(
        web::resource("/graphql")
            .app_data(data)
            .route(web::post().to(execute))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource(EXPLORER_PATH)
            .route(web::get().to(explorer::page))
            .default_service(web::to(method_not_allowed_explorer)),
    );
}

/// The body GraphQL clients send (GraphQL over HTTP); anything else in it
/// is refused, not ignored. `extensions` is accepted and unused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

fn parse_body(raw: &[u8]) -> Result<async_graphql::Request, GqlError> {
    let body: Body = serde_json::from_slice(raw).map_err(|e| {
        let mut why = e.to_string();
        if why.chars().count() > 200 {
            why = why.chars().take(200).collect::<String>() + "…";
        }
        GqlError::bad_request(
            "invalid_body",
            format!(
                "The body is not a GraphQL request ({why}): send one JSON object with \"query\" (string) and optionally \"operationName\" (string) and \"variables\" (object). Batches are not accepted."
            ),
        )
    })?;
    let mut request = async_graphql::Request::new(body.query);
    if let Some(name) = body.operation_name {
        request = request.operation_name(name);
    }
    match body.variables {
        None | Some(serde_json::Value::Null) => {}
        Some(v @ serde_json::Value::Object(_)) => {
            request = request.variables(async_graphql::Variables::from_json(v));
        }
        Some(_) => {
            return Err(GqlError::bad_request(
                "invalid_body",
                "\"variables\" is an object of variable names and values.",
            ))
        }
    }
    Ok(request)
}

async fn execute(
    req: HttpRequest,
    payload: web::Payload,
    data: web::Data<ApiData>,
) -> Result<HttpResponse, GqlError> {
    if !req.query_string().is_empty() {
        return Err(GqlError::bad_request(
            "query_string_refused",
            "/graphql takes no query string: send the query in a JSON body and the key in the Authorization header.",
        ));
    }
    // The caller first: an unauthenticated client learns nothing about its
    // body, as at the verification endpoint.
    let body = read_body(&req, payload, "application/json").await;
    let caller = auth::authenticate(&data, &req).await?;
    let request = parse_body(&body?)?;
    let mut response = schema::schema().execute(request.data(caller)).await;
    response.errors = response.errors.into_iter().map(schema::explain).collect();
    // A request that did not run (parse, validation, limits) is the
    // client's error; a run with some fields refused is a 200 with the
    // rest of the data.
    let status = if response.data == async_graphql::Value::Null && !response.errors.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(response))
}

async fn method_not_allowed() -> Result<HttpResponse, GqlError> {
    Err(GqlError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: format!(
            "Send queries with POST (Content-Type: application/json). To try queries in a browser, open {EXPLORER_PATH}."
        ),
        challenge: None,
        extra: None,
    })
}

async fn method_not_allowed_explorer() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET"))
        .finish()
}

/// RFC 3339 in UTC, to the second.
fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A field that failed or was refused is null, with its error (and path)
/// beside the rest of the data, as the GraphQL spec has it; async-graphql
/// would drop the field from `data` instead.
fn nullable<T>(ctx: &async_graphql::Context<'_>, r: async_graphql::Result<Option<T>>) -> Option<T> {
    match r {
        Ok(v) => v,
        Err(e) => {
            ctx.add_error(ctx.set_error_path(e.into_server_error(ctx.item.pos)));
            None
        }
    }
}

/// A refused argument, in the back office's words.
fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    async_graphql::Error::new(message.into()).extend_with(|_, e| e.set("code", "bad_input"))
}

/// A database failure inside a field: logged, never shown.
fn gql_err(e: crate::error::AppError) -> async_graphql::Error {
    use actix_web::ResponseError;
    use async_graphql::ErrorExtensions;
    let busy = e.status_code() == StatusCode::SERVICE_UNAVAILABLE;
    if !busy {
        tracing::error!(error = %e, "graphql field failed");
    }
    let (code, message) = if busy {
        (
            "temporarily_unavailable",
            "The database is busy; try again.",
        )
    } else {
        (
            "server_error",
            "Something went wrong on our side; try again.",
        )
    };
    async_graphql::Error::new(message).extend_with(move |_, x| x.set("code", code))
}
