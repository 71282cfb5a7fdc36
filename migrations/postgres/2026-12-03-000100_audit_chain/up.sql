-- Tamper-evident history (issue 13, part 7): each event keeps the hash of
-- the one before it and its own. Existing events stay unchained (NULL):
-- the first event written after this migration is the chain's genesis
-- (its prev_hash is NULL).
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
