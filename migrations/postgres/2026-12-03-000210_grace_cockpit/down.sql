ALTER TABLE api_key_secrets DROP COLUMN stop_when_idle_secs;
ALTER TABLE api_key_secrets DROP COLUMN retiring_since;
