DROP TABLE auth_throttle;
DROP INDEX sessions_user_id;
ALTER TABLE sessions DROP COLUMN user_id;
