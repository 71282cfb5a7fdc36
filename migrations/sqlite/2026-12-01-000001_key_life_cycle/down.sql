-- Not reversible without losing secrets issued by a refresh: restore a backup.
SELECT RAISE(ABORT, 'migration 2026-12-01-000001_key_life_cycle cannot be reverted');
