//! Issue 3, "Bad input": every kind of bad value the issue lists gets a 400
//! or 404 (or the form again, 422, with the message beside the field) that
//! says what is wrong; never a 500; nothing written. Names with HTML show as
//! text.

use reqwest::StatusCode;

use crate::helpers::{html, spawn_app, text_of, TestApp};
use crate::keys_support::{create, error_of, key, list_url, snapshot, KINDS};

async fn owner_app() -> TestApp {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    app
}

/// A form sent back (422) with `message` beside `field`, and the typed
/// name kept.
async fn assert_form_error(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    field_error: &str,
    message: &str,
) {
    let before = snapshot(app).await;
    let resp = app.post_form(path, fields).await;
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path} {fields:?}"
    );
    let page = html(resp).await;
    assert_eq!(
        text_of(&page, field_error).as_deref(),
        Some(message),
        "{path} {fields:?}"
    );
    let name = fields.iter().find(|(k, _)| *k == "name").map(|(_, v)| *v);
    // (An HTML parser reads NUL in an attribute as U+FFFD.)
    if let Some(name) = name.filter(|n| !n.contains('\0')) {
        let shown = page
            .select(&crate::keys_support::sel(r#"input[name="name"]"#))
            .next()
            .and_then(|i| i.value().attr("value"))
            .map(str::to_owned);
        assert_eq!(shown.as_deref(), Some(name), "the typed name is kept");
    }
    assert_eq!(
        snapshot(app).await,
        before,
        "{path} {fields:?}: nothing written"
    );
    // The same through htmx: the dialog alone.
    let resp = app.post_htmx(path, fields).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!resp.text().await.unwrap().contains("<html"));
    assert_eq!(snapshot(app).await, before);
}

/// An error page with `status` and exactly `message`; nothing written.
async fn assert_refused(
    app: &TestApp,
    method: &str,
    path: &str,
    fields: &[(&str, &str)],
    status: StatusCode,
    message: &str,
) {
    let before = snapshot(app).await;
    let resp = if method == "GET" {
        app.get(path).await
    } else {
        app.post_form(path, fields).await
    };
    let (got, msg) = error_of(resp).await;
    assert_eq!(got, status, "{method} {path} {fields:?}: {msg}");
    assert_eq!(msg, message, "{method} {path} {fields:?}");
    assert_eq!(
        snapshot(app).await,
        before,
        "{method} {path}: nothing written"
    );
}

type Fields<'a> = Vec<(&'a str, &'a str)>;

const BAD_NAMES: [(&str, &str); 7] = [
    ("", "Enter a name."),
    ("   ", "Enter a name."),
    ("\t \n", "Enter a name."),
    (
        "a\tb",
        "A name may not contain control characters such as line breaks.",
    ),
    (
        "line\nbreak",
        "A name may not contain control characters such as line breaks.",
    ),
    (
        "bell\u{7}",
        "A name may not contain control characters such as line breaks.",
    ),
    (
        "nul\u{0}",
        "A name may not contain control characters such as line breaks.",
    ),
];

#[tokio::test]
async fn bad_names_are_refused_beside_the_field_on_create_and_edit() {
    let app = owner_app().await;
    let long = "n".repeat(101);
    let long_wide = "é".repeat(101);
    for kind in KINDS {
        let new = format!("/admin/api-keys/{kind}/new");
        let mut cases: Vec<(&str, &str)> = BAD_NAMES.to_vec();
        cases.push((&long, "A name has at most 100 characters."));
        cases.push((&long_wide, "A name has at most 100 characters."));
        for (name, message) in &cases {
            assert_form_error(&app, &new, &[("name", name)], "#key-name-error", message).await;
        }
        // 100 characters (after trimming) is fine.
        let hundred = format!("  {}  ", "é".repeat(100));
        let (status, _) = create(&app, kind, &[("name", &hundred)]).await;
        assert_eq!(status, StatusCode::OK, "{kind}: 100 characters");
        let id = app
            .api_key_id(kind, &"é".repeat(100))
            .await
            .expect("listed");

        let edit = format!("/admin/api-keys/{kind}/{id}");
        for (name, message) in &cases {
            assert_form_error(&app, &edit, &[("name", name)], "#key-name-error", message).await;
        }
        assert_eq!(key(&app, id).await.unwrap().name, "é".repeat(100));
    }
}

#[tokio::test]
async fn bad_channels_and_roles_are_refused_and_nothing_is_created() {
    let app = owner_app().await;
    let new = "/admin/api-keys/graphql/new";
    for channel in ["999999", "abc", "-1", "1.0"] {
        assert_form_error(
            &app,
            new,
            &[("name", "k"), ("channel", channel)],
            "#key-channel-error",
            "Choose a channel from the list.",
        )
        .await;
    }
    let role_cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("role_definition", "billing"), ("role_level", "owner")],
            "Unknown role definition: choose one from the list.",
        ),
        (
            vec![
                ("role_definition", "Pricing & more"),
                ("role_level", "owner"),
            ],
            "Unknown role definition: choose one from the list.",
        ),
        (
            vec![("role_definition", "pricing"), ("role_level", "admin")],
            "Unknown access level `admin`: choose Viewer, Editor or Owner.",
        ),
        (
            vec![
                ("role_definition", "pricing"),
                ("role_level", "owner"),
                ("role_definition", "pricing"),
                ("role_level", "viewer"),
            ],
            "Pricing is listed twice: each role definition can be added once.",
        ),
        (
            vec![("role_definition", "pricing"), ("role_level", "")],
            "Choose an Access level for Pricing.",
        ),
        (
            vec![("role_definition", ""), ("role_level", "owner")],
            "Choose a Role Definition for every access level.",
        ),
    ];
    for (roles, message) in role_cases {
        let mut fields = vec![("name", "k")];
        fields.extend(roles);
        assert_form_error(&app, new, &fields, "#roles-error", message).await;
    }
    // What no form of ours sends: a 400 with the reason.
    let mut too_many_roles = vec![("name", "k")];
    for _ in 0..17 {
        too_many_roles.extend([("role_definition", "user"), ("role_level", "owner")]);
    }
    let refused: Vec<(&str, Fields, &str)> = vec![
        (
            new,
            vec![("name", "k"), ("role_definition", "pricing")],
            "Each role needs a Role Definition and an Access level.",
        ),
        (
            new,
            vec![("name", "k"), ("active", "maybe")],
            "Active must be on or off.",
        ),
        (new, too_many_roles, "Too many role rows."),
        (
            new,
            vec![("name", "a"), ("name", "b")],
            "The form is not valid: unsupported value.",
        ),
        (
            "/admin/api-keys/rest/new",
            vec![("name", "k"), ("channel", "1")],
            "REST keys have no channel and no roles.",
        ),
        (
            "/admin/api-keys/rest/new",
            vec![
                ("name", "k"),
                ("role_definition", "user"),
                ("role_level", "owner"),
            ],
            "REST keys have no channel and no roles.",
        ),
    ];
    for (path, fields, message) in refused {
        assert_refused(
            &app,
            "POST",
            path,
            &fields,
            StatusCode::BAD_REQUEST,
            message,
        )
        .await;
    }
    assert!(crate::keys_support::all_keys(&app).await.is_empty());
}

#[tokio::test]
async fn bad_edits_are_refused_and_change_nothing() {
    let app = owner_app().await;
    let g = app.create_api_key("graphql", "g").await;
    let r = app.create_api_key("rest", "r").await;
    let g_edit = format!("/admin/api-keys/graphql/{g}");
    let r_edit = format!("/admin/api-keys/rest/{r}");
    assert_form_error(
        &app,
        &g_edit,
        &[("name", "g"), ("channel", "424242")],
        "#key-channel-error",
        "Choose a channel from the list.",
    )
    .await;
    assert_refused(
        &app,
        "POST",
        &r_edit,
        &[("name", "r"), ("channel", "1")],
        StatusCode::BAD_REQUEST,
        "REST keys have no channel.",
    )
    .await;
    assert_refused(
        &app,
        "POST",
        &g_edit,
        &[("name", "g"), ("active", "yes")],
        StatusCode::BAD_REQUEST,
        "Active must be on or off.",
    )
    .await;
}

#[tokio::test]
async fn bad_ids_and_tabs_get_400_or_404() {
    let app = owner_app().await;
    let g = app.create_api_key("graphql", "g").await;
    let r = app.create_api_key("rest", "r").await;
    let not_an_id = "That is not a key id: a key id is a positive number.";
    let not_found = "That API key was not found. It may have been deleted.";
    let no_tab = "There is no such tab: use GraphQL or REST.";
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (
            "/admin/api-keys/graphql/abc".into(),
            StatusCode::BAD_REQUEST,
            not_an_id,
        ),
        (
            "/admin/api-keys/graphql/0".into(),
            StatusCode::BAD_REQUEST,
            not_an_id,
        ),
        (
            "/admin/api-keys/graphql/-4".into(),
            StatusCode::BAD_REQUEST,
            not_an_id,
        ),
        (
            "/admin/api-keys/graphql/1e3".into(),
            StatusCode::BAD_REQUEST,
            not_an_id,
        ),
        (
            "/admin/api-keys/graphql/99999999999999999999".into(),
            StatusCode::BAD_REQUEST,
            not_an_id,
        ),
        (
            "/admin/api-keys/graphql/999999".into(),
            StatusCode::NOT_FOUND,
            not_found,
        ),
        // A key of the other tab is not found on this one.
        (
            format!("/admin/api-keys/graphql/{r}"),
            StatusCode::NOT_FOUND,
            not_found,
        ),
        (
            format!("/admin/api-keys/rest/{g}"),
            StatusCode::NOT_FOUND,
            not_found,
        ),
        // Unknown tabs.
        ("/admin/api-keys/soap".into(), StatusCode::NOT_FOUND, no_tab),
        (
            "/admin/api-keys/GraphQL".into(),
            StatusCode::NOT_FOUND,
            no_tab,
        ),
        (
            "/admin/api-keys/soap/new".into(),
            StatusCode::NOT_FOUND,
            no_tab,
        ),
        (
            format!("/admin/api-keys/soap/{g}"),
            StatusCode::NOT_FOUND,
            no_tab,
        ),
    ];
    for (path, status, message) in &cases {
        assert_refused(&app, "GET", path, &[], *status, message).await;
        if path.matches('/').count() == 3 {
            continue; // a list address takes no POST
        }
        assert_refused(
            &app,
            "POST",
            path,
            &[("name", "hijacked"), ("active", "true")],
            *status,
            message,
        )
        .await;
    }
    for step in ["delete", "delete/confirm"] {
        assert_refused(
            &app,
            "POST",
            &format!("/admin/api-keys/soap/{step}"),
            &[("id", &g.to_string())],
            StatusCode::NOT_FOUND,
            no_tab,
        )
        .await;
    }
    assert_eq!(key(&app, g).await.unwrap().name, "g");
    assert_eq!(key(&app, r).await.unwrap().name, "r");
}

#[tokio::test]
async fn bad_list_addresses_get_a_400_that_says_what_is_wrong() {
    let app = owner_app().await;
    app.create_api_key("graphql", "g").await;
    let long_q = "q".repeat(10_001);
    let cases: Vec<(String, String)> = vec![
        (
            "sort=secret_hash".into(),
            "Cannot sort by `secret_hash`: choose name, active, created, updated, expires or last_used.".into(),
        ),
        (
            "sort=channel".into(),
            "Cannot sort by `channel`: choose name, active, created, updated, expires or last_used.".into(),
        ),
        (
            "sort=name&dir=up".into(),
            "Unknown sort direction `up`: use asc or desc.".into(),
        ),
        (
            "dir=DESC".into(),
            "Unknown sort direction `DESC`: use asc or desc.".into(),
        ),
        (
            "active=yes".into(),
            "Is Active: `yes` is not a choice; use true, false or any.".into(),
        ),
        (
            "created_from=2026-13-01".into(),
            "Date Created from: `2026-13-01` is not a date; use YYYY-MM-DD.".into(),
        ),
        (
            "created_to=2026-02-30".into(),
            "Date Created to: `2026-02-30` is not a date; use YYYY-MM-DD.".into(),
        ),
        (
            "updated_from=yesterday".into(),
            "Date Updated from: `yesterday` is not a date; use YYYY-MM-DD.".into(),
        ),
        (
            "updated_to=01/02/2026".into(),
            "Date Updated to: `01/02/2026` is not a date; use YYYY-MM-DD.".into(),
        ),
        (
            "created_from=2026-02-01&created_to=2026-01-31".into(),
            "Date Created: the end date 2026-01-31 is before the start date 2026-02-01.".into(),
        ),
        (
            "updated_from=2026-02-01&updated_to=2026-01-01".into(),
            "Date Updated: the end date 2026-01-01 is before the start date 2026-02-01.".into(),
        ),
        (
            "per_page=7".into(),
            "Rows per page must be 10, 25, 50 or 100, not `7`.".into(),
        ),
        (
            "per_page=1000000".into(),
            "Rows per page must be 10, 25, 50 or 100, not `1000000`.".into(),
        ),
        (
            "page=0".into(),
            "Page `0` does not exist: pages start at 1.".into(),
        ),
        (
            "page=-1".into(),
            "Page `-1` does not exist: pages start at 1.".into(),
        ),
        (
            "page=x".into(),
            "Page `x` does not exist: pages start at 1.".into(),
        ),
        (
            format!("q={long_q}"),
            "A search has at most 10,000 characters.".into(),
        ),
        (
            "q=a%00b".into(),
            "A search may not contain control characters.".into(),
        ),
    ];
    for kind in KINDS {
        for (query, message) in &cases {
            assert_refused(
                &app,
                "GET",
                &list_url(kind, query),
                &[],
                StatusCode::BAD_REQUEST,
                message,
            )
            .await;
            // The htmx list request gets the same answer.
            let resp = crate::keys_support::get_fragment(&app, &list_url(kind, query)).await;
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "htmx {query}");
        }
        // Past the end: 404.
        assert_refused(
            &app,
            "GET",
            &list_url(kind, "page=2"),
            &[],
            StatusCode::NOT_FOUND,
            "Page 2 does not exist: this list has 1 page.",
        )
        .await;
    }
    // A date on the edge of what is accepted is fine, and same-day ranges too.
    for query in [
        "created_from=2026-01-31&created_to=2026-01-31",
        "created_from=0001-01-01&updated_to=9998-12-31",
        "q=%27%3B+DROP+TABLE+api_keys%3B--",
    ] {
        let resp = app.get(&list_url("graphql", query)).await;
        assert_eq!(resp.status(), StatusCode::OK, "{query}");
    }
    assert_eq!(crate::keys_support::all_keys(&app).await.len(), 1);
}

#[tokio::test]
async fn names_with_html_show_as_text_everywhere() {
    let app = owner_app().await;
    let name = r#"<script>alert(1)</script><b onmouseover="x">bold</b> & co"#;
    for kind in KINDS {
        let resp = app
            .post_form(&format!("/admin/api-keys/{kind}/new"), &[("name", name)])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let created = resp.text().await.unwrap();
        let id = app
            .api_key_id(kind, name)
            .await
            .expect("listed by its name as text");
        assert_eq!(key(&app, id).await.unwrap().name, name, "stored as typed");
        let id_s = id.to_string();
        let mut bodies = vec![("create response", created)];
        for path in [
            format!("/admin/api-keys/{kind}"),
            format!("/admin/api-keys/{kind}?q=script"),
            format!("/admin/api-keys/{kind}/{id}"),
        ] {
            bodies.push(("page", app.get(&path).await.text().await.unwrap()));
            bodies.push(("htmx", app.get_htmx(&path).await.text().await.unwrap()));
        }
        let confirm = app
            .post_form(
                &format!("/admin/api-keys/{kind}/delete/confirm"),
                &[("id", &id_s)],
            )
            .await;
        bodies.push(("delete confirm", confirm.text().await.unwrap()));
        // An edit that fails keeps the name as typed, escaped.
        let resp = app
            .post_form(
                &format!("/admin/api-keys/{kind}/{id}"),
                &[("name", &format!("{name}\u{7}"))],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        bodies.push(("edit error", resp.text().await.unwrap()));
        for (what, body) in bodies {
            assert!(
                !body.contains("<script>alert(1)"),
                "{kind} {what}: unescaped"
            );
            assert!(!body.contains("<b onmouseover"), "{kind} {what}: unescaped");
            let doc = scraper::Html::parse_document(&body);
            let script = crate::keys_support::sel("script");
            assert!(doc
                .select(&script)
                .all(|s| !s.inner_html().contains("alert")));
            assert_eq!(
                doc.select(&crate::keys_support::sel("[onmouseover]"))
                    .count(),
                0,
                "{kind} {what}"
            );
            // The name is there, as text (or as a field's value).
            let text: String = doc.root_element().text().collect();
            let in_value = doc
                .select(&crate::keys_support::sel("input[value]"))
                .any(|i| i.value().attr("value").unwrap().contains(name));
            assert!(text.contains(name) || in_value, "{kind} {what}: name shown");
        }
    }
}
