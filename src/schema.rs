//! The one diesel schema for both backends, written by hand (see diesel.toml).

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, definition) {
        user_id -> BigInt,
        definition -> Text,
        level -> SmallInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        user_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    channels (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        active -> Bool,
        channel_id -> Nullable<BigInt>,
        client_id -> Nullable<Text>,
        secret_prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        name_key -> Text,
    }
}

diesel::table! {
    api_key_roles (api_key_id, definition) {
        api_key_id -> BigInt,
        definition -> Text,
        level -> SmallInt,
    }
}

diesel::table! {
    auth_throttle (scope, subject) {
        scope -> Text,
        subject -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(api_keys -> channels (channel_id));
diesel::joinable!(api_key_roles -> api_keys (api_key_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_roles,
    sessions,
    settings,
    channels,
    api_keys,
    api_key_roles,
    auth_throttle,
);
