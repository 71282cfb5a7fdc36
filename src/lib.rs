//! keydesk: a back office where companies manage the API keys their partners
//! and internal systems use to reach their platform.

pub mod access;
pub mod api;
pub mod auth;
pub mod catalogue;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod keys;
pub mod middleware;
pub mod models;
pub mod routes;
pub mod schema;
pub mod startup;
pub mod state;
pub mod stores;
pub mod throttle;
pub mod web;
