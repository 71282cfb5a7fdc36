//! The black-box suite: one test binary (one link step), one module per
//! feature. Every test starts the real app with its own database; see
//! `helpers.rs`.

mod access_support;
mod auth;
mod cli;
mod concurrency;
mod csrf;
mod errors;
mod headers;
mod health;
mod helpers;
mod keys_access;
mod keys_bad_input;
mod keys_create;
mod keys_delete;
mod keys_edit;
mod keys_list;
mod keys_support;
mod oauth;
mod roles;
mod sessions;
mod setup;
mod users;
mod verify;
