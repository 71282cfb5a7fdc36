//! Issue 13 §6: who may run and undo bulk actions (API Key: Editor, as
//! editing a key), and CSRF on both state changes.

use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, TestApp};
use crate::keys_bulk_support::*;

/// A finished bulk deactivation of the three "partner" keys, by an editor.
async fn deactivated(app: &TestApp) -> (DryRun, i64) {
    let editor = app.new_browser();
    app.create_user("erin", crate::helpers::PASSWORD, &["api-key:editor"])
        .await;
    editor.sign_in("erin", crate::helpers::PASSWORD).await;
    seed(app, "partner", 3, 1).await;
    let run = dry_run(&editor, "q=partner&action=deactivate").await;
    let again = dry_run(&editor, "q=partner&action=deactivate").await;
    let id = bulk_id(&html(confirm(&editor, &run, &[]).await).await);
    (again, id)
}

#[tokio::test]
async fn every_role_on_the_bulk_routes() {
    for (roles, allowed) in [
        (vec!["api-key:viewer"], false),
        (vec!["user:owner"], false),
        (vec!["api-key:editor"], true),
        (vec!["api-key:owner"], true),
    ] {
        let app = spawn_app().await;
        let (run, id) = deactivated(&app).await;
        app.sign_in_with_roles("someone", &roles).await;
        let preview = app
            .get("/admin/api-keys/rest/bulk?q=partner&action=deactivate")
            .await;
        let undo = app
            .post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
            .await;
        if allowed {
            assert_eq!(preview.status(), StatusCode::OK, "{roles:?}");
            assert_eq!(undo.status(), StatusCode::SEE_OTHER, "{roles:?}");
            assert_eq!(active_counts(&app, "partner").await, (3, 0));
        } else {
            assert_eq!(preview.status(), StatusCode::FORBIDDEN, "{roles:?}");
            assert_eq!(undo.status(), StatusCode::FORBIDDEN, "{roles:?}");
            let submit = confirm(&app, &run, &[]).await;
            assert_eq!(submit.status(), StatusCode::FORBIDDEN, "{roles:?}");
            assert_eq!(active_counts(&app, "partner").await, (0, 3), "{roles:?}");
        }
        let (_, list) = crate::keys_support::get_list(&app, "rest", "q=partner").await;
        let offered = list
            .select(&crate::keys_support::sel("#bulk-deactivate-all"))
            .count();
        if roles != ["user:owner"] {
            assert_eq!(offered == 1, allowed, "{roles:?}");
        }
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let (run, id) = deactivated(&app).await;
    let resp = app
        .get("/admin/api-keys/rest/bulk?q=partner&action=deactivate")
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = app
        .post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    assert!(resp.status() == StatusCode::SEE_OTHER || resp.status() == StatusCode::FORBIDDEN);
    let resp = confirm(&app, &run, &[]).await;
    assert!(resp.status() == StatusCode::SEE_OTHER || resp.status() == StatusCode::FORBIDDEN);
    assert_eq!(active_counts(&app, "partner").await, (0, 3));
}

#[tokio::test]
async fn both_state_changes_need_the_csrf_token() {
    let app = spawn_app().await;
    let (_, id) = deactivated(&app).await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let run = dry_run(&app, "q=partner&action=deactivate").await;
    let fields: Vec<(&str, &str)> = run
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resp = app
        .post_form_without_csrf("/admin/api-keys/rest/bulk", &fields)
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .post_form_without_csrf(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(active_counts(&app, "partner").await, (0, 3));
}

#[tokio::test]
async fn the_history_entry_offers_undo_to_editors_once() {
    let app = spawn_app().await;
    let (_, id) = deactivated(&app).await;
    let undo = format!(r#"form.bulk-undo[action="/admin/api-keys/rest/bulk/{id}/undo"]"#);
    let offered = |page: &scraper::Html| page.select(&crate::keys_support::sel(&undo)).count();

    app.sign_in_with_roles("vera", &["api-key:viewer"]).await;
    let page = html(app.get("/admin/audit").await).await;
    assert_eq!(offered(&page), 0, "a viewer is not offered undo");
    assert!(page.root_element().html().contains("Keys changed in bulk"));

    let owner = app.new_browser();
    app.create_user("olivia", crate::helpers::PASSWORD, &["api-key:owner"])
        .await;
    owner.sign_in("olivia", crate::helpers::PASSWORD).await;
    let page = html(owner.get("/admin/audit").await).await;
    assert_eq!(offered(&page), 1);
    let resp = owner
        .post_form(&format!("/admin/api-keys/rest/bulk/{id}/undo"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(active_counts(&app, "partner").await, (3, 0));
    let page = html(owner.get("/admin/audit").await).await;
    assert_eq!(offered(&page), 0, "undone: no longer offered");
    assert!(page.root_element().html().contains("Bulk change undone"));
}
