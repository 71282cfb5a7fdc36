use std::fmt;

/// An API key's name: 1–100 characters after trimming, no control characters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Enter a name.".into());
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "A name has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        if super::has_control_chars(s) {
            return Err("A name may not contain control characters such as line breaks.".into());
        }
        // So two keys (or channels, or stores) cannot look alike.
        super::visible::check_visible(s, "A name")?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::KeyName;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(KeyName::parse("  ERP sync ").unwrap().as_str(), "ERP sync");
        assert!(KeyName::parse("   ").is_err());
        assert!(KeyName::parse(&"é".repeat(100)).is_ok());
        assert!(KeyName::parse(&"é".repeat(101)).is_err());
        assert!(KeyName::parse("a\tb").is_err());
        assert_eq!(KeyName::parse("<b>x</b>").unwrap().as_str(), "<b>x</b>");
        assert!(KeyName::parse("ERP\u{200B} sync").is_err());
        assert!(KeyName::parse("\u{202E}cnys PRE").is_err());
    }
}
