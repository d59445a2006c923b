//! What every engine can store and read back exactly as it was answered
//! (docs/api.md §4, §10): text without NUL, and JSON values whose numbers read
//! back as the same numbers.
//!
//! - **Text**: PostgreSQL's `text` and `jsonb` cannot hold U+0000, so no string the
//!   API stores may contain it, on any engine. Lone surrogates and invalid UTF-8
//!   never get this far (the body is parsed as UTF-8 JSON first).
//! - **Numbers**: `jsonb` keeps a number as a decimal and prints it without an
//!   exponent, so `-0.0` reads back as `0.0` and `1e18` as the integer
//!   `1000000000000000000`. [`normalize_json`] answers what every engine reads back:
//!   `-0.0` becomes `0.0`, and an integral float of 64 bits or fewer whose shortest
//!   form has an exponent (from 1e16 on) becomes that integer. Other floats
//!   (`1.7976931348623157e308`, `5e-324`) and integers beyond 64 bits (read as the
//!   nearest float) already read back exactly.
//! - **Depth**: a value nests at most [`MAX_JSON_DEPTH`] arrays or objects, so an
//!   answer that wraps it (a list, a webhook payload) stays readable by JSON parsers
//!   that bound their recursion (128 levels is common).

use crate::error::DomainError;
use serde_json::{Map, Number, Value};

/// How deep a stored free-form JSON value (a metadata value) may nest.
pub const MAX_JSON_DEPTH: usize = 20;

/// The message of a string that cannot be stored.
pub const NUL_MESSAGE: &str =
    "must be valid Unicode text without NUL characters (U+0000), lone surrogates or invalid UTF-8";

/// Refuses a string the engines cannot store: one holding NUL.
pub fn check_text(param: &str, s: &str) -> Result<(), DomainError> {
    if s.contains('\0') {
        return Err(DomainError::invalid(
            param,
            format!("{param} {NUL_MESSAGE}"),
        ));
    }
    Ok(())
}

/// The param of a key under `path` (`metadata.k`, or `k` at the top).
pub fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Refuses the first string or key of `value` holding NUL, with the dotted path of
/// where it is below `path` (`field_values.seat`, `design.fields.back[0].label`). A
/// key holding NUL is reported at the object that has it (`param: null` at the top).
pub fn check_json_text(path: &str, value: &Value) -> Result<(), DomainError> {
    match value {
        Value::String(s) if s.contains('\0') => Err(refusal(path)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_json_text(&format!("{path}[{i}]"), v)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                return Err(refusal(path));
            }
            check_json_text(&key_path(path, k), v)
        }),
        _ => Ok(()),
    }
}

fn refusal(path: &str) -> DomainError {
    if path.is_empty() {
        DomainError::Invalid {
            param: None,
            message: format!("A key of the request body {NUL_MESSAGE}"),
            code: None,
        }
    } else {
        DomainError::invalid(path, format!("{path} {NUL_MESSAGE}"))
    }
}

/// Rewrites the numbers of `value` as every engine reads them back (see the module
/// documentation).
pub fn normalize_json(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                *n = normalize_float(f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_json),
        Value::Object(map) => map.values_mut().for_each(normalize_json),
        _ => {}
    }
}

/// Integral floats from 1e16 on are printed with an exponent, which `jsonb` stores
/// as an integer; 2^64 and beyond stay floats on every engine.
const EXPONENT_FROM: f64 = 1e16;
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn normalize_float(f: f64) -> Number {
    let integral = f.fract() == 0.0 && f.abs() >= EXPONENT_FROM;
    if integral && (0.0..TWO_POW_64).contains(&f) {
        return Number::from(f as u64);
    }
    if integral && (-TWO_POW_63..0.0).contains(&f) {
        return Number::from(f as i64);
    }
    if f == 0.0 {
        // `-0.0` has no sign in a decimal.
        return Number::from_f64(0.0).unwrap_or_else(|| Number::from(0));
    }
    Number::from_f64(f).unwrap_or_else(|| Number::from(0))
}

/// How many arrays or objects `value` nests (0 for a scalar).
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Refuses a free-form value nested deeper than [`MAX_JSON_DEPTH`].
pub fn check_depth(param: &str, value: &Value) -> Result<(), DomainError> {
    if depth(value) > MAX_JSON_DEPTH {
        return Err(DomainError::invalid(
            param,
            format!("{param} may nest at most {MAX_JSON_DEPTH} arrays or objects"),
        ));
    }
    Ok(())
}

/// [`check_json_text`] and [`normalize_json`] over a whole request body.
pub fn check_body(body: &mut Map<String, Value>) -> Result<(), DomainError> {
    for (k, v) in body.iter_mut() {
        if k.contains('\0') {
            return Err(refusal(""));
        }
        check_json_text(k, v)?;
        normalize_json(v);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param_of(r: Result<(), DomainError>) -> Option<String> {
        match r {
            Err(DomainError::Invalid { param, .. }) => param,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn nul_is_refused_where_it_is() {
        let v = json!({"fields": {"back": [{"key": "a"}, {"label": "x\u{0}y"}]}});
        assert_eq!(
            param_of(check_json_text("design", &v)).as_deref(),
            Some("design.fields.back[1].label")
        );
        let v = json!({"ok": "v", "b\u{0}ad": 1});
        assert_eq!(
            param_of(check_json_text("metadata", &v)).as_deref(),
            Some("metadata")
        );
        let mut body = json!({"k\u{0}": 1}).as_object().cloned().unwrap();
        assert_eq!(param_of(check_body(&mut body)), None);
        let mut body = json!({"field_values": {"seat": "\u{0}"}})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(
            param_of(check_body(&mut body)).as_deref(),
            Some("field_values.seat")
        );
        assert!(check_json_text("m", &json!({"k": ["\u{1}", "é", "\u{fffd}"]})).is_ok());
        assert!(check_text("holder_name", "a\u{0}").is_err());
        assert!(check_text("holder_name", "a").is_ok());
    }

    #[test]
    fn numbers_are_answered_as_every_engine_reads_them() {
        let mut v: Value = serde_json::from_str(
            "[-0.0, -0, 1e16, 1.5e17, -1e18, 1e19, 1e20, 1.7976931348623157e308, 5e-324, 1.0, 2.5, 7]",
        )
        .unwrap();
        normalize_json(&mut v);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            "[0.0,0.0,10000000000000000,150000000000000000,-1000000000000000000,\
             10000000000000000000,1e+20,1.7976931348623157e+308,5e-324,1.0,2.5,7]"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = json!(1);
        for _ in 0..MAX_JSON_DEPTH {
            v = json!([v]);
        }
        assert!(check_depth("metadata.k", &v).is_ok());
        let v = json!({ "k": v });
        assert_eq!(
            param_of(check_depth("metadata.k", &v)).as_deref(),
            Some("metadata.k")
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod decimal_tests {
    use serde_json::Value;

    /// `jsonb` prints a number as a plain decimal; each must parse back as the
    /// float that was written (the workspace builds serde_json with
    /// `float_roundtrip` for this).
    #[test]
    fn jsonb_decimals_read_back_as_the_same_float() {
        let max = format!("17976931348623157{}", "0".repeat(292));
        let min = format!("0.{}5", "0".repeat(323));
        for (decimal, float) in [
            (max.as_str(), f64::MAX),
            (min.as_str(), 5e-324),
            ("0.1", 0.1),
            ("123456789012345680000000000000", 1.2345678901234568e29),
        ] {
            let v: Value = serde_json::from_str(decimal).unwrap();
            assert_eq!(v.as_f64(), Some(float), "{decimal}");
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                serde_json::to_string(&float).unwrap()
            );
        }
    }
}
