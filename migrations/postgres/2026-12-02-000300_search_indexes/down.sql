DROP INDEX api_key_secrets_prefix;
DROP INDEX api_keys_name_trgm;
