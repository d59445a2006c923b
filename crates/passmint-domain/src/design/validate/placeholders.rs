//! `{{name}}` placeholders in a design's texts: Apple's grammar (from
//! `passmint-apple`), with this product's messages and built-in names.

use super::text::clip;
use crate::design::Design;
use crate::error::DomainError;
use passmint_apple::PlaceholderError;

/// Placeholders every pass can fill, besides the keys of the design's fields.
pub const BUILTIN_PLACEHOLDERS: [&str; 4] =
    ["serial_number", "pass_id", "holder_name", "holder_email"];

/// The names of the `{{name}}` placeholders in `s`, in order (repeats included),
/// by Apple's grammar ([`passmint_apple::placeholders`]). An unclosed `{{` or a
/// malformed name is an error whose text explains the fix. Lone `{`, `}` or `}}`
/// are plain text.
pub fn placeholders(s: &str) -> Result<Vec<&str>, String> {
    passmint_apple::placeholders(s).map_err(|e| match e {
        PlaceholderError::Unclosed => "contains a '{{' that is never closed: write placeholders \
             as {{name}}, for example {{serial_number}}"
            .to_owned(),
        PlaceholderError::Malformed(name) => {
            let name = clip(name);
            format!(
                "contains a malformed placeholder '{{{{{name}}}}}': write {{{{name}}}} with \
                 no spaces, the name made of ASCII letters, digits, '_', '-' or '.'"
            )
        }
    })
}

/// Every placeholder in `s` must be a built-in one or a field key of the design.
pub(super) fn check_placeholders(param: &str, s: &str, design: &Design) -> Result<(), DomainError> {
    let names = placeholders(s).map_err(|m| DomainError::invalid(param, format!("{param} {m}")))?;
    for name in names {
        if !BUILTIN_PLACEHOLDERS.contains(&name) && design.fields.find(name).is_none() {
            let name = clip(name);
            return Err(DomainError::invalid(
                param,
                format!(
                    "{param} uses the unknown placeholder '{{{{{name}}}}}': use \
                     {{{{serial_number}}}}, {{{{pass_id}}}}, {{{{holder_name}}}}, \
                     {{{{holder_email}}}} or {{{{key}}}} with the key of a field of this \
                     design"
                ),
            ));
        }
    }
    Ok(())
}
