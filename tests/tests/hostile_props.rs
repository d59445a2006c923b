//! A property over every writable field of every POST and PATCH (templates, passes,
//! webhooks): generated text (NUL, controls, surrogate pairs, line separators,
//! noncharacters, quotes) and JSON (numbers at the edges of f64 and of 64 bits,
//! nesting, unicode keys) is either refused with `400` naming a field that holds
//! NUL, or answered; whatever is answered reads back as the same text from
//! retrieve, list, events and the webhook payload, on every engine
//! (docs/api.md §1, §4, §10). Never a 5xx.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::receiver::server_delivering;
use passmint_e2e::{Engine, Reply, TestServer, engine_tests, template_body};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Cases per engine: a few seconds each on two cores. About a third put NUL in
/// one place (a text field, a metadata key or a nested metadata value).
const CASES: u32 = 24;

fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        2 => proptest::char::range(' ', '~').prop_filter("no placeholders", |c| *c != '{' && *c != '}'),
        2 => proptest::sample::select(vec![
            '\u{1}', '\u{1f}', '\u{7f}', '"', '\\', '/', 'é', 'ß', 'ж', '中', '😀', '\u{2028}',
            '\u{2029}', '\u{feff}', '\u{fffd}', '\u{ffff}', '\u{10ffff}', '\u{301}',
        ]),
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(text_char(), 0..max).prop_map(String::from_iter)
}

fn key() -> impl Strategy<Value = String> {
    proptest::collection::vec(text_char(), 1..12).prop_map(String::from_iter)
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        proptest::sample::select(vec![
            f64::MAX,
            -f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
            0.1,
            1e16,
            1e18,
            -1e18,
            1.8e19,
            2e19,
            1.2345678901234568e29,
            9.223372036854776e18,
        ])
        .prop_map(Value::from),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        text(16).prop_map(Value::from),
    ]
}

/// Any JSON value, nesting a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Metadata: a few keys, values of any JSON but `null` (which a PATCH reads as
/// "remove the key").
fn metadata() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map(
        key(),
        json_value().prop_filter("not null", |v| !v.is_null()),
        0..4,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

#[derive(Debug, Clone)]
struct Case {
    template: [String; 6],
    template_name: String,
    holder_name: String,
    field_value: String,
    metadata: Value,
    seat: String,
    metadata_patch: Value,
    url_path: String,
    description: String,
    description_patch: String,
}

impl Case {
    fn texts(&mut self) -> [&mut String; 13] {
        let [a, b, c, d, e, f] = &mut self.template;
        [
            a,
            b,
            c,
            d,
            e,
            f,
            &mut self.template_name,
            &mut self.holder_name,
            &mut self.field_value,
            &mut self.seat,
            &mut self.url_path,
            &mut self.description,
            &mut self.description_patch,
        ]
    }

    /// Puts NUL in one place: text field `at` (at a generated position), or past
    /// the text fields a metadata key or a nested metadata value.
    fn poison(&mut self, at: usize, pos: proptest::sample::Index) {
        let texts = self.texts();
        let n = texts.len();
        if let Some(t) = texts.into_iter().nth(at) {
            let chars: Vec<char> = t.chars().collect();
            let i = pos.index(chars.len() + 1);
            *t = chars[..i]
                .iter()
                .chain(['\0'].iter())
                .chain(&chars[i..])
                .collect();
        } else if at == n {
            self.metadata["bad\0key"] = json!(1);
        } else {
            self.metadata_patch["k"] = json!({"deep": [1, {"x": "a\0b"}]});
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::array::uniform6(text(12)),
        text(12),
        (text(12), text(12), metadata()),
        (text(12), metadata()),
        (text(12), text(12), text(12)),
        proptest::option::weighted(0.35, (0..15usize, any::<proptest::sample::Index>())),
    )
        .prop_map(
            |(
                template,
                template_name,
                (holder_name, field_value, metadata),
                (seat, metadata_patch),
                (url_path, description, description_patch),
                poison,
            )| {
                let mut case = Case {
                    template,
                    template_name,
                    holder_name,
                    field_value,
                    metadata,
                    seat,
                    metadata_patch,
                    url_path,
                    description,
                    description_patch,
                };
                if let Some((at, pos)) = poison {
                    case.poison(at, pos);
                }
                case
            },
        )
}

/// Every place of `v` (below `path`) where NUL is: a string's path, or for a key
/// the object holding it (`None` at the top).
fn nul_params(v: &Value, path: &str, out: &mut BTreeSet<Option<String>>) {
    let here = || (!path.is_empty()).then(|| path.to_owned());
    match v {
        Value::String(s) if s.contains('\0') => {
            out.insert(here());
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nul_params(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                if k.contains('\0') {
                    out.insert(here());
                }
                let below = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                nul_params(item, &below, out);
            }
        }
        _ => {}
    }
}

fn text_of(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// Checks one write's answer: a body holding NUL is refused naming one of its
/// places; otherwise a 200 or a 4xx envelope, never a 5xx. Answers the object on
/// a 200.
fn answered(what: &str, body: &Value, r: &Reply) -> Option<Value> {
    eprintln!(
        "STAT {what} {} {}",
        r.status.as_u16(),
        r.body["error"]["param"]
    );
    let mut nul = BTreeSet::new();
    nul_params(body, "", &mut nul);
    assert!(r.status.as_u16() < 500, "{what}: {} for {body}", r.text);
    if !nul.is_empty() {
        assert_eq!(r.status, 400, "{what} with NUL: {}", r.text);
        assert_eq!(
            r.body["error"]["type"], "invalid_request_error",
            "{}",
            r.text
        );
        let param = r.body["error"]["param"].as_str().map(str::to_owned);
        assert!(
            nul.contains(&param),
            "{what}: param {param:?} is not one of {nul:?}"
        );
        return None;
    }
    if r.status != 200 {
        assert!(r.body["error"]["type"].is_string(), "{what}: {}", r.text);
        return None;
    }
    Some(r.body.clone())
}

/// The object at `path` and in the list at `list` reads back as `answer` did.
async fn reads_back(s: &TestServer, path: &str, list: &str, answer: &Value) {
    let got = s.get(path).await;
    assert_eq!(got.status, 200, "{path}: {}", got.text);
    assert_eq!(text_of(&got.body), text_of(answer), "{path}");
    let listed = s.get(list).await;
    assert_eq!(listed.status, 200, "{list}: {}", listed.text);
    let item = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == answer["id"])
        .unwrap_or_else(|| panic!("{list} lists {}", answer["id"]));
    assert_eq!(text_of(item), text_of(answer), "{list}");
}

/// The answer's metadata is the request's, numbers as every engine reads them.
fn same_metadata(sent: &Value, answer: &Value) {
    let mut expected = sent.clone();
    passmint_domain::storable::normalize_json(&mut expected);
    assert_eq!(text_of(&answer["metadata"]), text_of(&expected));
}

/// Runs one case; the pass answers (created, updated) go to `answers`.
async fn run_case(
    s: &TestServer,
    fallback_template: &str,
    c: &Case,
    answers: &mut BTreeMap<String, Vec<String>>,
) {
    // Templates: every text of the design, then the name by PATCH.
    let mut body = template_body();
    let [name, org, desc, logo, label, alt] = c.template.clone();
    body["name"] = json!(name);
    body["design"]["organization_name"] = json!(org);
    body["design"]["description"] = json!(desc);
    body["design"]["logo_text"] = json!(logo);
    body["design"]["fields"]["back"][0]["label"] = json!(label);
    body["design"]["barcode"]["alt_text"] = json!(alt);
    let r = s.post("/v1/templates", body.clone()).await;
    let mut template_id = fallback_template.to_owned();
    if let Some(t) = answered("POST /v1/templates", &body, &r) {
        let id = t["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/templates/{id}");
        reads_back(s, &path, "/v1/templates?limit=100", &t).await;
        let patch = json!({"name": c.template_name});
        let r = s.patch(&path, patch.clone()).await;
        if let Some(t) = answered("PATCH /v1/templates", &patch, &r) {
            reads_back(s, &path, "/v1/templates?limit=100", &t).await;
        }
        template_id = id;
    }

    // Passes: holder, field value and metadata, then a PATCH of both.
    let body = json!({
        "template_id": template_id,
        "holder_name": c.holder_name,
        "field_values": {"event": c.field_value},
        "metadata": c.metadata,
    });
    let r = s.post("/v1/passes", body.clone()).await;
    if let Some(p) = answered("POST /v1/passes", &body, &r) {
        same_metadata(&c.metadata, &p);
        let id = p["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/passes/{id}");
        reads_back(s, &path, "/v1/passes?limit=100", &p).await;
        answers.entry(id.clone()).or_default().push(text_of(&p));
        let patch = json!({"field_values": {"seatNumber": c.seat}, "metadata": c.metadata_patch});
        let r = s.patch(&path, patch.clone()).await;
        if let Some(p) = answered("PATCH /v1/passes", &patch, &r) {
            reads_back(s, &path, "/v1/passes?limit=100", &p).await;
            answers.entry(id.clone()).or_default().push(text_of(&p));
        }
        let events = s.get(&format!("{path}/events")).await;
        assert_eq!(events.status, 200, "{}", events.text);
        let all = s.get("/v1/events?limit=200").await;
        assert_eq!(all.status, 200, "{}", all.text);
    }

    // Webhooks (disabled: nothing is sent to them), then a PATCH; deleted after,
    // as an account holds 16 at most.
    let body = json!({
        "url": format!("https://hooks.example.test/{}", c.url_path),
        "events": ["*"],
        "description": c.description,
        "enabled": false,
    });
    let r = s.post("/v1/webhooks", body.clone()).await;
    if let Some(mut w) = answered("POST /v1/webhooks", &body, &r) {
        // Only the creation answers the secret.
        assert!(w.as_object_mut().unwrap().remove("secret").is_some());
        let path = format!("/v1/webhooks/{}", w["id"].as_str().unwrap());
        reads_back(s, &path, "/v1/webhooks", &w).await;
        let patch = json!({"description": c.description_patch});
        let r = s.patch(&path, patch.clone()).await;
        if let Some(w) = answered("PATCH /v1/webhooks", &patch, &r) {
            reads_back(s, &path, "/v1/webhooks", &w).await;
        }
        assert_eq!(s.delete(&path).await.status, 200);
    }
}

async fn hostile_input_reads_back_as_answered(engine: Engine) {
    let (receiver, s, fallback) = server_delivering(engine).await;
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let answers = std::sync::Mutex::new(BTreeMap::<String, Vec<String>>::new());
    let handle = tokio::runtime::Handle::current();
    let result = runner.run(&case(), |c| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let mut local = BTreeMap::new();
                run_case(&s, &fallback, &c, &mut local).await;
                let mut all = answers.lock().unwrap();
                for (id, list) in local {
                    all.entry(id).or_default().extend(list);
                }
            })
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Every webhook payload carries the pass as one of its writes answered it, and
    // every pass has had one.
    let answers = answers.into_inner().unwrap();
    assert!(!answers.is_empty(), "some cases issue a pass");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut seen = BTreeSet::new();
        for r in receiver.received() {
            let object = &r.json()["data"]["object"];
            let id = object["id"].as_str().unwrap().to_owned();
            // A pass of a failed case has no answers kept (the run panics anyway).
            if let Some(texts) = answers.get(&id) {
                assert!(
                    texts.contains(&text_of(object)),
                    "the payload of {id} is no answer: {object}"
                );
                seen.insert(id);
            }
        }
        if seen.len() == answers.len() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "payloads of {} of {} passes",
            seen.len(),
            answers.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

engine_tests!(hostile_input_reads_back_as_answered);

#[test]
fn nul_params_name_strings_and_the_objects_of_keys() {
    let mut out = BTreeSet::new();
    nul_params(
        &json!({"a": ["x", "\u{0}"], "m": {"k\u{0}": 1}, "\u{0}": 2}),
        "",
        &mut out,
    );
    let expected: BTreeSet<Option<String>> =
        [Some("a[1]".to_owned()), Some("m".to_owned()), None].into();
    assert_eq!(out, expected);
}
