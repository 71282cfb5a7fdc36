-- Bulk actions over a filter (issue 13 §6): one row per run, and the keys it
-- changed with the values they had before, so that undo (for 24 hours)
-- restores exactly those keys. No secret is ever kept here. Key ids are not
-- a foreign key: a key deleted since is simply skipped by undo.
CREATE TABLE bulk_actions (
    id BIGSERIAL PRIMARY KEY,
    action TEXT NOT NULL,
    key_kind TEXT NOT NULL,
    filter TEXT NOT NULL,
    new_expires_at TIMESTAMP,
    key_count BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    undone_at TIMESTAMP,
    undone_by TEXT
);

CREATE TABLE bulk_action_keys (
    bulk_action_id BIGINT NOT NULL REFERENCES bulk_actions (id) ON DELETE CASCADE,
    api_key_id BIGINT NOT NULL,
    prev_active BOOLEAN NOT NULL,
    prev_expires_at TIMESTAMP,
    PRIMARY KEY (bulk_action_id, api_key_id)
);
