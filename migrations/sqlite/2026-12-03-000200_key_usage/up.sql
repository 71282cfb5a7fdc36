-- The usage record (issue 13): compact counters per secret and hour (span
-- 'hour'), summed into one row per day (span 'day') after 90 days. A row
-- counts one fact of the calls made with the secret: `dim` says which
-- ('calls', 'refused' by code, 'caller' ip+user agent, 'grant', 'store',
-- 'method', 'other_callers' beyond the per-hour cap). Never a secret or a
-- request body.
CREATE TABLE key_usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    secret_id BIGINT NOT NULL REFERENCES api_key_secrets(id) ON DELETE CASCADE,
    span TEXT NOT NULL CHECK (span IN ('hour', 'day')),
    bucket TIMESTAMP NOT NULL,
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    count BIGINT NOT NULL,
    last_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX key_usage_fact ON key_usage (secret_id, span, bucket, dim, value);
CREATE INDEX key_usage_key ON key_usage (api_key_id, bucket);
CREATE INDEX key_usage_age ON key_usage (span, bucket);
