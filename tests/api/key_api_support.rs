//! Calls of the REST Key API (/api/v1) with a key's access token.

use reqwest::{Method, Response};
use serde_json::Value;

use crate::access_support::{access_token, create_rest_key_with_grants, Issued};
use crate::helpers::TestApp;

/// A REST key with these grants and its access token.
pub async fn key_with(app: &TestApp, name: &str, scopes: &[&str]) -> (Issued, String) {
    let k = create_rest_key_with_grants(app, name, scopes).await;
    let t = access_token(app, &k).await;
    (k, t)
}

pub async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Response {
    let mut r = app
        .client
        .request(method, app.url(path))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        r = r.json(b);
    }
    r.send().await.unwrap()
}

/// Status and problem/JSON body.
pub async fn answer(resp: Response) -> (u16, Value) {
    let s = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}
