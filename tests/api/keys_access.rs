//! Issue 3, who may do what on both tabs: signed out → sign in; no API Key
//! role → 403; Viewer sees and opens read-only; Editor also saves; Owner also
//! creates and deletes. Each refused request must also have written nothing.

use reqwest::{Response, StatusCode};

use crate::helpers::{html, location, spawn_app, text_of, Browser, TestApp, PASSWORD};
use crate::keys_support::{all_keys, snapshot, KINDS};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    SignedOut,
    NoRole,
    Viewer,
    Editor,
    Owner,
}

const EVERYONE: [Who; 5] = [
    Who::SignedOut,
    Who::NoRole,
    Who::Viewer,
    Who::Editor,
    Who::Owner,
];

impl Who {
    fn roles(self) -> &'static [&'static str] {
        match self {
            Who::SignedOut => &[],
            // A user with other roles but none for API keys.
            Who::NoRole => &["user:owner"],
            Who::Viewer => &["api-key:viewer"],
            Who::Editor => &["api-key:editor"],
            Who::Owner => &["api-key:owner"],
        }
    }
}

async fn browsers(app: &TestApp) -> Vec<(Who, Browser)> {
    let mut out = Vec::new();
    for who in EVERYONE {
        let b = app.new_browser();
        if who != Who::SignedOut {
            let name = format!("{who:?}").to_lowercase();
            app.create_user(&name, PASSWORD, who.roles()).await;
            assert_eq!(
                b.sign_in(&name, PASSWORD).await.status(),
                StatusCode::SEE_OTHER
            );
        }
        out.push((who, b));
    }
    out
}

/// Checks the answer to `who` for a route that needs `least`.
async fn check(who: Who, least: Who, what: &str, resp: Response, ok: StatusCode) {
    let status = resp.status();
    if who == Who::SignedOut {
        assert_eq!(status, StatusCode::SEE_OTHER, "{what} as {who:?}");
        assert!(location(&resp).starts_with("/login"), "{what} as {who:?}");
    } else if who >= least {
        assert_eq!(status, ok, "{what} as {who:?}");
    } else {
        assert_eq!(status, StatusCode::FORBIDDEN, "{what} as {who:?}");
        let page = html(resp).await;
        assert_eq!(
            text_of(&page, "#error-title").as_deref(),
            Some("Access denied"),
            "{what} as {who:?}"
        );
    }
}

#[tokio::test]
async fn each_role_on_each_operation_of_both_tabs() {
    let app = spawn_app().await;
    let people = browsers(&app).await;
    let owner = people.last().unwrap().1.clone();
    for kind in KINDS {
        let list = format!("/admin/api-keys/{kind}");
        let new = format!("{list}/new");
        let id = owner.create_api_key(kind, "target").await;
        let edit = format!("{list}/{id}");

        for (who, b) in &people {
            let who = *who;
            // List.
            check(
                who,
                Who::Viewer,
                &format!("GET {list}"),
                b.get(&list).await,
                StatusCode::OK,
            )
            .await;
            check(
                who,
                Who::Viewer,
                "GET /admin/api-keys",
                b.get("/admin/api-keys").await,
                StatusCode::SEE_OTHER,
            )
            .await;
            // Create.
            check(
                who,
                Who::Owner,
                &format!("GET {new}"),
                b.get(&new).await,
                StatusCode::OK,
            )
            .await;
            let before = all_keys(&app).await.len();
            let name = format!("made by {who:?}");
            let resp = b
                .post_form(&new, &[("name", &name), ("active", "true")])
                .await;
            check(
                who,
                Who::Owner,
                &format!("POST {new}"),
                resp,
                StatusCode::OK,
            )
            .await;
            let after = all_keys(&app).await;
            assert_eq!(
                after.len(),
                before + usize::from(who == Who::Owner),
                "{kind}: {who:?} creating"
            );
            // Edit: open, then save.
            check(
                who,
                Who::Viewer,
                &format!("GET {edit}"),
                b.get(&edit).await,
                StatusCode::OK,
            )
            .await;
            let before = snapshot(&app).await;
            let name = format!("edited by {who:?}");
            let resp = b
                .post_form(&edit, &[("name", &name), ("active", "true")])
                .await;
            check(
                who,
                Who::Editor,
                &format!("POST {edit}"),
                resp,
                StatusCode::SEE_OTHER,
            )
            .await;
            let saved = crate::keys_support::key(&app, id).await.unwrap();
            if who >= Who::Editor {
                assert_eq!(saved.name, name, "{kind}: {who:?} saves");
            } else {
                assert_eq!(
                    snapshot(&app).await,
                    before,
                    "{kind}: {who:?} changed nothing"
                );
            }
            // Delete: confirm, then delete (a key of their own to lose).
            let victim = owner
                .create_api_key(kind, &format!("victim of {who:?}"))
                .await;
            let victim = victim.to_string();
            let before = snapshot(&app).await;
            let resp = b
                .post_form(&format!("{list}/delete/confirm"), &[("id", &victim)])
                .await;
            check(who, Who::Owner, "POST delete/confirm", resp, StatusCode::OK).await;
            assert_eq!(snapshot(&app).await, before, "{kind}: confirm as {who:?}");
            let resp = b
                .post_form(&format!("{list}/delete"), &[("id", &victim)])
                .await;
            check(who, Who::Owner, "POST delete", resp, StatusCode::SEE_OTHER).await;
            let exists = all_keys(&app)
                .await
                .iter()
                .any(|k| k.id.to_string() == victim);
            assert_eq!(exists, who != Who::Owner, "{kind}: {who:?} deleting");
        }
    }
}

#[tokio::test]
async fn the_page_offers_only_what_the_role_allows() {
    let app = spawn_app().await;
    let people = browsers(&app).await;
    let owner = people.last().unwrap().1.clone();
    for (kind, label) in [("graphql", "GraphQL"), ("rest", "REST")] {
        owner.create_api_key(kind, "k").await;
        for (who, b) in &people {
            if *who < Who::Viewer {
                continue;
            }
            let page = html(b.get(&format!("/admin/api-keys/{kind}")).await).await;
            let body = page.root_element().html();
            let new_button = format!("New {label} API Key");
            assert_eq!(
                body.contains(&new_button),
                *who == Who::Owner,
                "{kind} {who:?}"
            );
            assert_eq!(
                body.contains("delete-selected"),
                *who == Who::Owner,
                "{kind} {who:?}"
            );
            // Everyone who sees the list can open a row.
            assert_eq!(
                page.select(&crate::keys_support::sel("a.row-link")).count(),
                1
            );
        }
    }
}

#[tokio::test]
async fn key_changes_without_the_csrf_token_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    for kind in KINDS {
        let id = app.create_api_key(kind, "guarded").await.to_string();
        let before = snapshot(&app).await;
        for (path, fields) in [
            (
                format!("/admin/api-keys/{kind}/new"),
                vec![("name", "forged")],
            ),
            (
                format!("/admin/api-keys/{kind}/{id}"),
                vec![("name", "forged")],
            ),
            (
                format!("/admin/api-keys/{kind}/delete"),
                vec![("id", id.as_str())],
            ),
        ] {
            let resp = app.post_form_without_csrf(&path, &fields).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
            let mut wrong = fields.clone();
            wrong.push(("csrf_token", "not-the-token"));
            let resp = app.post_form_without_csrf(&path, &wrong).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
            assert_eq!(snapshot(&app).await, before, "{path}");
        }
    }
}
