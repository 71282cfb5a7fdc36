//! Impact before breaking (issue 13, part 3): the delete confirmation says
//! how much each key was used, by how many callers, from the usage record.

use std::time::Duration;

use reqwest::StatusCode;
use scraper::Html;

use crate::access_support::*;
use crate::helpers::{spawn_app, TestApp};
use crate::keys_support::sel;

async fn token_call(app: &TestApp, key: &Issued, ua: &str) {
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .header("Authorization", basic_of(key))
        .header("User-Agent", ua)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn impacts(app: &TestApp, ids: &[i64]) -> Vec<String> {
    let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let fields: Vec<(&str, &str)> = ids.iter().map(|i| ("id", i.as_str())).collect();
    let resp = app
        .post_htmx("/admin/api-keys/rest/delete/confirm", &fields)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = Html::parse_fragment(&resp.text().await.unwrap());
    page.select(&sel(".delete-impact"))
        .map(|e| e.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn the_delete_confirmation_says_who_will_break() {
    let app = spawn_app().await;
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let used = create_rest_key_with_grants(&app, "Used", &["pricing:view"]).await;
    let idle = create_rest_key_with_grants(&app, "Idle", &["pricing:view"]).await;
    for ua in ["a/1", "b/1", "a/1", "c/1", "a/1"] {
        token_call(&app, &used, ua).await;
    }
    app.flush_usage().await;
    let mut texts = impacts(&app, &[used.id, idle.id]).await;
    texts.sort();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0], "No calls in 90 days.");
    assert!(
        texts[1].starts_with("Used 5 times in the last 7 days by 3 callers (last call "),
        "{texts:?}"
    );
    // The one-key confirmation from the row menu says the same.
    let resp = app
        .get_htmx(&format!("/admin/api-keys/rest/{}/delete", used.id))
        .await;
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Used 5 times in the last 7 days"));

    app.advance_clock(Duration::from_secs(10 * 24 * 3600));
    let texts = impacts(&app, &[used.id]).await;
    assert!(
        texts[0].starts_with("No calls in the last 7 days (last call "),
        "{texts:?}"
    );
    app.advance_clock(Duration::from_secs(85 * 24 * 3600));
    app.flush_usage().await;
    assert_eq!(impacts(&app, &[used.id]).await, ["No calls in 90 days."]);
}
