//! "Would this be allowed?" (issue 13, part 5): the page's answer equals the
//! verification endpoint's over a matrix of key × function × store ×
//! method, its sentences name the deciding rule, it takes no secret, its
//! roles and CSRF, and a real refusal's decision id is looked up on it.

use chrono::Duration;
use keydesk::domain::{AccessLevel, KeyKind, KeyRoleDefinition};
use keydesk::models::api_key::KeyRole;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::access_support::*;
use crate::helpers::{html, spawn_app, text_of, TestApp};
use crate::pages_support::{People, Who};

const PAGE: &str = "/admin/api-keys/simulate";

/// Asks the page as htmx does; (code, sentence).
async fn ask(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> (String, String) {
    let resp = app
        .client
        .post(app.url(PAGE))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{fields:?}");
    let page = html(resp).await;
    (
        text_of(&page, "[data-testid=code]").unwrap(),
        text_of(&page, "[data-testid=sentence]").unwrap(),
    )
}

#[tokio::test]
async fn the_answer_is_the_verification_endpoints() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let token = app.csrf_token().await;
    let caller = create_caller(&app).await;
    let stores: &[&str] = &["berlin", "hamburg"];
    let partner = create_key(
        &app,
        KeyKind::Rest,
        "Orders partner",
        &["order-data:view", "order-data:edit", "role-permission:view"],
        vec![],
        Some(stores),
        None,
    )
    .await;
    app.with_db(|c| store_id(c, "munich")).await;
    let shop = create_key(
        &app,
        KeyKind::Graphql,
        "Shop feed",
        &[],
        vec![KeyRole {
            definition: KeyRoleDefinition::Pricing,
            level: AccessLevel::Editor,
        }],
        None,
        None,
    )
    .await;
    let off = create_rest_key_with_grants(&app, "Switched off", &["order-data:view"]).await;
    set_active(&app, off.id, false).await;
    let old = create_rest_key_with_grants(&app, "Old", &["order-data:view"]).await;
    set_expiry(&app, old.id, Some(app.now() - Duration::hours(1))).await;
    settle().await;

    let keys = [&partner, &shop, &off, &old];
    let asks: [(Option<&str>, Option<&str>); 6] = [
        (None, None),
        (Some("order-data"), Some("view")),
        (Some("order-data"), Some("delete")),
        (Some("pricing"), Some("edit")),
        (Some("logistics"), None),
        (Some("role-permission"), Some("view")),
    ];
    let stores = [
        None,
        Some("berlin"),
        Some("munich"),
        Some("nowhere"),
        Some("Not A Code!"),
    ];
    let calls = [
        None,
        Some(("GET", "/api/v1/keys")),
        Some(("DELETE", "/api/v1/keys/5")),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for key in keys {
        for (function, action) in asks {
            for store in stores {
                for call in calls {
                    let mut body = json!({ "key": key.secret });
                    let id = key.id.to_string();
                    let mut form: Vec<(&str, &str)> = vec![("key", &id)];
                    if let Some(f) = function {
                        body["function"] = json!(f);
                        form.push(("function", f));
                    }
                    if let Some(a) = action {
                        body["action"] = json!(a);
                        form.push(("action", a));
                    }
                    if let Some(s) = store {
                        body["store"] = json!(s);
                        form.push(("store", s));
                    }
                    if let Some((m, p)) = call {
                        body["method"] = json!(m);
                        body["path"] = json!(p);
                        form.push(("method", m));
                        form.push(("path", p));
                    }
                    let real = verify(&app, &caller, body.clone()).await;
                    let (code, sentence) = ask(&app, &token, &form).await;
                    assert_eq!(Value::String(code.clone()), real["code"], "{body}");
                    let verdict = if real["valid"] == true {
                        "allowed: "
                    } else {
                        "denied: "
                    };
                    assert!(sentence.starts_with(verdict), "{body}: {sentence}");
                    seen.insert(code);
                }
            }
        }
    }
    // The matrix reaches every rule a stored key can meet.
    for code in [
        "valid",
        "inactive",
        "expired",
        "function_denied",
        "store_denied",
    ] {
        assert!(seen.contains(code), "{code} in {seen:?}");
    }
}

#[tokio::test]
async fn sentences_name_the_deciding_rule() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let token = app.csrf_token().await;
    let k = create_key(
        &app,
        KeyKind::Rest,
        "Orders partner",
        &["order-data:view"],
        vec![],
        Some(&["berlin", "hamburg"]),
        None,
    )
    .await;
    app.with_db(|c| store_id(c, "munich")).await;
    let id = k.id.to_string();
    let (code, s) = ask(
        &app,
        &token,
        &[
            ("key", &id),
            ("function", "order-data"),
            ("store", "munich"),
        ],
    )
    .await;
    assert_eq!(code, "store_denied");
    assert_eq!(
        s,
        "denied: the key may reach stores berlin and hamburg, not munich"
    );
    let (code, s) = ask(
        &app,
        &token,
        &[("key", &id), ("function", "order-data"), ("action", "edit")],
    )
    .await;
    assert_eq!(code, "function_denied");
    assert_eq!(s, "denied: the key has Order Data: View, not Edit");
    set_active(&app, k.id, false).await;
    settle().await;
    let (code, s) = ask(&app, &token, &[("key", &id)]).await;
    assert_eq!(
        (code.as_str(), s.as_str()),
        ("inactive", "denied: the key is deactivated")
    );
}

#[tokio::test]
async fn secrets_unknown_keys_and_bad_input_get_clear_answers() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let k = create_rest_key_with_grants(&app, "Partner", &["order-data:view"]).await;
    let id = k.id.to_string();
    let leaky = format!("/x?k={}", k.secret);
    type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("key", &k.secret)],
            StatusCode::BAD_REQUEST,
            "looks like a secret",
        ),
        (
            vec![("key", "kd_at_whatever")],
            StatusCode::BAD_REQUEST,
            "looks like a secret",
        ),
        (
            vec![("key", &id), ("path", &leaky), ("method", "GET")],
            StatusCode::BAD_REQUEST,
            "looks like a secret",
        ),
        (
            vec![("key", "999999")],
            StatusCode::NOT_FOUND,
            "No key has id 999999",
        ),
        (
            vec![("key", "abc")],
            StatusCode::BAD_REQUEST,
            "Choose a key from the list",
        ),
        (
            vec![("key", &id), ("function", "nope")],
            StatusCode::BAD_REQUEST,
            "Unknown function",
        ),
        (
            vec![("key", &id), ("action", "view")],
            StatusCode::BAD_REQUEST,
            "needs a function",
        ),
        (
            vec![("key", &id), ("method", "GET")],
            StatusCode::BAD_REQUEST,
            "go together",
        ),
        (
            vec![("key", &id), ("method", "G E T"), ("path", "/x")],
            StatusCode::BAD_REQUEST,
            "HTTP method",
        ),
    ];
    for (fields, status, says) in cases {
        let resp = app.post_form(PAGE, &fields).await;
        assert_eq!(resp.status(), status, "{fields:?}");
        let body = resp.text().await.unwrap();
        assert!(body.contains(says), "{fields:?}: {says}");
        assert!(!body.contains(&k.secret), "the secret is never repeated");
    }
    // Without JavaScript: the whole page with the answer.
    let resp = app
        .post_form(PAGE, &[("key", &id), ("function", "order-data")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, "[data-testid=code]").as_deref(),
        Some("valid")
    );
    // CSRF: a POST without the token is refused.
    let resp = app.post_form_without_csrf(PAGE, &[("key", &id)]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_api_key_viewers_and_up_ask() {
    let people = People::sign_in_everyone().await;
    let k = create_rest_key_with_grants(&people.app, "Partner", &["order-data:view"]).await;
    people.get(PAGE, Who::Viewer).await;
    people
        .get(
            &format!("{PAGE}?decision=dec_0123456789abcdef0123"),
            Who::Viewer,
        )
        .await;
    people
        .post(PAGE, &[("key", &k.id.to_string())], Who::Viewer)
        .await;
    // Linked from API Key Management.
    let b = &people
        .browsers
        .iter()
        .find(|(w, _)| *w == Who::Viewer)
        .unwrap()
        .1;
    let page = b.get("/admin/api-keys/rest").await.text().await.unwrap();
    assert!(page.contains(&format!("href=\"{PAGE}\"")));
}

#[tokio::test]
async fn a_real_refusal_is_explained_by_its_decision_id() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let caller = create_caller(&app).await;
    let k = create_key(
        &app,
        KeyKind::Rest,
        "Orders partner",
        &["order-data:view"],
        vec![],
        Some(&["berlin", "hamburg"]),
        None,
    )
    .await;
    app.with_db(|c| store_id(c, "munich")).await;
    let body = json!({ "key": k.secret, "function": "order-data", "store": "munich" });
    let resp = verify_as(&app, &basic_of(&caller), &body).await;
    assert_eq!(resp.status(), 200);
    let header = resp.headers()["keydesk-decision-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["code"], "store_denied");
    assert_eq!(answer["decision_id"], json!(header));
    assert!(header.starts_with("dec_"));
    // An allowed call carries none.
    let ok = verify_as(
        &app,
        &basic_of(&caller),
        &json!({ "key": k.secret, "store": "berlin" }),
    )
    .await;
    assert!(ok.headers().get("keydesk-decision-id").is_none());

    settled_events(&app, "credential.refused", 1).await;
    let page = html(app.get(&format!("{PAGE}?decision={header}")).await).await;
    assert_eq!(
        text_of(&page, "#recorded [data-testid=code]").as_deref(),
        Some("store_denied")
    );
    assert_eq!(
        text_of(&page, "#recorded [data-testid=sentence]").as_deref(),
        Some("denied: the key may reach stores berlin and hamburg, not munich")
    );
    assert!(text_of(&page, "#recorded [data-testid=key]")
        .unwrap()
        .contains("Orders partner"));

    // A Key API 403 carries one too, in the problem and the header.
    let token = access_token(&app, &k).await;
    let resp = app
        .client
        .get(app.url("/api/v1/keys"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let id = resp.headers()["keydesk-decision-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["decision_id"], json!(id));

    // Unknown and malformed ids: a clear message, not an error.
    let page = html(
        app.get(&format!("{PAGE}?decision=dec_00000000000000000000"))
            .await,
    )
    .await;
    assert!(text_of(&page, "#recorded")
        .unwrap()
        .contains("No refusal was recorded"));
    let page = html(app.get(&format!("{PAGE}?decision=hello")).await).await;
    assert!(text_of(&page, "#recorded")
        .unwrap()
        .contains("not a decision id"));
}

#[tokio::test]
async fn graphql_refusals_carry_a_decision_id() {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    let k = create_key(
        &app,
        KeyKind::Graphql,
        "Shop frontend",
        &[],
        vec![KeyRole {
            definition: KeyRoleDefinition::ShopAndChannel,
            level: AccessLevel::Viewer,
        }],
        None,
        None,
    )
    .await;
    set_active(&app, k.id, false).await;
    settle().await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", format!("Bearer {}", k.secret))
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let id = resp.headers()["keydesk-decision-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["errors"][0]["extensions"]["decision_id"],
        json!(id),
        "{v}"
    );
    assert_eq!(v["errors"][0]["extensions"]["code"], "inactive", "{v}");
    settled_events(&app, "credential.refused", 1).await;
    let page = html(app.get(&format!("{PAGE}?decision={id}")).await).await;
    assert_eq!(
        text_of(&page, "#recorded [data-testid=sentence]").as_deref(),
        Some("denied: the key is deactivated")
    );
}
