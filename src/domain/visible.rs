//! The check every name shares (keys, channels, stores, users): no
//! character that changes how a name looks without being seen. Bidirectional
//! overrides (the "Trojan Source" trick) can show `kd-prod` for a name stored
//! as something else, and zero-width characters make two keys whose names
//! look the same; both are refused rather than shown.

/// The first hidden character of `s`, with its code point for the message.
pub fn hidden_char(s: &str) -> Option<char> {
    s.chars().find(|c| is_hidden(*c))
}

/// `Err` with a message that says what to do, for a name with a hidden
/// character.
pub fn check_visible(s: &str, what: &str) -> Result<(), String> {
    match hidden_char(s) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{what} may not contain invisible or direction-changing characters (U+{:04X} here). Type it again without them.",
            c as u32
        )),
    }
}

fn is_hidden(c: char) -> bool {
    matches!(c,
        // Bidirectional embeddings, overrides, isolates and marks.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        // Zero-width space, non-joiner, joiner, word joiner, BOM, invisible
        // operators, Mongolian vowel separator, soft hyphen, combining
        // grapheme joiner.
        | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}'
        | '\u{00AD}' | '\u{034F}'
        // Fillers that render as blank: Hangul fillers, braille blank.
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}'
        // Deprecated format characters, interlinear annotations, tags.
        | '\u{206A}'..='\u{206F}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bidi_and_zero_width_characters() {
        for bad in [
            "kd\u{202E}dorp",
            "prod\u{200B}",
            "a\u{2066}b\u{2069}",
            "\u{FEFF}key",
            "x\u{200D}y",
            "tag\u{E0041}",
            "soft\u{00AD}hyphen",
        ] {
            assert!(check_visible(bad, "A name").is_err(), "{bad:?}");
        }
        for ok in ["ERP sync", "École", "日本語キー", "emoji 🔑", "a-b_c.d"] {
            assert!(check_visible(ok, "A name").is_ok(), "{ok}");
        }
    }
}
