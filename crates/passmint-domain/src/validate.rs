//! Rules shared by the use cases: metadata limits, holder fields, field values.

use crate::design::{Design, Fields};
use crate::error::DomainError;
use crate::storable::{check_depth, check_json_text, check_text};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const MAX_METADATA_KEYS: usize = 50;
pub const MAX_METADATA_KEY_LEN: usize = 40;
pub const MAX_METADATA_VALUE_LEN: usize = 500;
pub const MAX_HOLDER_NAME_LEN: usize = 200;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_FIELD_VALUE_LEN: usize = 2000;

/// docs/api.md §4: at most 50 keys, keys of 1 to 40 characters, string values of at
/// most 500 characters, no NUL anywhere, values nested at most
/// [`crate::storable::MAX_JSON_DEPTH`] deep.
pub fn check_metadata(metadata: &Map<String, Value>) -> Result<(), DomainError> {
    if metadata.len() > MAX_METADATA_KEYS {
        return Err(DomainError::invalid(
            "metadata",
            format!("metadata may have at most {MAX_METADATA_KEYS} keys"),
        ));
    }
    check_json_text("metadata", &Value::Object(metadata.clone()))?;
    for (k, v) in metadata {
        check_depth(&format!("metadata.{k}"), v)?;
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY_LEN {
            return Err(DomainError::invalid(
                format!("metadata.{k}"),
                format!("metadata keys must be 1 to {MAX_METADATA_KEY_LEN} characters long"),
            ));
        }
        if let Value::String(s) = v
            && s.chars().count() > MAX_METADATA_VALUE_LEN
        {
            return Err(DomainError::invalid(
                format!("metadata.{k}"),
                format!("metadata values may be at most {MAX_METADATA_VALUE_LEN} characters long"),
            ));
        }
    }
    Ok(())
}

/// A plausible address: one `@` with text on both sides, a dot in the domain, no
/// spaces, at most 254 characters.
pub fn check_email(param: &str, email: &str) -> Result<(), DomainError> {
    let bad = || DomainError::invalid(param, format!("{param} is not a valid email address"));
    if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(())
}

pub fn check_holder_name(name: &str) -> Result<(), DomainError> {
    check_text("holder_name", name)?;
    if name.chars().count() > MAX_HOLDER_NAME_LEN {
        return Err(DomainError::invalid(
            "holder_name",
            format!("holder_name may be at most {MAX_HOLDER_NAME_LEN} characters long"),
        ));
    }
    Ok(())
}

/// Every key must be a field key of the design; values are bounded.
pub fn check_field_values(
    design: &Design,
    values: &BTreeMap<String, String>,
) -> Result<(), DomainError> {
    check_field_values_in(&design.fields, values)
}

/// [`check_field_values`] against the fields of a design.
pub fn check_field_values_in(
    fields: &Fields,
    values: &BTreeMap<String, String>,
) -> Result<(), DomainError> {
    for (k, v) in values {
        check_field_value_in(fields, k, Some(v))?;
    }
    Ok(())
}

pub fn check_field_value(
    design: &Design,
    key: &str,
    value: Option<&str>,
) -> Result<(), DomainError> {
    check_field_value_in(&design.fields, key, value)
}

/// [`check_field_value`] against the fields of a design.
pub fn check_field_value_in(
    fields: &Fields,
    key: &str,
    value: Option<&str>,
) -> Result<(), DomainError> {
    let param = format!("field_values.{key}");
    if fields.find(key).is_none() {
        return Err(DomainError::invalid(
            param,
            format!("'{key}' is not a field of this template's design"),
        ));
    }
    if let Some(v) = value {
        check_text(&param, v)?;
    }
    if let Some(v) = value
        && v.chars().count() > MAX_FIELD_VALUE_LEN
    {
        return Err(DomainError::invalid(
            param,
            format!("field values may be at most {MAX_FIELD_VALUE_LEN} characters long"),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_limits() {
        let mut m = Map::new();
        for i in 0..50 {
            m.insert(format!("k{i}"), json!("v"));
        }
        assert!(check_metadata(&m).is_ok());
        m.insert("one_more".into(), json!(1));
        assert!(
            matches!(check_metadata(&m), Err(DomainError::Invalid { param: Some(p), .. }) if p == "metadata")
        );
        let mut m = Map::new();
        m.insert("k".repeat(41), json!("v"));
        assert!(check_metadata(&m).is_err());
        let mut m = Map::new();
        m.insert("k".into(), json!("v".repeat(501)));
        let err = check_metadata(&m).unwrap_err();
        assert!(matches!(err, DomainError::Invalid { param: Some(p), .. } if p == "metadata.k"));
        let mut m = Map::new();
        m.insert("k".into(), json!("v".repeat(500)));
        assert!(check_metadata(&m).is_ok());
    }

    #[test]
    fn stored_text_holds_no_nul_and_metadata_nests_boundedly() {
        let param = |r: Result<(), DomainError>| match r {
            Err(DomainError::Invalid { param, .. }) => param,
            other => panic!("not refused: {other:?}"),
        };
        let mut m = Map::new();
        m.insert("k".into(), json!({"deep": ["a\u{0}"]}));
        assert_eq!(
            param(check_metadata(&m)).as_deref(),
            Some("metadata.k.deep[0]")
        );
        let mut m = Map::new();
        m.insert("k\u{0}".into(), json!(1));
        assert_eq!(param(check_metadata(&m)).as_deref(), Some("metadata"));
        let mut deep = json!(1);
        for _ in 0..=crate::storable::MAX_JSON_DEPTH {
            deep = json!([deep]);
        }
        let mut m = Map::new();
        m.insert("k".into(), deep);
        assert_eq!(param(check_metadata(&m)).as_deref(), Some("metadata.k"));
        assert_eq!(
            param(check_holder_name("a\u{0}b")).as_deref(),
            Some("holder_name")
        );
    }

    #[test]
    fn emails() {
        assert!(check_email("holder_email", "alice@example.com").is_ok());
        for bad in [
            "alice",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@example.com.",
        ] {
            assert!(check_email("holder_email", bad).is_err(), "{bad}");
        }
    }
}
