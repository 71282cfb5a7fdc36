//! First run: the one-time setup link creates the first owner, then dies.

use reqwest::StatusCode;

use crate::helpers::{html, location, spawn_app, text_of, PASSWORD};

fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    &after_scheme[after_scheme.find('/').unwrap()..]
}

async fn submit_setup(
    app: &crate::helpers::TestApp,
    token: &str,
    username: &str,
) -> reqwest::Response {
    app.post_form(
        "/setup",
        &[
            ("token", token),
            ("username", username),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await
}

fn token_of(setup_path: &str) -> String {
    setup_path.split_once("token=").unwrap().1.to_owned()
}

#[tokio::test]
async fn the_setup_link_creates_the_first_owner_and_signs_them_in() {
    let app = spawn_app().await;
    let setup = path_of(app.setup_url().expect("a fresh app prints a setup link")).to_owned();

    let page = app.get(&setup).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = html(page).await;
    assert_eq!(text_of(&page, "h1").as_deref(), Some("Set up keydesk"));

    let resp = submit_setup(&app, &token_of(&setup), "founder").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/api-keys");

    // Signed in, and an owner of API keys: the create dialog opens.
    let list = app.get("/admin/api-keys/graphql").await;
    assert_eq!(list.status(), StatusCode::OK);
    let list = html(list).await;
    assert_eq!(text_of(&list, ".signed-in").as_deref(), Some("founder"));
    assert_eq!(
        app.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::OK
    );

    // Owner on every role definition.
    let roles = app
        .with_db(|c| {
            let u = keydesk::models::user::find_by_username(c, "founder")
                .unwrap()
                .unwrap();
            keydesk::models::user::roles_of(c, u.id).unwrap()
        })
        .await;
    assert_eq!(roles, keydesk::models::user::Roles::all_owner());
}

#[tokio::test]
async fn the_setup_link_works_only_once() {
    let app = spawn_app().await;
    let setup = path_of(app.setup_url().unwrap()).to_owned();
    let token = token_of(&setup);
    assert_eq!(
        submit_setup(&app, &token, "founder").await.status(),
        StatusCode::SEE_OTHER
    );

    // Someone else follows the same link later.
    let other = app.new_browser();
    let again = other.get(&setup).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let again = html(again).await;
    assert!(text_of(&again, "#error-message")
        .unwrap()
        .contains("Setup is complete"));
    let resp = other
        .post_form(
            "/setup",
            &[
                ("token", token.as_str()),
                ("username", "intruder"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(!app.user_exists("intruder").await);
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn a_wrong_setup_token_is_refused_and_creates_nobody() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/setup?token=not-the-token").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/setup").await.status(), StatusCode::NOT_FOUND);
    let resp = submit_setup(&app, "not-the-token", "intruder").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = submit_setup(&app, "", "intruder").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.user_count().await, 0);

    // The real link still works afterwards.
    let setup = path_of(app.setup_url().unwrap()).to_owned();
    assert_eq!(
        submit_setup(&app, &token_of(&setup), "founder")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn any_setup_token_is_refused_once_a_user_exists() {
    let app = spawn_app().await;
    let setup = path_of(app.setup_url().unwrap()).to_owned();
    // A user created another way (the CLI, say) closes setup too.
    app.create_user("alice", PASSWORD, &["api-key:owner", "user:owner"])
        .await;
    assert_eq!(app.get(&setup).await.status(), StatusCode::NOT_FOUND);
    let resp = submit_setup(&app, &token_of(&setup), "intruder").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(!app.user_exists("intruder").await);

    // A restart with a user prints no link.
    let restarted = app.spawn_another_instance().await;
    assert!(restarted.setup_url().is_none());
}

#[tokio::test]
async fn a_bad_setup_form_is_shown_again_and_creates_nobody() {
    let app = spawn_app().await;
    let setup = path_of(app.setup_url().unwrap()).to_owned();
    let token = token_of(&setup);
    let resp = app
        .post_form(
            "/setup",
            &[
                ("token", token.as_str()),
                ("username", "founder"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(text_of(&page, "#password-error")
        .unwrap()
        .contains("at least 15 characters"));
    let resp = app
        .post_form(
            "/setup",
            &[
                ("token", token.as_str()),
                ("username", "founder"),
                ("password", PASSWORD),
                ("password_confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let long = "u".repeat(65);
    for username in [
        "",
        "ab",
        long.as_str(),
        "bad name!",
        "nul\u{0}byte",
        "<b>x</b>",
    ] {
        let resp = app
            .post_form(
                "/setup",
                &[
                    ("token", token.as_str()),
                    ("username", username),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{username:?}"
        );
        let body = resp.text().await.unwrap();
        assert!(!body.contains("<b>x</b>"), "typed input is escaped");
        let page = scraper::Html::parse_document(&body);
        assert!(text_of(&page, "#username-error").is_some(), "{username:?}");
    }
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn a_restart_prints_a_new_link_and_the_old_one_dies() {
    let app = spawn_app().await;
    let old = path_of(app.setup_url().unwrap()).to_owned();
    assert_eq!(app.get(&old).await.status(), StatusCode::OK);
    let restarted = app.spawn_another_instance().await;
    let new = path_of(restarted.setup_url().unwrap()).to_owned();
    assert_ne!(old, new);
    assert_eq!(app.get(&old).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(restarted.get(&old).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&new).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn guessing_setup_tokens_is_throttled_per_address() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.throttle.address = keydesk::throttle::Rule {
            free_failures: 3,
            base_delay: std::time::Duration::from_secs(100),
            max_delay: std::time::Duration::from_secs(400),
            forget_after: std::time::Duration::from_secs(3600),
        }
    })
    .await;
    for i in 0..4 {
        let resp = app.get(&format!("/setup?token=guess{i}")).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
    // Blocked, even with the right link.
    let good = path_of(app.setup_url().unwrap()).to_owned();
    let resp = app.get(&good).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!crate::helpers::header(resp.headers(), "retry-after").is_empty());
    app.end_throttle_blocks().await;
    assert_eq!(app.get(&good).await.status(), StatusCode::OK);
}
