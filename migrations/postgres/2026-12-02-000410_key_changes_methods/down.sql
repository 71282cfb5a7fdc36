DROP TRIGGER key_changes_keys_methods ON api_keys;
DROP TRIGGER key_changes_methods ON api_key_methods;
