-- Name sorts and searches by a lower-cased copy kept beside the name, so
-- "apple" and "Banana" sort as a reader expects, and both backends agree:
-- the application writes it (Rust's Unicode lower-casing) and compares it
-- byte by byte. PostgreSQL's lower() and a language collation on `name`
-- would order differently from SQLite. lower() here is the Unicode-aware one
-- keydesk registers on every SQLite connection.
ALTER TABLE api_keys ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE api_keys SET name_key = lower(name);
DROP INDEX api_keys_kind_name;
DROP INDEX api_keys_kind_active_name;
CREATE INDEX api_keys_kind_name ON api_keys (kind, name_key, id, active, created_at, updated_at);
CREATE INDEX api_keys_kind_active_name ON api_keys (kind, active, name_key, id, created_at, updated_at);
