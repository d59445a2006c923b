//! The responses of every operation, completed in one place: an error response for
//! each status of the operation's examples in [`super::errors`] (a description per
//! status and the error envelope with those examples), and the `Request-Id` and
//! `Idempotent-Replayed` headers.

use crate::http::error::{ApiError, ErrorType};
use actix_web::http::StatusCode;
use std::collections::BTreeMap;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::{RefOr, ResponseBuilder};

use super::errors::ex;
/// The table of [`super::errors`], which the document's tests read from here too.
pub use super::errors::{ErrorExample, error_examples};
use super::schemas::{reference, string, string_enum};

pub const REQUEST_ID: &str = "Request-Id";
pub const IDEMPOTENT_REPLAYED: &str = "Idempotent-Replayed";

/// What an error status means; the description of that response.
pub fn status_description(status: u16) -> &'static str {
    match status {
        400 => {
            "Invalid request (`invalid_request_error`): `error.param` names the offending \
             parameter and `error.message` says how to fix it."
        }
        401 => "Missing, malformed, unknown or revoked API key (`authentication_error`).",
        402 => {
            "Billing limit (`billing_error`, code `pass_limit_reached`): the account may \
             not issue more live passes. Test mode is never limited."
        }
        404 => {
            "No such object for this account and mode (`not_found_error`, code \
             `resource_missing`, `param: \"id\"`). Objects of another account or of the \
             other mode answer 404 too."
        }
        409 => {
            "The `Idempotency-Key` was used with a different request, or the first request \
             with it is still running (`idempotency_error`)."
        }
        408 => {
            "The request body did not arrive in full within the server's deadline (10 s \
             unless `PASSMINT_BODY_TIMEOUT` says otherwise) (`invalid_request_error`); \
             the connection is closed. Nothing was stored under the `Idempotency-Key`."
        }
        413 => {
            "The request body is larger than the server's limit (1 MiB unless \
             `PASSMINT_MAX_BODY_BYTES` says otherwise) (`invalid_request_error`)."
        }
        415 => {
            "A non-empty body whose `Content-Type` is not `application/json` (or \
             `application/*+json`) (`invalid_request_error`)."
        }
        500 => {
            "Internal error (`api_error`). Nothing was stored under the `Idempotency-Key`, \
             so the request may be retried; quote the `Request-Id` if it persists."
        }
        _ => "",
    }
}

/// Statuses that a replay of a stored answer can have: the success and the 4xx
/// answers produced after the key was taken.
fn replayable(status: u16) -> bool {
    matches!(status, 200 | 400 | 402 | 404 | 415)
}

fn request_id_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(string().pattern(Some("^req_[0-9A-Za-z]{24}$")))
        .description(Some(
            "Identifies this request in the server's logs: on every response, errors \
             included. Quote it when reporting a problem.",
        ))
        .build()
}

fn replayed_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(string_enum(["true"]))
        .description(Some(
            "Present, with `true`, when this answer is the replay of the first answer \
             given to the same `Idempotency-Key`; nothing was done again.",
        ))
        .build()
}

/// Completes an operation: an error response for each status of its examples in
/// [`error_examples`], and the headers of every response.
pub fn complete(op: &mut Operation) {
    let operation_id = op.operation_id.clone().unwrap_or_default();
    let idempotent = op
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == "Idempotency-Key");
    let mut examples: BTreeMap<u16, Vec<ErrorExample>> = BTreeMap::new();
    for e in error_examples(&operation_id) {
        examples.entry(e.status()).or_default().push(e);
    }
    for (status, examples) in examples {
        op.responses.responses.insert(
            status.to_string(),
            RefOr::T(error_response(status, examples)),
        );
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        response
            .headers
            .insert(REQUEST_ID.to_owned(), request_id_header());
        if idempotent && replayable(status.parse().unwrap_or(0)) {
            response
                .headers
                .insert(IDEMPOTENT_REPLAYED.to_owned(), replayed_header());
        }
    }
}

fn error_response(status: u16, examples: Vec<ErrorExample>) -> Response {
    let mut content = ContentBuilder::new().schema(Some(reference("ErrorEnvelope")));
    for e in examples {
        content = content.examples_from_iter([(
            e.name,
            ExampleBuilder::new()
                .summary(e.summary)
                .value(Some(e.value()))
                .build(),
        )]);
    }
    ResponseBuilder::new()
        .description(status_description(status))
        .content("application/json", content.build())
        .build()
}

/// `components.responses`: the answers of any path to a method it does not have, and
/// of any path that does not exist. They belong to no operation, so they are listed
/// here for reference.
pub fn component_responses() -> Vec<(&'static str, Response)> {
    let one = |description: &str, name: &'static str, summary: &'static str, error: ApiError| {
        ResponseBuilder::new()
            .description(description)
            .header(REQUEST_ID, request_id_header())
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(reference("ErrorEnvelope")))
                    .examples_from_iter([(
                        name,
                        ExampleBuilder::new()
                            .summary(summary)
                            .value(Some(ex(name, summary, error).value()))
                            .build(),
                    )])
                    .build(),
            )
    };
    let allow = HeaderBuilder::new()
        .schema(string().pattern(Some("^[A-Z]+(, [A-Z]+)*$")))
        .description(Some(
            "The methods this path has, `OPTIONS` included (e.g. `GET, POST, OPTIONS`). \
             `OPTIONS` on the path answers 204 with the same header.",
        ))
        .build();
    vec![
        (
            "MethodNotAllowed",
            one(
                "Any path of the API answers a method it does not have with 405 \
                 (`invalid_request_error`) and an `Allow` header.",
                "method_not_allowed",
                "PUT on /v1/passes",
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorType::InvalidRequestError,
                    "Method PUT is not allowed on /v1/passes",
                ),
            )
            .header("Allow", allow)
            .build(),
        ),
        (
            "UnknownRoute",
            one(
                "A path the API does not have answers 404 (`not_found_error`, no `code`, \
                 no `param`), whatever the method.",
                "unknown_route",
                "A path the API does not have",
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorType::NotFoundError,
                    "Unrecognized request URL (GET /v1/nowhere)",
                ),
            )
            .build(),
        ),
    ]
}
