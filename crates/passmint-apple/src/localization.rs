//! Localized passes: the language tags of `<lang>.lproj` directories and the
//! `pass.strings` file Wallet reads in each (docs/api.md §3).

/// The longest language tag accepted.
pub const MAX_LANGUAGE_TAG_LEN: usize = 20;

/// Checks the form of a language tag as an `.lproj` directory takes it: a language
/// of two or three letters (`en`, `fil`), optionally a script of four letters
/// (`zh-Hans`) and a region of two letters or three digits (`pt-BR`, `es-419`),
/// separated by `-` or `_` (`en_GB`). Letters may be of any case (tags are
/// case-insensitive; see [`language_tag_key`] for duplicates). The error completes
/// a sentence starting with the tag.
pub fn check_language_tag(tag: &str) -> Result<(), &'static str> {
    const FORM: &str = "is not a language tag: use a language of 2 or 3 letters, \
        optionally followed by a script of 4 letters and a region of 2 letters or 3 \
        digits, separated by '-' (for example en, fr, pt-BR, zh-Hans, es-419)";
    if tag.is_empty() || tag.len() > MAX_LANGUAGE_TAG_LEN {
        return Err(FORM);
    }
    let mut parts = tag.split(['-', '_']);
    let letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let language = parts.next().unwrap_or_default();
    if !letters(language, 2..=3) {
        return Err(FORM);
    }
    let mut rest: Vec<&str> = parts.collect();
    if rest.first().is_some_and(|s| letters(s, 4..=4)) {
        rest.remove(0);
    }
    match rest.as_slice() {
        [] => Ok(()),
        [region]
            if letters(region, 2..=2)
                || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Ok(())
        }
        _ => Err(FORM),
    }
}

/// The tag as compared for duplicates: lowercase, `_` as `-` (`pt_BR` and `pt-br`
/// name the same `.lproj` directory on a case-insensitive file system).
pub fn language_tag_key(tag: &str) -> String {
    tag.to_ascii_lowercase().replace('_', "-")
}

/// Writes one `"key" = "value";` line per entry, `\`, `"`, newlines, carriage
/// returns and tabs escaped, as the text of a `pass.strings` file (the caller
/// encodes it, see [`pass_strings_utf16`]).
pub fn pass_strings_text<'a>(strings: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    fn escaped(out: &mut String, s: &str) {
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
    }
    let mut out = String::new();
    for (key, value) in strings {
        out.push('"');
        escaped(&mut out, key);
        out.push_str("\" = \"");
        escaped(&mut out, value);
        out.push_str("\";\n");
    }
    out
}

/// A `pass.strings` file as Wallet reads it: UTF-16, little endian, with its byte
/// order mark (`FF FE`) first.
pub fn pass_strings_utf16<'a>(strings: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let text = pass_strings_text(strings);
    let mut out = Vec::with_capacity(2 + 2 * text.len());
    out.extend_from_slice(&[0xFF, 0xFE]);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tags_of_lproj_directories_are_accepted() {
        for tag in [
            "en",
            "fr",
            "pt-BR",
            "zh-Hans",
            "zh-Hant-TW",
            "es-419",
            "en_GB",
            "fil",
        ] {
            assert_eq!(check_language_tag(tag), Ok(()), "{tag}");
        }
    }

    #[test]
    fn other_tags_are_refused() {
        for tag in [
            "", "e", "english", "en-", "-en", "en-GBR", "en-1", "fr.lproj", "en/..", "zh-Hans-",
            "en-GB-x", "é", "en GB",
        ] {
            assert!(check_language_tag(tag).is_err(), "{tag}");
        }
    }

    #[test]
    fn keys_ignore_case_and_separator() {
        assert_eq!(language_tag_key("pt_BR"), language_tag_key("pt-br"));
        assert_ne!(language_tag_key("pt-BR"), language_tag_key("pt-PT"));
    }

    #[test]
    fn strings_are_escaped_and_utf16_with_a_bom() {
        let text = pass_strings_text([("a\"b", "c\\d\ne")]);
        assert_eq!(text, "\"a\\\"b\" = \"c\\\\d\\ne\";\n");
        let bytes = pass_strings_utf16([("k", "é")]);
        assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), "\"k\" = \"é\";\n");
    }
}
