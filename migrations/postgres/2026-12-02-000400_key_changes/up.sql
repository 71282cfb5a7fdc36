-- The change stamp of the key-state cache (issue 9 §6): one row whose
-- counter every change to what the access decision reads moves, in the
-- transaction of the change, whoever writes it (the core, the command line,
-- a script). Each instance polls it and drops its cache when it moved.
-- Not moved by last-use writes, nor by new rows nobody can have cached
-- (a new key, a new secret, a new token).
--
-- Statement-level BEFORE triggers: the stamp's row lock is taken before the
-- statement locks any key row, so every key-changing transaction takes the
-- locks in the same order (stamp first) and two of them cannot deadlock.
CREATE TABLE key_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO key_changes (id, stamp) VALUES (1, 0);

CREATE FUNCTION key_changes_bump() RETURNS trigger AS $$
BEGIN
    UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER key_changes_keys BEFORE UPDATE OF kind, name, active, client_id, expires_at, all_stores OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
CREATE TRIGGER key_changes_secrets BEFORE UPDATE OF api_key_id, hash, retires_at OR DELETE ON api_key_secrets
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
CREATE TRIGGER key_changes_grants BEFORE INSERT OR UPDATE OR DELETE ON api_key_grants
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
CREATE TRIGGER key_changes_key_stores BEFORE INSERT OR UPDATE OR DELETE ON api_key_stores
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
CREATE TRIGGER key_changes_stores BEFORE INSERT OR UPDATE OF code OR DELETE ON stores
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
CREATE TRIGGER key_changes_tokens BEFORE UPDATE OR DELETE ON access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
