use std::fmt;

/// A back-office username: 3–64 characters of letters, digits and `. _ @ -`.
#[derive(Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if super::has_control_chars(raw) {
            return Err("A username may not contain control characters.".into());
        }
        let s = raw.trim();
        if s.is_empty() {
            return Err("Enter a username.".into());
        }
        let len = s.chars().count();
        if !(3..=64).contains(&len) {
            return Err("A username has 3 to 64 characters.".into());
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
        {
            return Err("A username may use letters, digits and . _ @ - only.".into());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Username;

    #[test]
    fn accepts_ordinary_names() {
        for ok in ["ada", "ada.lovelace@example.com", "ops_2-b"] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Username::parse("  ada ").unwrap().as_str(), "ada");
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "",
            "ab",
            "a b c",
            "<script>",
            "ada\n",
            &"x".repeat(65),
            "élan",
            "ada\u{200B}",
            "\u{202E}ada",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }
}
