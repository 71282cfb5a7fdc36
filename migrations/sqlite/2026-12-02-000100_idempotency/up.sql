-- Idempotency-Key on the Key API's create and refresh (issue 10): the first
-- answer to (calling key, Idempotency-Key) is kept for a day, so a retried
-- request makes one key, not two. The stored answer never holds a secret:
-- a replay says the secret was shown once (see README, "Key API").
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_caller ON idempotency_keys (api_key_id, idem_key);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
