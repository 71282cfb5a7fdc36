DROP TABLE api_key_roles;
DROP TABLE api_keys;
DROP TABLE channels;
