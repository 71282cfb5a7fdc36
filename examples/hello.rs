//! The benchmark's physical floor (bench/run.sh): an actix-web server that
//! answers `GET /` with "Hello, world!", built with the same actix-web and
//! profile as keydesk, so the table shows what keydesk's own work costs.
//!
//!     cargo run --release --example hello -- 127.0.0.1:8081 [WORKERS]

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:8081".into());
    let workers: Option<usize> = args.next().and_then(|w| w.parse().ok());
    let mut server = HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async { HttpResponse::Ok().body("Hello, world!") }),
        )
    })
    .bind(bind)?;
    if let Some(w) = workers {
        server = server.workers(w.max(1));
    }
    server.run().await
}
