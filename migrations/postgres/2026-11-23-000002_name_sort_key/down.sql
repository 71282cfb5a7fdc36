DROP INDEX api_keys_kind_name;
DROP INDEX api_keys_kind_active_name;
ALTER TABLE api_keys DROP COLUMN name_key;
CREATE INDEX api_keys_kind_name ON api_keys (kind, name, id, active, created_at, updated_at);
CREATE INDEX api_keys_kind_active_name ON api_keys (kind, active, name, id, created_at, updated_at);
