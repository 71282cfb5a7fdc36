DROP TABLE api_key_methods;
ALTER TABLE api_keys DROP COLUMN all_methods;
