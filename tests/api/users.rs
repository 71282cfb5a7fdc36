//! Admin > Backoffice Users: only User: Owner reaches it; users are created,
//! changed, deactivated and deleted there, and no role definition is ever
//! left without an active Owner.

use reqwest::StatusCode;

use crate::helpers::{html, location, spawn_app, text_of, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "a long enough password";

/// Signs the app's browser in as an owner of everything; returns the id.
async fn owner(app: &TestApp) -> i64 {
    app.sign_in_as_owner().await
}

fn role_fields<'a>(api_key: &'a str, user: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("role.api-key", api_key), ("role.user", user)]
}

#[tokio::test]
async fn only_user_owners_reach_any_users_route() {
    let app = spawn_app().await;
    let target = app
        .create_user("target", PASSWORD, &["api-key:viewer"])
        .await;
    let edit = format!("/admin/users/{target}");
    let delete = format!("/admin/users/{target}/delete");

    // Signed out: sent to sign in, and back here afterwards.
    let resp = app.get("/admin/users").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&resp).starts_with("/login?next="),
        "{}",
        location(&resp)
    );

    for (name, roles) in [
        ("noroles", &[][..]),
        ("keyowner", &["api-key:owner"][..]),
        ("userviewer", &["user:viewer"][..]),
        ("usereditor", &["user:editor", "api-key:owner"][..]),
    ] {
        let b = app.new_browser();
        app.create_user(name, PASSWORD, roles).await;
        assert_eq!(
            b.sign_in(name, PASSWORD).await.status(),
            StatusCode::SEE_OTHER
        );
        for path in ["/admin/users", "/admin/users/new", &edit, &delete] {
            assert_eq!(
                b.get(path).await.status(),
                StatusCode::FORBIDDEN,
                "{name} GET {path}"
            );
        }
        let form = [
            ("role.api-key", "owner"),
            ("role.user", "owner"),
            ("active", "on"),
        ];
        assert_eq!(
            b.post_form(&edit, &form).await.status(),
            StatusCode::FORBIDDEN,
            "{name} may not grant roles"
        );
        assert_eq!(
            b.post_form(&delete, &[]).await.status(),
            StatusCode::FORBIDDEN
        );
        let create = [
            ("username", "sneaky"),
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
            ("role.user", "owner"),
        ];
        assert_eq!(
            b.post_form("/admin/users/new", &create).await.status(),
            StatusCode::FORBIDDEN
        );
        // The menu does not offer what the server refuses.
        let page = html(b.get("/admin/api-keys").await).await;
        assert!(
            page.select(&scraper::Selector::parse("a[href='/admin/users']").unwrap())
                .next()
                .is_none(),
            "{name} sees no Backoffice Users link"
        );
    }
    assert!(!app.user_exists("sneaky").await);
    assert!(app.user_exists("target").await);
    let roles = app
        .with_db(move |c| keydesk::models::user::roles_of(c, target).unwrap())
        .await;
    assert_eq!(roles.iter().count(), 1, "nobody changed target's roles");

    owner(&app).await;
    for path in ["/admin/users", "/admin/users/new", &edit, &delete] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::OK,
            "owner GET {path}"
        );
    }
}

#[tokio::test]
async fn the_list_shows_username_roles_status_and_date() {
    let app = spawn_app().await;
    owner(&app).await;
    let id = app
        .create_user("vera", PASSWORD, &["api-key:viewer", "user:editor"])
        .await;
    app.set_active(id, false).await;
    let page = html(app.get("/admin/users").await).await;
    let row = page
        .select(&scraper::Selector::parse("tbody tr").unwrap())
        .find(|r| r.text().any(|t| t == "vera"))
        .expect("a row for vera");
    let text: String = row.text().collect::<Vec<_>>().join(" ");
    assert!(text.contains("API Key: Viewer"), "{text}");
    assert!(text.contains("User: Editor"), "{text}");
    assert!(text.contains("Inactive"), "{text}");
    assert!(text.contains("UTC"), "{text}");
    assert_eq!(text_of(&page, "h1").as_deref(), Some("Backoffice Users"));
}

#[tokio::test]
async fn an_owner_creates_a_user_who_can_sign_in_with_those_roles() {
    let app = spawn_app().await;
    owner(&app).await;
    let mut form = vec![
        ("username", "newbie"),
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
        ("active", "on"),
    ];
    form.extend(role_fields("editor", ""));
    let resp = app.post_form("/admin/users/new", &form).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/users");

    let b = app.new_browser();
    assert_eq!(
        b.sign_in("newbie", NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        b.get("/admin/api-keys/graphql").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        b.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(b.get("/admin/users").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_new_users_are_explained_and_nothing_is_written() {
    let app = spawn_app().await;
    owner(&app).await;
    let before = app.user_count().await;
    let cases: [(&str, &str, &str, &str); 5] = [
        ("", NEW_PASSWORD, NEW_PASSWORD, "Enter a username"),
        ("x", NEW_PASSWORD, NEW_PASSWORD, "3 to 64"),
        ("<b>bold</b>", NEW_PASSWORD, NEW_PASSWORD, "letters, digits"),
        ("shorty", "short", "short", "at least 15"),
        (
            "mismatch",
            NEW_PASSWORD,
            "another password!",
            "do not match",
        ),
    ];
    for (username, pw, confirm, message) in cases {
        let resp = app
            .post_form(
                "/admin/users/new",
                &[
                    ("username", username),
                    ("password", pw),
                    ("password_confirm", confirm),
                    ("role.api-key", "viewer"),
                ],
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{username}"
        );
        let body = resp.text().await.unwrap();
        assert!(body.contains(message), "{username}: expected {message:?}");
        assert!(!body.contains("<b>bold</b>"), "typed HTML is escaped");
        // What was typed is kept, passwords excepted.
        assert!(!body.contains(NEW_PASSWORD));
    }
    // Duplicate name.
    let resp = app
        .post_form(
            "/admin/users/new",
            &[
                ("username", "olivia"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("exists already"));
    // A level no select offers is not a form error but a bad request.
    for (field, value) in [("role.api-key", "god"), ("role.user", "OWNER!")] {
        let resp = app
            .post_form(
                "/admin/users/new",
                &[
                    ("username", "tamper"),
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                    (field, value),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{field}={value}");
    }
    assert_eq!(app.user_count().await, before);
}

#[tokio::test]
async fn a_role_change_and_a_deactivation_apply_to_open_sessions_at_once() {
    let app = spawn_app().await;
    owner(&app).await;
    let id = app.create_user("eddie", PASSWORD, &["api-key:owner"]).await;
    let eddie = app.new_browser();
    eddie.sign_in("eddie", PASSWORD).await;
    assert_eq!(
        eddie.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::OK
    );

    let path = format!("/admin/users/{id}");
    let resp = app
        .post_form(&path, &[("role.api-key", "viewer"), ("active", "on")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        eddie.get("/admin/api-keys/graphql/new").await.status(),
        StatusCode::FORBIDDEN,
        "demoted at the next request"
    );
    assert_eq!(
        eddie.get("/admin/api-keys/graphql").await.status(),
        StatusCode::OK
    );

    // Unticked "Active" deactivates.
    let resp = app.post_form(&path, &[("role.api-key", "viewer")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        eddie.is_signed_out().await,
        "a deactivated user's session ends"
    );
    assert_ne!(
        eddie.sign_in("eddie", PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "and they cannot sign in again"
    );
    let page = app.get("/admin/users").await.text().await.unwrap();
    assert!(page.contains("Inactive"));
}

#[tokio::test]
async fn the_last_active_owner_of_each_definition_stays() {
    let app = spawn_app().await;
    let me = owner(&app).await;
    let path = format!("/admin/users/{me}");
    let before = app
        .with_db(move |c| keydesk::models::user::roles_of(c, me).unwrap())
        .await;

    // Demoting myself on either definition would leave it ownerless.
    for form in [
        role_fields("editor", "owner"),
        role_fields("owner", "viewer"),
    ] {
        let mut form = form.clone();
        form.push(("active", "on"));
        let resp = app.post_form(&path, &form).await;
        assert_eq!(resp.status(), StatusCode::CONFLICT, "{form:?}");
        assert!(resp.text().await.unwrap().contains("no active Owner"));
    }
    // Nor may I deactivate or delete myself.
    let resp = app.post_form(&path, &role_fields("owner", "owner")).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let resp = app.post_form(&format!("{path}/delete"), &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("your own account"));
    let after = app
        .with_db(move |c| keydesk::models::user::roles_of(c, me).unwrap())
        .await;
    assert_eq!(before, after, "nothing changed");

    // With a second owner of API Key, the other can go, but not the last.
    let second = app
        .create_user("second", PASSWORD, &["api-key:owner"])
        .await;
    let resp = app
        .post_form(
            &path,
            &[
                ("role.api-key", "viewer"),
                ("role.user", "owner"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "second still owns API Key"
    );
    let resp = app
        .post_form(&format!("/admin/users/{second}/delete"), &[])
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "second is now the last API Key owner"
    );
    let resp = app
        .post_form(
            &format!("/admin/users/{second}"),
            &[("role.api-key", "owner")],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "nor may they be deactivated"
    );
    assert!(app.user_exists("second").await);
}

#[tokio::test]
async fn deleting_asks_first_then_removes_the_user_and_their_sessions() {
    let app = spawn_app().await;
    owner(&app).await;
    let id = app
        .create_user("leaver", PASSWORD, &["api-key:viewer"])
        .await;
    let leaver = app.new_browser();
    leaver.sign_in("leaver", PASSWORD).await;

    let confirm = app.get(&format!("/admin/users/{id}/delete")).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let page = html(confirm).await;
    assert!(text_of(&page, "h1").unwrap().contains("leaver"));
    assert!(app.user_exists("leaver").await, "asking deletes nothing");

    let resp = app
        .post_form(&format!("/admin/users/{id}/delete"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(!app.user_exists("leaver").await);
    assert!(leaver.is_signed_out().await);
    assert_eq!(
        app.get(&format!("/admin/users/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_form(&format!("/admin/users/{id}/delete"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "deleting twice is a 404, not a 500"
    );
}

#[tokio::test]
async fn odd_ids_and_missing_tokens_change_nothing() {
    let app = spawn_app().await;
    let me = owner(&app).await;
    for path in [
        "/admin/users/abc",
        "/admin/users/0",
        "/admin/users/-1",
        "/admin/users/99999999999999999999",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            app.post_form(path, &role_fields("owner", "owner"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let id = app.create_user("kept", PASSWORD, &["api-key:viewer"]).await;
    let resp = app
        .post_form_without_csrf(&format!("/admin/users/{id}/delete"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .post_form_without_csrf(&format!("/admin/users/{me}"), &[("role.user", "viewer")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(app.user_exists("kept").await);
}

#[tokio::test]
async fn a_user_owner_cannot_grant_more_than_it_holds() {
    let app = spawn_app().await;
    let bob = app
        .create_user("bob", PASSWORD, &["api-key:owner", "user:owner"])
        .await;
    app.create_user("carol", PASSWORD, &["api-key:owner"]).await;
    let uma = app
        .sign_in_with_roles("uma", &["user:owner", "api-key:viewer"])
        .await;

    // Not to a new user…
    let resp = app
        .post_form(
            "/admin/users/new",
            &[
                ("username", "newbie"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
                ("role.api-key", "editor"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let e = text_of(&html(resp).await, "#form-error").unwrap();
    assert!(e.contains("at most the level you hold"), "{e}");
    assert!(!app.user_exists("newbie").await);

    // …nor to itself (the escalation the probe found).
    let resp = app
        .post_form(
            &format!("/admin/users/{uma}"),
            &[
                ("role.api-key", "owner"),
                ("role.user", "owner"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(app.get("/admin/api-keys/graphql/new").await.status() == StatusCode::FORBIDDEN);

    // What it holds it may grant; another user's higher level may stay as it
    // is, or be lowered.
    let resp = app
        .post_form(
            "/admin/users/new",
            &[
                ("username", "newbie"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
                ("role.api-key", "viewer"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = app
        .post_form(
            &format!("/admin/users/{bob}"),
            &[("role.api-key", "owner"), ("role.user", "owner")],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "bob deactivated, roles kept"
    );
}
