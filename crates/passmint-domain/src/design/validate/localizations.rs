//! `localizations` of a design (docs/api.md §3): per language, the strings of its
//! `pass.strings` and its localized images.
//!
//! Limits: at most [`MAX_LOCALIZATIONS`] languages, each tag an `.lproj` name
//! ([`passmint_apple::check_language_tag`]) and no two the same but for case;
//! each language has strings or images; at most [`MAX_LOCALIZED_STRINGS`] strings
//! per language, keys of 1 to [`MAX_LOCALIZED_KEY_LEN`] characters and texts of
//! at most [`MAX_LOCALIZED_TEXT_LEN`]; images named and checked as `images`, and
//! all the localized images together at most [`MAX_LOCALIZED_IMAGES_BYTES`].

use super::images::check_images_at;
use super::text::clip;
use crate::design::Design;
use crate::error::DomainError;
use crate::template::AppleStyle;
use passmint_apple::{check_language_tag, language_tag_key};
use std::collections::HashMap;

/// The most languages a design may have.
pub const MAX_LOCALIZATIONS: usize = 50;
/// The most strings of one language.
pub const MAX_LOCALIZED_STRINGS: usize = 200;
/// The longest key of a localized string, in characters.
pub const MAX_LOCALIZED_KEY_LEN: usize = 200;
/// The longest localized text, in characters.
pub const MAX_LOCALIZED_TEXT_LEN: usize = 2000;
/// The largest sum of the localized images of a design, every language together
/// (decoded from base64).
pub const MAX_LOCALIZED_IMAGES_BYTES: usize = 2 * 1024 * 1024;

pub(super) fn check_localizations(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    let localizations = &design.localizations;
    if localizations.len() > MAX_LOCALIZATIONS {
        return Err(DomainError::invalid(
            "localizations",
            format!(
                "localizations has {} languages but at most {MAX_LOCALIZATIONS} are \
                 accepted: remove some",
                localizations.len()
            ),
        ));
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut images_total = 0usize;
    for (tag, localization) in localizations {
        let param = format!("localizations.{tag}");
        check_language_tag(tag)
            .map_err(|why| DomainError::invalid(&param, format!("'{}' {why}", clip(tag))))?;
        if let Some(other) = seen.insert(language_tag_key(tag), tag) {
            return Err(DomainError::invalid(
                &param,
                format!(
                    "localizations has both '{other}' and '{tag}', the same language but \
                     for case: Wallet reads one .lproj directory per language, keep one"
                ),
            ));
        }
        if localization.strings.is_empty() && localization.images.is_empty() {
            return Err(DomainError::invalid(
                &param,
                format!(
                    "{param} has neither strings nor images: give it some, or remove the \
                     language"
                ),
            ));
        }
        check_strings(&param, &localization.strings)?;
        let images = format!("{param}.images");
        images_total += check_images_at(&images, style, &localization.images)?;
        if images_total > MAX_LOCALIZED_IMAGES_BYTES {
            return Err(DomainError::invalid(
                &images,
                format!(
                    "the localized images may be at most {} MiB in all once decoded, and \
                     they pass it at {images}: make the images smaller or localize fewer",
                    MAX_LOCALIZED_IMAGES_BYTES / (1024 * 1024)
                ),
            ));
        }
    }
    Ok(())
}

fn check_strings(
    param: &str,
    strings: &std::collections::BTreeMap<String, String>,
) -> Result<(), DomainError> {
    let param = format!("{param}.strings");
    if strings.len() > MAX_LOCALIZED_STRINGS {
        return Err(DomainError::invalid(
            &param,
            format!(
                "{param} has {} strings but at most {MAX_LOCALIZED_STRINGS} are accepted \
                 per language: remove some",
                strings.len()
            ),
        ));
    }
    for (key, text) in strings {
        if key.trim().is_empty() {
            return Err(DomainError::invalid(
                &param,
                format!(
                    "{param} has an empty key: a key is the text pass.json carries (a \
                     label or value of the design), give it one"
                ),
            ));
        }
        let at = format!("{param}.{key}");
        if key.chars().count() > MAX_LOCALIZED_KEY_LEN {
            return Err(DomainError::invalid(
                &at,
                format!(
                    "the key '{}' of {param} is longer than {MAX_LOCALIZED_KEY_LEN} \
                     characters: shorten it",
                    clip(key)
                ),
            ));
        }
        if text.chars().count() > MAX_LOCALIZED_TEXT_LEN {
            return Err(DomainError::invalid(
                &at,
                format!(
                    "{} may be at most {MAX_LOCALIZED_TEXT_LEN} characters long: shorten it",
                    clip(&at)
                ),
            ));
        }
    }
    Ok(())
}
