//! The document itself: OpenAPI 3.1, every route of `app.rs` documented, every
//! `$ref` resolved, every example valid, every operation's errors and parameters.

use super::*;

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
    let src = include_str!("../../../crates/passmint-server/src/app.rs");
    assert!(
        !src.contains("web::scope(") && !src.contains(".to(|"),
        "app.rs registers routes in a way this reader does not understand: extend it"
    );
    assert!(
        !src.contains(".route("),
        "app.rs registers a route in a way this reader does not understand: extend it"
    );
    let mut marks: Vec<(usize, bool, String)> = Vec::new();
    for (i, _) in src.match_indices("endpoint(\"") {
        let rest = &src[i + "endpoint(\"".len()..];
        let path = &rest[..rest.find('"').unwrap()];
        marks.push((i, true, path.to_owned()));
    }
    for method in ["get", "head", "post", "patch", "delete"] {
        for (i, _) in src.match_indices(&format!(".{method}(")) {
            marks.push((i, false, method.to_owned()));
        }
    }
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
            for s in ["400", "408", "409", "413", "415"] {
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
