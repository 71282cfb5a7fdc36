-- Sessions know their user, so a password change can end the others.
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
CREATE INDEX sessions_user_id ON sessions (user_id);

-- Failed authentications per (scope, subject): an account, a source address,
-- an API client. Shared by every instance on the same database.
CREATE TABLE auth_throttle (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX auth_throttle_last_failure_at ON auth_throttle (last_failure_at);
