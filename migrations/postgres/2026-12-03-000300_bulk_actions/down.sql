DROP TABLE bulk_action_keys;
DROP TABLE bulk_actions;
