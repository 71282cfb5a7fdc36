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
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        name_key -> Text,
        expires_at -> Nullable<Timestamp>,
        all_stores -> Bool,
        last_used_at -> Nullable<Timestamp>,
        all_methods -> Bool,
    }
}

diesel::table! {
    api_key_secrets (id) {
        id -> BigInt,
        api_key_id -> BigInt,
        prefix -> Text,
        hash -> Text,
        created_at -> Timestamp,
        retires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        retiring_since -> Nullable<Timestamp>,
        stop_when_idle_secs -> Nullable<BigInt>,
    }
}

diesel::table! {
    key_usage (id) {
        id -> BigInt,
        api_key_id -> BigInt,
        secret_id -> BigInt,
        span -> Text,
        bucket -> Timestamp,
        dim -> Text,
        value -> Text,
        count -> BigInt,
        last_at -> Timestamp,
    }
}

diesel::table! {
    api_key_grants (api_key_id, function, action) {
        api_key_id -> BigInt,
        function -> Text,
        action -> Text,
    }
}

diesel::table! {
    api_key_methods (api_key_id, method, path) {
        api_key_id -> BigInt,
        method -> Text,
        path -> Text,
    }
}

diesel::table! {
    stores (id) {
        id -> BigInt,
        name -> Text,
        code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_key_stores (api_key_id, store_id) {
        api_key_id -> BigInt,
        store_id -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_key_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<BigInt>,
        target_name -> Nullable<Text>,
        details -> Text,
        source_ip -> Nullable<Text>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
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

diesel::table! {
    access_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        api_key_id -> BigInt,
        secret_id -> BigInt,
        scope -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    key_changes (id) {
        id -> Integer,
        stamp -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        api_key_id -> BigInt,
        idem_key -> Text,
        operation -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bulk_actions (id) {
        id -> BigInt,
        action -> Text,
        key_kind -> Text,
        filter -> Text,
        new_expires_at -> Nullable<Timestamp>,
        key_count -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        actor_name -> Text,
        created_at -> Timestamp,
        undone_at -> Nullable<Timestamp>,
        undone_by -> Nullable<Text>,
    }
}

diesel::table! {
    bulk_action_keys (bulk_action_id, api_key_id) {
        bulk_action_id -> BigInt,
        api_key_id -> BigInt,
        prev_active -> Bool,
        prev_expires_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(bulk_action_keys -> bulk_actions (bulk_action_id));
diesel::joinable!(api_keys -> channels (channel_id));
diesel::joinable!(api_key_roles -> api_keys (api_key_id));
diesel::joinable!(api_key_secrets -> api_keys (api_key_id));
diesel::joinable!(api_key_grants -> api_keys (api_key_id));
diesel::joinable!(api_key_stores -> api_keys (api_key_id));
diesel::joinable!(api_key_methods -> api_keys (api_key_id));
diesel::joinable!(api_key_stores -> stores (store_id));
diesel::joinable!(access_tokens -> api_keys (api_key_id));
diesel::joinable!(access_tokens -> api_key_secrets (secret_id));
diesel::joinable!(idempotency_keys -> api_keys (api_key_id));
diesel::joinable!(key_usage -> api_keys (api_key_id));
diesel::joinable!(key_usage -> api_key_secrets (secret_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_roles,
    sessions,
    settings,
    channels,
    api_keys,
    api_key_roles,
    api_key_secrets,
    api_key_grants,
    api_key_methods,
    stores,
    api_key_stores,
    audit_events,
    auth_throttle,
    access_tokens,
    key_changes,
    idempotency_keys,
    bulk_actions,
    bulk_action_keys,
    key_usage,
);
