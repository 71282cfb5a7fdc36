//! Issue 8's migration on a database an older keydesk wrote: every key
//! issued before still matches its stored hash (now a secret generation),
//! GraphQL roles became grants, REST keys have none (deny by default), and
//! every key reaches all stores and never expires.

use diesel::prelude::*;
use diesel::sql_query;

use crate::helpers::spawn_app_on;
use crate::keys_support::{scopes_of, secrets_of, state_of};

#[tokio::test]
async fn keys_from_before_keep_their_secrets_and_roles_become_grants() {
    let pepper = b"a pepper from before".to_vec();
    let gql =
        keydesk::domain::secret::NewSecret::generate(keydesk::domain::KeyKind::Graphql, &pepper);
    let rest =
        keydesk::domain::secret::NewSecret::generate(keydesk::domain::KeyKind::Rest, &pepper);
    let (gql_plain, rest_plain) = (gql.expose().to_owned(), rest.expose().to_owned());
    let rows = vec![
        (
            1,
            "graphql",
            "old shop",
            gql.prefix.clone(),
            gql.hash.clone(),
            None::<&str>,
        ),
        (
            2,
            "rest",
            "old erp",
            rest.prefix.clone(),
            rest.hash.clone(),
            Some("kd_cid_before"),
        ),
    ];
    let app = spawn_app_on(move |c| {
        keydesk::db::run_migrations_until(c, "20261123000002").unwrap();
        sql_query(format!(
            "INSERT INTO settings (name, value) VALUES ('{}', 'a pepper from before')",
            keydesk::models::setting::KEY_PEPPER
        ))
        .execute(c)
        .unwrap();
        for (id, kind, name, prefix, hash, client) in &rows {
            let client = client.map(|c| format!("'{c}'")).unwrap_or("NULL".into());
            sql_query(format!(
                "INSERT INTO api_keys (id, kind, name, active, client_id, secret_prefix, secret_hash, \
                 created_at, updated_at, name_key) VALUES ({id}, '{kind}', '{name}', TRUE, {client}, \
                 '{prefix}', '{hash}', '2026-01-01 10:00:00', '2026-01-01 10:00:00', '{name}')"
            ))
            .execute(c)
            .unwrap();
        }
        for (def, level) in [("pricing", 3), ("user", 1)] {
            sql_query(format!(
                "INSERT INTO api_key_roles (api_key_id, definition, level) VALUES (1, '{def}', {level})"
            ))
            .execute(c)
            .unwrap();
        }
        // A key deleted before: its id must not come back.
        sql_query(
            "INSERT INTO api_keys (id, kind, name, active, secret_prefix, secret_hash, created_at, \
             updated_at, name_key) VALUES (7, 'graphql', 'gone', TRUE, 'kd_gql_x', 'h7', \
             '2026-01-01 10:00:00', '2026-01-01 10:00:00', 'gone')",
        )
        .execute(c)
        .unwrap();
        sql_query("DELETE FROM api_keys WHERE id = 7").execute(c).unwrap();
        // The ids were given by hand here; keydesk's own inserts advance the
        // sequence, so make it as if they had.
        if matches!(c, keydesk::db::DbConnection::Postgresql(_)) {
            sql_query("SELECT setval(pg_get_serial_sequence('api_keys', 'id'), 7)")
                .execute(c)
                .unwrap();
        }
    })
    .await;

    let stored = app
        .with_db(|c| keydesk::models::setting::key_pepper(c, None).unwrap())
        .await;
    assert_eq!(stored, b"a pepper from before".to_vec());
    for (id, kind, plain) in [(1, "graphql", &gql_plain), (2, "rest", &rest_plain)] {
        let secrets = secrets_of(&app, id).await;
        assert_eq!(secrets.len(), 1, "{kind}");
        assert_eq!(
            secrets[0].hash,
            keydesk::domain::secret::hash(&stored, plain),
            "{kind}"
        );
        assert!(secrets[0].retires_at.is_none(), "current");
        assert!(plain.starts_with(&secrets[0].prefix));
        let st = state_of(&app, kind, id).await;
        assert!(st.stores.is_all() && st.key.expires_at.is_none(), "{kind}");
    }
    assert_eq!(
        scopes_of(&app, "graphql", 1).await,
        [
            "pricing:view",
            "pricing:edit",
            "pricing:create",
            "pricing:delete",
            "user:view"
        ]
    );
    assert!(
        scopes_of(&app, "rest", 2).await.is_empty(),
        "deny by default"
    );
    assert_eq!(
        state_of(&app, "rest", 2).await.key.client_id.as_deref(),
        Some("kd_cid_before")
    );
    // Roles survived the rebuild of api_keys.
    assert_eq!(state_of(&app, "graphql", 1).await.roles.len(), 2);

    // New keys go on from the old sequence.
    app.sign_in_with_roles("olivia", &["api-key:owner"]).await;
    let id = app.create_api_key("graphql", "new").await;
    assert!(id > 7, "id {id}");
}
