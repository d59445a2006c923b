//! Every operation's error answers, by operation id: the one place where the error
//! statuses of an operation are declared. The `#[utoipa::path]` annotations of
//! `routes/` list only the success; `complete` in `responses.rs` adds a response
//! for each status found here, with these examples.
//!
//! The examples are produced by the server's own code wherever it can be called
//! without a request (the domain's errors and validators, the body parser's error
//! mapping), so their `type`, `code`, `param` and status are the real ones.

use crate::dto::{
    CreateBundleRequest, CreatePassRequest, CreateTemplateRequest, CreateWebhookRequest,
    EmptyRequest, UpdatePassRequest, UpdateWebhookRequest,
};
use crate::http::body::path_error;
use crate::http::error::{ApiError, ErrorType};
use actix_web::http::StatusCode;
use passmint_domain::DomainError;
use passmint_domain::bundle::{MAX_BUNDLE_PASSES, check_pass_ids};
use passmint_domain::design::Design;
use passmint_domain::design::validate::validate_design;
use passmint_domain::idempotency::MAX_KEY_LEN;
use passmint_domain::ids::{BundleId, EventId, PassId, TemplateId, WebhookDeliveryId, WebhookId};
use passmint_domain::template::AppleStyle;
use passmint_domain::validate::{MAX_METADATA_KEYS, check_field_value, check_metadata};
use passmint_domain::webhook::{MAX_WEBHOOKS_PER_MODE, check_url, parse_subscriptions};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::schemas::example_id;

/// The default request body limit, as in `ServeConfig`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// One example of an error answer.
pub struct ErrorExample {
    pub name: &'static str,
    pub summary: &'static str,
    pub error: ApiError,
}

impl ErrorExample {
    pub fn status(&self) -> u16 {
        self.error.status.as_u16()
    }

    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.error.to_json()).unwrap_or(Value::Null)
    }
}

pub fn ex(name: &'static str, summary: &'static str, error: impl Into<ApiError>) -> ErrorExample {
    ErrorExample {
        name,
        summary,
        error: error.into(),
    }
}

/// A test key changing what a template's live passes show (docs/api.md §1).
fn live_template(param: &'static str) -> ErrorExample {
    let (summary, what) = if param == "design" {
        (
            "A test key redesigning a template with live passes",
            "change its design",
        )
    } else {
        (
            "A test key archiving a template with live passes",
            "archive it",
        )
    };
    let tmpl = example_id(TemplateId::PREFIX);
    ex(
        "live_template_requires_live_key",
        summary,
        DomainError::invalid_code(
            param,
            "live_template_requires_live_key",
            format!("Template '{tmpl}' has live passes; only a live key may {what}"),
        ),
    )
}

/// The 400 the body parser answers for this JSON.
fn body_error<T: DeserializeOwned>(body: Value) -> ApiError {
    match serde_path_to_error::deserialize::<_, T>(body) {
        Err(e) => path_error(&e),
        Ok(_) => ApiError::invalid("(example unexpectedly valid)"),
    }
}

fn sample_design() -> Design {
    serde_json::from_value(super::design::example()).unwrap_or_default()
}

/// A design error as the template use cases report it.
fn design_error(design: &Design) -> ApiError {
    match validate_design(AppleStyle::EventTicket, design) {
        Err(e) => e.under("design").into(),
        Ok(()) => ApiError::invalid("(example unexpectedly valid)"),
    }
}

fn too_many_primary_fields() -> ApiError {
    let mut d = sample_design();
    let mut extra = d.fields.primary[..].to_vec();
    for f in &mut extra {
        f.key.push_str("_2");
    }
    d.fields.primary.extend(extra);
    design_error(&d)
}

fn bad_colour() -> ApiError {
    let mut d = sample_design();
    if let Some(c) = &mut d.colors {
        c.background = Some("navy".into());
    }
    design_error(&d)
}

fn too_much_metadata() -> ApiError {
    let m: Map<String, Value> = (0..=MAX_METADATA_KEYS)
        .map(|i| (format!("key{i}"), json!("v")))
        .collect();
    match check_metadata(&m) {
        Err(e) => e.into(),
        Ok(()) => ApiError::invalid("(example unexpectedly valid)"),
    }
}

fn unknown_field_value() -> ApiError {
    match check_field_value(&sample_design(), "seat", Some("A12")) {
        Err(e) => e.into(),
        Ok(()) => ApiError::invalid("(example unexpectedly valid)"),
    }
}

fn invalid_code(param: &str, code: &'static str, message: String) -> ApiError {
    DomainError::invalid_code(param, code, message).into()
}

fn common_body_errors() -> Vec<ErrorExample> {
    vec![
        ex(
            "invalid_json",
            "The body is not JSON",
            ApiError::invalid("Request body is not valid JSON: expected value"),
        ),
        ex(
            "idempotency_key_too_long",
            "An Idempotency-Key of more than 255 characters",
            DomainError::invalid(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} characters long"),
            ),
        ),
        ex(
            "body_timeout",
            "A body that did not arrive in time",
            crate::http::deadline::body_timeout(crate::slow::DEFAULT_READ_TIMEOUT),
        ),
        ex(
            "too_large",
            "A body over the limit",
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorType::InvalidRequestError,
                format!("Request body is larger than the limit of {DEFAULT_MAX_BODY_BYTES} bytes"),
            ),
        ),
        ex(
            "wrong_content_type",
            "A body that is not sent as JSON",
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorType::InvalidRequestError,
                "Content-Type must be application/json (got 'text/plain')",
            ),
        ),
        ex(
            "key_reused",
            "The Idempotency-Key was used with another request",
            ApiError::new(
                StatusCode::CONFLICT,
                ErrorType::IdempotencyError,
                "Keys for idempotent requests can only be used with the same method, path \
                 and body as the first request.",
            ),
        ),
        ex(
            "key_in_use",
            "The first request with this Idempotency-Key is still running",
            ApiError::new(
                StatusCode::CONFLICT,
                ErrorType::IdempotencyError,
                "A request with this Idempotency-Key is still being processed. Retry later.",
            )
            .code("idempotency_key_in_use"),
        ),
    ]
}

fn page_errors(prefix: &str, max: u32) -> Vec<ErrorExample> {
    vec![
        ex(
            "limit_out_of_range",
            "limit outside its range, or not an integer",
            ApiError::invalid(format!("limit must be an integer between 1 and {max}"))
                .param("limit"),
        ),
        ex(
            "unknown_query_parameter",
            "A query parameter the endpoint does not take",
            ApiError::invalid("Unknown query parameter: page").param("page"),
        ),
        ex(
            "cursor_missing",
            "A cursor that names no object of this list",
            invalid_code(
                "starting_after",
                "resource_missing",
                format!("No such object: '{}'", example_id(prefix)),
            ),
        ),
        ex(
            "both_cursors",
            "starting_after and ending_before together",
            ApiError::invalid("starting_after and ending_before cannot be used together")
                .param("ending_before"),
        ),
    ]
}

fn domain_error<T>(r: Result<T, DomainError>) -> ApiError {
    match r {
        Err(e) => e.into(),
        Ok(_) => ApiError::invalid("(example unexpectedly valid)"),
    }
}

/// The errors of a webhook's `url` and `events`, as the use cases answer them.
fn webhook_field_errors() -> Vec<ErrorExample> {
    vec![
        ex(
            "url_invalid",
            "A url that is not absolute http(s)",
            domain_error(check_url("ftp://example.com/hooks")),
        ),
        ex(
            "events_empty",
            "No event type",
            domain_error(parse_subscriptions(&[])),
        ),
        ex(
            "event_unknown",
            "An unknown event type",
            domain_error(parse_subscriptions(&[
                "pass.created".to_owned(),
                "pass.exploded".to_owned(),
            ])),
        ),
    ]
}

fn no_parameters() -> ErrorExample {
    ex(
        "unknown_parameter",
        "This action takes no parameters",
        body_error::<EmptyRequest>(json!({"url": "https://example.com"})),
    )
}

fn not_found(resource: &'static str, prefix: &str) -> ErrorExample {
    ex(
        "resource_missing",
        "No such object",
        DomainError::not_found(resource, example_id(prefix)),
    )
}

/// The refusals of `POST /v1/bundles` (docs/api.md §12), the list's own as the
/// domain answers them.
fn bundle_errors(pass: &str) -> Vec<ErrorExample> {
    let ids = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("{}{i:0>2}", &pass[..pass.len() - 2]))
            .collect()
    };
    let mut repeated = ids(2);
    repeated.push(repeated[0].clone());
    vec![
        ex(
            "pass_ids_missing",
            "No pass_ids",
            body_error::<CreateBundleRequest>(json!({})),
        ),
        ex(
            "pass_ids_empty",
            "An empty list",
            domain_error(check_pass_ids(&[])),
        ),
        ex(
            "too_many_passes",
            "More passes than a bundle holds",
            domain_error(check_pass_ids(&ids(MAX_BUNDLE_PASSES + 1))),
        ),
        ex(
            "pass_repeated",
            "A pass listed twice",
            domain_error(check_pass_ids(&repeated)),
        ),
        ex(
            "pass_missing",
            "No such pass of this mode",
            invalid_code(
                "pass_ids[0]",
                "resource_missing",
                format!("No such pass: '{pass}'"),
            ),
        ),
        ex(
            "pass_voided",
            "A voided pass",
            invalid_code(
                "pass_ids[0]",
                "pass_voided",
                format!("Pass '{pass}' is voided; a bundle may only hold passes in use."),
            ),
        ),
        ex(
            "unknown_parameter",
            "A body key the endpoint does not take",
            body_error::<CreateBundleRequest>(json!({"pass_ids": [pass], "name": "Family"})),
        ),
    ]
}

/// The errors an operation answers, by operation id: its error statuses are the
/// statuses of these examples (the 401 and 500 of every operation first).
pub fn error_examples(operation_id: &str) -> Vec<ErrorExample> {
    let mut list = vec![
        ex(
            "missing_key",
            "No Authorization header",
            ApiError::unauthenticated(
                "No API key provided. Send it as 'Authorization: Bearer pmk_test_…'.",
            ),
        ),
        ex(
            "invalid_key",
            "Unknown, revoked or malformed key",
            DomainError::Unauthenticated("Invalid API key provided.".into()),
        ),
        ex("internal", "Internal error", ApiError::internal()),
    ];
    let tmpl = example_id(TemplateId::PREFIX);
    let pass = example_id(PassId::PREFIX);
    match operation_id {
        "createPass" => {
            list.extend([
                ex(
                    "template_id_missing",
                    "No template_id",
                    body_error::<CreatePassRequest>(json!({"holder_email": "alice@example.com"})),
                ),
                ex(
                    "template_missing",
                    "No such template",
                    invalid_code(
                        "template_id",
                        "resource_missing",
                        format!("No such template: '{tmpl}'"),
                    ),
                ),
                ex(
                    "template_archived",
                    "The template is archived",
                    invalid_code(
                        "template_id",
                        "template_archived",
                        format!(
                            "Template '{tmpl}' is archived; passes can no longer be issued from it"
                        ),
                    ),
                ),
                ex(
                    "unknown_field",
                    "A field_values key that is no field of the design",
                    unknown_field_value(),
                ),
                ex(
                    "metadata_limit",
                    "Too many metadata keys",
                    too_much_metadata(),
                ),
                ex(
                    "unknown_parameter",
                    "A body key the endpoint does not take",
                    body_error::<CreatePassRequest>(
                        json!({"template_id": tmpl, "holder": "Alice"}),
                    ),
                ),
                ex(
                    "pass_limit_reached",
                    "The account's live pass limit is reached",
                    DomainError::Billing {
                        code: "pass_limit_reached",
                        message: "This account has reached its limit of live passes; test \
                                  passes are not limited."
                            .into(),
                    },
                ),
            ]);
            list.extend(common_body_errors());
        }
        "updatePass" => {
            list.extend([
                ex(
                    "nothing_to_update",
                    "Neither field_values nor metadata",
                    DomainError::Invalid {
                        param: None,
                        message: "At least one of field_values or metadata is required".into(),
                        code: None,
                    },
                ),
                ex(
                    "pass_voided",
                    "The pass is voided",
                    invalid_code(
                        "id",
                        "pass_voided",
                        format!("Pass '{pass}' is voided and can no longer be updated"),
                    ),
                ),
                ex(
                    "unknown_field",
                    "A field_values key that is no field of the design",
                    unknown_field_value(),
                ),
                ex(
                    "wrong_type",
                    "A field value that is not a string or null",
                    body_error::<UpdatePassRequest>(json!({"field_values": {"seatNumber": 12}})),
                ),
                not_found("pass", PassId::PREFIX),
            ]);
            list.extend(common_body_errors());
        }
        "createTemplate" | "updateTemplate" => {
            if operation_id == "createTemplate" {
                list.push(ex(
                    "design_missing",
                    "A required key is missing",
                    body_error::<CreateTemplateRequest>(json!({
                        "name": "VIP Concert Pass", "type": "event", "apple_style": "eventTicket"
                    })),
                ));
                list.push(ex(
                    "unknown_enum_value",
                    "A value outside an enum",
                    body_error::<CreateTemplateRequest>(json!({
                        "name": "VIP Concert Pass", "type": "concert", "apple_style": "eventTicket",
                        "design": super::design::example()
                    })),
                ));
            } else {
                list.push(not_found("template", TemplateId::PREFIX));
                list.push(live_template("design"));
            }
            list.extend([
                ex(
                    "unknown_design_key",
                    "A design key that does not exist",
                    body_error::<CreateTemplateRequest>(json!({
                        "name": "VIP Concert Pass", "type": "event", "apple_style": "eventTicket",
                        "design": {"organization_name": "Passmint Live", "description": "VIP", "colour": "#000000"}
                    })),
                ),
                ex(
                    "too_many_fields",
                    "More fields in an area than the style shows",
                    too_many_primary_fields(),
                ),
                ex("bad_colour", "A colour that is not #RRGGBB or rgb()", bad_colour()),
            ]);
            list.extend(common_body_errors());
        }
        "listPasses" => {
            list.push(ex(
                "template_id_malformed",
                "A template_id filter that is no template id",
                ApiError::invalid("No such template: 'abc'")
                    .param("template_id")
                    .code("resource_missing"),
            ));
            list.extend(page_errors(PassId::PREFIX, 100));
        }
        "listTemplates" => list.extend(page_errors(TemplateId::PREFIX, 100)),
        "listEvents" => list.extend(page_errors(EventId::PREFIX, 200)),
        "listPassEvents" => {
            list.extend(page_errors(EventId::PREFIX, 200));
            list.push(not_found("pass", PassId::PREFIX));
        }
        "retrievePass" | "voidPass" => list.push(not_found("pass", PassId::PREFIX)),
        "createWebhook" => {
            list.extend(webhook_field_errors());
            list.extend([
                ex(
                    "url_missing",
                    "No url",
                    body_error::<CreateWebhookRequest>(json!({"events": ["*"]})),
                ),
                ex(
                    "events_not_a_list",
                    "events given as a string",
                    body_error::<CreateWebhookRequest>(
                        json!({"url": "https://example.com/hooks", "events": "pass.created"}),
                    ),
                ),
                ex(
                    "unknown_parameter",
                    "A body key the endpoint does not take",
                    body_error::<CreateWebhookRequest>(
                        json!({"url": "https://example.com/hooks", "events": ["*"], "secret": "x"}),
                    ),
                ),
                ex(
                    "webhook_limit_reached",
                    "The mode already has as many webhooks as allowed",
                    DomainError::Invalid {
                        param: None,
                        code: Some("webhook_limit_reached"),
                        message: format!(
                            "An account may have at most {MAX_WEBHOOKS_PER_MODE} webhooks per \
                             mode; delete one first."
                        ),
                    },
                ),
            ]);
            list.extend(common_body_errors());
        }
        "updateWebhook" => {
            list.extend(webhook_field_errors());
            list.extend([
                ex(
                    "unknown_parameter",
                    "A body key the endpoint does not take (the secret is rotated apart)",
                    body_error::<UpdateWebhookRequest>(json!({"secret": "whsec_x"})),
                ),
                not_found("webhook", WebhookId::PREFIX),
            ]);
            list.extend(common_body_errors());
        }
        "listWebhooks" => list.push(ex(
            "unknown_query_parameter",
            "A query parameter the endpoint does not take",
            ApiError::invalid("Unknown query parameter: limit").param("limit"),
        )),
        "retrieveWebhook" | "deleteWebhook" => {
            list.push(not_found("webhook", WebhookId::PREFIX));
        }
        "listWebhookDeliveries" => {
            list.push(ex(
                "unknown_query_parameter",
                "A query parameter the endpoint does not take",
                ApiError::invalid("Unknown query parameter: status").param("status"),
            ));
            list.push(not_found("webhook", WebhookId::PREFIX));
        }
        "retryWebhookDelivery" => {
            list.push(no_parameters());
            list.push(not_found("webhook", WebhookId::PREFIX));
            list.push(ex(
                "delivery_missing",
                "No such delivery of this webhook",
                ApiError::from(DomainError::not_found(
                    "webhook_delivery",
                    example_id(WebhookDeliveryId::PREFIX),
                ))
                .param("delivery_id"),
            ));
            list.extend(common_body_errors());
        }
        "rotateWebhookSecret" => {
            list.push(no_parameters());
            list.push(not_found("webhook", WebhookId::PREFIX));
            list.extend(common_body_errors());
        }
        "createBundle" => {
            list.extend(bundle_errors(&pass));
            list.extend(common_body_errors());
        }
        "retrieveBundle" => list.push(not_found("bundle", BundleId::PREFIX)),
        "retrieveTemplate" => list.push(not_found("template", TemplateId::PREFIX)),
        "archiveTemplate" => {
            list.push(not_found("template", TemplateId::PREFIX));
            list.push(live_template("archived"));
        }
        _ => {}
    }
    list
}
