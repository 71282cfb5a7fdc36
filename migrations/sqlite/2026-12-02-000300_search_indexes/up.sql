-- Search that does not scan (issue 12). A name search reads a trigram index
-- of name_key (the lower-cased name the list sorts by) instead of testing
-- LIKE against every key of the tab: at a million keys the scan took
-- ~150 ms a page. External content: the index keeps only the trigrams and
-- reads the text from api_keys; the triggers keep the two in step in the
-- same statement as every insert, rename and delete.
--
-- case_sensitive 1: name_key is already lower-cased with Unicode rules by
-- keydesk (as is the search text), so the index compares exactly what the
-- LIKE it replaces compared, on both backends alike. Fewer than three
-- characters have no trigram: such searches keep the LIKE (see
-- models::key_search).
CREATE VIRTUAL TABLE api_keys_name_fts USING fts5(
    name_key,
    content = 'api_keys',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO api_keys_name_fts (api_keys_name_fts) VALUES ('rebuild');
CREATE TRIGGER api_keys_name_fts_insert AFTER INSERT ON api_keys BEGIN
    INSERT INTO api_keys_name_fts (rowid, name_key) VALUES (new.id, new.name_key);
END;
CREATE TRIGGER api_keys_name_fts_delete AFTER DELETE ON api_keys BEGIN
    INSERT INTO api_keys_name_fts (api_keys_name_fts, rowid, name_key)
    VALUES ('delete', old.id, old.name_key);
END;
CREATE TRIGGER api_keys_name_fts_update AFTER UPDATE OF name_key ON api_keys BEGIN
    INSERT INTO api_keys_name_fts (api_keys_name_fts, rowid, name_key)
    VALUES ('delete', old.id, old.name_key);
    INSERT INTO api_keys_name_fts (rowid, name_key) VALUES (new.id, new.name_key);
END;

-- Search by a secret's shown prefix ("kd_gql_Ab12Cd") is an exact lookup.
CREATE INDEX api_key_secrets_prefix ON api_key_secrets (prefix);
