DROP INDEX key_usage_key_fact;
