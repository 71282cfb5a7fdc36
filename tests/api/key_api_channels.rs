//! Sales channels through the REST Key API (issue 10): create, rename and
//! delete, each × a key with and without its grant; the same rules and
//! refusals as the Sales channels page (`keydesk::channels`); idempotent
//! create; bad input.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::access_support::create_rest_key_with_grants;
use crate::helpers::{header, html, spawn_app, text_of, TestApp};
use crate::key_api_support::{answer, call, key_with};
use keydesk::models::channel;
use keydesk::schema::api_keys;

async fn channel_names(app: &TestApp) -> Vec<String> {
    app.with_db(|c| {
        channel::all(c)
            .unwrap()
            .into_iter()
            .map(|ch| ch.name)
            .collect()
    })
    .await
}

async fn channel_id(app: &TestApp, name: &str) -> i64 {
    let name = name.to_owned();
    app.with_db(move |c| channel::find_by_name(c, &name).unwrap().unwrap().id)
        .await
}

/// Ties the key `key` to the channel `ch` (as a GraphQL key's dialog does).
async fn tie(app: &TestApp, key: i64, ch: i64) {
    app.with_db(move |c| {
        diesel::update(api_keys::table.find(key))
            .set(api_keys::channel_id.eq(ch))
            .execute(c)
            .unwrap()
    })
    .await;
}

#[tokio::test]
async fn each_channel_change_needs_its_grant() {
    let app = spawn_app().await;
    let (_, bare) = key_with(&app, "No grants", &[]).await;
    let (_, view) = key_with(&app, "Viewer", &["shop-channel:view"]).await;
    let cases: [(Method, &str, Option<Value>, &str); 3] = [
        (
            Method::POST,
            "/api/v1/channels",
            Some(json!({"name": "Partner shop"})),
            "shop-channel:create",
        ),
        (
            Method::PATCH,
            "/api/v1/channels/{id}",
            Some(json!({"name": "Renamed shop"})),
            "shop-channel:edit",
        ),
        (
            Method::DELETE,
            "/api/v1/channels/{id}",
            None,
            "shop-channel:delete",
        ),
    ];
    for (m, path, body, scope) in &cases {
        let id = match channel_names(&app)
            .await
            .iter()
            .find(|n| n.ends_with("shop"))
        {
            Some(n) => channel_id(&app, n).await,
            None => 1,
        };
        let path = path.replace("{id}", &id.to_string());
        let before = channel_names(&app).await;
        for t in [&bare, &view] {
            let resp = call(&app, t, m.clone(), &path, body.as_ref()).await;
            let ch = header(resp.headers(), "www-authenticate");
            let (s, p) = answer(resp).await;
            assert_eq!(
                (s, p["code"].as_str()),
                (403, Some("insufficient_scope")),
                "{m} {path}"
            );
            assert!(p["message"].as_str().unwrap().contains(scope), "{p}");
            assert!(ch.contains(scope), "{ch}");
        }
        assert_eq!(
            channel_names(&app).await,
            before,
            "refused: nothing changed"
        );
        // View comes with every other action (the permission grid's rule).
        let grant = ["shop-channel:view", scope];
        let (_, t) = key_with(&app, &format!("Only {scope}"), &grant).await;
        let (s, p) = answer(call(&app, &t, m.clone(), &path, body.as_ref()).await).await;
        assert!((200..300).contains(&s), "{m} {path}: {s} {p}");
    }
    assert_eq!(channel_names(&app).await, ["Default"]);
}

const OWNER: &[&str] = &[
    "shop-channel:view",
    "shop-channel:edit",
    "shop-channel:create",
    "shop-channel:delete",
];

#[tokio::test]
async fn channels_follow_the_pages_rules() {
    let app = spawn_app().await;
    let (_, t) = key_with(&app, "Shop admin", OWNER).await;
    let post = |b: Value| {
        let (app, t) = (&app, t.clone());
        async move { call(app, &t, Method::POST, "/api/v1/channels", Some(&b)).await }
    };
    let (s, ch) = answer(post(json!({"name": "  Web shop  "})).await).await;
    assert_eq!(s, 201, "{ch}");
    assert_eq!(ch["name"], "Web shop", "names are trimmed, as on the page");
    let id = ch["id"].as_i64().unwrap();
    let (s, got) = answer(
        call(
            &app,
            &t,
            Method::GET,
            &format!("/api/v1/channels/{id}"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((s, &got), (200, &ch));

    let (s, p) = answer(post(json!({"name": "Web shop"})).await).await;
    assert_eq!((s, p["code"].as_str()), (409, Some("conflict")));
    assert_eq!(p["message"], keydesk::channels::TAKEN);
    for bad in ["", "   ", &"n".repeat(101), "line\nbreak"] {
        let (s, p) = answer(post(json!({ "name": bad })).await).await;
        assert_eq!(
            (s, p["code"].as_str()),
            (422, Some("invalid_value")),
            "{bad:?}"
        );
    }

    let path = format!("/api/v1/channels/{id}");
    let patch = |b: Value| {
        let (app, t, path) = (&app, t.clone(), path.clone());
        async move { call(app, &t, Method::PATCH, &path, Some(&b)).await }
    };
    let (s, p) = answer(patch(json!({"name": "Default"})).await).await;
    assert_eq!(
        (s, p["message"].as_str()),
        (409, Some(keydesk::channels::TAKEN))
    );
    let (s, p) = answer(patch(json!({"name": "Web shop"})).await).await;
    assert_eq!(
        (s, p["name"].as_str()),
        (200, Some("Web shop")),
        "its own name"
    );
    let (s, p) = answer(patch(json!({"name": "Online shop"})).await).await;
    assert_eq!((s, p["name"].as_str()), (200, Some("Online shop")));
    assert_eq!(p["id"], id);

    // A channel a key is tied to stays; the refusal says why.
    let g = crate::access_support::create_key(
        &app,
        keydesk::domain::KeyKind::Graphql,
        "Tied",
        &[],
        vec![],
        None,
        None,
    )
    .await;
    tie(&app, g.id, id).await;
    let (s, p) = answer(call(&app, &t, Method::DELETE, &path, None).await).await;
    assert_eq!((s, p["code"].as_str()), (409, Some("conflict")));
    assert_eq!(p["message"], keydesk::channels::in_use(1));
    assert!(channel_names(&app).await.contains(&"Online shop".into()));
    // The page gives the same refusal.
    app.sign_in_with_roles("alice", &["api-key:owner"]).await;
    let resp = app
        .post_form(&format!("/admin/channels/{id}/delete"), &[])
        .await;
    assert_eq!(resp.status(), 409);
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, &format!("#delete-error-{id}")).as_deref(),
        Some(keydesk::channels::in_use(1).as_str())
    );

    app.with_db(move |c| {
        diesel::update(api_keys::table.find(g.id))
            .set(api_keys::channel_id.eq(None::<i64>))
            .execute(c)
            .unwrap()
    })
    .await;
    let resp = call(&app, &t, Method::DELETE, &path, None).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(channel_names(&app).await, ["Default"]);
    let (s, p) = answer(call(&app, &t, Method::DELETE, &path, None).await).await;
    assert_eq!((s, p["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn an_idempotent_retry_makes_one_channel() {
    let app = spawn_app().await;
    let (_, t) = key_with(
        &app,
        "Deploy",
        &["shop-channel:view", "shop-channel:create"],
    )
    .await;
    let send = |b: Value, k: &'static str| {
        let (app, t) = (&app, t.clone());
        async move {
            app.client
                .post(app.url("/api/v1/channels"))
                .bearer_auth(t)
                .header("Idempotency-Key", k)
                .json(&b)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(json!({"name": "Once"}), "ch-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(json!({"name": "Once"}), "ch-1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(header(again.headers(), "idempotent-replayed"), "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(channel_names(&app).await, ["Default", "Once"]);
    let (s, p) = answer(send(json!({"name": "Other"}), "ch-1").await).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    // Without the header a retry is a second request: the name is taken.
    let (s, _) = answer(
        call(
            &app,
            &t,
            Method::POST,
            "/api/v1/channels",
            Some(&json!({"name": "Once"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn bad_channel_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let k = create_rest_key_with_grants(&app, "Shop admin", OWNER).await;
    let t = crate::access_support::access_token(&app, &k).await;
    let before = channel_names(&app).await;
    let raw = |m: Method, path: &'static str, body: String, ct: &'static str| {
        let (app, t) = (&app, t.clone());
        async move {
            answer(
                app.client
                    .request(m, app.url(path))
                    .bearer_auth(t)
                    .header("Content-Type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    for (m, path) in [
        (Method::POST, "/api/v1/channels"),
        (Method::PATCH, "/api/v1/channels/1"),
    ] {
        let json = "application/json";
        let (s, p) = raw(m.clone(), path, "{".into(), json).await;
        assert_eq!(
            (s, p["code"].as_str()),
            (400, Some("malformed_json")),
            "{m}"
        );
        let (s, p) = raw(m.clone(), path, r#"{"name": 5}"#.into(), json).await;
        assert_eq!((s, p["code"].as_str()), (422, Some("invalid_body")), "{m}");
        let (s, p) = raw(m.clone(), path, r#"{"name": "x", "id": 7}"#.into(), json).await;
        assert_eq!((s, p["code"].as_str()), (422, Some("invalid_body")), "{m}");
        assert!(
            p["message"].as_str().unwrap().contains("unknown field"),
            "{p}"
        );
        let (s, _) = raw(m.clone(), path, "{}".into(), json).await;
        assert_eq!(s, 422, "{m}: the name is required");
        let (s, _) = raw(m.clone(), path, r#"{"name": "x"}"#.into(), "text/plain").await;
        assert_eq!(s, 415, "{m}");
        let big = json!({ "name": "x".repeat(20_000) }).to_string();
        let (s, _) = raw(m.clone(), path, big, json).await;
        assert_eq!(s, 413, "{m}");
    }
    for path in [
        "/api/v1/channels/999999",
        "/api/v1/channels/abc",
        "/api/v1/channels/0",
    ] {
        let body = json!({"name": "x"});
        let (s, p) = answer(call(&app, &t, Method::PATCH, path, Some(&body)).await).await;
        assert_eq!((s, p["code"].as_str()), (404, Some("not_found")), "{path}");
        let (s, p) = answer(call(&app, &t, Method::DELETE, path, None).await).await;
        assert_eq!((s, p["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    assert_eq!(channel_names(&app).await, before);
}
