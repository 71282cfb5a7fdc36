-- OAuth2 access tokens (issue 9): only their HMAC is kept. Each belongs to
-- the key and to the secret generation it was issued from, and goes with
-- them when either is deleted; deactivation, expiry and retirement are
-- checked at every use, so a token never outlives its key's right to work.
CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    secret_id BIGINT NOT NULL REFERENCES api_key_secrets(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX access_tokens_key ON access_tokens (api_key_id);
CREATE INDEX access_tokens_secret ON access_tokens (secret_id);
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);
