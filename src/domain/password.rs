use std::fmt;

/// A password as typed. Never printed: `Debug` is redacted and there is no
/// `Display`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    /// A new password must have 12 to 1024 characters and no control characters.
    pub fn parse_new(raw: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            return Err(format!(
                "A password needs at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if len > Self::MAX_CHARS {
            return Err(format!(
                "A password has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        if super::has_control_chars(raw) {
            return Err("A password may not contain control characters.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password offered at sign-in: only bounded, so an enormous body cannot
    /// keep argon2 busy; whether it is right is for the hash to say.
    pub fn parse_attempt(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.len() <= 4 * Self::MAX_CHARS).then(|| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn length_bounds() {
        assert!(Password::parse_new("short").is_err());
        assert!(Password::parse_new("exactly12chr").is_ok());
        assert!(Password::parse_new(&"x".repeat(1025)).is_err());
        assert!(Password::parse_new("twelve chars\u{0}").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let p = Password::parse_new("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
