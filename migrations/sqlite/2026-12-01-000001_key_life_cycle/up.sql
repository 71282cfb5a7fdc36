-- Keys get a life (issue 8): an expiry, grants per function and action,
-- store access, secret generations and an append-only history.
--
-- The secret moves out of the key row into api_key_secrets. SQLite cannot
-- drop a UNIQUE column, so api_keys is rebuilt inside this migration's
-- transaction (where foreign keys cannot be switched off): the new table is
-- filled, the old one dropped (which cascades to api_key_roles, so the roles
-- are kept aside and put back) and the new one takes its name, which the
-- REFERENCES clauses of api_key_roles name.
CREATE TEMP TABLE roles_v1 AS SELECT api_key_id, definition, level FROM api_key_roles;
CREATE TEMP TABLE secrets_v1 AS SELECT id, secret_prefix, secret_hash, created_at FROM api_keys;
CREATE TEMP TABLE sequence_v1 AS SELECT seq FROM sqlite_sequence WHERE name = 'api_keys';
CREATE TABLE api_keys_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('graphql', 'rest')),
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL,
    client_id TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    name_key TEXT NOT NULL DEFAULT '',
    -- NULL: never expires.
    expires_at TIMESTAMP,
    -- "Access to all stores" (1) or "Access to individual stores" (0, the
    -- stores are in api_key_stores).
    all_stores BOOLEAN NOT NULL DEFAULT 1,
    -- The latest use of any of its secrets (kept beside them, so the list
    -- sorts and filters on it from its own indexes).
    last_used_at TIMESTAMP
);
INSERT INTO api_keys_v2 (id, kind, name, active, channel_id, client_id, created_at,
                         updated_at, created_by, name_key, expires_at, all_stores)
SELECT id, kind, name, active, channel_id, client_id, created_at,
       updated_at, created_by, name_key, NULL, 1
FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v2 RENAME TO api_keys;
INSERT INTO api_key_roles (api_key_id, definition, level)
SELECT api_key_id, definition, level FROM roles_v1;
-- Keep the id sequence, so a deleted key's id is never handed out again.
DELETE FROM sqlite_sequence WHERE name = 'api_keys';
INSERT INTO sqlite_sequence (name, seq) SELECT 'api_keys', seq FROM sequence_v1;

-- Secret generations: one current (retires_at NULL), at most one retiring
-- (retires_at in the future), any number retired (kept for the history).
CREATE TABLE api_key_secrets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    retires_at TIMESTAMP,
    last_used_at TIMESTAMP
);
-- Existing secrets move unchanged: every key issued so far still verifies.
INSERT INTO api_key_secrets (api_key_id, prefix, hash, created_at)
SELECT id, secret_prefix, secret_hash, created_at FROM secrets_v1;
DROP TABLE roles_v1;
DROP TABLE secrets_v1;
DROP TABLE sequence_v1;

-- Two refreshes at once cannot leave two current secrets.
CREATE UNIQUE INDEX api_key_secrets_current ON api_key_secrets (api_key_id) WHERE retires_at IS NULL;
CREATE INDEX api_key_secrets_key ON api_key_secrets (api_key_id, created_at);

-- The list's covering indexes (see 2026-11-23-000001_list_indexes), now
-- also carrying the new filter columns.
CREATE INDEX api_keys_kind ON api_keys (kind);
CREATE INDEX api_keys_kind_created ON api_keys (kind, created_at, id, active, updated_at, expires_at, all_stores);
CREATE INDEX api_keys_kind_updated ON api_keys (kind, updated_at, id, active, created_at, expires_at, all_stores);
CREATE INDEX api_keys_kind_name ON api_keys (kind, name_key, id, active, created_at, updated_at, expires_at, all_stores);
CREATE INDEX api_keys_kind_active_created ON api_keys (kind, active, created_at, id, updated_at, expires_at, all_stores);
CREATE INDEX api_keys_kind_active_updated ON api_keys (kind, active, updated_at, id, created_at, expires_at, all_stores);
CREATE INDEX api_keys_kind_active_name ON api_keys (kind, active, name_key, id, created_at, updated_at, expires_at, all_stores);
CREATE INDEX api_keys_kind_expires ON api_keys (kind, expires_at, id, active, created_at, updated_at, all_stores);
CREATE INDEX api_keys_kind_last_used ON api_keys (kind, last_used_at, id, active, created_at, updated_at, expires_at, all_stores);

-- What a key may do: (function, action) pairs. GraphQL keys' roles expand
-- here (Viewer = view; Editor = + edit; Owner = + create, delete); REST keys
-- write it from the permission grid. Existing REST keys get nothing: deny
-- by default.
CREATE TABLE api_key_grants (
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    function TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('view', 'edit', 'create', 'delete')),
    PRIMARY KEY (api_key_id, function, action)
);
INSERT INTO api_key_grants (api_key_id, function, action)
SELECT r.api_key_id, r.definition, a.action
FROM api_key_roles r
JOIN (SELECT 'view' AS action, 1 AS min_level
      UNION ALL SELECT 'edit', 2
      UNION ALL SELECT 'create', 3
      UNION ALL SELECT 'delete', 3) a ON r.level >= a.min_level;

CREATE TABLE stores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- The stores of keys with "Access to individual stores".
CREATE TABLE api_key_stores (
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    store_id BIGINT NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    PRIMARY KEY (api_key_id, store_id)
);
CREATE INDEX api_key_stores_store ON api_key_stores (store_id, api_key_id);

-- The history: who did what to which key, user or store, when and from
-- where. Never a secret. Rows are only ever inserted: the triggers refuse
-- an UPDATE or DELETE from anyone, keydesk included.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    actor_key_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id BIGINT,
    target_name TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    source_ip TEXT
);
CREATE INDEX audit_events_time ON audit_events (occurred_at, id);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id, occurred_at, id);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at, id);
CREATE INDEX audit_events_actor ON audit_events (actor_name, occurred_at, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
