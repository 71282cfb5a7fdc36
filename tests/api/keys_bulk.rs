//! Issue 13 §6, bulk actions over a filter: the dry run's count is the
//! number of keys changed; a filter that moved before confirmation is
//! refused with the new count; undo restores exactly what was changed,
//! once, within 24 hours; a deactivated key is refused by the very next
//! verification.

use std::time::Duration;

use chrono::Datelike;
use keydesk::domain::KeyKind;
use keydesk::models::audit::action;
use reqwest::StatusCode;
use serde_json::json;

use crate::access_support::{code_of, create_caller, create_key, events};
use crate::helpers::{html, location, spawn_app, text_of};
use crate::keys_bulk_support::*;
use crate::keys_support::error_of;

#[tokio::test]
async fn ten_thousand_idle_keys_are_deactivated_by_filter_and_restored_by_undo() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    seed(&app, "idle", 10_000, 120).await;
    seed(&app, "busy", 5, 1).await;

    // The list offers the action over its filter.
    let (_, list) = crate::keys_support::get_list(&app, "rest", "used=idle90").await;
    let link = text_of(&list, "#bulk-deactivate-all").unwrap();
    assert_eq!(link, "Deactivate all 10000 matching keys");

    let run = dry_run(&app, "used=idle90&action=deactivate").await;
    assert_eq!(run.count, 10_000);
    assert_eq!(run.sample.len(), 21, "twenty names and `… and 9980 more`");
    assert_eq!(run.sample[0], "idle 00000");
    assert_eq!(run.sample[20], "… and 9980 more");
    assert_eq!(
        active_counts(&app, "idle").await,
        (10_000, 0),
        "a dry run changes nothing"
    );

    let resp = confirm(&app, &run, &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, "#bulk-done").as_deref(),
        Some("10000 API keys deactivated.")
    );
    let id = bulk_id(&page);
    assert_eq!(active_counts(&app, "idle").await, (0, 10_000));
    assert_eq!(active_counts(&app, "busy").await, (5, 0));
    let batches = events(&app, action::KEYS_BULK_CHANGED).await;
    assert_eq!(batches.len(), 10, "one event per batch of 1,000");
    let total: i64 = batches
        .iter()
        .map(|e| e.details_json()["keys"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 10_000);

    let resp = app
        .post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys/rest");
    assert_eq!(active_counts(&app, "idle").await, (10_000, 0));
    assert_eq!(events(&app, action::KEYS_BULK_UNDONE).await.len(), 1);

    // Undo of an undo: refused, nothing changed.
    let (status, msg) = error_of(
        app.post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(msg.contains("already undone"), "{msg}");
    assert_eq!(active_counts(&app, "idle").await, (10_000, 0));
}

#[tokio::test]
async fn a_filter_that_changed_before_confirmation_is_refused_with_the_new_count() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    seed(&app, "partner", 3, 1).await;
    let run = dry_run(&app, "q=partner&action=deactivate").await;
    assert_eq!(run.count, 3);
    seed(&app, "partner late", 1, 1).await;

    let resp = confirm(&app, &run, &[]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    let notice = text_of(&page, "#bulk-notice").unwrap();
    assert!(notice.contains("now matches 4 keys, not 3"), "{notice}");
    assert!(notice.contains("nothing was changed"), "{notice}");
    let fresh = read_confirm(&page);
    assert_eq!(fresh.count, 4);
    assert_eq!(active_counts(&app, "partner").await, (4, 0));

    // The fresh confirmation runs.
    let resp = confirm(&app, &fresh, &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(active_counts(&app, "partner").await, (0, 4));
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    seed(&app, "partner", 3, 1).await;
    for query in [
        "action=deactivate",
        "q=partner",
        "q=partner&action=delete",
        "q=partner&used=yesterday&action=deactivate",
    ] {
        let resp = app.get(&format!("/admin/api-keys/rest/bulk?{query}")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    let run = dry_run(&app, "q=partner&action=deactivate").await;
    let tamper = |name: &str, value: &str| {
        let mut r = DryRun {
            count: run.count,
            sample: vec![],
            fields: run.fields.clone(),
        };
        for f in &mut r.fields {
            if f.0 == name {
                f.1 = value.to_owned();
            }
        }
        r
    };
    for (name, value) in [
        ("count", "2"),
        ("filter", "?q=part"),
        ("token", "00"),
        ("action", "set_expiry"),
    ] {
        let resp = confirm(&app, &tamper(name, value), &[("expiry", "30d")]).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{name}={value}");
    }
    let expiry = dry_run(&app, "q=partner&action=set_expiry").await;
    for (choice, date) in [("date", "2020-01-01"), ("soon", ""), ("date", "")] {
        let resp = confirm(&app, &expiry, &[("expiry", choice), ("expiry_date", date)]).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{choice} {date}");
    }
    let resp = app
        .get("/admin/api-keys/rest/bulk?q=nobody&action=deactivate")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(read_confirm(&html(resp).await).count, 0);
    assert_eq!(active_counts(&app, "partner").await, (3, 0));
}

#[tokio::test]
async fn deactivated_keys_are_refused_by_verify_at_once_and_work_again_after_undo() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    let caller = create_caller(&app).await;
    let scopes = ["order-data:view"];
    let a = create_key(
        &app,
        KeyKind::Rest,
        "Orders partner A",
        &scopes,
        vec![],
        None,
        None,
    )
    .await;
    let b = create_key(
        &app,
        KeyKind::Rest,
        "Orders partner B",
        &scopes,
        vec![],
        None,
        None,
    )
    .await;
    let ask = json!({ "function": "order-data", "action": "view" });
    for k in [&a, &b] {
        assert_eq!(
            code_of(&app, &caller, &k.secret, ask.clone()).await,
            "valid"
        );
    }
    let run = dry_run(&app, "q=Orders+partner&action=deactivate").await;
    assert_eq!(run.count, 2);
    let resp = confirm(&app, &run, &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let id = bulk_id(&html(resp).await);
    for k in [&a, &b] {
        assert_eq!(
            code_of(&app, &caller, &k.secret, ask.clone()).await,
            "inactive"
        );
    }
    assert_eq!(
        code_of(&app, &caller, &caller.secret, ask.clone()).await,
        "function_denied"
    );
    let resp = app
        .post_htmx(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    for k in [&a, &b] {
        assert_eq!(
            code_of(&app, &caller, &k.secret, ask.clone()).await,
            "valid"
        );
    }
}

#[tokio::test]
async fn set_expiry_in_bulk_and_undo_restores_each_previous_expiry() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    let later = app.now() + chrono::Duration::days(30);
    let a = create_key(&app, KeyKind::Rest, "feed one", &[], vec![], None, None).await;
    let b = create_key(
        &app,
        KeyKind::Rest,
        "feed two",
        &[],
        vec![],
        None,
        Some(later),
    )
    .await;
    let run = dry_run(&app, "q=feed&action=set_expiry").await;
    assert_eq!(run.count, 2);
    let day = (app.now() + chrono::Duration::days(200)).date();
    let resp = confirm(
        &app,
        &run,
        &[
            ("expiry", "date"),
            ("expiry_date", &day.format("%Y-%m-%d").to_string()),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, "#bulk-done").as_deref(),
        Some("Expiry set on 2 API keys.")
    );
    let want = day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap();
    assert_eq!(expiry_of(&app, a.id).await, Some(want));
    assert_eq!(
        expiry_of(&app, b.id).await.map(|t| t.day()),
        Some(want.day())
    );
    let id = bulk_id(&page);
    let resp = app
        .post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(expiry_of(&app, a.id).await, None);
    assert_eq!(expiry_of(&app, b.id).await, Some(later));
}

#[tokio::test]
async fn undo_after_24_hours_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    seed(&app, "partner", 3, 1).await;
    let run = dry_run(&app, "q=partner&action=deactivate").await;
    let id = bulk_id(&html(confirm(&app, &run, &[]).await).await);
    app.advance_clock(Duration::from_secs(24 * 3600 + 60));
    let (status, msg) = error_of(
        app.post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(msg.contains("undone for 24 hours"), "{msg}");
    assert_eq!(active_counts(&app, "partner").await, (0, 3));
    assert!(events(&app, action::KEYS_BULK_UNDONE).await.is_empty());
    // Another tab's id, or none at all: not found.
    for path in [
        format!("/admin/api-keys/graphql/bulk/{id}/undo"),
        format!("/admin/api-keys/rest/bulk/{}/undo", id + 1),
    ] {
        let resp = app.post_form(&path, &[]).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

/// The scale the issue asks for; slow in debug builds, so run by hand:
/// `cargo test --test api keys_bulk::a_hundred -- --ignored`.
#[tokio::test]
#[ignore]
async fn a_hundred_thousand_keys_in_one_bulk_action() {
    let app = spawn_app().await;
    app.sign_in_with_roles("erin", &["api-key:editor"]).await;
    seed(&app, "idle", 100_000, 120).await;
    let run = dry_run(&app, "used=idle90&action=deactivate").await;
    assert_eq!(run.count, 100_000);
    let started = std::time::Instant::now();
    let page = html(confirm(&app, &run, &[]).await).await;
    eprintln!("100,000 keys deactivated in {:?}", started.elapsed());
    assert_eq!(active_counts(&app, "idle").await, (0, 100_000));
    let id = bulk_id(&page);
    let started = std::time::Instant::now();
    let resp = app
        .post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    eprintln!("and restored in {:?}", started.elapsed());
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(active_counts(&app, "idle").await, (100_000, 0));
}
