//! Tamper-evident history (issue 13, part 7): every event is chained to the
//! one before it, `keydesk audit verify` finds an edited and a deleted row,
//! and the audit page's CSV export carries the chain, safe to open in a
//! spreadsheet, for the audit page's readers only.

use std::process::{Command, Output};

use diesel::RunQueryDsl;
use keydesk::models::audit::{self, Actor, Target};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp};
use crate::pages_support::{People, Who};

async fn verify(app: &TestApp) -> (Option<i32>, String) {
    let url = app.database_url();
    let out: Output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_keydesk"))
            .args(["audit", "verify", "--database-url", &url])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Runs `statement` as someone with write access to the database would:
/// past the append-only triggers, which such a person can drop.
async fn sql(app: &TestApp, statement: String) {
    let pg = app.is_postgres();
    app.with_db(move |c| {
        let lift = if pg {
            vec!["ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"]
        } else {
            vec![
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER audit_events_no_delete",
            ]
        };
        for l in lift {
            diesel::sql_query(l).execute(c).unwrap();
        }
        diesel::sql_query(statement).execute(c).unwrap()
    })
    .await;
}

async fn event_ids(app: &TestApp) -> Vec<i64> {
    crate::keys_support::audit_events(app)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// A history of several events, as the app writes them.
async fn app_with_history() -> TestApp {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    for name in ["ERP sync", "Shop feed", "Pricing"] {
        app.create_api_key("graphql", name).await;
    }
    app
}

#[tokio::test]
async fn every_event_is_linked_to_the_one_before() {
    let app = app_with_history().await;
    let events = crate::keys_support::audit_events(&app).await;
    assert!(events.len() >= 4, "{events:?}");
    assert_eq!(events[0].prev_hash, None, "the genesis");
    for w in events.windows(2) {
        assert!(w[1].hash.as_ref().is_some_and(|h| h.len() == 64));
        assert_eq!(w[1].prev_hash, w[0].hash, "event {}", w[1].id);
    }
    let (code, out) = verify(&app).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with(&format!("OK: {} chained events verified", events.len())),
        "{out}"
    );
}

#[tokio::test]
async fn verify_names_an_edited_event() {
    let app = app_with_history().await;
    let ids = event_ids(&app).await;
    let victim = ids[2];
    sql(
        &app,
        format!("UPDATE audit_events SET actor_name = 'mallory' WHERE id = {victim}"),
    )
    .await;
    let (code, out) = verify(&app).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with(&format!("BROKEN: event {victim}:")),
        "{out}"
    );
    assert!(out.contains("edited"), "{out}");
}

#[tokio::test]
async fn verify_names_the_event_after_a_deleted_one() {
    let app = app_with_history().await;
    let ids = event_ids(&app).await;
    sql(
        &app,
        format!("DELETE FROM audit_events WHERE id = {}", ids[1]),
    )
    .await;
    let (code, out) = verify(&app).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with(&format!("BROKEN: event {}:", ids[2])),
        "{out}"
    );
}

#[tokio::test]
async fn a_removed_hash_is_found_too() {
    let app = app_with_history().await;
    let ids = event_ids(&app).await;
    sql(
        &app,
        format!(
            "UPDATE audit_events SET hash = NULL, prev_hash = NULL WHERE id = {}",
            ids[2]
        ),
    )
    .await;
    let (code, out) = verify(&app).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with(&format!("BROKEN: event {}:", ids[2])),
        "{out}"
    );
}

#[tokio::test]
async fn events_before_the_chain_are_counted_apart() {
    let app = spawn_app().await;
    // As the migration leaves older events: no hashes.
    app.with_db(|c| {
        audit::record(
            c,
            keydesk::models::now_utc(),
            &Actor::system(),
            "key.created",
            Target::None,
            json!({}),
        )
        .unwrap();
    })
    .await;
    sql(
        &app,
        "UPDATE audit_events SET hash = NULL, prev_hash = NULL".into(),
    )
    .await;
    app.sign_in_as_owner().await;
    let (code, out) = verify(&app).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("(1 older events predate the chain)"), "{out}");
}

#[tokio::test]
async fn only_history_readers_export_it() {
    let people = People::sign_in_everyone().await;
    people.get("/admin/audit/export.csv", Who::Viewer).await;
    people
        .get(
            "/admin/audit/export.csv?action=key.created&from=2026-01-01",
            Who::Viewer,
        )
        .await;
}

#[tokio::test]
async fn the_export_carries_the_chain_and_no_formulas() {
    let app = app_with_history().await;
    app.with_db(|c| {
        audit::record(
            c,
            keydesk::models::now_utc(),
            &Actor::key(9, "=HYPERLINK(\"http://evil\")", Some("10.0.0.1".into())),
            "credential.refused",
            Target::Key {
                id: 9,
                name: "@SUM(A1)",
            },
            json!({ "code": "inactive" }),
        )
        .unwrap();
    })
    .await;
    let resp = app.get("/admin/audit/export.csv").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let body = resp.text().await.unwrap();
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,occurred_at,actor,actor_user_id,actor_key_id,action,target_type,target_id,target_name,details,source_ip,prev_hash,hash"
    );
    let events = crate::keys_support::audit_events(&app).await;
    assert_eq!(lines.len(), events.len() + 1);
    // Oldest first, each with its hashes.
    for (line, e) in lines[1..].iter().zip(&events) {
        assert!(line.starts_with(&format!("{},", e.id)), "{line}");
        let hash = e.hash.as_deref().unwrap();
        assert!(line.ends_with(hash), "{line}");
        if let Some(p) = &e.prev_hash {
            assert!(line.contains(&format!(",{p},{hash}")), "{line}");
        }
    }
    let last = lines.last().unwrap();
    assert!(
        last.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\",,9,"),
        "{last}"
    );
    assert!(last.contains(",'@SUM(A1),"), "{last}");
    // The page's filters apply.
    let refused = app
        .get("/admin/audit/export.csv?action=credential.refused")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(refused.split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    // Bad filters are a clear 400, as on the page.
    let bad = app.get("/admin/audit/export.csv?from=yesterday").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
