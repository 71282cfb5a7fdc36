//! `/healthz`: 200 after a database round-trip, 503 when the database does not
//! answer. No sign-in, no session.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::db::Db;

#[get("/healthz")]
pub async fn healthz(db: web::Data<Db>) -> HttpResponse {
    match db.run(|c| Ok(c.batch_execute("SELECT 1")?)).await {
        Ok(()) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .body("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Cache-Control", "no-store"))
                .body("database unavailable")
        }
    }
}
