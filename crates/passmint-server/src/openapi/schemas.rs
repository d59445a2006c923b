//! Hand-built schemas of the API's objects that the DTOs' derives cannot express:
//! the enums (their values are taken from the domain), ids, timestamps, metadata,
//! the list envelopes and the error envelope. The DTOs point at these with
//! `#[schema(value_type = …)]` and `#[schema(schema_with = …)]`.
//!
//! Every limit is read from the domain's constants, never copied.

use crate::http::error::ErrorType;
use passmint_domain::event::EventType;
use passmint_domain::idempotency::MAX_KEY_LEN;
use passmint_domain::ids::{EventId, ID_BODY_LEN, PassId, TemplateId};
use passmint_domain::mode::Mode;
use passmint_domain::template::{AppleStyle, MAX_NAME_LEN, TemplateType};
use passmint_domain::validate::{
    MAX_EMAIL_LEN, MAX_FIELD_VALUE_LEN, MAX_HOLDER_NAME_LEN, MAX_METADATA_KEY_LEN,
    MAX_METADATA_KEYS, MAX_METADATA_VALUE_LEN,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, Object, ObjectBuilder, OneOfBuilder, Ref,
    Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::{PartialSchema, ToSchema};

// ----- building blocks -------------------------------------------------------

/// `{"$ref": "#/components/schemas/{name}"}`.
pub fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// `T` or `null`: a type list for plain types.
pub fn or_null(t: Type) -> SchemaType {
    SchemaType::from_iter([t, Type::Null])
}

/// A component or `null` (`oneOf`), for optional values that accept `null`.
pub fn ref_or_null(name: &str) -> OneOfBuilder {
    OneOfBuilder::new()
        .item(reference(name))
        .item(ObjectBuilder::new().schema_type(Type::Null))
}

pub fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub fn nullable_string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(or_null(Type::String))
}

/// A string limited to a set of values.
pub fn string_enum<I, S>(values: I) -> ObjectBuilder
where
    I: IntoIterator<Item = S>,
    S: Into<Value>,
{
    string().enum_values(Some(values))
}

/// The JSON form of a serde value (`"eventTicket"` for `AppleStyle::EventTicket`).
pub fn serde_name<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub fn date_time() -> ObjectBuilder {
    string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

pub fn desc(b: ObjectBuilder, text: impl Into<String>) -> ObjectBuilder {
    b.description(Some(text.into()))
}

/// A string that must contain something other than white space.
pub const NOT_BLANK: &str = r"\S";

/// `b`, a string, with at least one character, not only white space.
pub fn not_blank(b: ObjectBuilder) -> ObjectBuilder {
    b.min_length(Some(1)).pattern(Some(NOT_BLANK))
}

/// A URI, described by `text`.
pub fn uri(text: &str) -> Object {
    desc(
        string().format(Some(SchemaFormat::Custom("uri".into()))),
        text,
    )
    .build()
}

/// Pattern of an id with this prefix: the prefix and 24 base62 characters.
pub fn id_pattern(prefix: &str) -> String {
    format!("^{prefix}[0-9A-Za-z]{{{ID_BODY_LEN}}}$")
}

/// An example id with this prefix.
pub fn example_id(prefix: &str) -> String {
    const BODY: &str = "3kTMd9XbQvWfZp7Lr2NcYh8A";
    format!("{prefix}{}", &BODY[..ID_BODY_LEN.min(BODY.len())])
}

pub fn id_schema(prefix: &str, what: &str) -> ObjectBuilder {
    desc(
        string()
            .pattern(Some(id_pattern(prefix)))
            .examples([example_id(prefix)]),
        format!("Identifier of {what}: `{prefix}` followed by {ID_BODY_LEN} base62 characters."),
    )
}

// ----- enums -----------------------------------------------------------------

fn template_type() -> Object {
    desc(
        string_enum(TemplateType::ALL.map(TemplateType::as_str)),
        "The product category of a template.",
    )
    .examples(["event"])
    .build()
}

fn apple_style() -> Object {
    desc(
        string_enum(AppleStyle::ALL.map(AppleStyle::as_str)),
        "Apple Wallet's pass style: the key of pass.json that holds the fields. It \
         decides which field counts and images a design may have, and cannot be changed \
         after the template is created.",
    )
    .examples(["eventTicket"])
    .build()
}

/// Every mode; the match makes a new variant a compile error here.
pub fn all_modes() -> [Mode; 2] {
    let all = [Mode::Test, Mode::Live];
    for m in all {
        match m {
            Mode::Test | Mode::Live => {}
        }
    }
    all
}

fn mode() -> Object {
    desc(
        string_enum(all_modes().map(Mode::as_str)),
        "`test` or `live`, decided by the prefix of the API key that created the object \
         (`pmk_test_` or `pmk_live_`). Test and live objects never see each other.",
    )
    .build()
}

fn event_type_meaning(t: EventType) -> &'static str {
    match t {
        EventType::Created => "the pass was issued",
        EventType::Updated => {
            "its field values or metadata changed (PATCH), or a template change altered it"
        }
        EventType::Voided => "the pass was voided (DELETE)",
        EventType::UrlViewed => "its landing page was viewed",
        EventType::Downloaded => "its .pkpass file was downloaded",
        EventType::Installed => "a device added it to Apple Wallet",
        EventType::Removed => "a device removed it from Apple Wallet",
    }
}

fn event_type() -> Object {
    let lines: Vec<String> = EventType::ALL
        .into_iter()
        .map(|t| format!("- `{}`: {}.", t.as_str(), event_type_meaning(t)))
        .collect();
    desc(
        string_enum(EventType::ALL.map(EventType::as_str)),
        format!("What happened to the pass:\n\n{}", lines.join("\n")),
    )
    .build()
}

/// Every error type with its HTTP status; the match makes a new variant a compile
/// error here.
pub fn all_error_types() -> [(ErrorType, u16, &'static str); 6] {
    let all = [
        (
            ErrorType::InvalidRequestError,
            400,
            "malformed or invalid request (also 405, 408, 413 and 415)",
        ),
        (
            ErrorType::AuthenticationError,
            401,
            "invalid or missing API key",
        ),
        (ErrorType::BillingError, 402, "account billing issue"),
        (
            ErrorType::NotFoundError,
            404,
            "resource or route does not exist",
        ),
        (
            ErrorType::IdempotencyError,
            409,
            "Idempotency-Key reused with a different request, or still in use",
        ),
        (ErrorType::ApiError, 500, "internal server error"),
    ];
    for (t, _, _) in all {
        match t {
            ErrorType::AuthenticationError
            | ErrorType::InvalidRequestError
            | ErrorType::NotFoundError
            | ErrorType::BillingError
            | ErrorType::IdempotencyError
            | ErrorType::ApiError => {}
        }
    }
    all
}

fn error_type() -> Object {
    let lines: Vec<String> = all_error_types()
        .into_iter()
        .map(|(t, status, what)| {
            format!(
                "- `{}` ({status}): {what}.",
                serde_name(&t).as_str().unwrap_or_default()
            )
        })
        .collect();
    desc(
        string_enum(all_error_types().map(|(t, _, _)| serde_name(&t))),
        format!(
            "The kind of error, with its HTTP status:\n\n{}",
            lines.join("\n")
        ),
    )
    .build()
}

component!(
    /// `TemplateType`: event, membership, coupon, loyalty, generic.
    TemplateTypeSchema,
    "TemplateType",
    template_type()
);
component!(
    /// `AppleStyle`: eventTicket, generic, storeCard, coupon, boardingPass.
    AppleStyleSchema,
    "AppleStyle",
    apple_style()
);
component!(
    /// `Mode`: test or live.
    ModeSchema,
    "Mode",
    mode()
);
component!(
    /// `EventType`: the seven pass event types.
    EventTypeSchema,
    "EventType",
    event_type()
);

// ----- error envelope --------------------------------------------------------

/// `ErrorBody`, `ErrorEnvelope` and `ErrorType`, as the server writes them: all four
/// keys are always present.
pub fn error_components() -> Vec<(&'static str, RefOr<Schema>)> {
    let body = ObjectBuilder::new()
        .description(Some(
            "What went wrong. `type` is always set; `code` refines it for the errors a \
             client may want to handle (`resource_missing`, `template_archived`, \
             `pass_voided`, `idempotency_key_in_use`, `pass_limit_reached`, …); `param` \
             names the offending parameter with dots and brackets \
             (`design.fields.primary[0].key`, `field_values.seatNumber`, `limit`).",
        ))
        .property("type", reference("ErrorType"))
        .required("type")
        .property(
            "code",
            desc(
                nullable_string(),
                "A machine-readable refinement of `type`, or null.",
            ),
        )
        .required("code")
        .property(
            "message",
            desc(
                string(),
                "A human-readable explanation and, where possible, the fix.",
            ),
        )
        .required("message")
        .property(
            "param",
            desc(
                nullable_string(),
                "The offending parameter (body field with dots, query parameter, or \
                 `id` for the path), or null.",
            ),
        )
        .required("param")
        .build();
    let envelope = ObjectBuilder::new()
        .description(Some(
            "Every error, for every status (also unknown routes, wrong methods, malformed \
             JSON, wrong content type and oversized bodies), is this envelope.",
        ))
        .property("error", reference("ErrorBody"))
        .required("error")
        .examples([json!({"error": {
            "type": "invalid_request_error",
            "code": null,
            "message": "template_id is required",
            "param": "template_id"
        }})])
        .build();
    vec![
        ("ErrorType", error_type().into()),
        ("ErrorBody", body.into()),
        ("ErrorEnvelope", envelope.into()),
    ]
}

// ----- lists -----------------------------------------------------------------

pub fn list_of(item: &str, what: &str) -> Object {
    ObjectBuilder::new()
        .description(Some(format!(
            "A page of {what}, newest first. Ask for the next (older) page with \
             `starting_after` = the last item's id, the previous (newer) one with \
             `ending_before` = the first item's id."
        )))
        .property("object", object_const("list"))
        .required("object")
        .property(
            "data",
            ArrayBuilder::new()
                .items(reference(item))
                .description(Some(format!("The {what}, newest first."))),
        )
        .required("data")
        .property(
            "has_more",
            desc(
                ObjectBuilder::new().schema_type(Type::Boolean),
                "Whether more items exist beyond this page in the direction of the \
                 request (exact).",
            ),
        )
        .required("has_more")
        .build()
}

component!(
    /// The list envelope of passes.
    PassList,
    "PassList",
    list_of("PassObject", "passes")
);
component!(
    /// The list envelope of templates.
    TemplateList,
    "TemplateList",
    list_of("TemplateObject", "templates")
);
component!(
    /// The list envelope of pass events.
    PassEventList,
    "PassEventList",
    list_of("PassEventObject", "pass events")
);

// ----- metadata --------------------------------------------------------------

fn metadata_keys() -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(MAX_METADATA_KEY_LEN))
        .build()
}

/// `b` with metadata's keys and values: any JSON, strings at most
/// `MAX_METADATA_VALUE_LEN` characters.
fn metadata_entries(b: ObjectBuilder) -> ObjectBuilder {
    b.property_names(Some(metadata_keys()))
        .additional_properties(Some(AdditionalProperties::RefOr(
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .max_length(Some(MAX_METADATA_VALUE_LEN))
                .into(),
        )))
}

fn metadata() -> Object {
    metadata_entries(
        ObjectBuilder::new()
            .description(Some(format!(
                "Arbitrary key-value data of your own: at most {MAX_METADATA_KEYS} keys of 1 \
                 to {MAX_METADATA_KEY_LEN} characters; values are any JSON, strings at most \
                 {MAX_METADATA_VALUE_LEN} characters."
            )))
            .max_properties(Some(MAX_METADATA_KEYS)),
    )
    .examples([json!({"order_id": "ord_123"})])
    .build()
}

component!(
    /// `Metadata`: the key-value data of a pass.
    MetadataSchema,
    "Metadata",
    metadata()
);

// ----- fields of the DTOs (`schema_with`) -------------------------------------

/// `{"enum": [value]}`: the `object` key of a response object.
pub fn object_const(value: &str) -> Object {
    desc(string_enum([value]), format!("Always \"{value}\".")).build()
}

pub fn object_pass() -> Object {
    object_const("pass")
}

pub fn object_template() -> Object {
    object_const("template")
}

pub fn object_pass_event() -> Object {
    object_const("pass_event")
}

pub fn pass_id() -> Object {
    id_schema(PassId::PREFIX, "the pass").build()
}

pub fn template_id() -> Object {
    id_schema(TemplateId::PREFIX, "the template").build()
}

pub fn template_id_to_issue_from() -> Object {
    desc(
        string().examples([example_id(TemplateId::PREFIX)]),
        format!(
            "The template to issue from (`{}…`). Missing: 400 `template_id is required`; \
             no such template of this account: 400, code `resource_missing`; archived: \
             400, code `template_archived`.",
            TemplateId::PREFIX
        ),
    )
    .build()
}

pub fn event_id() -> Object {
    id_schema(EventId::PREFIX, "the event").build()
}

pub fn short_id() -> Object {
    desc(
        string().pattern(Some("^[0-9A-Za-z]{10,}$")),
        "Short, unguessable slug of the pass's public URL (10 or more base62 characters).",
    )
    .build()
}

pub fn serial_number() -> Object {
    desc(
        string().pattern(Some("^[0-9A-Za-z_.~-]+$")),
        "Unique serial number of the pass (Apple's `serialNumber`): opaque and URL-safe.",
    )
    .build()
}

pub fn timestamp(what: &str) -> Object {
    desc(
        date_time(),
        format!("{what}: RFC 3339 in UTC with `Z`, for example `2026-04-16T12:00:00Z`."),
    )
    .build()
}

pub fn created_at() -> Object {
    timestamp("Creation time")
}

pub fn updated_at() -> Object {
    timestamp("Time of the last change")
}

pub fn voided_at() -> Object {
    desc(
        ObjectBuilder::new()
            .schema_type(or_null(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        "When the pass was voided (RFC 3339, UTC), or null while it is not.",
    )
    .build()
}

pub fn url() -> Object {
    uri("Public URL of the pass's landing page: `{PUBLIC_URL}/p/{short_id}`.")
}

pub fn download_url() -> Object {
    uri("Direct download of the signed .pkpass: `{PUBLIC_URL}/p/{short_id}/download`.")
}

pub fn template_name() -> Object {
    desc(
        not_blank(string().max_length(Some(MAX_NAME_LEN))).examples(["VIP Concert Pass"]),
        format!("Display name: 1 to {MAX_NAME_LEN} characters, not only white space."),
    )
    .build()
}

pub fn template_name_patch() -> Object {
    desc(
        not_blank(nullable_string().max_length(Some(MAX_NAME_LEN))),
        format!(
            "New display name: 1 to {MAX_NAME_LEN} characters, not only white space. \
             Omitted or null: unchanged."
        ),
    )
    .build()
}

pub fn holder_email() -> Object {
    desc(
        nullable_string().max_length(Some(MAX_EMAIL_LEN)),
        format!(
            "Email address of the pass holder (one `@`, a dot in the domain, no spaces, at \
             most {MAX_EMAIL_LEN} bytes), or null."
        ),
    )
    .examples(["alice@example.com"])
    .build()
}

pub fn holder_name() -> Object {
    desc(
        nullable_string().max_length(Some(MAX_HOLDER_NAME_LEN)),
        format!(
            "Full name of the pass holder (at most {MAX_HOLDER_NAME_LEN} characters), or null."
        ),
    )
    .examples(["Alice Johnson"])
    .build()
}

fn field_value_keys() -> Object {
    desc(
        string().pattern(Some(field_key_pattern())),
        "The key of a field of the template's design.",
    )
    .build()
}

/// `field_values` of a pass and of an issue request.
pub fn field_values() -> Object {
    desc(
        ObjectBuilder::new()
            .property_names(Some(field_value_keys()))
            .additional_properties(Some(AdditionalProperties::RefOr(
                string().max_length(Some(MAX_FIELD_VALUE_LEN)).into(),
            ))),
        format!(
            "Values of the template's fields by field key; each overrides that field's \
             default `value` and may be at most {MAX_FIELD_VALUE_LEN} characters. Keys \
             must be field keys of the template's design (else 400, `param: \
             \"field_values.<key>\"`)."
        ),
    )
    .examples([json!({"seatNumber": "A12"})])
    .build()
}

pub fn field_values_create() -> Object {
    let mut o = field_values();
    o.schema_type = or_null(Type::Object);
    o.description = Some(format!(
        "{} Omitted or null: none.",
        o.description.unwrap_or_default()
    ));
    o
}

pub fn field_values_patch() -> Object {
    desc(
        ObjectBuilder::new()
            .schema_type(or_null(Type::Object))
            .property_names(Some(field_value_keys()))
            .additional_properties(Some(AdditionalProperties::RefOr(
                nullable_string()
                    .max_length(Some(MAX_FIELD_VALUE_LEN))
                    .into(),
            ))),
        format!(
            "Field values to merge, by field key: a string (at most {MAX_FIELD_VALUE_LEN} \
             characters) replaces the value, `null` resets the field to the design's \
             default. Keys not given are kept. Keys must be field keys of the template's \
             design."
        ),
    )
    .examples([json!({"seatNumber": "B7"})])
    .build()
}

pub fn metadata_create() -> RefOr<Schema> {
    ref_or_null("Metadata")
        .description(Some(
            "Metadata to attach to the pass (see `Metadata`). Omitted or null: none.",
        ))
        .into()
}

pub fn metadata_patch() -> Object {
    desc(
        metadata_entries(ObjectBuilder::new().schema_type(or_null(Type::Object))),
        format!(
            "Metadata to merge: a value replaces the key's, `null` removes the key; keys \
             not given are kept. The result must keep the limits of `Metadata` (at most \
             {MAX_METADATA_KEYS} keys of 1 to {MAX_METADATA_KEY_LEN} characters, string \
             values at most {MAX_METADATA_VALUE_LEN} characters)."
        ),
    )
    .examples([json!({"order_id": "ord_456", "coupon": null})])
    .build()
}

pub fn event_metadata() -> Object {
    desc(
        ObjectBuilder::new(),
        "Context of the event: for `updated`, the keys that changed \
         (`{\"field_values\": [\"seatNumber\"], \"metadata\": [\"order_id\"]}`); for \
         `installed` and `removed`, the `device_library_identifier`; otherwise empty.",
    )
    .examples([json!({"field_values": ["seatNumber"]})])
    .build()
}

pub fn deleted_true() -> Object {
    desc(
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([true])),
        "Always true.",
    )
    .build()
}

/// The `Idempotency-Key` request header's schema.
pub fn idempotency_key() -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(MAX_KEY_LEN))
        .pattern(Some(r"^[\t\x20-\x7E]+$"))
        .examples(["7c9e6679-7425-40de-944b-e07fc1f90ae7"])
        .build()
}

/// A field key: 1 to 64 ASCII letters, digits, `_`, `-` or `.`.
pub fn field_key_pattern() -> String {
    format!(
        "^[A-Za-z0-9_.-]{{1,{}}}$",
        passmint_domain::design::validate::MAX_FIELD_KEY_LEN
    )
}
