//! A database that stops answering while its connections stay open (a hung
//! server, a network partition) gets a 503 within keydesk's deadline on
//! both faces and `/healthz`, not a request held for ever; when it answers
//! again keydesk serves again, same process. PostgreSQL only: keydesk talks
//! to it through a TCP proxy of the test's own that can stall (SQLite has
//! no connection to stall).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::access_support::{basic_of, create_caller};
use crate::helpers::{spawn_app_with, TestApp};

/// Forwards 127.0.0.1:port to the PostgreSQL server; while stalled, what
/// it reads is held back (and delivered when the stall ends).
struct StallingProxy {
    port: u16,
    stalled: Arc<AtomicBool>,
}

impl StallingProxy {
    fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stalled = Arc::new(AtomicBool::new(false));
        let flag = stalled.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let flag = flag.clone();
                    thread::spawn(move || pump(from, to, &flag));
                }
            }
        });
        Self { port, stalled }
    }

    fn stall(&self, on: bool) {
        self.stalled.store(on, Ordering::SeqCst);
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, stalled: &AtomicBool) {
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        while stalled.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

/// `postgres://user@host:port/db` → ("host:port", the URL through `port`).
fn through(url: &str, port: u16) -> (String, String) {
    let rest = url.split_once("://").unwrap().1;
    let at = rest.find('@').map(|i| i + 1).unwrap_or(0);
    let slash = rest[at..].find('/').map(|i| at + i).unwrap_or(rest.len());
    let host = rest[at..slash].to_owned();
    let host = if host.contains(':') {
        host
    } else {
        format!("{host}:5432")
    };
    let proxied = format!(
        "postgres://{}127.0.0.1:{port}{}",
        &rest[..at],
        &rest[slash..]
    );
    (host, proxied)
}

const LOCK_WAIT: Duration = Duration::from_millis(500);

/// What a request may take while the database hangs: keydesk's deadline
/// (pool timeout 5 s + lock wait + 2 s) and a margin for a busy machine.
fn limit() -> Duration {
    keydesk::db::deadline_for(LOCK_WAIT) + Duration::from_secs(5)
}

async fn timed(app: &TestApp, req: reqwest::RequestBuilder) -> (StatusCode, String, Duration) {
    let _ = app;
    let t0 = Instant::now();
    let resp = req
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("an answer, not a hang");
    let status = resp.status();
    (status, resp.text().await.unwrap(), t0.elapsed())
}

#[tokio::test]
async fn a_database_that_stops_answering_gets_503_within_the_deadline_then_serves_again() {
    let probe = spawn_app_with(|_| {}).await;
    if !probe.is_postgres() {
        eprintln!("skipped on SQLite: set KEYDESK_TEST_POSTGRES_URL to run it");
        return;
    }
    drop(probe);
    let proxy_slot: Arc<std::sync::Mutex<Option<StallingProxy>>> = Default::default();
    let slot = proxy_slot.clone();
    let app = spawn_app_with(move |s| {
        let url = s.database_url.to_string();
        let raw = match &s.database_url {
            keydesk::db::DatabaseUrl::Postgres(u) => u.clone(),
            keydesk::db::DatabaseUrl::Sqlite(_) => unreachable!("{url}"),
        };
        let (upstream, _) = through(&raw, 0);
        let proxy = StallingProxy::start(upstream);
        let (_, proxied) = through(&raw, proxy.port);
        s.database_url = proxied.parse().unwrap();
        s.db_lock_timeout = LOCK_WAIT;
        *slot.lock().unwrap() = Some(proxy);
    })
    .await;
    let caller = create_caller(&app).await;
    let verify = || {
        app.client
            .post(app.url("/api/v1/keys/verify"))
            .header("Authorization", basic_of(&caller))
            .json(&json!({ "key": caller.secret }))
    };
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(timed(&app, verify()).await.0, StatusCode::OK);

    proxy_slot.lock().unwrap().as_ref().unwrap().stall(true);
    let (status, body, took) = timed(&app, app.client.get(app.url("/healthz"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took <= limit(), "/healthz took {took:?}");
    let (status, body, took) = timed(&app, verify()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took <= limit(), "verify took {took:?}");
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "temporarily_unavailable");
    let (status, body, took) = timed(&app, app.client.get(app.url("/login"))).await;
    assert!(
        status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
        "{status} {body}"
    );
    assert!(took <= limit(), "/login took {took:?}");

    proxy_slot.lock().unwrap().as_ref().unwrap().stall(false);
    let t0 = Instant::now();
    loop {
        let (status, _, _) = timed(&app, app.client.get(app.url("/healthz"))).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "never healthy again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body, _) = timed(&app, verify()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
