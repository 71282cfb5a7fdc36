-- Allowed API Methods are part of what the access decision reads, so a
-- change to them moves the key-state cache's change stamp like any other
-- key change (see 2026-12-02-000400_key_changes).
CREATE TRIGGER key_changes_keys_methods BEFORE UPDATE OF all_methods ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
CREATE TRIGGER key_changes_methods BEFORE INSERT OR UPDATE OR DELETE ON api_key_methods
    FOR EACH STATEMENT EXECUTE FUNCTION key_changes_bump();
