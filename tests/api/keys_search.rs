//! Issue 12, search that does not scan: the name search through each
//! backend's trigram index still finds substrings case-insensitively with
//! Unicode rules; hostile text is taken literally; a secret's shown prefix
//! and a Client Id are exact lookups; and a pasted whole secret finds its
//! key through a POST that never repeats it.

use reqwest::StatusCode;

use crate::helpers::{html, location, spawn_app, TestApp, PASSWORD};
use crate::keys_support::{
    audit_events, create, current_prefix, error_of, ids, list_rows, list_url, secret_field,
};

const FIND: &str = "/admin/api-keys/find-secret";

async fn owner_app() -> TestApp {
    let app = spawn_app().await;
    app.sign_in_as_owner().await;
    app
}

/// Creates a key through the dialog; returns its id and its secret (for a
/// REST key: the Client Secret).
async fn new_key(app: &TestApp, kind: &str, name: &str) -> (i64, String) {
    let (status, page) = create(app, kind, &[("name", name)]).await;
    assert_eq!(status, StatusCode::OK, "creating {name}");
    let field = if kind == "rest" {
        "secret-client-secret"
    } else {
        "secret-api-key"
    };
    let secret = secret_field(&page, field).expect("the new secret");
    (app.api_key_id(kind, name).await.unwrap(), secret)
}

fn q(text: &str) -> String {
    format!("q={}", urlencode(text))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn name_search_is_a_case_insensitive_unicode_substring_match() {
    let app = owner_app().await;
    let (erp, _) = new_key(&app, "graphql", "Northwind ERP sync").await;
    let (greek, _) = new_key(&app, "graphql", "ΣΊΣΥΦΟΣ Feed").await;
    let (umlaut, _) = new_key(&app, "graphql", "Äpfel & Birnen 100% \"live\"").await;
    let (emoji, _) = new_key(&app, "graphql", "Rocket 🚀 launcher").await;
    let cases: [(&str, Vec<i64>); 12] = [
        ("northwind", vec![erp]),
        ("WIND erp", vec![erp]),
        ("σίσυφος", vec![greek]),
        ("äPFEL", vec![umlaut]),
        ("100%", vec![umlaut]),
        ("\"live\"", vec![umlaut]),
        ("🚀", vec![emoji]),
        ("t 🚀 l", vec![emoji]),
        // Two characters: no trigram, still found.
        ("rp", vec![erp]),
        ("& ", vec![umlaut]),
        // FTS and LIKE syntax mean nothing.
        ("erp OR feed", vec![]),
        ("%", vec![umlaut]),
    ];
    for (text, want) in cases {
        let mut got = ids(&list_rows(&app, "graphql", &q(text)).await);
        got.sort_unstable();
        assert_eq!(got, want, "search {text:?}");
    }
}

#[tokio::test]
async fn hostile_search_text_never_errors() {
    let app = owner_app().await;
    new_key(&app, "graphql", "Plain key").await;
    let long = "x".repeat(100);
    for text in [
        "\"",
        "\"\"",
        "*",
        "a*",
        "NEAR(a b)",
        "^start",
        "col:val",
        "(",
        ")",
        "AND",
        "-x",
        "_",
        "\\",
        "'; DROP TABLE api_keys; --",
        "🚀🚀",
        "🚀",
        long.as_str(),
        "a\"b\"c",
    ] {
        for kind in ["graphql", "rest"] {
            let resp = app.get(&list_url(kind, &q(text))).await;
            assert_eq!(resp.status(), StatusCode::OK, "search {text:?} on {kind}");
        }
    }
    // Longer than any name, up to 10,000 characters: taken as typed, and
    // it finds nothing.
    for text in ["x".repeat(101), "🚀".repeat(400), "x".repeat(10_000)] {
        let resp = app.get(&list_url("graphql", &q(&text))).await;
        assert_eq!(resp.status(), StatusCode::OK, "{} chars", text.len());
        let body = resp.text().await.unwrap();
        assert!(!body.contains("data-row-link"), "a long search found rows");
    }
    // Past that: a clear message, not a failure.
    let resp = app.get(&list_url("graphql", &q(&"x".repeat(10_001)))).await;
    let (status, message) = error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("at most 10,000 characters"), "{message}");
}

#[tokio::test]
async fn a_whole_name_of_the_longest_length_is_found_by_itself() {
    let app = owner_app().await;
    let name = format!("Ä{}", "b".repeat(99));
    let (id, _) = new_key(&app, "graphql", &name).await;
    new_key(&app, "graphql", "Other").await;
    assert_eq!(ids(&list_rows(&app, "graphql", &q(&name)).await), vec![id]);
    let lower = name.to_lowercase();
    assert_eq!(ids(&list_rows(&app, "graphql", &q(&lower)).await), vec![id]);
    // One character more than the name: nothing.
    assert!(ids(&list_rows(&app, "graphql", &q(&format!("{name}b"))).await).is_empty());
}

#[tokio::test]
async fn a_secret_prefix_and_a_client_id_are_exact_lookups() {
    let app = owner_app().await;
    let (gql, _) = new_key(&app, "graphql", "First").await;
    new_key(&app, "graphql", "Second").await;
    let (rest, _) = new_key(&app, "rest", "Third").await;
    let prefix = current_prefix(&app, gql).await;
    assert_eq!(
        ids(&list_rows(&app, "graphql", &q(&prefix)).await),
        vec![gql]
    );
    // Exact: the prefix of another case, or a part of it, finds nothing.
    let shorter = &prefix[..prefix.len() - 1];
    assert!(ids(&list_rows(&app, "graphql", &q(shorter)).await).is_empty());
    let client_id = crate::keys_support::key(&app, rest)
        .await
        .unwrap()
        .client_id
        .unwrap();
    assert_eq!(
        ids(&list_rows(&app, "rest", &q(&client_id)).await),
        vec![rest]
    );
    // A key of the other tab is not in this one.
    assert!(ids(&list_rows(&app, "graphql", &q(&client_id)).await).is_empty());
}

#[tokio::test]
async fn a_pasted_secret_lands_on_its_key_without_ever_being_repeated() {
    let app = owner_app().await;
    let (gql, gql_secret) = new_key(&app, "graphql", "Leaky integration").await;
    let (rest, rest_secret) = new_key(&app, "rest", "Leaky REST").await;
    new_key(&app, "graphql", "Innocent").await;
    for (kind, id, secret) in [("graphql", gql, &gql_secret), ("rest", rest, &rest_secret)] {
        let resp = app
            .post_form(FIND, &[("secret", &format!("  {secret}\n"))])
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let to = location(&resp);
        assert!(!to.contains(secret.as_str()), "{to}");
        assert!(to.starts_with(&list_url(kind, "")), "{to}");
        let body = html(resp).await.root_element().html();
        assert!(!body.contains(secret.as_str()));
        let page = app.get(&to).await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = html(page).await;
        assert_eq!(ids(&crate::keys_support::rows(&page)), vec![id]);
        let link = format!(r#"href="{}/{id}""#, list_url(kind, ""));
        assert!(page.root_element().html().contains(&link), "{link}");
        assert!(!page.root_element().html().contains(secret.as_str()));
    }
    // htmx: the same landing, as HX-Redirect.
    let resp = app.post_htmx(FIND, &[("secret", &gql_secret)]).await;
    assert!(crate::helpers::header(resp.headers(), "hx-redirect")
        .starts_with("/admin/api-keys/graphql?"));
}

#[tokio::test]
async fn a_secret_that_matches_nothing_says_so_and_nothing_more() {
    let app = owner_app().await;
    let (id, secret) = new_key(&app, "graphql", "Real").await;
    // Refreshed away: the old secret still finds its key (a leaked old one
    // is worth finding).
    let resp = app
        .post_form(
            &format!("/admin/api-keys/graphql/{id}/refresh"),
            &[("grace", "now")],
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    let resp = app.post_form(FIND, &[("secret", &secret)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mut forged = secret.clone();
    forged.pop();
    forged.push(if secret.ends_with('A') { 'B' } else { 'A' });
    let made_up = format!("kd_gql_{}", "A".repeat(49));
    let long = "k".repeat(5_000);
    let mut messages = Vec::new();
    for pasted in [
        forged.as_str(),
        made_up.as_str(),
        "hello",
        "kd_at_x",
        "%",
        long.as_str(),
    ] {
        let resp = app.post_form(FIND, &[("secret", pasted)]).await;
        let (status, message) = error_of(resp).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{pasted:?}");
        messages.push(message);
    }
    assert!(
        messages.iter().all(|m| m == "No key has this secret."),
        "{messages:?}"
    );
    let (status, message) = error_of(app.post_form(FIND, &[("secret", " ")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("Paste the secret"), "{message}");
    // Every lookup is in the history, with what was found and never the text.
    let events: Vec<_> = audit_events(&app)
        .await
        .into_iter()
        .filter(|e| e.action == "key.found_by_secret")
        .collect();
    assert_eq!(events.len(), 7);
    assert_eq!(events[0].target_id, Some(id));
    assert!(events[1..].iter().all(|e| e.target_id.is_none()));
    for e in &events {
        assert!(!e.details.contains(&secret[7..20]), "{}", e.details);
        assert!(!e.details.contains(&forged[7..20]));
        assert_eq!(e.actor_name, "olivia");
    }
}

#[tokio::test]
async fn finding_by_secret_needs_a_key_viewer_and_the_csrf_token() {
    let app = spawn_app().await;
    let owner = app.new_browser();
    app.create_user("olivia", PASSWORD, &["api-key:owner"])
        .await;
    owner.sign_in("olivia", PASSWORD).await;
    let (status, page) = create(&owner, "graphql", &[("name", "Mine")]).await;
    assert_eq!(status, StatusCode::OK);
    let secret = secret_field(&page, "secret-api-key").unwrap();
    // Signed out: to the sign-in page, nothing looked up.
    let resp = app.post_form(FIND, &[("secret", &secret)]).await;
    assert!(
        resp.status() == StatusCode::SEE_OTHER && location(&resp).starts_with("/login"),
        "{}",
        resp.status()
    );
    // Signed in without API Key access: refused.
    app.sign_in_with_roles("ursula", &["user:owner"]).await;
    let resp = app.post_form(FIND, &[("secret", &secret)]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Viewers may.
    let viewer = app.new_browser();
    app.create_user("vera", PASSWORD, &["api-key:viewer"]).await;
    viewer.sign_in("vera", PASSWORD).await;
    let resp = viewer.post_form(FIND, &[("secret", &secret)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // Without the token: refused before any lookup.
    let resp = viewer
        .post_form_without_csrf(FIND, &[("secret", &secret)])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.audit_action_count("key.found_by_secret").await, 1);
}
