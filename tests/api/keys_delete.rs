//! Issue 3, bulk delete: the confirmation names the selected keys and their
//! count; confirming deletes exactly those, all of them or none.

use reqwest::StatusCode;

use crate::helpers::{header, html, location, spawn_app, text_of, TestApp};
use crate::keys_support::{
    all_keys, error_of, insert_key, list_rows, roles_of, sel, snapshot, KINDS,
};

const T: &str = "2026-01-01 00:00:00";

async fn three(app: &TestApp, kind: &str) -> [i64; 3] {
    [
        insert_key(app, kind, "zulu", true, T, T).await,
        insert_key(app, kind, "alpha", false, T, T).await,
        insert_key(app, kind, "mike", true, T, T).await,
    ]
}

const GONE: &str = "Some of the selected keys no longer exist; nothing was deleted. Reload the list and select again.";

#[tokio::test]
async fn the_confirmation_names_the_keys_and_their_count_and_deletes_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    for kind in KINDS {
        let [zulu, alpha, _] = three(&app, kind).await;
        // The list offers a checkbox per row and select-all.
        let (_, page) = crate::keys_support::get_list(&app, kind, "").await;
        assert_eq!(
            page.select(&sel(r#"#key-list input[name="id"]"#)).count(),
            3
        );
        assert_eq!(page.select(&sel("input[data-select-all]")).count(), 1);

        let before = snapshot(&app).await;
        let resp = app
            .post_form(
                &format!("/admin/api-keys/{kind}/delete/confirm"),
                &[("id", &zulu.to_string()), ("id", &alpha.to_string())],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page = html(resp).await;
        assert_eq!(
            text_of(&page, "h2#modal-title").as_deref(),
            Some("Delete 2 API keys?")
        );
        let names: Vec<String> = page
            .select(&sel("ul.delete-list li .delete-name"))
            .map(|li| li.text().collect::<String>().trim().to_owned())
            .collect();
        assert_eq!(names, ["alpha", "zulu"]);
        let mut ids: Vec<String> = page
            .select(&sel(r#"ul.delete-list input[name="id"]"#))
            .map(|i| i.value().attr("value").unwrap().to_owned())
            .collect();
        ids.sort();
        let mut want = vec![zulu.to_string(), alpha.to_string()];
        want.sort();
        assert_eq!(ids, want);
        let body = page.root_element().html();
        assert!(body.contains(">Cancel</a>"));
        assert!(body.contains(&format!(r#"action="/admin/api-keys/{kind}/delete""#)));
        assert_eq!(
            snapshot(&app).await,
            before,
            "confirming is only a question"
        );

        // One key: singular.
        let resp = app
            .post_htmx(
                &format!("/admin/api-keys/{kind}/delete/confirm"),
                &[("id", &zulu.to_string())],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.text().await.unwrap();
        assert!(!body.contains("<html"), "htmx gets the dialog alone");
        assert!(body.contains("Delete 1 API key?"));
        // Cleanup for the next tab.
        for id in [zulu, alpha] {
            app.post_form(
                &format!("/admin/api-keys/{kind}/delete"),
                &[("id", &id.to_string())],
            )
            .await;
        }
    }
}

#[tokio::test]
async fn deleting_removes_exactly_the_selected_keys_and_their_roles() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let [zulu, alpha, mike] = three(&app, "graphql").await;
    let rest = three(&app, "rest").await;
    crate::keys_support::create(
        &app,
        "graphql",
        &[
            ("name", "with roles"),
            ("role_definition", "user"),
            ("role_level", "owner"),
        ],
    )
    .await;
    let with_roles = app.api_key_id("graphql", "with roles").await.unwrap();
    assert_eq!(roles_of(&app, with_roles).await.len(), 1);

    let resp = app
        .post_form(
            "/admin/api-keys/graphql/delete",
            &[
                ("id", &zulu.to_string()),
                ("id", &with_roles.to_string()),
                ("id", &zulu.to_string()), // a repeated id is one key
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys/graphql");
    let mut left: Vec<i64> = all_keys(&app).await.into_iter().map(|k| k.id).collect();
    left.sort_unstable();
    let mut want = vec![alpha, mike, rest[0], rest[1], rest[2]];
    want.sort_unstable();
    assert_eq!(left, want);
    assert!(
        roles_of(&app, with_roles).await.is_empty(),
        "roles went too"
    );
    let names: Vec<String> = list_rows(&app, "graphql", "sort=name")
        .await
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["alpha", "mike"]);

    // Through htmx: 204 and events for the page.
    let resp = app
        .post_htmx(
            "/admin/api-keys/graphql/delete",
            &[("id", &alpha.to_string()), ("id", &mike.to_string())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let trigger: serde_json::Value =
        serde_json::from_str(&header(resp.headers(), "hx-trigger")).unwrap();
    assert_eq!(trigger["keys-changed"], true);
    assert_eq!(trigger["close-modal"], true);
    assert_eq!(trigger["flash"], "2 API keys deleted.");
    assert!(list_rows(&app, "graphql", "").await.is_empty());
    assert_eq!(
        list_rows(&app, "rest", "").await.len(),
        3,
        "the other tab untouched"
    );
}

#[tokio::test]
async fn a_selection_with_a_missing_or_foreign_key_deletes_nothing() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let [g1, g2, _] = three(&app, "graphql").await;
    let [r1, _, _] = three(&app, "rest").await;
    let gone = insert_key(&app, "graphql", "gone", true, T, T).await;
    app.post_form(
        "/admin/api-keys/graphql/delete",
        &[("id", &gone.to_string())],
    )
    .await;
    let before = snapshot(&app).await;
    let (g1, g2, r1, gone) = (
        g1.to_string(),
        g2.to_string(),
        r1.to_string(),
        gone.to_string(),
    );
    let cases: Vec<(&str, Vec<&str>, StatusCode, &str)> = vec![
        ("graphql", vec![&g1, &gone], StatusCode::NOT_FOUND, GONE),
        (
            "graphql",
            vec![&g1, &g2, "999999"],
            StatusCode::NOT_FOUND,
            GONE,
        ),
        ("graphql", vec![&g1, &r1], StatusCode::NOT_FOUND, GONE),
        ("rest", vec![&r1, &g1], StatusCode::NOT_FOUND, GONE),
        ("rest", vec![&g1], StatusCode::NOT_FOUND, GONE),
        (
            "graphql",
            vec![&g1, "abc"],
            StatusCode::BAD_REQUEST,
            "The selection holds something that is not a key id.",
        ),
        (
            "graphql",
            vec![&g1, "0"],
            StatusCode::BAD_REQUEST,
            "The selection holds something that is not a key id.",
        ),
        (
            "graphql",
            vec![&g1, "-3"],
            StatusCode::BAD_REQUEST,
            "The selection holds something that is not a key id.",
        ),
        (
            "graphql",
            vec![],
            StatusCode::BAD_REQUEST,
            "Select at least one key to delete.",
        ),
    ];
    for (kind, ids, status, message) in cases {
        let fields: Vec<(&str, &str)> = ids.iter().map(|id| ("id", *id)).collect();
        for step in ["delete/confirm", "delete"] {
            let path = format!("/admin/api-keys/{kind}/{step}");
            let (got, msg) = error_of(app.post_form(&path, &fields).await).await;
            assert_eq!(got, status, "{path} {ids:?}");
            assert_eq!(msg, message, "{path} {ids:?}");
            assert_eq!(
                snapshot(&app).await,
                before,
                "{path} {ids:?}: nothing deleted"
            );
        }
    }
    // Too many at once.
    let many: Vec<String> = (1..=501).map(|i| i.to_string()).collect();
    let fields: Vec<(&str, &str)> = many.iter().map(|id| ("id", id.as_str())).collect();
    let (got, msg) = error_of(
        app.post_form("/admin/api-keys/graphql/delete", &fields)
            .await,
    )
    .await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    assert_eq!(msg, "Select at most 500 keys at a time.");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn editors_and_viewers_see_no_checkboxes() {
    let app = spawn_app().await;
    for kind in KINDS {
        three(&app, kind).await;
    }
    for (user, role) in [("eddie", "api-key:editor"), ("vera", "api-key:viewer")] {
        let b = app.new_browser();
        app.create_user(user, crate::helpers::PASSWORD, &[role])
            .await;
        b.sign_in(user, crate::helpers::PASSWORD).await;
        for kind in KINDS {
            let (status, page) = crate::keys_support::get_list(&b, kind, "").await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                page.select(&sel(r#"input[name="id"]"#)).count(),
                0,
                "{role}"
            );
            assert_eq!(page.select(&sel("button.delete-selected")).count(), 0);
            assert_eq!(page.select(&sel("input[data-select-all]")).count(), 0);
        }
    }
}
