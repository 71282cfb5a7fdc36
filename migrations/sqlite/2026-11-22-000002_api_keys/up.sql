-- Sales channels, API keys (GraphQL and REST) and the roles of GraphQL keys.
CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('graphql', 'rest')),
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL,
    client_id TEXT UNIQUE,
    secret_prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
-- One index per sort column, led by kind (every list is one tab), ending in id
-- (the tie-breaker), so a sorted page is read in index order without sorting.
CREATE INDEX api_keys_kind_created ON api_keys (kind, created_at, id);
CREATE INDEX api_keys_kind_updated ON api_keys (kind, updated_at, id);
CREATE INDEX api_keys_kind_name ON api_keys (kind, name, id);
CREATE INDEX api_keys_kind_active_created ON api_keys (kind, active, created_at, id);
CREATE INDEX api_keys_kind_active_updated ON api_keys (kind, active, updated_at, id);
CREATE INDEX api_keys_kind_active_name ON api_keys (kind, active, name, id);

CREATE TABLE api_key_roles (
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    definition TEXT NOT NULL,
    level SMALLINT NOT NULL,
    PRIMARY KEY (api_key_id, definition)
);
INSERT INTO channels (name, created_at) VALUES ('Default', CURRENT_TIMESTAMP);
