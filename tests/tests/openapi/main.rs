//! The OpenAPI document (`GET /v1/openapi.json`) against the code it describes:
//! its structure (OpenAPI 3.1, every `$ref` resolved, valid JSON Schemas, unique
//! operation ids), every route of `app.rs` documented with its methods, the
//! schemas against the DTOs' and the domain's serde and validation, every example
//! valid, and a real server's answers valid against the documented responses.
//!
//! Schemas are checked with the `jsonschema` crate (JSON Schema 2020-12, which is
//! what OpenAPI 3.1 uses), with formats asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_domain::design::validate::semantics::{
    CURRENCY_AMOUNT_KEYS, EVENT_TYPES, LOCATION_KEYS, PERSON_NAME_KEYS, SEAT_KEYS, SEMANTIC_TAGS,
    WIFI_NETWORK_KEYS,
};
use passmint_domain::design::validate::validate_design;
use passmint_domain::design::{
    Barcode, BarcodeFormat, Colors, DateStyle, Design, Field, Fields, Localization, Location, Nfc,
    RelevantDate, TextAlignment, TransitType,
};
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::template::{AppleStyle, TemplateType};
use passmint_domain::validate::check_metadata;
use passmint_e2e::template_body;
use passmint_server::dto::{
    CreatePassRequest, CreateTemplateRequest, CreateWebhookRequest, DeletedObject, EmptyRequest,
    ListObject, PassEventObject, PassObject, TemplateObject, UpdatePassRequest,
    UpdateTemplateRequest, UpdateWebhookRequest, WebhookDeliveryObject, WebhookEventObject,
    WebhookObject, WebhookWithSecretObject,
};
use passmint_server::http::error::ApiError;
use passmint_server::openapi::{design as design_doc, document_json, examples, responses};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

// ----- helpers -------------------------------------------------------------------

fn doc() -> Value {
    serde_json::from_str(&document_json()).expect("the document is JSON")
}

/// `~` and `/` escaped for a JSON pointer.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A validator for the schema at `pointer` in the document, its `$ref`s resolved
/// against the document.
fn validator_at(doc: &Value, pointer: &str) -> jsonschema::Validator {
    assert!(doc.pointer(pointer).is_some(), "no schema at {pointer}");
    let mut root = doc.clone();
    let root_obj = root.as_object_mut().unwrap();
    root_obj.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    // A JSON pointer in a URI fragment: `{` and `}` (path templates) are percent-encoded.
    let fragment: String = pointer
        .chars()
        .map(|c| match c {
            '{' | '}' | '%' | ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '|' => {
                format!("%{:02X}", c as u32)
            }
            c => c.to_string(),
        })
        .collect();
    root_obj.insert("$ref".into(), json!(format!("#{fragment}")));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema at {pointer} does not compile: {e}"))
}

fn component(doc: &Value, name: &str) -> jsonschema::Validator {
    validator_at(doc, &format!("/components/schemas/{name}"))
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[track_caller]
fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errs = errors(v, instance);
    assert!(
        errs.is_empty(),
        "{what} is refused by its schema: {errs:#?}\n{instance:#}"
    );
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn schema_keys(doc: &Value, name: &str) -> BTreeSet<String> {
    keys(&doc["components"]["schemas"][name]["properties"])
}

fn required(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["required"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn enum_values(doc: &Value, name: &str) -> Vec<String> {
    doc["components"]["schemas"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} is no enum"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation: (path, method, operation object).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((path.clone(), m.to_owned(), op.clone()));
            }
        }
    }
    out
}

mod document;
mod live;
mod schemas;
