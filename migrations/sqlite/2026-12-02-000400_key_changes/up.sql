-- The change stamp of the key-state cache (issue 9 §6): one row whose
-- counter every change to what the access decision reads moves, in the
-- transaction of the change, whoever writes it (the core, the command line,
-- a script). Each instance polls it and drops its cache when it moved.
-- Not moved by last-use writes, nor by new rows nobody can have cached
-- (a new key, a new secret, a new token).
CREATE TABLE key_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO key_changes (id, stamp) VALUES (1, 0);

CREATE TRIGGER key_changes_keys_update AFTER UPDATE OF kind, name, active, client_id, expires_at, all_stores ON api_keys
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_keys_delete AFTER DELETE ON api_keys
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_secrets_update AFTER UPDATE OF api_key_id, hash, retires_at ON api_key_secrets
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_secrets_delete AFTER DELETE ON api_key_secrets
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_grants_insert AFTER INSERT ON api_key_grants
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_grants_update AFTER UPDATE ON api_key_grants
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_grants_delete AFTER DELETE ON api_key_grants
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_key_stores_insert AFTER INSERT ON api_key_stores
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_key_stores_update AFTER UPDATE ON api_key_stores
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_key_stores_delete AFTER DELETE ON api_key_stores
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_stores_insert AFTER INSERT ON stores
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_stores_update AFTER UPDATE OF code ON stores
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_stores_delete AFTER DELETE ON stores
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_tokens_update AFTER UPDATE ON access_tokens
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_tokens_delete AFTER DELETE ON access_tokens
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
