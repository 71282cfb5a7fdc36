//! Issue 8, refresh (seed 002): a new secret shown once; the old one keeps
//! working for the chosen grace period (the clock is moved, not waited for);
//! a key has at most one retiring secret; "Stop the old secret now"; two
//! refreshes at once leave one current secret; Owners only.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{html, location, spawn_app, text_of, TestApp};
use crate::keys_support::{audit_events, create, secret_field, secrets_of, snapshot, state_of};

async fn owner_with_key(kind: &str) -> (TestApp, i64, String) {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let (_, page) = create(&app, kind, &[("name", "to refresh"), ("active", "true")]).await;
    let field = if kind == "graphql" {
        "secret-api-key"
    } else {
        "secret-client-secret"
    };
    let secret = secret_field(&page, field).unwrap();
    let id = app.api_key_id(kind, "to refresh").await.unwrap();
    (app, id, secret)
}

/// Whether `secret` still opens the key at the app's time: its generation
/// exists and has not retired.
async fn works(app: &TestApp, id: i64, secret: &str) -> bool {
    let pepper = app
        .with_db(|c| keydesk::models::setting::key_pepper(c, None).unwrap())
        .await;
    let hash = keydesk::domain::secret::hash(&pepper, secret);
    let now = app.clock().now();
    secrets_of(app, id)
        .await
        .iter()
        .any(|s| s.hash == hash && s.works_at(now))
}

#[tokio::test]
async fn each_grace_period_keeps_the_old_secret_working_exactly_that_long() {
    for (grace, secs) in [
        ("now", 0u64),
        ("1h", 3_600),
        ("24h", 86_400),
        ("7d", 7 * 86_400),
        ("30d", 30 * 86_400),
    ] {
        let (app, id, old) = owner_with_key("rest").await;
        let client_id = state_of(&app, "rest", id).await.key.client_id.unwrap();
        let path = format!("/admin/api-keys/rest/{id}/refresh");
        let resp = app.post_form(&path, &[("grace", grace)]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{grace}");
        let page = html(resp).await;
        let new = secret_field(&page, "secret-client-secret").expect("the new secret, once");
        assert_ne!(new, old);
        // The Client Id stays.
        assert_eq!(secret_field(&page, "secret-client-id"), Some(client_id));
        assert!(works(&app, id, &new).await);
        assert_eq!(
            works(&app, id, &old).await,
            secs > 0,
            "{grace}: right after"
        );
        if secs > 0 {
            app.clock().advance(Duration::from_secs(secs - 1));
            assert!(
                works(&app, id, &old).await,
                "{grace}: a second before the end"
            );
            app.clock().advance(Duration::from_secs(1));
        }
        assert!(!works(&app, id, &old).await, "{grace}: at the end");
        assert!(works(&app, id, &new).await, "{grace}: the new one goes on");
        // Never shown again.
        let body = app
            .get(&format!("/admin/api-keys/rest/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!body.contains(&new));
    }
}

#[tokio::test]
async fn the_dialog_shows_both_secrets_and_a_second_refresh_stops_the_older_one_now() {
    let (app, id, first) = owner_with_key("graphql").await;
    let path = format!("/admin/api-keys/graphql/{id}/refresh");
    let page = html(app.post_form(&path, &[("grace", "24h")]).await).await;
    let second = secret_field(&page, "secret-api-key").unwrap();
    let dialog = html(app.get(&format!("/admin/api-keys/graphql/{id}")).await).await;
    let statuses: Vec<String> = dialog
        .select(&scraper::Selector::parse(".key-secrets tbody tr td:nth-child(3)").unwrap())
        .map(|td| td.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0], "Current");
    assert!(statuses[1].starts_with("Retiring until"), "{statuses:?}");
    assert!(dialog
        .root_element()
        .html()
        .contains("Stop the old secret now"));

    // The refresh dialog warns that the retiring one will stop.
    let form = app.get(&path).await.text().await.unwrap();
    assert!(form.contains("already has an old secret in its grace period"));
    let page = html(app.post_form(&path, &[("grace", "7d")]).await).await;
    let third = secret_field(&page, "secret-api-key").unwrap();
    assert!(page.root_element().html().contains("was stopped"));
    assert!(!works(&app, id, &first).await, "the older one stopped now");
    assert!(
        works(&app, id, &second).await,
        "the previous one is retiring"
    );
    assert!(works(&app, id, &third).await);
    let now = app.clock().now();
    let secrets = secrets_of(&app, id).await;
    assert_eq!(secrets.iter().filter(|s| s.retires_at.is_none()).count(), 1);
    assert_eq!(
        secrets
            .iter()
            .filter(|s| s.retires_at.is_some_and(|t| t > now))
            .count(),
        1,
        "at most one retiring"
    );
}

#[tokio::test]
async fn stop_the_old_secret_now_ends_the_grace_period() {
    let (app, id, old) = owner_with_key("rest").await;
    let base = format!("/admin/api-keys/rest/{id}");
    app.post_form(&format!("{base}/refresh"), &[("grace", "30d")])
        .await;
    assert!(works(&app, id, &old).await);
    let resp = app.post_form(&format!("{base}/stop-old-secret"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), base);
    assert!(!works(&app, id, &old).await);
    // With htmx: the dialog again, saying so; a second press is harmless.
    let resp = app.post_htmx(&format!("{base}/stop-old-secret"), &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.unwrap();
    assert!(body.contains("There was no old secret in its grace period."));
    let actions: Vec<String> = audit_events(&app)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["key.created", "key.refreshed", "key.old_secret_stopped"]
    );
    // The key's dialog tells its history, newest first, with a link to all of it.
    let body = app.get(&base).await.text().await.unwrap();
    let (stopped, refreshed, created) = (
        body.find("Old secret stopped")
            .expect("stop in the history"),
        body.find("Key refreshed").expect("refresh in the history"),
        body.find("Key created").expect("creation in the history"),
    );
    assert!(stopped < refreshed && refreshed < created);
    assert!(body.contains(&format!("/admin/audit?key={id}")));
}

#[tokio::test]
async fn two_refreshes_at_the_same_moment_leave_exactly_one_current_secret() {
    let (app, id, _) = owner_with_key("rest").await;
    let path = format!("/admin/api-keys/rest/{id}/refresh");
    let token = app.csrf_token().await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let client = app.client.clone();
        let url = app.url(&path);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[("grace", "24h"), ("csrf_token", &token)])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status == StatusCode::OK
                || status == StatusCode::CONFLICT
                || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
        ok += usize::from(status == StatusCode::OK);
    }
    assert!(ok >= 1);
    let now = app.clock().now();
    let secrets = secrets_of(&app, id).await;
    assert_eq!(secrets.iter().filter(|s| s.retires_at.is_none()).count(), 1);
    assert!(secrets.iter().filter(|s| s.works_at(now)).count() <= 2);
    let refreshed = audit_events(&app)
        .await
        .iter()
        .filter(|e| e.action == "key.refreshed")
        .count();
    assert_eq!(refreshed, ok, "one event per refresh that happened");
}

#[tokio::test]
async fn refresh_is_for_owners_and_bad_requests_change_nothing() {
    let (app, id, _) = owner_with_key("graphql").await;
    let path = format!("/admin/api-keys/graphql/{id}/refresh");
    // A grace period not in the list: the form again with its message.
    let before = snapshot(&app).await;
    for grace in ["2h", "", "forever"] {
        let resp = app.post_form(&path, &[("grace", grace)]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{grace}");
        let page = html(resp).await;
        let msg = text_of(&page, "#grace-error").unwrap_or_default();
        assert!(
            msg.contains("Choose when the current secret should stop"),
            "{msg}"
        );
    }
    // Unknown, deleted or other-tab keys.
    for p in [
        "/admin/api-keys/graphql/999999/refresh".to_string(),
        format!("/admin/api-keys/rest/{id}/refresh"),
    ] {
        assert_eq!(
            app.post_form(&p, &[("grace", "now")]).await.status(),
            StatusCode::NOT_FOUND,
            "{p}"
        );
        assert_eq!(app.get(&p).await.status(), StatusCode::NOT_FOUND, "{p}");
    }
    assert_eq!(
        app.post_form("/admin/api-keys/graphql/abc/refresh", &[("grace", "now")])
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    // Without the CSRF token.
    let resp = app.post_form_without_csrf(&path, &[("grace", "now")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&app).await, before);

    // Editors and viewers may not refresh or stop secrets.
    for (name, role) in [
        ("eddie", "api-key:editor"),
        ("vera", "api-key:viewer"),
        ("uma", "user:owner"),
    ] {
        let b = app.new_browser();
        app.create_user(name, crate::helpers::PASSWORD, &[role])
            .await;
        b.sign_in(name, crate::helpers::PASSWORD).await;
        for (method, p) in [
            ("GET", path.clone()),
            ("POST", path.clone()),
            (
                "POST",
                format!("/admin/api-keys/graphql/{id}/stop-old-secret"),
            ),
        ] {
            let resp = if method == "GET" {
                b.get(&p).await
            } else {
                b.post_form(&p, &[("grace", "now")]).await
            };
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role} {method} {p}");
        }
    }
    // Signed out: to the sign-in page.
    let anon = app.new_browser();
    let resp = anon.get(&path).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/login"));
    assert_eq!(snapshot(&app).await, before);
}
