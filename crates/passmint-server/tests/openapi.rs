//! The OpenAPI document (`GET /v1/openapi.json`) against the code it describes:
//! its structure (OpenAPI 3.1, every `$ref` resolved, valid JSON Schemas, unique
//! operation ids), every route of `app.rs` documented with its methods, the
//! schemas against the DTOs' and the domain's serde and validation, every example
//! valid, and a real server's answers valid against the documented responses.
//!
//! Schemas are checked with the `jsonschema` crate (JSON Schema 2020-12, which is
//! what OpenAPI 3.1 uses), with formats asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_domain::design::validate::validate_design;
use passmint_domain::design::{
    Barcode, BarcodeFormat, Colors, DateStyle, Design, Field, Fields, Location, TextAlignment,
    TransitType,
};
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::template::{AppleStyle, TemplateType};
use passmint_domain::validate::check_metadata;
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

/// The template body of the end-to-end tests (`tests/src/lib.rs`, `template_body()`):
/// the reference's concert ticket.
fn template_body() -> Value {
    json!({
        "name": "VIP Concert Pass",
        "type": "event",
        "apple_style": "eventTicket",
        "design": {
            "organization_name": "Passmint Live",
            "description": "VIP concert ticket",
            "colors": {"background": "#112233", "foreground": "rgb(255,255,255)"},
            "fields": {
                "primary": [{"key": "event", "label": "Event", "value": "Summer Jam"}],
                "secondary": [{"key": "seatNumber", "label": "Seat", "value": "GA"}],
                "back": [{"key": "terms", "label": "Terms", "value": "No refunds"}]
            },
            "barcode": {"format": "qr"}
        }
    })
}

// ----- (a) the document ------------------------------------------------------------

#[test]
fn document_is_openapi_3_1_with_bearer_security() {
    let doc = doc();
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "openapi is {version}");
    assert_eq!(doc["info"]["title"], "Passmint API");
    assert!(doc["info"]["version"].is_string());
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    for (path, method, op) in operations(&doc) {
        assert_eq!(
            op["security"],
            json!([{"bearer": []}]),
            "{method} {path} is not secured by the bearer scheme"
        );
    }
}

#[test]
fn every_component_schema_is_a_valid_json_schema() {
    let doc = doc();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("components.schemas.{name} is not a valid JSON Schema: {e}");
        }
        // It compiles too (patterns, refs).
        component(&doc, name);
    }
}

#[test]
fn operation_ids_are_unique_and_operations_described() {
    let doc = doc();
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        assert!(ids.insert(id.clone()), "operationId {id} is used twice");
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()));
    }
}

// ----- (b) every route is documented ------------------------------------------------

/// The routes `app.rs` registers: (path, lowercase method), read from its source.
fn app_routes() -> BTreeSet<(String, String)> {
    let src = include_str!("../src/app.rs");
    assert!(
        !src.contains("web::scope(") && !src.contains(".to(|"),
        "app.rs registers routes in a way this reader does not understand: extend it"
    );
    let mut marks: Vec<(usize, bool, String)> = Vec::new();
    for (i, _) in src.match_indices("resource(\"") {
        let rest = &src[i + "resource(\"".len()..];
        let path = &rest[..rest.find('"').unwrap()];
        marks.push((i, true, path.to_owned()));
    }
    for (i, _) in src.match_indices(".route(web::") {
        let rest = &src[i + ".route(web::".len()..];
        let method = &rest[..rest.find("()").unwrap()];
        marks.push((i, false, method.to_owned()));
    }
    assert_eq!(
        src.matches(".route(").count(),
        src.matches(".route(web::").count(),
        "app.rs has a .route() this reader does not understand"
    );
    marks.sort();
    let mut routes = BTreeSet::new();
    let mut current: Option<String> = None;
    for (_, is_resource, s) in marks {
        if is_resource {
            current = Some(s);
        } else {
            let path = current.clone().expect("a route before any resource");
            routes.insert((path, s));
        }
    }
    assert!(routes.len() >= 12, "read only {routes:?} from app.rs");
    routes
}

#[test]
fn every_v1_route_of_the_app_is_documented_with_its_methods() {
    let doc = doc();
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(p, m, _)| (p, m))
        .collect();
    let registered: BTreeSet<(String, String)> = app_routes()
        .into_iter()
        .filter(|(p, _)| p.starts_with("/v1/") && p != "/v1/openapi.json")
        .collect();
    let missing: Vec<_> = registered.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    let extra: Vec<_> = documented.difference(&registered).collect();
    assert!(
        extra.is_empty(),
        "documented routes the app does not have: {extra:?}"
    );
}

// ----- (c) references ------------------------------------------------------------------

fn collect_refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                if k == "$ref" {
                    out.push((at.to_owned(), child.as_str().unwrap_or_default().to_owned()));
                } else {
                    collect_refs(child, &format!("{at}/{}", escape(k)), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_ref_resolves_to_a_component_and_every_component_is_used() {
    let doc = doc();
    let mut refs = Vec::new();
    collect_refs(&doc, "", &mut refs);
    assert!(refs.len() > 50);
    let mut used = BTreeSet::new();
    for (at, target) in &refs {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: external $ref {target}"));
        assert!(
            pointer.starts_with("/components/"),
            "{at}: $ref {target} is not a component"
        );
        assert!(
            doc.pointer(pointer).is_some(),
            "{at}: $ref {target} resolves to nothing"
        );
        used.insert(target.clone());
    }
    for name in keys(&doc["components"]["schemas"]) {
        assert!(
            used.contains(&format!("#/components/schemas/{name}")),
            "components.schemas.{name} is never referenced"
        );
    }
}

// ----- examples and defaults ----------------------------------------------------------

/// Every `examples` list and `default` of a schema, every example of a media type,
/// validates against its schema.
#[test]
fn every_example_and_default_is_valid() {
    fn walk(doc: &Value, v: &Value, at: &str, checked: &mut usize) {
        let Value::Object(o) = v else {
            if let Value::Array(a) = v {
                for (i, child) in a.iter().enumerate() {
                    walk(doc, child, &format!("{at}/{i}"), checked);
                }
            }
            return;
        };
        let in_properties = at.ends_with("/properties") || at.ends_with("/headers");
        if !in_properties {
            if let Some(Value::Array(examples)) = o.get("examples") {
                let validator = validator_at(doc, at);
                for e in examples {
                    assert_valid(&validator, e, &format!("example at {at}"));
                    *checked += 1;
                }
            }
            if let Some(default) = o.get("default") {
                assert_valid(&validator_at(doc, at), default, &format!("default at {at}"));
                *checked += 1;
            }
            if let (Some(Value::Object(examples)), Some(_)) = (o.get("examples"), o.get("schema")) {
                let validator = validator_at(doc, &format!("{at}/schema"));
                for (name, e) in examples {
                    assert_valid(&validator, &e["value"], &format!("example {name} at {at}"));
                    *checked += 1;
                }
            }
        }
        for (k, child) in o {
            walk(doc, child, &format!("{at}/{}", escape(k)), checked);
        }
    }
    let doc = doc();
    let mut checked = 0;
    walk(&doc, &doc, "", &mut checked);
    assert!(checked > 100, "only {checked} examples checked");
}

// ----- (d) the design -------------------------------------------------------------------

/// A design with every key set and every list non-empty.
fn full_design() -> Design {
    let field = |key: &str| Field {
        key: key.into(),
        label: Some("Label".into()),
        value: Some("Value of {{serial_number}}".into()),
        change_message: Some("Now %@".into()),
        text_alignment: Some(TextAlignment::Center),
        date_style: Some(DateStyle::Short),
        time_style: Some(DateStyle::None),
    };
    Design {
        organization_name: "Acme".into(),
        description: "Boarding pass".into(),
        logo_text: Some("Acme Air".into()),
        colors: Some(Colors {
            background: Some("#1A2b3C".into()),
            foreground: Some("rgb(255, 255, 255)".into()),
            label: Some("rgb(0,0,0)".into()),
        }),
        fields: Fields {
            header: vec![field("gate")],
            primary: vec![field("from"), field("to")],
            secondary: vec![field("seat")],
            auxiliary: vec![field("boarding")],
            back: vec![field("terms")],
        },
        barcode: Some(Barcode {
            format: BarcodeFormat::Pdf417,
            message: Some("{{pass_id}}".into()),
            alt_text: Some("{{holder_name}}".into()),
        }),
        images: BTreeMap::from([
            ("icon".to_owned(), png_base64(29, 29)),
            ("footer@2x".to_owned(), png_base64(572, 30)),
        ]),
        transit_type: Some(TransitType::Air),
        locations: vec![Location {
            latitude: 48.8566,
            longitude: 2.3522,
            relevant_text: Some("At the airport".into()),
        }],
        relevant_date: Some("2025-06-01T18:30:00Z".into()),
        expiration_date: Some("2025-06-02T00:00:00+02:00".into()),
        sharing_prohibited: Some(true),
    }
}

/// Base64 of a PNG header of this size (signature, IHDR, CRC placeholder).
fn png_base64(width: u32, height: u32) -> String {
    use base64::Engine;
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn design_schema_lists_every_key_of_the_design_and_accepts_the_examples() {
    let doc = doc();
    let design = component(&doc, "Design");
    assert_valid(
        &design,
        &template_body()["design"],
        "template_body()'s design",
    );
    assert_valid(
        &design,
        &design_doc::example(),
        "the documented design example",
    );

    let full = full_design();
    assert!(validate_design(AppleStyle::BoardingPass, &full).is_ok());
    let v = to_value(&full);
    assert_valid(&design, &v, "a design with every key");
    // Key for key, nested objects included.
    for (name, value) in [
        ("Design", &v),
        ("DesignColors", &v["colors"]),
        ("DesignFields", &v["fields"]),
        ("DesignField", &v["fields"]["primary"][0]),
        ("DesignBarcode", &v["barcode"]),
        ("DesignLocation", &v["locations"][0]),
    ] {
        assert_eq!(
            schema_keys(&doc, name),
            keys(value),
            "properties of {name} differ from the serde keys"
        );
        assert_eq!(
            doc["components"]["schemas"][name]["additionalProperties"],
            json!(false),
            "{name} must refuse unknown keys as serde does"
        );
    }
    assert_eq!(
        required(&doc, "Design"),
        BTreeSet::from(["organization_name".into(), "description".into()])
    );
    assert_eq!(
        required(&doc, "DesignField"),
        BTreeSet::from(["key".into()])
    );
    assert_eq!(
        required(&doc, "DesignBarcode"),
        BTreeSet::from(["format".into()])
    );
    assert_eq!(
        required(&doc, "DesignLocation"),
        BTreeSet::from(["latitude".into(), "longitude".into()])
    );
    assert_eq!(
        doc["components"]["schemas"]["Design"]["properties"]["locations"]["maxItems"],
        10
    );
    assert_eq!(
        doc["components"]["schemas"]["DesignImages"]["propertyNames"]["pattern"],
        "^(icon|logo|strip|thumbnail|background|footer)(@[23]x)?$"
    );
}

#[test]
fn design_enums_have_the_domains_values() {
    fn check<T: DeserializeOwned + Serialize>(doc: &Value, name: &str, all: &[T]) {
        let documented = enum_values(doc, name);
        let domain: Vec<String> = all
            .iter()
            .map(|v| to_value(v).as_str().unwrap().to_owned())
            .collect();
        assert_eq!(documented, domain, "values of {name}");
        for v in &documented {
            assert!(serde_json::from_value::<T>(json!(v)).is_ok(), "{name}: {v}");
        }
    }
    let doc = doc();
    check(&doc, "TextAlignment", &design_doc::all_text_alignments());
    check(&doc, "DateStyle", &design_doc::all_date_styles());
    check(&doc, "BarcodeFormat", &design_doc::all_barcode_formats());
    check(&doc, "TransitType", &design_doc::all_transit_types());
    check(&doc, "TemplateType", &TemplateType::ALL);
    check(&doc, "AppleStyle", &AppleStyle::ALL);
    check(&doc, "EventType", &EventType::ALL);
    assert_eq!(enum_values(&doc, "Mode"), ["test", "live"]);
    assert_eq!(
        enum_values(&doc, "ErrorType"),
        [
            "invalid_request_error",
            "authentication_error",
            "billing_error",
            "not_found_error",
            "idempotency_error",
            "api_error"
        ]
    );
}

/// Whether the server would take this design for some style: serde, then the
/// domain's rules (a boarding pass gets a transit type, other styles lose it).
fn server_accepts_design(v: &Value) -> bool {
    let Ok(design) = serde_json::from_value::<Design>(v.clone()) else {
        return false;
    };
    AppleStyle::ALL.into_iter().any(|style| {
        let mut d = design.clone();
        if style == AppleStyle::BoardingPass {
            d.transit_type.get_or_insert(TransitType::Air);
        } else {
            d.transit_type = None;
        }
        validate_design(style, &d).is_ok()
    })
}

fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut v = base.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"))
    };
    match target {
        Value::Object(o) => {
            if value == json!("<remove>") {
                o.remove(key);
            } else {
                o.insert(key.to_owned(), value);
            }
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{parent} is no container"),
    }
    v
}

/// The schema and the server agree on designs that differ from a valid one in one
/// respect the schema can express.
#[test]
fn design_schema_agrees_with_serde_and_the_domains_rules() {
    let doc = doc();
    let schema = component(&doc, "Design");
    let base = to_value(&full_design());
    let minimal = json!({"organization_name": "Acme", "description": "A pass"});
    let field = json!({"key": "k"});
    let many = |n: usize, item: Value| Value::Array(vec![item; n]);
    let fields_n =
        |n: usize| Value::Array((0..n).map(|i| json!({"key": format!("f{i}")})).collect());
    let location = json!({"latitude": 1, "longitude": 2});
    let remove = json!("<remove>");
    // (what, the design edited, where, the new value or `remove`)
    #[rustfmt::skip]
    let edits: Vec<(&str, &Value, &str, Value)> = vec![
        ("organization_name missing", &base, "/organization_name", remove.clone()),
        ("description missing", &base, "/description", remove.clone()),
        ("organization_name blank", &base, "/organization_name", json!("   ")),
        ("organization_name empty", &base, "/organization_name", json!("")),
        ("organization_name 200", &base, "/organization_name", json!("é".repeat(200))),
        ("organization_name 201", &base, "/organization_name", json!("é".repeat(201))),
        ("description 501", &base, "/description", json!("x".repeat(501))),
        ("organization_name null", &base, "/organization_name", Value::Null),
        ("unknown key", &base, "/colour", json!("#000000")),
        ("logo_text null", &base, "/logo_text", Value::Null),
        ("logo_text 201", &base, "/logo_text", json!("x".repeat(201))),
        ("logo_text number", &base, "/logo_text", json!(1)),
        ("colors null", &base, "/colors", Value::Null),
        ("colors empty", &base, "/colors", json!({})),
        ("colors unknown key", &base, "/colors/border", json!("#000000")),
        ("colour null", &base, "/colors/label", Value::Null),
        ("colour #abcdef", &base, "/colors/label", json!("#abcdef")),
        ("colour #ABCDE", &base, "/colors/label", json!("#ABCDE")),
        ("colour #GGGGGG", &base, "/colors/label", json!("#GGGGGG")),
        ("colour rgb spaces", &base, "/colors/label", json!("rgb(0,   0, 255)")),
        ("colour rgb leading zeros", &base, "/colors/label", json!("rgb(007,0,0)")),
        ("colour rgb 255", &base, "/colors/label", json!("rgb(255,255,255)")),
        ("colour rgb 256", &base, "/colors/label", json!("rgb(256,0,0)")),
        ("colour rgb 4 digits", &base, "/colors/label", json!("rgb(0001,0,0)")),
        ("colour rgb space first", &base, "/colors/label", json!("rgb( 0,0,0)")),
        ("colour rgb space before comma", &base, "/colors/label", json!("rgb(0 ,0,0)")),
        ("colour rgb tab after comma", &base, "/colors/label", json!("rgb(0,\t0,0)")),
        ("colour rgb trailing", &base, "/colors/label", json!("rgb(0,0,0) ")),
        ("colour RGB", &base, "/colors/label", json!("RGB(0,0,0)")),
        ("colour name", &base, "/colors/label", json!("navy")),
        ("fields null", &base, "/fields", Value::Null),
        ("fields empty", &base, "/fields", json!({})),
        ("fields unknown area", &base, "/fields/front", json!([])),
        ("area null", &base, "/fields/back", Value::Null),
        ("header 3", &base, "/fields/header", fields_n(3)),
        ("header 4", &base, "/fields/header", fields_n(4)),
        ("primary 3", &base, "/fields/primary", fields_n(3)),
        ("back 20", &base, "/fields/back", fields_n(20)),
        ("back 21", &base, "/fields/back", fields_n(21)),
        ("auxiliary 5", &minimal, "/fields", json!({"auxiliary": fields_n(5)})),
        ("auxiliary 6", &minimal, "/fields", json!({"auxiliary": fields_n(6)})),
        ("field object", &minimal, "/fields", json!({"back": [field]})),
        ("field unknown key", &base, "/fields/back/0/colour", json!("red")),
        ("field without key", &base, "/fields/back/0/key", remove.clone()),
        ("field key empty", &base, "/fields/back/0/key", json!("")),
        ("field key space", &base, "/fields/back/0/key", json!("a b")),
        ("field key chars", &base, "/fields/back/0/key", json!("a.b-c_D9")),
        ("field key 64", &base, "/fields/back/0/key", json!("k".repeat(64))),
        ("field key 65", &base, "/fields/back/0/key", json!("k".repeat(65))),
        ("field key null", &base, "/fields/back/0/key", Value::Null),
        ("label null", &base, "/fields/back/0/label", Value::Null),
        ("label 201", &base, "/fields/back/0/label", json!("x".repeat(201))),
        ("value 2000", &base, "/fields/back/0/value", json!("x".repeat(2000))),
        ("value 2001", &base, "/fields/back/0/value", json!("x".repeat(2001))),
        ("change_message without %@", &base, "/fields/back/0/change_message", json!("Changed")),
        ("change_message null", &base, "/fields/back/0/change_message", Value::Null),
        ("text_alignment null", &base, "/fields/back/0/text_alignment", Value::Null),
        ("text_alignment bad", &base, "/fields/back/0/text_alignment", json!("justified")),
        ("date_style bad", &base, "/fields/back/0/date_style", json!("short ")),
        ("time_style full", &base, "/fields/back/0/time_style", json!("full")),
        ("barcode null", &base, "/barcode", Value::Null),
        ("barcode without format", &base, "/barcode", json!({"message": "x"})),
        ("barcode format null", &base, "/barcode/format", Value::Null),
        ("barcode format bad", &base, "/barcode/format", json!("ean13")),
        ("barcode unknown key", &base, "/barcode/size", json!(2)),
        ("barcode message null", &base, "/barcode/message", Value::Null),
        ("barcode message blank", &base, "/barcode/message", json!("  ")),
        ("barcode message empty", &base, "/barcode/message", json!("")),
        ("barcode message 2001", &base, "/barcode/message", json!("x".repeat(2001))),
        ("barcode alt_text empty", &base, "/barcode/alt_text", json!("")),
        ("images null", &base, "/images", Value::Null),
        ("images empty", &base, "/images", json!({})),
        ("image icon@4x", &base, "/images/icon@4x", json!(png_base64(29, 29))),
        ("image Icon", &base, "/images/Icon", json!(png_base64(29, 29))),
        ("image icon.png", &base, "/images/icon.png", json!(png_base64(29, 29))),
        ("image icon@3x", &base, "/images/icon@3x", json!(png_base64(87, 87))),
        ("image number", &base, "/images/icon", json!(1)),
        ("image null", &base, "/images/icon", Value::Null),
        ("transit_type null", &base, "/transit_type", Value::Null),
        ("transit_type bad", &base, "/transit_type", json!("plane")),
        ("transit_type train", &base, "/transit_type", json!("train")),
        ("locations null", &base, "/locations", Value::Null),
        ("locations 10", &base, "/locations", many(10, location.clone())),
        ("locations 11", &base, "/locations", many(11, location.clone())),
        ("location unknown key", &base, "/locations/0/altitude", json!(1)),
        ("location without latitude", &base, "/locations/0/latitude", remove.clone()),
        ("latitude 90", &base, "/locations/0/latitude", json!(90)),
        ("latitude -90.5", &base, "/locations/0/latitude", json!(-90.5)),
        ("longitude 180", &base, "/locations/0/longitude", json!(180.0)),
        ("longitude 181", &base, "/locations/0/longitude", json!(181)),
        ("latitude string", &base, "/locations/0/latitude", json!("48.8")),
        ("relevant_text 201", &base, "/locations/0/relevant_text", json!("x".repeat(201))),
        ("relevant_date null", &base, "/relevant_date", Value::Null),
        ("relevant_date offset", &base, "/relevant_date", json!("2025-06-01T20:30:00+02:00")),
        ("relevant_date no zone", &base, "/relevant_date", json!("2025-06-01T20:30:00")),
        ("relevant_date date only", &base, "/relevant_date", json!("2025-06-01")),
        ("relevant_date bad hour", &base, "/relevant_date", json!("2025-06-01T25:30:00Z")),
        ("expiration_date space", &base, "/expiration_date", json!("2025-06-01 20:30:00Z")),
        ("sharing_prohibited null", &base, "/sharing_prohibited", Value::Null),
        ("sharing_prohibited string", &base, "/sharing_prohibited", json!("yes")),
    ];
    let mut cases: Vec<(&str, Value)> = vec![("minimal", minimal.clone()), ("full", base.clone())];
    cases.extend(
        edits
            .into_iter()
            .map(|(what, design, at, value)| (what, with(design, at, value))),
    );
    let mut disagreements = Vec::new();
    let mut accepted = 0;
    for (name, v) in &cases {
        let server = server_accepts_design(v);
        let documented = schema.is_valid(v);
        accepted += usize::from(server);
        if server != documented {
            disagreements.push(format!(
                "{name}: server {}, schema {}: {:?}",
                if server { "accepts" } else { "refuses" },
                if documented { "accepts" } else { "refuses" },
                errors(&schema, v)
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "the Design schema and the server disagree:\n{}",
        disagreements.join("\n")
    );
    assert!(
        accepted > 30 && cases.len() - accepted > 40,
        "{accepted} of {}",
        cases.len()
    );
}

// ----- DTOs against their schemas ----------------------------------------------------

#[test]
fn dto_output_validates_and_lists_every_key() {
    let doc = doc();
    let mut pass = examples::pass();
    let mut anonymous = pass.clone();
    anonymous.holder_email = None;
    anonymous.holder_name = None;
    anonymous.metadata = Map::new();
    anonymous.field_values.clear();
    anonymous.mode = passmint_domain::Mode::Live;
    let voided = examples::voided_pass();
    let base = "https://passes.example.test";
    let passes: Vec<Value> = [&pass, &anonymous, &voided]
        .into_iter()
        .map(|p| to_value(&PassObject::new(p, base)))
        .collect();
    let validator = component(&doc, "PassObject");
    for p in &passes {
        assert_valid(&validator, p, "a PassObject");
        assert_eq!(schema_keys(&doc, "PassObject"), keys(p));
        assert_eq!(
            required(&doc, "PassObject"),
            keys(p),
            "every key is always sent"
        );
    }

    let template = to_value(&TemplateObject::from(&examples::template()));
    assert_valid(
        &component(&doc, "TemplateObject"),
        &template,
        "a TemplateObject",
    );
    assert_eq!(schema_keys(&doc, "TemplateObject"), keys(&template));
    assert_eq!(required(&doc, "TemplateObject"), keys(&template));

    let event_validator = component(&doc, "PassEventObject");
    let mut events = Vec::new();
    for kind in EventType::ALL {
        let e = PassEvent {
            kind,
            ..examples::event()
        };
        let v = to_value(&PassEventObject::from(&e));
        assert_valid(&event_validator, &v, "a PassEventObject");
        assert_eq!(schema_keys(&doc, "PassEventObject"), keys(&v));
        assert_eq!(required(&doc, "PassEventObject"), keys(&v));
        events.push(PassEventObject::from(&e));
    }

    let deleted = to_value(&DeletedObject {
        id: template["id"].as_str().unwrap().to_owned(),
        deleted: true,
    });
    assert_valid(
        &component(&doc, "DeletedObject"),
        &deleted,
        "a DeletedObject",
    );
    assert_eq!(schema_keys(&doc, "DeletedObject"), keys(&deleted));

    pass.voided_at = None;
    let lists = [
        (
            "PassList",
            to_value(&ListObject::new(
                vec![PassObject::new(&pass, base), PassObject::new(&voided, base)],
                true,
            )),
        ),
        (
            "PassList",
            to_value(&ListObject::<PassObject>::new(vec![], false)),
        ),
        (
            "TemplateList",
            to_value(&ListObject::new(
                vec![TemplateObject::from(&examples::template())],
                false,
            )),
        ),
        ("PassEventList", to_value(&ListObject::new(events, false))),
    ];
    for (name, list) in &lists {
        assert_valid(&component(&doc, name), list, name);
        assert_eq!(schema_keys(&doc, name), keys(list));
        assert_eq!(required(&doc, name), keys(list));
    }
    // A list item of the wrong kind is refused.
    assert!(!component(&doc, "PassList").is_valid(&lists[2].1));
}

#[test]
fn webhook_objects_validate_and_list_every_key() {
    let doc = doc();
    let mut webhook = examples::webhook();
    let mut quiet = webhook.clone();
    quiet.description = None;
    quiet.enabled = false;
    quiet.events = vec![passmint_domain::webhook::Subscription::All];
    for w in [&webhook, &quiet] {
        let plain = to_value(&WebhookObject::from(w));
        assert_valid(&component(&doc, "WebhookObject"), &plain, "a WebhookObject");
        assert_eq!(schema_keys(&doc, "WebhookObject"), keys(&plain));
        assert_eq!(required(&doc, "WebhookObject"), keys(&plain));
        assert!(plain.get("secret").is_none());
        let with_secret = to_value(&WebhookWithSecretObject::from(w));
        assert_valid(
            &component(&doc, "WebhookWithSecretObject"),
            &with_secret,
            "a WebhookWithSecretObject",
        );
        assert_eq!(
            schema_keys(&doc, "WebhookWithSecretObject"),
            keys(&with_secret)
        );
        assert_eq!(
            required(&doc, "WebhookWithSecretObject"),
            keys(&with_secret)
        );
        assert_eq!(with_secret["secret"], w.secret.expose());
    }
    // The reference's key order.
    webhook.previous_secret = None;
    let order: Vec<String> = serde_json::to_string(&WebhookWithSecretObject::from(&webhook))
        .unwrap()
        .split(['{', ','])
        .filter_map(|part| {
            part.split_once("\":")
                .map(|(k, _)| k.trim_matches('"').to_owned())
        })
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(
        order,
        [
            "object",
            "id",
            "url",
            "events",
            "description",
            "enabled",
            "secret",
            "created_at"
        ]
    );

    let validator = component(&doc, "WebhookDeliveryObject");
    for status in passmint_domain::webhook::DeliveryStatus::ALL {
        for kind in EventType::ALL {
            let d = passmint_domain::webhook::WebhookDelivery {
                status,
                event_type: kind,
                ..examples::failed_delivery()
            };
            let v = to_value(&WebhookDeliveryObject::from(&d));
            assert_valid(&validator, &v, "a WebhookDeliveryObject");
            assert_eq!(schema_keys(&doc, "WebhookDeliveryObject"), keys(&v));
            assert_eq!(required(&doc, "WebhookDeliveryObject"), keys(&v));
            assert_eq!(v["event_type"], kind.webhook_type());
        }
    }
    let pending = passmint_domain::webhook::WebhookDelivery {
        status: passmint_domain::webhook::DeliveryStatus::Pending,
        attempts: 0,
        last_attempt_at: None,
        response_status: None,
        response_body: None,
        ..examples::failed_delivery()
    };
    assert_valid(
        &validator,
        &to_value(&WebhookDeliveryObject::from(&pending)),
        "a pending delivery",
    );
    let event = to_value(&WebhookEventObject::new(
        &examples::event(),
        &examples::pass(),
        "https://passes.example.test",
    ));
    assert_valid(
        &component(&doc, "WebhookEventObject"),
        &event,
        "a WebhookEventObject",
    );
    assert_eq!(event["type"], "pass.updated");
    assert_eq!(event["id"], event["data"]["event"]["id"]);
    assert_eq!(event["data"]["object"]["object"], "pass");
    assert_eq!(
        doc["webhooks"]["passEvent"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/WebhookEventObject"
    );
    let events = enum_values_at(
        &doc["components"]["schemas"]["WebhookObject"]["properties"]["events"]["items"],
    );
    assert_eq!(events.len(), 8);
    assert!(events.contains(&"*".to_owned()));
    for t in EventType::ALL {
        assert!(events.contains(&t.webhook_type().to_owned()));
    }
}

fn enum_values_at(v: &Value) -> Vec<String> {
    v["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn webhook_request_schemas_agree_with_serde() {
    let doc = doc();
    let check = |name: &str, cases: &[(&str, Value, bool)]| {
        let schema = component(&doc, name);
        for (what, v, ok) in cases {
            let serde_ok = match name {
                "CreateWebhookRequest" => {
                    serde_json::from_value::<CreateWebhookRequest>(v.clone()).is_ok()
                }
                "UpdateWebhookRequest" => {
                    serde_json::from_value::<UpdateWebhookRequest>(v.clone()).is_ok()
                }
                _ => serde_json::from_value::<EmptyRequest>(v.clone()).is_ok(),
            };
            assert_eq!(serde_ok, *ok, "{name} {what}: serde");
            assert_eq!(
                schema.is_valid(v),
                *ok,
                "{name} {what}: schema errors {:?}",
                errors(&schema, v)
            );
        }
    };
    check(
        "CreateWebhookRequest",
        &[
            (
                "reference",
                json!({"url": "https://example.com/webhooks/passmint", "events": ["pass.created", "pass.installed"], "description": "Production webhook"}),
                true,
            ),
            (
                "all",
                json!({"url": "http://example.com", "events": ["*"], "enabled": false, "description": null}),
                true,
            ),
            ("no url", json!({"events": ["*"]}), false),
            ("no events", json!({"url": "https://example.com"}), false),
            (
                "events string",
                json!({"url": "https://example.com", "events": "*"}),
                false,
            ),
            (
                "unknown key",
                json!({"url": "https://example.com", "events": ["*"], "secret": "x"}),
                false,
            ),
            (
                "enabled string",
                json!({"url": "https://example.com", "events": ["*"], "enabled": "yes"}),
                false,
            ),
        ],
    );
    check(
        "UpdateWebhookRequest",
        &[
            ("empty", json!({}), true),
            (
                "nulls",
                json!({"url": null, "events": null, "description": null, "enabled": null}),
                true,
            ),
            (
                "reference",
                json!({"events": ["*"], "description": "All events"}),
                true,
            ),
            ("unknown key", json!({"secret": "x"}), false),
        ],
    );
    check(
        "EmptyRequest",
        &[
            ("empty", json!({}), true),
            ("a key", json!({"x": 1}), false),
        ],
    );
}

#[test]
fn error_envelopes_validate_and_every_documented_error_has_examples() {
    let doc = doc();
    let envelope = component(&doc, "ErrorEnvelope");
    let mut kinds = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap();
        let declared: BTreeSet<u16> = keys(&op["responses"])
            .iter()
            .map(|s| s.parse().unwrap())
            .filter(|s| *s >= 400)
            .collect();
        let examples = responses::error_examples(id);
        let with_examples: BTreeSet<u16> = examples.iter().map(|e| e.status()).collect();
        assert_eq!(
            declared, with_examples,
            "{method} {path}: declared error statuses vs. statuses with examples"
        );
        for e in &examples {
            let v = e.value();
            assert_valid(
                &envelope,
                &v,
                &format!("{method} {path} example {}", e.name),
            );
            assert_eq!(keys(&v["error"]), required(&doc, "ErrorBody"));
            kinds.insert(v["error"]["type"].as_str().unwrap().to_owned());
            let status = e.status().to_string();
            let documented =
                &op["responses"][&status]["content"]["application/json"]["examples"][e.name];
            assert_eq!(
                documented["value"], v,
                "{method} {path} {status} {}",
                e.name
            );
        }
    }
    assert_eq!(kinds.len(), 6, "every error type has an example: {kinds:?}");
    let error = ApiError::invalid("x");
    assert_valid(
        &envelope,
        &serde_json::from_slice(&error.to_json()).unwrap(),
        "an ApiError",
    );
}

/// Requests: the schema and serde agree (unknown keys, nulls, types), and the
/// examples deserialise.
#[test]
fn request_schemas_agree_with_serde() {
    fn agree<T: DeserializeOwned>(doc: &Value, name: &str, cases: &[(&str, Value)]) {
        let schema = component(doc, name);
        for (what, v) in cases {
            let serde_ok = serde_json::from_value::<T>(v.clone()).is_ok();
            assert_eq!(
                serde_ok,
                schema.is_valid(v),
                "{name} {what}: serde {serde_ok}, schema errors {:?}",
                errors(&schema, v)
            );
        }
    }
    let doc = doc();
    let tmpl = "tmpl_3kTMd9XbQvWfZp7Lr2NcYh8A";
    agree::<CreateTemplateRequest>(
        &doc,
        "CreateTemplateRequest",
        &[
            ("template_body()", template_body()),
            (
                "unknown key",
                with(&template_body(), "/archived", json!(false)),
            ),
            (
                "no design",
                with(&template_body(), "/design", json!("<remove>")),
            ),
            ("type null", with(&template_body(), "/type", Value::Null)),
            (
                "type bad",
                with(&template_body(), "/type", json!("concert")),
            ),
            (
                "style bad",
                with(&template_body(), "/apple_style", json!("EventTicket")),
            ),
            (
                "design null",
                with(&template_body(), "/design", Value::Null),
            ),
        ],
    );
    agree::<UpdateTemplateRequest>(
        &doc,
        "UpdateTemplateRequest",
        &[
            ("empty", json!({})),
            (
                "all null",
                json!({"name": null, "design": null, "archived": null}),
            ),
            ("design", json!({"design": template_body()["design"]})),
            ("unknown key", json!({"type": "event"})),
            ("archived string", json!({"archived": "yes"})),
        ],
    );
    agree::<CreatePassRequest>(
        &doc,
        "CreatePassRequest",
        &[
            (
                "reference example",
                json!({
                    "template_id": tmpl, "holder_email": "alice@example.com",
                    "holder_name": "Alice Johnson", "field_values": {"seatNumber": "A12"},
                    "metadata": {"order_id": "ord_123"}
                }),
            ),
            ("only template_id", json!({"template_id": tmpl})),
            (
                "nulls",
                json!({"template_id": tmpl, "holder_email": null, "holder_name": null, "field_values": null, "metadata": null}),
            ),
            ("no template_id", json!({"holder_email": "a@b.c"})),
            ("unknown key", json!({"template_id": tmpl, "holder": "x"})),
            (
                "field value null",
                json!({"template_id": tmpl, "field_values": {"seatNumber": null}}),
            ),
            (
                "field value number",
                json!({"template_id": tmpl, "field_values": {"seatNumber": 1}}),
            ),
            (
                "metadata array",
                json!({"template_id": tmpl, "metadata": []}),
            ),
        ],
    );
    agree::<UpdatePassRequest>(
        &doc,
        "UpdatePassRequest",
        &[
            (
                "field values",
                json!({"field_values": {"seatNumber": "B7", "gate": null}}),
            ),
            ("metadata", json!({"metadata": {"order_id": null, "n": 1}})),
            (
                "unknown key",
                json!({"field_values": {}, "holder_name": "x"}),
            ),
            (
                "field value number",
                json!({"field_values": {"seatNumber": 1}}),
            ),
        ],
    );
    // Refused by the use case, not by serde: the schema says so too.
    let update = component(&doc, "UpdatePassRequest");
    for v in [
        json!({}),
        json!({"metadata": null}),
        json!({"field_values": null}),
    ] {
        assert!(!update.is_valid(&v), "{v} needs field_values or metadata");
    }
    // Metadata limits match the domain's.
    let metadata = component(&doc, "Metadata");
    let many =
        |n: usize| -> Map<String, Value> { (0..n).map(|i| (format!("k{i}"), json!(i))).collect() };
    for m in [
        many(50),
        many(51),
        Map::from_iter([("k".repeat(40), json!("v"))]),
        Map::from_iter([("k".repeat(41), json!("v"))]),
        Map::from_iter([(String::new(), json!("v"))]),
        Map::from_iter([("k".into(), json!("v".repeat(500)))]),
        Map::from_iter([("k".into(), json!("v".repeat(501)))]),
        Map::from_iter([("k".into(), json!({"nested": "v".repeat(501)}))]),
    ] {
        let v = Value::Object(m.clone());
        assert_eq!(
            check_metadata(&m).is_ok(),
            metadata.is_valid(&v),
            "Metadata {:?}",
            errors(&metadata, &v)
        );
    }
}

// ----- operations --------------------------------------------------------------------

#[test]
fn operations_document_their_parameters_headers_and_errors() {
    let doc = doc();
    let limits: BTreeMap<&str, (u64, u64)> = BTreeMap::from([
        ("listPasses", (50, 100)),
        ("listTemplates", (50, 100)),
        ("listEvents", (100, 200)),
        ("listPassEvents", (100, 200)),
    ]);
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap();
        let params: BTreeMap<String, Value> = op["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p["name"].as_str().unwrap().to_owned(), p))
            .collect();
        let statuses = keys(&op["responses"]);
        let has = |s: &str| statuses.contains(s);
        assert!(has("200") && has("401") && has("500"), "{id}: {statuses:?}");
        if path.contains("{id}") {
            assert_eq!(params["id"]["in"], "path");
            assert_eq!(params["id"]["required"], true);
            assert!(params["id"]["schema"]["pattern"].is_string());
            assert!(has("404"), "{id} lacks 404");
        }
        let idempotent = method == "post" || method == "patch";
        if idempotent {
            let key = &params["Idempotency-Key"];
            assert_eq!(key["in"], "header", "{id} lacks Idempotency-Key");
            assert_eq!(key["schema"]["maxLength"], 255);
            assert!(op["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string());
            for s in ["400", "409", "413", "415"] {
                assert!(has(s), "{id} lacks {s}");
            }
        } else {
            assert!(!params.contains_key("Idempotency-Key"), "{id}");
            assert!(op.get("requestBody").is_none(), "{id}");
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            let headers = &response["headers"];
            assert_eq!(headers["Request-Id"]["required"], true, "{id} {status}");
            assert_eq!(
                headers.get("Idempotent-Replayed").is_some(),
                idempotent && ["200", "400", "402", "404", "415"].contains(&status.as_str()),
                "{id} {status}: Idempotent-Replayed"
            );
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    schema, "#/components/schemas/ErrorEnvelope",
                    "{id} {status}"
                );
                assert!(!response["description"].as_str().unwrap().is_empty());
            } else {
                assert!(schema.is_string(), "{id} {status} has no body schema");
            }
        }
        if let Some((default, max)) = limits.get(id) {
            let limit = &params["limit"]["schema"];
            assert_eq!(limit["type"], "integer", "{id}");
            assert_eq!(limit["minimum"], 1, "{id}");
            assert_eq!(limit["maximum"], *max, "{id}");
            assert_eq!(limit["default"], *default, "{id}");
            assert!(params.contains_key("starting_after") && params.contains_key("ending_before"));
            assert!(has("400"));
        } else {
            assert!(!params.contains_key("limit"), "{id}");
        }
    }
    let list = &doc["paths"]["/v1/passes"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(list, "#/components/schemas/PassList");
    for name in ["MethodNotAllowed", "UnknownRoute"] {
        assert!(doc["components"]["responses"][name]["content"].is_object());
    }
}

// ----- a real server against the document -------------------------------------------

mod live {
    use super::*;
    use passmint_server::config::ServeConfig;
    use passmint_store_postgres::testing::fresh_database;
    use reqwest::Method;
    use reqwest::header::HeaderMap;

    struct Server {
        base: String,
        key: String,
        client: reqwest::Client,
        handle: actix_web::dev::ServerHandle,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let handle = self.handle.clone();
            let _ = std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(handle.stop(false));
            })
            .join();
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    const MAX_BODY: usize = 4096;

    async fn start(db_url: &str) -> Server {
        let cfg = ServeConfig {
            database_url: Some(db_url.to_owned()),
            addr: "127.0.0.1:0".into(),
            public_url: Some("https://passes.example.test".into()),
            max_body_bytes: MAX_BODY,
            db_pool_size: 4,
            key_cache_seconds: 0,
            workers: Some(1),
            webhooks: Default::default(),
            apns: Default::default(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let (server, addrs) = passmint_server::cli::bind(&cfg).await.unwrap();
                tx.send((server.handle(), addrs)).unwrap();
                let _ = server.await;
            });
        });
        let (handle, addrs) = rx.recv().unwrap();
        let account = passmint_server::cli::create_account(db_url, "OpenAPI Co", None)
            .await
            .unwrap();
        Server {
            base: format!("http://{}", addrs[0]),
            key: account["test_key"].as_str().unwrap().to_owned(),
            client: reqwest::Client::new(),
            handle,
            thread: Some(thread),
        }
    }

    struct Reply {
        status: u16,
        headers: HeaderMap,
        body: Value,
    }

    struct Checker {
        doc: Value,
        server: Server,
        checked: BTreeSet<(String, String, u16)>,
    }

    enum Body {
        None,
        Json(Value),
        Raw(&'static str, Vec<u8>),
    }

    impl Checker {
        /// Sends a request and checks the answer against the operation `method
        /// template` of the document: the status is documented, the body valid
        /// against its schema, the documented headers present and valid.
        async fn call(
            &mut self,
            method: &str,
            template: &str,
            path: &str,
            auth: bool,
            body: Body,
            headers: &[(&str, &str)],
        ) -> Reply {
            let mut rb = self.server.client.request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                format!("{}{path}", self.server.base),
            );
            if auth {
                rb = rb.bearer_auth(&self.server.key);
            }
            match body {
                Body::None => {}
                Body::Json(v) => {
                    rb = rb
                        .header("content-type", "application/json")
                        .body(serde_json::to_vec(&v).unwrap());
                }
                Body::Raw(ct, bytes) => rb = rb.header("content-type", ct).body(bytes),
            }
            for (k, v) in headers {
                rb = rb.header(*k, *v);
            }
            let res = rb.send().await.unwrap();
            let status = res.status().as_u16();
            let hdrs = res.headers().clone();
            let text = res.text().await.unwrap();
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
            let item = format!("/paths/{}", escape(template));
            let response_at = if self.doc.pointer(&format!("{item}/{method}")).is_some() {
                let at = format!("{item}/{method}/responses/{status}");
                assert!(
                    self.doc.pointer(&at).is_some(),
                    "{method} {path} answered {status}, which the document does not list: {text}"
                );
                at
            } else {
                let name = if status == 405 {
                    "MethodNotAllowed"
                } else {
                    "UnknownRoute"
                };
                format!("/components/responses/{name}")
            };
            let response = self.doc.pointer(&response_at).unwrap().clone();
            let validator = validator_at(
                &self.doc,
                &format!("{response_at}/content/application~1json/schema"),
            );
            assert_valid(&validator, &body, &format!("{method} {path} {status}"));
            for (name, header) in response["headers"].as_object().unwrap() {
                match hdrs.get(name.as_str()) {
                    Some(value) => {
                        let v = validator_at(
                            &self.doc,
                            &format!("{response_at}/headers/{}/schema", escape(name)),
                        );
                        assert_valid(&v, &json!(value.to_str().unwrap()), name);
                    }
                    None => assert!(
                        header["required"] != true,
                        "{method} {path} {status} lacks header {name}"
                    ),
                }
            }
            if hdrs.contains_key("idempotent-replayed") {
                assert!(response["headers"].get("Idempotent-Replayed").is_some());
            }
            self.checked
                .insert((method.to_owned(), template.to_owned(), status));
            Reply {
                status,
                headers: hdrs,
                body,
            }
        }
    }

    fn example(doc: &Value, name: &str) -> Value {
        doc["components"]["schemas"][name]["examples"][0].clone()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_real_server_answers_as_documented() {
        let db = fresh_database().await;
        let server = start(db.url()).await;
        let doc = doc();
        let mut c = Checker {
            doc: doc.clone(),
            server,
            checked: BTreeSet::new(),
        };
        use Body::{Json, None as NoBody, Raw};

        // Templates.
        let r = c
            .call(
                "post",
                "/v1/templates",
                "/v1/templates",
                true,
                Json(example(&doc, "CreateTemplateRequest")),
                &[("Idempotency-Key", "tmpl-1")],
            )
            .await;
        assert_eq!(r.status, 200);
        let tmpl = r.body["id"].as_str().unwrap().to_owned();
        let r = c
            .call(
                "post",
                "/v1/templates",
                "/v1/templates",
                true,
                Json(example(&doc, "CreateTemplateRequest")),
                &[("Idempotency-Key", "tmpl-1")],
            )
            .await;
        assert_eq!(r.headers["idempotent-replayed"], "true");
        c.call(
            "post",
            "/v1/templates",
            "/v1/templates",
            true,
            Json(json!({"name": "x"})),
            &[("Idempotency-Key", "tmpl-1")],
        )
        .await;
        c.call(
            "post",
            "/v1/templates",
            "/v1/templates",
            true,
            Json(json!({"name": "x"})),
            &[],
        )
        .await;
        c.call(
            "post",
            "/v1/templates",
            "/v1/templates",
            true,
            Raw("text/plain", b"name=x".to_vec()),
            &[],
        )
        .await;
        c.call(
            "post",
            "/v1/templates",
            "/v1/templates",
            true,
            Raw("application/json", vec![b' '; MAX_BODY + 1]),
            &[],
        )
        .await;
        c.call(
            "post",
            "/v1/templates",
            "/v1/templates",
            false,
            Json(json!({})),
            &[],
        )
        .await;
        let t_path = format!("/v1/templates/{tmpl}");
        c.call("get", "/v1/templates/{id}", &t_path, true, NoBody, &[])
            .await;
        c.call(
            "get",
            "/v1/templates/{id}",
            "/v1/templates/tmpl_nope",
            true,
            NoBody,
            &[],
        )
        .await;
        c.call(
            "patch",
            "/v1/templates/{id}",
            &t_path,
            true,
            Json(example(&doc, "UpdateTemplateRequest")),
            &[],
        )
        .await;
        c.call("patch", "/v1/templates/{id}", &t_path, true, NoBody, &[])
            .await;
        c.call(
            "patch",
            "/v1/templates/{id}",
            &t_path,
            true,
            Json(json!({"design": {"organization_name": "x"}})),
            &[],
        )
        .await;
        for q in [
            "",
            "?limit=1",
            "?limit=100",
            "?limit=101",
            "?limit=0",
            "?limit=x",
            "?page=2",
        ] {
            c.call(
                "get",
                "/v1/templates",
                &format!("/v1/templates{q}"),
                true,
                NoBody,
                &[],
            )
            .await;
        }

        // A webhook of every event (to an address the delivery worker refuses).
        let mut create_webhook = example(&doc, "CreateWebhookRequest");
        create_webhook["url"] = json!("https://192.0.2.1/hooks");
        create_webhook["events"] = json!(["*"]);
        let r = c
            .call(
                "post",
                "/v1/webhooks",
                "/v1/webhooks",
                true,
                Json(create_webhook.clone()),
                &[("Idempotency-Key", "whk-1")],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body["secret"].is_string());
        let webhook = r.body["id"].as_str().unwrap().to_owned();
        let r = c
            .call(
                "post",
                "/v1/webhooks",
                "/v1/webhooks",
                true,
                Json(create_webhook),
                &[("Idempotency-Key", "whk-1")],
            )
            .await;
        assert_eq!(r.headers["idempotent-replayed"], "true");
        for body in [
            json!({"url": "ftp://example.com", "events": ["*"]}),
            json!({"url": "https://example.com", "events": []}),
            json!({"url": "https://example.com", "events": ["pass.exploded"]}),
            json!({"events": ["*"]}),
        ] {
            let r = c
                .call(
                    "post",
                    "/v1/webhooks",
                    "/v1/webhooks",
                    true,
                    Json(body),
                    &[],
                )
                .await;
            assert_eq!(r.status, 400);
        }

        // Passes.
        let mut create = example(&doc, "CreatePassRequest");
        create["template_id"] = json!(tmpl);
        let r = c
            .call(
                "post",
                "/v1/passes",
                "/v1/passes",
                true,
                Json(create.clone()),
                &[],
            )
            .await;
        assert_eq!(r.status, 200);
        let pass = r.body["id"].as_str().unwrap().to_owned();
        c.call(
            "post",
            "/v1/passes",
            "/v1/passes",
            true,
            Json(json!({"template_id": tmpl})),
            &[],
        )
        .await;
        c.call(
            "post",
            "/v1/passes",
            "/v1/passes",
            true,
            Json(json!({})),
            &[],
        )
        .await;
        let p_path = format!("/v1/passes/{pass}");
        c.call("get", "/v1/passes/{id}", &p_path, true, NoBody, &[])
            .await;
        c.call(
            "get",
            "/v1/passes/{id}",
            "/v1/passes/pass_nope",
            true,
            NoBody,
            &[],
        )
        .await;
        for body in doc["components"]["schemas"]["UpdatePassRequest"]["examples"]
            .as_array()
            .unwrap()
        {
            let r = c
                .call(
                    "patch",
                    "/v1/passes/{id}",
                    &p_path,
                    true,
                    Json(body.clone()),
                    &[],
                )
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
        }
        c.call(
            "patch",
            "/v1/passes/{id}",
            &p_path,
            true,
            Json(json!({})),
            &[],
        )
        .await;
        let queries = [
            String::new(),
            format!("?template_id={tmpl}&holder_email=alice%40example.com&limit=100"),
            format!("?starting_after={pass}"),
            format!("?ending_before={pass}"),
            "?limit=101".into(),
            "?template_id=abc".into(),
            "?email=x".into(),
        ];
        for q in &queries {
            c.call(
                "get",
                "/v1/passes",
                &format!("/v1/passes{q}"),
                true,
                NoBody,
                &[],
            )
            .await;
        }

        // Events.
        for (template, path) in [
            ("/v1/events", "/v1/events".to_owned()),
            ("/v1/passes/{id}/events", format!("{p_path}/events")),
        ] {
            for q in ["", "?limit=200", "?limit=201", "?starting_after=evt_x"] {
                c.call("get", template, &format!("{path}{q}"), true, NoBody, &[])
                    .await;
            }
        }
        c.call(
            "get",
            "/v1/passes/{id}/events",
            "/v1/passes/pass_nope/events",
            true,
            NoBody,
            &[],
        )
        .await;

        // The webhook's deliveries, a retry, a rotation, an update.
        let w_path = format!("/v1/webhooks/{webhook}");
        c.call("get", "/v1/webhooks", "/v1/webhooks", true, NoBody, &[])
            .await;
        c.call(
            "get",
            "/v1/webhooks",
            "/v1/webhooks?limit=1",
            true,
            NoBody,
            &[],
        )
        .await;
        let r = c
            .call("get", "/v1/webhooks/{id}", &w_path, true, NoBody, &[])
            .await;
        assert!(r.body.get("secret").is_none(), "no secret on retrieval");
        c.call(
            "get",
            "/v1/webhooks/{id}",
            "/v1/webhooks/whk_nope",
            true,
            NoBody,
            &[],
        )
        .await;
        let r = c
            .call(
                "get",
                "/v1/webhooks/{id}/deliveries",
                &format!("{w_path}/deliveries"),
                true,
                NoBody,
                &[],
            )
            .await;
        assert_eq!(r.status, 200);
        let delivery = r.body["data"][0]["id"].as_str().unwrap().to_owned();
        c.call(
            "get",
            "/v1/webhooks/{id}/deliveries",
            &format!("{w_path}/deliveries?limit=5"),
            true,
            NoBody,
            &[],
        )
        .await;
        let retry = "/v1/webhooks/{id}/deliveries/{delivery_id}/retry";
        let r = c
            .call(
                "post",
                retry,
                &format!("{w_path}/deliveries/{delivery}/retry"),
                true,
                NoBody,
                &[("Idempotency-Key", "retry-1")],
            )
            .await;
        assert_eq!(r.status, 200);
        c.call(
            "post",
            retry,
            &format!("{w_path}/deliveries/whd_nope/retry"),
            true,
            Json(json!({})),
            &[],
        )
        .await;
        c.call(
            "post",
            retry,
            &format!("{w_path}/deliveries/{delivery}/retry"),
            true,
            Json(json!({"now": true})),
            &[],
        )
        .await;
        let r = c
            .call(
                "post",
                "/v1/webhooks/{id}/rotate_secret",
                &format!("{w_path}/rotate_secret"),
                true,
                Json(example(&doc, "EmptyRequest")),
                &[],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body["secret"].is_string());
        c.call(
            "post",
            "/v1/webhooks/{id}/rotate_secret",
            "/v1/webhooks/whk_nope/rotate_secret",
            true,
            NoBody,
            &[],
        )
        .await;
        for body in doc["components"]["schemas"]["UpdateWebhookRequest"]["examples"]
            .as_array()
            .unwrap()
        {
            let r = c
                .call(
                    "patch",
                    "/v1/webhooks/{id}",
                    &w_path,
                    true,
                    Json(body.clone()),
                    &[],
                )
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
        }
        c.call(
            "patch",
            "/v1/webhooks/{id}",
            &w_path,
            true,
            Json(json!({"url": "mailto:a@b.c"})),
            &[],
        )
        .await;

        // Voiding, archiving, then what is refused afterwards.
        c.call("delete", "/v1/passes/{id}", &p_path, true, NoBody, &[])
            .await;
        c.call(
            "delete",
            "/v1/passes/{id}",
            "/v1/passes/pass_nope",
            true,
            NoBody,
            &[],
        )
        .await;
        c.call(
            "patch",
            "/v1/passes/{id}",
            &p_path,
            true,
            Json(json!({"metadata": {"a": 1}})),
            &[],
        )
        .await;
        c.call("delete", "/v1/templates/{id}", &t_path, true, NoBody, &[])
            .await;
        c.call(
            "delete",
            "/v1/templates/{id}",
            "/v1/templates/tmpl_nope",
            true,
            NoBody,
            &[],
        )
        .await;
        c.call(
            "post",
            "/v1/passes",
            "/v1/passes",
            true,
            Json(json!({"template_id": tmpl})),
            &[],
        )
        .await;
        c.call("delete", "/v1/webhooks/{id}", &w_path, true, NoBody, &[])
            .await;
        c.call("delete", "/v1/webhooks/{id}", &w_path, true, NoBody, &[])
            .await;

        // Every documented operation without a key, and the methods a path lacks.
        for (template, _, _) in operations(&doc) {
            let path = template.replace(
                "{id}",
                if template.starts_with("/v1/templates") {
                    &tmpl
                } else {
                    &pass
                },
            );
            for m in METHODS {
                if m == "head" || m == "options" || m == "trace" {
                    continue;
                }
                let documented = doc["paths"][&template].get(m).is_some();
                let r = c.call(m, &template, &path, !documented, NoBody, &[]).await;
                if documented {
                    assert_eq!(r.status, 401, "{m} {path} without a key");
                } else {
                    assert_eq!(r.status, 405, "{m} {path}");
                }
            }
        }
        c.call("get", "/v1/nowhere", "/v1/nowhere", true, NoBody, &[])
            .await;

        // Every documented operation answered at least its success.
        for (template, method, _) in operations(&doc) {
            assert!(
                c.checked.contains(&(method.clone(), template.clone(), 200)),
                "{method} {template} was never answered with 200"
            );
        }
        let statuses: BTreeSet<u16> = c.checked.iter().map(|(_, _, s)| *s).collect();
        for s in [200, 400, 401, 404, 405, 409, 413, 415] {
            assert!(statuses.contains(&s), "no answer with {s} was checked");
        }
        drop(c);
        drop(db);
    }
}
