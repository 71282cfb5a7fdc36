//! Many requests at once: on SQLite too, no request may fail with
//! "database is locked" (or any other 5xx).

use reqwest::StatusCode;

use crate::helpers::{spawn_app, Browser, PASSWORD};

#[tokio::test]
async fn parallel_sign_ins_and_writes_all_succeed() {
    let app = spawn_app().await;
    let mut people = Vec::new();
    for i in 0..4 {
        let name = format!("owner{i}");
        app.create_user(&name, PASSWORD, &["api-key:owner"]).await;
        people.push((name, app.new_browser()));
    }

    // Everyone signs in at the same moment.
    let mut sign_ins = tokio::task::JoinSet::new();
    for (name, b) in &people {
        let (name, b) = (name.clone(), b.clone());
        sign_ins.spawn(async move { b.sign_in(&name, PASSWORD).await.status() });
    }
    for status in sign_ins.join_all().await {
        assert_eq!(status, StatusCode::SEE_OTHER);
    }

    // Then each creates keys and reads lists, all interleaved.
    let mut work = tokio::task::JoinSet::new();
    for (i, (_, b)) in people.iter().enumerate() {
        work.spawn(busy(b.clone(), i));
    }
    let statuses: Vec<StatusCode> = work.join_all().await.into_iter().flatten().collect();
    assert!(
        statuses.iter().all(|s| s.is_success()),
        "some requests failed: {statuses:?}"
    );

    let keys = app
        .with_db(|c| {
            use diesel::prelude::*;
            keydesk::schema::api_keys::table
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(keys, 4 * 5);
}

/// Five keys and five list reads from one browser, as fast as it can.
async fn busy(browser: Browser, who: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for n in 0..5 {
        let name = format!("key-{who}-{n}");
        let fields = [("name", name.as_str())];
        let create = browser.post_form("/admin/api-keys/graphql/new", &fields);
        let list = browser.get("/admin/api-keys/graphql?sort=name&dir=desc");
        let (created, listed) = tokio::join!(create, list);
        statuses.push(created.status());
        statuses.push(listed.status());
    }
    statuses
}
