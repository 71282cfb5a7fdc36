DROP TABLE settings;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
