DROP TRIGGER key_changes_keys ON api_keys;
DROP TRIGGER key_changes_secrets ON api_key_secrets;
DROP TRIGGER key_changes_grants ON api_key_grants;
DROP TRIGGER key_changes_key_stores ON api_key_stores;
DROP TRIGGER key_changes_stores ON stores;
DROP TRIGGER key_changes_tokens ON access_tokens;
DROP FUNCTION key_changes_bump();
DROP TABLE key_changes;
