//! A key's secret generations as its dialog lists them.

use chrono::NaiveDateTime;

use super::list::{format_time, relative_time};
use crate::models::key_secret::{KeySecret, SecretStatus};

pub struct SecretView {
    pub prefix: String,
    pub created: String,
    /// "Current", "Retiring until …", "Retired …".
    pub status: String,
    pub retiring: bool,
    pub current: bool,
    pub last_used: String,
}

impl SecretView {
    pub fn new(s: &KeySecret, now: NaiveDateTime) -> Self {
        let status = s.status(now);
        Self {
            prefix: s.prefix.clone(),
            created: format_time(s.created_at),
            status: match status {
                SecretStatus::Current => "Current".into(),
                SecretStatus::Retiring(t) => {
                    format!(
                        "Retiring until {} UTC ({})",
                        format_time(t),
                        relative_time(t, now)
                    )
                }
                SecretStatus::Retired(t) => format!("Retired {} UTC", format_time(t)),
            },
            retiring: matches!(status, SecretStatus::Retiring(_)),
            current: status == SecretStatus::Current,
            last_used: match s.last_used_at {
                None => "never".into(),
                Some(t) => relative_time(t, now),
            },
        }
    }
}
