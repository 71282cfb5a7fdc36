-- Back-office users, their roles, server-side sessions and server settings.
-- Timestamps are UTC (TIMESTAMP without time zone, written by the application).
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    definition TEXT NOT NULL,
    level SMALLINT NOT NULL,
    PRIMARY KEY (user_id, definition)
);
CREATE INDEX user_roles_definition_level ON user_roles (definition, level);

-- id is the SHA-256 of the session key the cookie carries, so a copy of this
-- table does not hand out live sessions.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_created_at ON sessions (created_at);

CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
