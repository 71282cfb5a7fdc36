-- Name sorts and searches by a lower-cased copy kept beside the name, so
-- "apple" and "Banana" sort as a reader expects, and both backends agree:
-- the application writes it (Rust's Unicode lower-casing) and the "C"
-- collation compares it byte by byte, as SQLite does, whatever the
-- database's default collation is.
ALTER TABLE api_keys ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE api_keys SET name_key = lower(name);
DROP INDEX api_keys_kind_name;
DROP INDEX api_keys_kind_active_name;
CREATE INDEX api_keys_kind_name ON api_keys (kind, name_key, id, active, created_at, updated_at);
CREATE INDEX api_keys_kind_active_name ON api_keys (kind, active, name_key, id, created_at, updated_at);
