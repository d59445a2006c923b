//! Free text of a design: length and presence, and user input echoed in messages.

use crate::error::DomainError;

/// User input echoed in a message, cut to a readable length.
pub(super) fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}...")
    }
}

pub(super) fn check_text(
    param: &str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), DomainError> {
    if required && s.trim().is_empty() {
        return Err(DomainError::invalid(
            param,
            format!("{param} is required and must not be empty or only spaces"),
        ));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(
            param,
            format!("{param} may be at most {max} characters long: shorten it"),
        ));
    }
    Ok(())
}
