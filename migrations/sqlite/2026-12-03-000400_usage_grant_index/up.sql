-- Least-privilege suggestions (issue 13): the list's "Over-privileged"
-- filter asks, per grant of a key, whether the usage record has a 'grant'
-- row for it in the last 30 days. This index answers that with one seek
-- (key, dim, value, then the newest bucket) instead of reading every row
-- of the key in the window.
CREATE INDEX key_usage_key_fact ON key_usage (api_key_id, dim, value, bucket);
