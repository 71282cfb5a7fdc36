-- Search that does not scan (issue 12): a trigram index of name_key (the
-- lower-cased name the list sorts by), which serves the list's
-- `name_key LIKE '%text%'` as it is, so the search means exactly what it
-- meant before. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX api_keys_name_trgm ON api_keys USING gin (name_key gin_trgm_ops);

-- Search by a secret's shown prefix ("kd_gql_Ab12Cd") is an exact lookup.
CREATE INDEX api_key_secrets_prefix ON api_key_secrets (prefix);
