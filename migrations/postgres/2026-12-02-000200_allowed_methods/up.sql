-- Allowed API Methods (seed 003, issue 10): a key may call every method of
-- the catalogue (all_methods, the default, which every existing key keeps)
-- or only the operations listed here, each by its method and path template
-- as the OpenAPI document writes them (`GET`, `/api/v*/orders/statuses`).
ALTER TABLE api_keys ADD COLUMN all_methods BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE api_key_methods (
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (api_key_id, method, path)
);
