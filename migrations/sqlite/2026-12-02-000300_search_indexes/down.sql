DROP INDEX api_key_secrets_prefix;
DROP TRIGGER api_keys_name_fts_update;
DROP TRIGGER api_keys_name_fts_delete;
DROP TRIGGER api_keys_name_fts_insert;
DROP TABLE api_keys_name_fts;
