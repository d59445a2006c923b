//! Reading request bodies: size limit, content type, JSON syntax, and typed
//! deserialisation whose errors name the offending field with dots
//! (`design.fields.primary[0].key`).

use super::error::{ApiError, ErrorType};
use super::unicode::mark_unreadable;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use futures::StreamExt;
use passmint_domain::storable;
use serde::de::DeserializeOwned;

/// Reads the whole body, refusing more than `limit` bytes with a 413.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::InvalidRequestError,
            format!("Request body is larger than the limit of {limit} bytes"),
        )
    };
    if let Some(len) = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        // 408 past the body's deadline (docs/api.md §10), else 400.
        let chunk = chunk.map_err(super::deadline::read_error)?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Checks the content type of a non-empty body is JSON.
pub fn check_json_content_type(req: &HttpRequest, body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let ct = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorType::InvalidRequestError,
            format!(
                "Content-Type must be application/json (got '{}')",
                if ct.is_empty() { "none" } else { ct }
            ),
        ))
    }
}

/// Deserialises a JSON object body into `T` (an empty body reads as `{}`).
pub fn parse_json<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    check_json_content_type(req, body)?;
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    // A body that is valid JSON but not an object gets its own message.
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        unreadable_text(body).unwrap_or_else(|| {
            ApiError::invalid(format!(
                "Request body is not valid JSON: {}",
                strip_position(&e)
            ))
        })
    })?;
    let Some(fields) = value.as_object_mut() else {
        return Err(ApiError::invalid("Request body must be a JSON object"));
    };
    // Text and numbers every engine stores and reads back (docs/api.md §4).
    storable::check_body(fields)?;
    serde_path_to_error::deserialize(value).map_err(|e| path_error(&e))
}

/// The refusal naming the field of a lone surrogate or invalid UTF-8 that made
/// `body` unparsable, if that is why.
fn unreadable_text(body: &[u8]) -> Option<ApiError> {
    let marked = mark_unreadable(body)?;
    let mut value: serde_json::Value = serde_json::from_slice(&marked).ok()?;
    storable::check_body(value.as_object_mut()?)
        .err()
        .map(ApiError::from)
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn between_backticks(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let end = start + s[start..].find('`')?;
    Some(&s[start..end])
}

/// The param of a field named in a serde message: serde_path_to_error's path already
/// ends with it for unknown fields, not for missing ones.
fn join(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." {
        field.to_owned()
    } else if path == field || path.ends_with(&format!(".{field}")) {
        path.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Maps a typed deserialisation failure to a 400 naming the field.
pub fn path_error(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let msg = strip_position(e.inner());
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = between_backticks(rest).unwrap_or(rest);
        let param = join(&path, field);
        return ApiError::invalid(format!("{param} is required")).param(param);
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let field = between_backticks(rest).unwrap_or(rest);
        let param = join(&path, field);
        return ApiError::invalid(format!("Unknown parameter: {param}")).param(param);
    }
    let param = if path == "." { None } else { Some(path) };
    let message = match &param {
        Some(p) => format!("Invalid value for {p}: {msg}"),
        None => format!("Invalid request body: {msg}"),
    };
    let mut err = ApiError::invalid(message);
    err.body.param = param;
    err
}
