-- Not reversible without losing secrets issued by a refresh: restore a backup.
DO $$ BEGIN RAISE EXCEPTION 'migration 2026-12-01-000001_key_life_cycle cannot be reverted'; END $$;
