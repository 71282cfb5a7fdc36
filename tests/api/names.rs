//! Look-alike names: bidirectional overrides and zero-width characters are
//! refused in key, channel and user names, so two names cannot look the same.

use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, text_of};

const HIDDEN: [&str; 4] = [
    "prod\u{200B}",
    "\u{202E}dorp",
    "pr\u{200D}od",
    "prod\u{2066}",
];

#[tokio::test]
async fn key_and_channel_names_with_hidden_characters_are_refused() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    app.create_api_key("graphql", "prod").await;
    for name in HIDDEN {
        let resp = app
            .post_form("/admin/api-keys/graphql/new", &[("name", name)])
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let e = text_of(&html(resp).await, "#key-name-error").unwrap();
        assert!(e.contains("invisible or direction-changing"), "{e}");
        assert!(app.api_key_id("graphql", name).await.is_none());

        let resp = app.post_form("/admin/channels", &[("name", name)]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(text_of(&html(resp).await, "#channel-name-error").is_some());
    }
}

#[tokio::test]
async fn usernames_with_hidden_characters_are_refused() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    for name in ["olivia\u{200B}", "\u{202E}aivilo"] {
        let resp = app
            .post_form(
                "/admin/users/new",
                &[
                    ("username", name),
                    ("password", "another long passphrase"),
                    ("password_confirm", "another long passphrase"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(text_of(&html(resp).await, "#username-error").is_some());
    }
    assert_eq!(app.user_count().await, 1);
}
