use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

/// A password as typed. Never printed: `Debug` is redacted and there is no
/// `Display`.
#[derive(Clone)]
pub struct Password(String);

/// The common passwords long enough to pass the length rule (see
/// `data/README.md` for the source and licence), lower-cased.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect()
});

impl Password {
    /// OWASP ASVS 5.0 §6.2.1: at least 15 characters when there is no second
    /// factor.
    pub const MIN_CHARS: usize = 15;
    /// Well above ASVS's "at least 64" and 128; argon2 reads every byte, so
    /// nothing is truncated.
    pub const MAX_CHARS: usize = 1024;

    /// A new password for the account `username`: 15 to 1024 characters of
    /// any kind (no composition rules), not on the common-password list, and
    /// not containing the username. The messages say what to do.
    pub fn parse_new(raw: &str, username: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            return Err(format!(
                "Choose a longer password: at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if len > Self::MAX_CHARS {
            return Err(format!(
                "Choose a shorter password: at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        if super::has_control_chars(raw) {
            return Err(
                "Choose a password without control characters such as line breaks or tabs.".into(),
            );
        }
        let lower = raw.to_lowercase();
        if is_common(&lower) {
            return Err("Choose a less common password: this one is on the list of passwords attackers try first.".into());
        }
        let name = username.trim().to_lowercase();
        if !name.is_empty() && lower.contains(&name) {
            return Err("Choose a password that does not contain the username.".into());
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

fn is_common(lower: &str) -> bool {
    COMMON.contains(lower)
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
        let short = Password::parse_new("fourteen chars", "ada").unwrap_err();
        assert!(short.contains("at least 15 characters"), "{short}");
        assert!(Password::parse_new("fifteen chars!!", "ada").is_ok());
        assert!(Password::parse_new(&"x y".repeat(42), "ada").is_ok());
        assert!(Password::parse_new(&"xy".repeat(512), "ada").is_ok());
        assert!(Password::parse_new(&"x".repeat(1025), "ada").is_err());
        assert!(Password::parse_new("fifteen chars!\u{0}", "ada").is_err());
        // Any characters: no composition rule, Unicode counts as characters.
        assert!(Password::parse_new("ééééééééééééééé", "ada").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        for common in [
            "passwordpassword",
            "qwertyuiopasdfgh",
            "123456789012345",
            "1qaz2wsx3edc4rfv",
            "PasswordPassword",
        ] {
            let e = Password::parse_new(common, "ada").unwrap_err();
            assert!(e.contains("less common"), "{common}: {e}");
        }
    }

    #[test]
    fn the_username_may_not_be_in_it() {
        for pw in ["alice-is-my-name!", "my name is ALICE ok"] {
            let e = Password::parse_new(pw, "alice").unwrap_err();
            assert!(e.contains("username"), "{pw}: {e}");
        }
        assert!(Password::parse_new("correct horse battery staple", "alice").is_ok());
    }

    #[test]
    fn the_list_is_loaded() {
        assert!(super::COMMON.len() > 9_000);
        assert!(super::COMMON.iter().all(|p| p.chars().count() >= 15));
    }

    #[test]
    fn debug_is_redacted() {
        let p = Password::parse_new("correct horse battery staple", "ada").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
