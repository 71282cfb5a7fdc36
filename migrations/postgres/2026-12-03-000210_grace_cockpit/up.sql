-- The rotation cockpit (issue 13): when a secret's grace period began (for
-- the Deprecation header), and "stop it once idle for N seconds".
ALTER TABLE api_key_secrets ADD COLUMN retiring_since TIMESTAMP;
ALTER TABLE api_key_secrets ADD COLUMN stop_when_idle_secs BIGINT;
