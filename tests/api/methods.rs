//! Allowed API Methods (seed 003, issue 10): the method catalogue from the
//! example platform document, keys limited to some of its operations through
//! both dialogs, and the verification endpoint's `method_blocked`.

use std::path::PathBuf;
use std::process::Command;

use keydesk::catalogue::{self, AllowedMethods, Catalogue};
use keydesk::db::write_transaction;
use keydesk::domain::secret::{new_client_id, NewSecret};
use keydesk::domain::{KeyKind, KeyName, StoreAccess};
use keydesk::error::AppError;
use keydesk::keys::{self, KeySpec};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::access_support::{create_caller, events, grants, pepper, store_id, verify, Issued};
use crate::helpers::{html, spawn_app_with, TestApp};
use crate::keys_support::{error_of, sel, snapshot};

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform-openapi.yaml")
}

fn example() -> Catalogue {
    catalogue::build(None, Some(&example_path())).expect("the example loads")
}

async fn spawn() -> TestApp {
    spawn_app_with(|s| s.platform_openapi = Some(example_path())).await
}

const STATUSES: &str = "GET /api/v*/orders/statuses";

/// A REST key made through the core with every grant, all stores unless
/// given, and `methods` (None: all methods).
async fn key_with_methods(
    app: &TestApp,
    name: &str,
    methods: Option<&[&str]>,
    stores: Option<&[&str]>,
) -> Issued {
    let allowed = match methods {
        None => AllowedMethods::ALL,
        Some(m) => example().choose(m).expect("methods of the example"),
    };
    let all: Vec<String> = keydesk::domain::Function::ALL
        .iter()
        .flat_map(|f| {
            keydesk::domain::Action::ALL
                .iter()
                .map(move |a| format!("{}:{}", f.code(), a.code()))
        })
        .collect();
    let scopes: Vec<&str> = all.iter().map(String::as_str).collect();
    let grants = grants(&scopes);
    let name = name.to_owned();
    let stores: Option<Vec<String>> = stores.map(|s| s.iter().map(|c| c.to_string()).collect());
    let now = app.now();
    app.with_db(move |c| {
        let secret = NewSecret::generate(KeyKind::Rest, &pepper(c));
        let client_id = new_client_id();
        write_transaction(c, |c| {
            let access = match &stores {
                None => StoreAccess::All,
                Some(codes) => {
                    StoreAccess::individual(codes.iter().map(|s| store_id(c, s)).collect())
                }
            };
            let spec = KeySpec {
                kind: KeyKind::Rest,
                name: KeyName::parse(&name).unwrap(),
                active: true,
                channel_id: None,
                roles: vec![],
                grants,
                stores: access,
                allowed_methods: allowed,
                expires_at: None,
            };
            let key = keys::create(
                c,
                &keydesk::models::audit::Actor::system(),
                now,
                &spec,
                &secret.stored(),
                Some(&client_id),
            )?;
            Ok::<_, AppError>(Issued {
                id: key.id,
                client_id: Some(client_id),
                secret: secret.expose().to_owned(),
            })
        })
        .unwrap()
    })
    .await
}

async fn methods_of(app: &TestApp, id: i64) -> AllowedMethods {
    app.with_db(move |c| keys::load_state(c, KeyKind::Rest, id).unwrap().methods)
        .await
}

fn listed(m: &AllowedMethods) -> Vec<String> {
    m.list()
        .unwrap_or_default()
        .iter()
        .map(|m| format!("{} {}", m.method, m.path))
        .collect()
}

/// A concrete path for a template of the example.
fn concrete(template: &str) -> String {
    template
        .replace("v*", "v2")
        .replace("{storeCode}", "berlin")
        .replace("{id}", "17")
}

#[tokio::test]
async fn the_seed_003_cpa_key_reads_order_statuses_and_nothing_else() {
    let app = spawn().await;
    let caller = create_caller(&app).await;
    app.with_db(|c| store_id(c, "berlin")).await;
    let cpa = key_with_methods(&app, "CPA network", Some(&[STATUSES]), None).await;
    let ask =
        |method: &str, path: &str| json!({ "key": cpa.secret, "method": method, "path": path });

    let ok = verify(&app, &caller, ask("GET", "/api/v2/orders/statuses")).await;
    assert_eq!(ok["code"], "valid", "{ok}");
    assert_eq!(ok["operation"]["path"], "/api/v*/orders/statuses");
    assert_eq!(ok["operation"]["function"], "order-data");
    assert_eq!(
        ok["allowed_methods"],
        json!([{ "method": "GET", "path": "/api/v*/orders/statuses" }])
    );
    assert_eq!(
        verify(&app, &caller, ask("get", "/api/v1/orders/statuses")).await["code"],
        "valid"
    );

    // Other paths, other methods: every other operation of the example,
    // and paths that look alike.
    for op in example().operations() {
        if op.label() == STATUSES {
            continue;
        }
        let r = verify(&app, &caller, ask(&op.method, &concrete(&op.path))).await;
        assert_eq!(r["code"], "method_blocked", "{} {}", op.label(), r);
    }
    for (m, p) in [
        ("POST", "/api/v2/orders/statuses"),
        ("DELETE", "/api/v2/orders/statuses"),
        ("HEAD", "/api/v2/orders/statuses"),
        ("GET", "/api/v2/orders/statuses/"),
        ("GET", "/api/v2/orders/statuses/1"),
        ("GET", "/api/v2/orders/../orders/statuses"),
        ("GET", "/api/v2/orders"),
        ("GET", "/api/v2/unknown"),
    ] {
        let r = verify(&app, &caller, ask(m, p)).await;
        assert_eq!(r["code"], "method_blocked", "{m} {p}: {r}");
    }
    // Without a method and path the key is alive, and says so.
    assert_eq!(
        verify(&app, &caller, json!({ "key": cpa.secret })).await["code"],
        "valid"
    );
}

#[tokio::test]
async fn every_operation_of_the_example_is_verified() {
    let app = spawn().await;
    let caller = create_caller(&app).await;
    app.with_db(|c| {
        store_id(c, "berlin");
        store_id(c, "hamburg");
    })
    .await;
    let everything = key_with_methods(&app, "Everything", None, None).await;
    let berlin = key_with_methods(&app, "Berlin only", None, Some(&["berlin"])).await;
    let cat = example();
    assert!(cat.operations().len() >= 25);
    for op in cat.operations() {
        let path = concrete(&op.path);
        let r = verify(
            &app,
            &caller,
            json!({ "key": everything.secret, "method": op.method, "path": path }),
        )
        .await;
        assert_eq!(r["code"], "valid", "{} {}", op.label(), r);
        assert_eq!(r["operation"]["path"], op.path.as_str(), "{}", op.label());
        assert_eq!(r["operation"]["action"], op.action.code(), "{}", op.label());
        assert_eq!(r["operation"]["source"], "platform");
        assert_eq!(r["allowed_methods"], "all");
        // Limited to this one operation: allowed it, refused the others.
        let one = key_with_methods(
            &app,
            &format!("Only {}", op.label()),
            Some(&[&op.label()]),
            None,
        )
        .await;
        for other in cat.operations() {
            let r = verify(
                &app,
                &caller,
                json!({ "key": one.secret, "method": other.method, "path": concrete(&other.path) }),
            )
            .await;
            let want = if other.label() == op.label() {
                "valid"
            } else {
                "method_blocked"
            };
            assert_eq!(
                r["code"],
                want,
                "key {} calling {}: {r}",
                op.label(),
                other.label()
            );
        }
        // Store-scoped operations take the store from the path or query.
        if op.store_param.is_some() && path.contains("berlin") {
            let there = path.replace("berlin", "hamburg");
            let r = verify(
                &app,
                &caller,
                json!({ "key": berlin.secret, "method": op.method, "path": there }),
            )
            .await;
            assert_eq!(r["code"], "store_denied", "{} {r}", op.label());
            let r = verify(
                &app,
                &caller,
                json!({ "key": berlin.secret, "method": op.method, "path": path }),
            )
            .await;
            assert_eq!(r["code"], "valid", "{} {r}", op.label());
        }
    }
    let r = verify(
        &app,
        &caller,
        json!({ "key": berlin.secret, "method": "GET", "path": "/api/v2/orders?store=hamburg" }),
    )
    .await;
    assert_eq!(r["code"], "store_denied", "{r}");
    // The function the operation declares is checked: a key without it is
    // function_denied.
    let no_orders = crate::access_support::create_rest_key_with_grants(
        &app,
        "Articles",
        &["product-data:view"],
    )
    .await;
    let r = verify(
        &app,
        &caller,
        json!({ "key": no_orders.secret, "method": "GET", "path": "/api/v2/orders/statuses" }),
    )
    .await;
    assert_eq!(r["code"], "function_denied", "{r}");
    let r = verify(
        &app,
        &caller,
        json!({ "key": no_orders.secret, "method": "GET", "path": "/api/v2/articles" }),
    )
    .await;
    assert_eq!(r["code"], "valid", "{r}");
    // A method without a path is a 400 that says why.
    let resp = crate::access_support::verify_as(
        &app,
        &crate::access_support::basic_of(&caller),
        &json!({ "key": no_orders.secret, "method": "GET" }),
    )
    .await;
    assert_eq!(resp.status(), 400);
}

async fn create_form(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form("/admin/api-keys/rest/new", fields).await
}

#[tokio::test]
async fn an_owner_creates_a_limited_key_and_an_editor_changes_it() {
    let app = spawn().await;
    let olivia = app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let _ = olivia;
    // The dialog offers the catalogue in blocks per function, All by default.
    let page = html(app.get("/admin/api-keys/rest/new").await).await;
    let all = page
        .select(&sel(r#"input[name="methods"][value="all"]"#))
        .next()
        .unwrap();
    assert!(all.value().attr("checked").is_some());
    let blocks: Vec<String> = page
        .select(&sel("fieldset.method-block legend"))
        .map(|l| l.text().collect::<String>().trim().to_owned())
        .collect();
    // The platform's operations and keydesk's own Key API (Role &
    // permission, Shop & channel).
    assert_eq!(
        blocks,
        [
            "Product Data",
            "Logistics",
            "Order Data",
            "Pricing",
            "Role & permission",
            "Shop & channel",
            "User"
        ]
    );
    assert!(page
        .select(&sel(&format!(
            r#"input[name="method"][value="{STATUSES}"]"#
        )))
        .next()
        .is_some());

    let resp = create_form(
        &app,
        &[
            ("name", "CPA network"),
            ("grant", "order-data:view"),
            ("methods", "chosen"),
            ("method", STATUSES),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let id = app.api_key_id("rest", "CPA network").await.unwrap();
    assert_eq!(listed(&methods_of(&app, id).await), [STATUSES]);
    let created = events(&app, "key.created").await;
    assert_eq!(
        created[0].details_json()["methods"],
        json!([STATUSES]),
        "{:?}",
        created[0]
    );
    // A key created without the field keeps all methods.
    create_form(&app, &[("name", "Plain")]).await;
    let plain = app.api_key_id("rest", "Plain").await.unwrap();
    assert!(methods_of(&app, plain).await.is_all());

    // The edit dialog shows the key's methods ticked.
    let page = html(app.get(&format!("/admin/api-keys/rest/{id}")).await).await;
    let chosen = page
        .select(&sel(r#"input[name="methods"][value="chosen"]"#))
        .next()
        .unwrap();
    assert!(chosen.value().attr("checked").is_some());
    let ticked: Vec<&str> = page
        .select(&sel(r#"input[name="method"][checked]"#))
        .filter_map(|i| i.value().attr("value"))
        .collect();
    assert_eq!(ticked, [STATUSES]);

    // An editor adds a method; the history records old → new.
    let editor = app.new_browser();
    app.create_user("eddie", crate::helpers::PASSWORD, &["api-key:editor"])
        .await;
    editor.sign_in("eddie", crate::helpers::PASSWORD).await;
    let resp = editor
        .post_form(
            &format!("/admin/api-keys/rest/{id}"),
            &[
                ("name", "CPA network"),
                ("grant", "order-data:view"),
                ("methods", "chosen"),
                ("method", STATUSES),
                ("method", "GET /api/v*/orders/{id}"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        listed(&methods_of(&app, id).await),
        ["GET /api/v*/orders/statuses", "GET /api/v*/orders/{id}"]
    );
    let edited = events(&app, "key.edited").await;
    assert_eq!(
        edited[0].details_json()["changes"]["methods"],
        json!({ "old": [STATUSES], "new": ["GET /api/v*/orders/statuses", "GET /api/v*/orders/{id}"] })
    );
    // Back to all methods.
    editor
        .post_form(
            &format!("/admin/api-keys/rest/{id}"),
            &[
                ("name", "CPA network"),
                ("grant", "order-data:view"),
                ("methods", "all"),
                ("method", STATUSES),
            ],
        )
        .await;
    assert!(methods_of(&app, id).await.is_all());

    // A viewer sees but cannot change; an editor cannot create.
    let viewer = app.new_browser();
    app.create_user("vera", crate::helpers::PASSWORD, &["api-key:viewer"])
        .await;
    viewer.sign_in("vera", crate::helpers::PASSWORD).await;
    let before = snapshot(&app).await;
    let r = viewer
        .post_form(
            &format!("/admin/api-keys/rest/{id}"),
            &[
                ("name", "CPA network"),
                ("methods", "chosen"),
                ("method", STATUSES),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = editor
        .post_form(
            "/admin/api-keys/rest/new",
            &[
                ("name", "Sneaky"),
                ("methods", "chosen"),
                ("method", STATUSES),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&app).await, before);
    let page = html(viewer.get(&format!("/admin/api-keys/rest/{id}")).await).await;
    assert!(page
        .select(&sel("fieldset[disabled] fieldset.methods-field"))
        .next()
        .is_some());
}

#[tokio::test]
async fn graphql_keys_take_allowed_methods_too() {
    let app = spawn().await;
    app.sign_in_as_owner().await;
    let r = app
        .post_form(
            "/admin/api-keys/graphql/new",
            &[
                ("name", "Gql"),
                ("role_definition", "order-data"),
                ("role_level", "viewer"),
                ("methods", "chosen"),
                ("method", STATUSES),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = app.api_key_id("graphql", "Gql").await.unwrap();
    let m = app
        .with_db(move |c| keys::load_state(c, KeyKind::Graphql, id).unwrap().methods)
        .await;
    assert_eq!(listed(&m), [STATUSES]);
}

#[tokio::test]
async fn bad_method_input_says_why_and_changes_nothing() {
    let app = spawn().await;
    app.sign_in_as_owner().await;
    create_form(
        &app,
        &[
            ("name", "Existing"),
            ("methods", "chosen"),
            ("method", STATUSES),
        ],
    )
    .await;
    let id = app.api_key_id("rest", "Existing").await.unwrap();
    let before = snapshot(&app).await;
    let edit = format!("/admin/api-keys/rest/{id}");
    for (fields, status, says) in [
        (
            vec![
                ("name", "X"),
                ("methods", "chosen"),
                ("method", "GET /api/v*/nothing"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an API method",
        ),
        (
            vec![
                ("name", "X"),
                ("methods", "chosen"),
                ("method", "DELETE /api/v*/orders/statuses"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an API method",
        ),
        (
            vec![
                ("name", "X"),
                ("methods", "chosen"),
                ("method", "GET /api/v2/orders/statuses"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an API method",
        ),
        (
            vec![("name", "X"), ("methods", "chosen"), ("method", "nonsense")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an API method",
        ),
        (
            vec![("name", "X"), ("methods", "chosen")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least one",
        ),
        (
            vec![("name", "X"), ("methods", "some")],
            StatusCode::BAD_REQUEST,
            "all methods or the chosen",
        ),
    ] {
        for path in ["/admin/api-keys/rest/new", edit.as_str()] {
            let resp = app.post_form(path, &fields).await;
            assert_eq!(resp.status(), status, "{path} {fields:?}");
            let text = if status == StatusCode::BAD_REQUEST {
                error_of(resp).await.1
            } else {
                let page = html(resp).await;
                page.select(&sel(".methods-field .field-error"))
                    .next()
                    .map(|e| e.text().collect())
                    .unwrap_or_default()
            };
            assert!(text.contains(says), "{path} {fields:?}: {text:?}");
        }
    }
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(listed(&methods_of(&app, id).await), [STATUSES]);
}

fn keydesk_serve(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KEYDESK_PLATFORM_OPENAPI")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the keydesk binary runs")
}

#[tokio::test]
async fn a_bad_platform_file_stops_the_start_with_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let cases = [
        ("broken.yaml", "openapi: 3.1.0\npaths:\n  /a: [unclosed\n", "not valid YAML"),
        ("broken.json", "{\"openapi\": ", "not valid JSON"),
        ("swagger.yaml", "swagger: '2.0'\npaths: {}\n", "openapi"),
        ("nofunction.yaml", "openapi: 3.0.3\npaths:\n  /api/v1/x:\n    get:\n      summary: x\n", "names no function"),
        ("twice.yaml", "openapi: 3.0.3\npaths:\n  /a/{id}:\n    get: {tags: [User]}\n  /a/{key}:\n    get: {tags: [User]}\n", "declared twice"),
    ];
    for (name, text, says) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let out = tokio::task::spawn_blocking({
            let (file, db) = (file.clone(), db.clone());
            move || {
                keydesk_serve(&[
                    "serve",
                    "--bind",
                    "127.0.0.1:0",
                    "--database-url",
                    db.to_str().unwrap(),
                    "--platform-openapi",
                    file.to_str().unwrap(),
                ])
            }
        })
        .await
        .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{name}: one line: {err:?}"
        );
        assert!(err.contains(name) && err.contains(says), "{name}: {err:?}");
    }
    let out = tokio::task::spawn_blocking(move || {
        let missing = dir.path().join("missing.yaml");
        keydesk_serve(&[
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            db.to_str().unwrap(),
            "--platform-openapi",
            missing.to_str().unwrap(),
        ])
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("missing.yaml") && err.contains("cannot read"),
        "{err}"
    );
}

#[tokio::test]
async fn verify_lists_a_keys_methods_and_without_a_platform_all_is_unchanged() {
    let app = crate::helpers::spawn_app().await;
    let caller = create_caller(&app).await;
    let key =
        crate::access_support::create_rest_key_with_grants(&app, "Any", &["order-data:view"]).await;
    let r: Value = verify(
        &app,
        &caller,
        json!({ "key": key.secret, "method": "GET", "path": "/api/v2/orders/statuses" }),
    )
    .await;
    assert_eq!(r["code"], "valid");
    assert_eq!(r["operation"], Value::Null);
    assert_eq!(r["allowed_methods"], "all");
}

/// POST /graphql is a method of the catalogue (keydesk's own document): a
/// method-limited GraphQL key calls /graphql only when it is chosen.
#[tokio::test]
async fn post_graphql_is_an_api_method_a_key_may_be_limited_to() {
    let app = spawn().await;
    let admin = crate::access_support::create_rest_key_with_grants(
        &app,
        "Admin",
        &[
            "role-permission:view",
            "role-permission:create",
            "shop-channel:view",
        ],
    )
    .await;
    let t = crate::access_support::access_token(&app, &admin).await;
    let mut secrets = vec![];
    for (name, methods) in [
        ("Statuses only", json!([STATUSES])),
        ("With GraphQL", json!([STATUSES, "POST /graphql"])),
    ] {
        let body = json!({
            "kind": "graphql",
            "name": name,
            "roles": [{ "definition": "shop-channel", "level": "viewer" }],
            "allowed_methods": methods,
        });
        let resp = app
            .client
            .post(app.url("/api/v1/keys"))
            .bearer_auth(&t)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let v: Value = resp.json().await.unwrap();
        secrets.push(v["api_key"].as_str().unwrap().to_owned());
    }
    let ask = |secret: String| {
        let app = &app;
        async move {
            let resp = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(secret)
                .json(&json!({ "query": "{ me { name } }" }))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = ask(secrets[0].clone()).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(
        v["errors"][0]["extensions"]["code"], "method_blocked",
        "{v}"
    );
    let (s, v) = ask(secrets[1].clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["me"]["name"], "With GraphQL");
    // The dialogs offer it, in the Shop & channel block.
    app.sign_in_as_owner().await;
    let page = app
        .get("/admin/api-keys/graphql/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("POST /graphql"),
        "offered in Allowed API Methods"
    );
}
