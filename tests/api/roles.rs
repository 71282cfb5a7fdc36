//! The role matrix: every existing route, tried by someone signed out, by a
//! user without roles, by a User: Owner without API Key roles, and by API Key
//! Viewer, Editor and Owner. The checks run on the server, whatever the page
//! shows.

use reqwest::{Response, StatusCode};

use crate::helpers::{location, spawn_app, text_of, Browser, TestApp, PASSWORD};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    SignedOut,
    NoRole,
    UserOwnerOnly,
    Viewer,
    Editor,
    Owner,
}

const EVERYONE: [Who; 6] = [
    Who::SignedOut,
    Who::NoRole,
    Who::UserOwnerOnly,
    Who::Viewer,
    Who::Editor,
    Who::Owner,
];

impl Who {
    fn roles(self) -> &'static [&'static str] {
        match self {
            Who::SignedOut | Who::NoRole => &[],
            Who::UserOwnerOnly => &["user:owner"],
            Who::Viewer => &["api-key:viewer"],
            Who::Editor => &["api-key:editor"],
            Who::Owner => &["api-key:owner"],
        }
    }
}

/// The least API Key level a route needs.
#[derive(Clone, Copy, Debug)]
enum Needs {
    Viewer,
    Editor,
    Owner,
}

impl Needs {
    fn allows(self, who: Who) -> bool {
        let least = match self {
            Needs::Viewer => Who::Viewer,
            Needs::Editor => Who::Editor,
            Needs::Owner => Who::Owner,
        };
        who >= least
    }
}

/// One signed-in browser per kind of user, on one app.
struct People {
    app: TestApp,
    browsers: Vec<(Who, Browser)>,
}

impl People {
    async fn sign_in_everyone() -> Self {
        let app = spawn_app().await;
        let mut browsers = Vec::new();
        for who in EVERYONE {
            let browser = app.new_browser();
            if who != Who::SignedOut {
                let name = format!("{who:?}").to_lowercase();
                app.create_user(&name, PASSWORD, who.roles()).await;
                let resp = browser.sign_in(&name, PASSWORD).await;
                assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{who:?} signs in");
            }
            browsers.push((who, browser));
        }
        Self { app, browsers }
    }

    fn owner(&self) -> &Browser {
        &self.browsers.last().unwrap().1
    }

    /// Creates a key through the owner's browser; returns its id.
    async fn key(&self, kind: &str, name: &str) -> i64 {
        self.owner().create_api_key(kind, name).await
    }

    /// GET `path` as everyone; checks who gets through.
    async fn get(&self, path: &str, needs: Needs) {
        for (who, browser) in &self.browsers {
            let resp = browser.get(path).await;
            expect(*who, needs, "GET", path, resp).await;
        }
    }

    /// POST the form as everyone, least privileged first (the owner's
    /// request may delete what the others tried to).
    async fn post(&self, path: &str, fields: &[(&str, &str)], needs: Needs) {
        for (who, browser) in &self.browsers {
            let resp = browser.post_form(path, fields).await;
            expect(*who, needs, "POST", path, resp).await;
        }
    }
}

async fn expect(who: Who, needs: Needs, method: &str, path: &str, resp: Response) {
    let status = resp.status();
    let what = format!("{method} {path} as {who:?}");
    match who {
        Who::SignedOut => {
            assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
            assert!(location(&resp).starts_with("/login?next="), "{what}");
        }
        _ if needs.allows(who) => {
            assert!(
                matches!(
                    status,
                    StatusCode::OK | StatusCode::NO_CONTENT | StatusCode::SEE_OTHER
                ),
                "{what}: {status}"
            );
            if status == StatusCode::SEE_OTHER {
                assert!(!location(&resp).starts_with("/login"), "{what}");
            }
        }
        _ => {
            assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
            // The error page sits in the layout, with the user's menu.
            let page = crate::helpers::html(resp).await;
            assert_eq!(
                text_of(&page, "#error-title").as_deref(),
                Some("Access denied"),
                "{what}"
            );
            assert!(text_of(&page, ".signed-in").is_some(), "{what}");
        }
    }
}

#[tokio::test]
async fn the_key_lists_need_api_key_viewer() {
    let people = People::sign_in_everyone().await;
    people.get("/admin/api-keys", Needs::Viewer).await;
    people.get("/admin/api-keys/graphql", Needs::Viewer).await;
    people.get("/admin/api-keys/rest", Needs::Viewer).await;
    people.get("/admin/channels", Needs::Viewer).await;
}

#[tokio::test]
async fn finding_a_key_by_its_secret_needs_api_key_viewer() {
    let people = People::sign_in_everyone().await;
    let (_, page) =
        crate::keys_support::create(people.owner(), "rest", &[("name", "leaked")]).await;
    let secret = crate::keys_support::secret_field(&page, "secret-client-secret").unwrap();
    people
        .post(
            "/admin/api-keys/find-secret",
            &[("secret", &secret)],
            Needs::Viewer,
        )
        .await;
}

#[tokio::test]
async fn creating_keys_needs_api_key_owner() {
    let people = People::sign_in_everyone().await;
    for kind in ["graphql", "rest"] {
        let path = format!("/admin/api-keys/{kind}/new");
        people.get(&path, Needs::Owner).await;
        people
            .post(&path, &[("name", "made-by-someone")], Needs::Owner)
            .await;
    }
    // Only the owner's attempts made keys: one per tab.
    for kind in ["graphql", "rest"] {
        let page =
            crate::helpers::html(people.owner().get(&format!("/admin/api-keys/{kind}")).await)
                .await;
        let rows = page
            .select(&scraper::Selector::parse("a.row-link").unwrap())
            .count();
        assert_eq!(rows, 1, "{kind}");
    }
}

#[tokio::test]
async fn viewing_a_key_needs_viewer_and_saving_it_needs_editor() {
    let people = People::sign_in_everyone().await;
    for kind in ["graphql", "rest"] {
        let id = people.key(kind, "to-edit").await;
        let path = format!("/admin/api-keys/{kind}/{id}");
        people.get(&path, Needs::Viewer).await;
        people
            .post(
                &path,
                &[("name", "edited"), ("active", "on")],
                Needs::Editor,
            )
            .await;
    }
}

#[tokio::test]
async fn deleting_keys_needs_api_key_owner() {
    let people = People::sign_in_everyone().await;
    for kind in ["graphql", "rest"] {
        let id = people.key(kind, "to-delete").await.to_string();
        let confirm = format!("/admin/api-keys/{kind}/delete/confirm");
        people.post(&confirm, &[("id", &id)], Needs::Owner).await;
        // The owner comes last: the others' attempts must have left the key
        // in place, or the owner's delete would find nothing (404).
        let delete = format!("/admin/api-keys/{kind}/delete");
        people.post(&delete, &[("id", &id)], Needs::Owner).await;
        assert_eq!(people.owner().api_key_id(kind, "to-delete").await, None);
    }
}

#[tokio::test]
async fn changing_channels_needs_api_key_owner() {
    let people = People::sign_in_everyone().await;
    people
        .post("/admin/channels", &[("name", "Partner shop")], Needs::Owner)
        .await;
    let id = people
        .app
        .with_db(|c| {
            keydesk::models::channel::all(c)
                .unwrap()
                .into_iter()
                .find(|ch| ch.name == "Partner shop")
                .expect("the owner added the channel")
                .id
        })
        .await;
    people
        .post(
            &format!("/admin/channels/{id}"),
            &[("name", "Renamed shop")],
            Needs::Owner,
        )
        .await;
    let names = people
        .app
        .with_db(|c| {
            keydesk::models::channel::all(c)
                .unwrap()
                .into_iter()
                .map(|ch| ch.name)
                .collect::<Vec<_>>()
        })
        .await;
    assert!(names.contains(&"Renamed shop".to_string()), "{names:?}");
    assert!(!names.contains(&"Partner shop".to_string()), "{names:?}");
    // The owner comes last: the others' attempts left the channel in place.
    people
        .post(&format!("/admin/channels/{id}/delete"), &[], Needs::Owner)
        .await;
    let gone = people
        .app
        .with_db(move |c| keydesk::models::channel::find(c, id).unwrap().is_none())
        .await;
    assert!(gone);
}
