-- Allowed API Methods are part of what the access decision reads, so a
-- change to them moves the key-state cache's change stamp like any other
-- key change (see 2026-12-02-000400_key_changes).
CREATE TRIGGER key_changes_keys_methods_update AFTER UPDATE OF all_methods ON api_keys
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_methods_insert AFTER INSERT ON api_key_methods
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_methods_update AFTER UPDATE ON api_key_methods
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER key_changes_methods_delete AFTER DELETE ON api_key_methods
BEGIN UPDATE key_changes SET stamp = stamp + 1 WHERE id = 1; END;
