//! A real server's answers, valid against the responses the document lists.

use super::*;
use passmint_e2e::{Engine, TestServer};
use reqwest::Method;
use reqwest::header::HeaderMap;

/// The body limit of this server: small, so that a 413 is cheap to provoke.
const MAX_BODY: usize = 4096;

async fn start() -> TestServer {
    TestServer::start_with(Engine::Postgres, |cfg| {
        cfg.max_body_bytes = MAX_BODY;
        cfg.db_pool_size = 4;
        cfg.workers = Some(1);
    })
    .await
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

struct Checker {
    doc: Value,
    server: TestServer,
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
            rb = rb.bearer_auth(&self.server.test_key);
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

    /// `call` with the test key and no extra header.
    async fn go(&mut self, method: &str, template: &str, path: &str, body: Body) -> Reply {
        self.call(method, template, path, true, body, &[]).await
    }

    /// A POST to the path `template` itself with the test key and an `Idempotency-Key`.
    async fn post_once(&mut self, template: &str, body: Body, key: &str) -> Reply {
        let headers = [("Idempotency-Key", key)];
        self.call("post", template, template, true, body, &headers)
            .await
    }

    /// `go` for each `(method, template, path, body)` in turn, the answers unread
    /// (each is checked against the document all the same).
    async fn each(&mut self, requests: Vec<(&str, &str, String, Body)>) {
        for (method, template, path, body) in requests {
            self.go(method, template, &path, body).await;
        }
    }
}

fn example(doc: &Value, name: &str) -> Value {
    doc["components"]["schemas"][name]["examples"][0].clone()
}

/// Every example of the schema `name`.
fn examples<'a>(doc: &'a Value, name: &str) -> &'a Vec<Value> {
    doc["components"]["schemas"][name]["examples"]
        .as_array()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_server_answers_as_documented() {
    let server = start().await;
    let doc = doc();
    let mut c = Checker {
        doc: doc.clone(),
        server,
        checked: BTreeSet::new(),
    };
    use Body::{Json, None as NoBody, Raw};
    let own = |p: &str| p.to_owned();

    // Templates.
    let templates = "/v1/templates";
    let create_template = || Json(example(&doc, "CreateTemplateRequest"));
    let r = c.post_once(templates, create_template(), "tmpl-1").await;
    assert_eq!(r.status, 200);
    let tmpl = r.body["id"].as_str().unwrap().to_owned();
    let r = c.post_once(templates, create_template(), "tmpl-1").await;
    assert_eq!(r.headers["idempotent-replayed"], "true");
    let named_x = || Json(json!({"name": "x"}));
    c.post_once(templates, named_x(), "tmpl-1").await;
    c.call("post", templates, templates, true, named_x(), &[])
        .await;
    let t_path = format!("/v1/templates/{tmpl}");
    let template = "/v1/templates/{id}";
    let oversized = vec![b' '; MAX_BODY + 1];
    c.each(vec![
        (
            "post",
            templates,
            own(templates),
            Raw("text/plain", b"name=x".to_vec()),
        ),
        (
            "post",
            templates,
            own(templates),
            Raw("application/json", oversized),
        ),
        ("post", templates, own(templates), Json(json!({}))),
        ("get", template, t_path.clone(), NoBody),
        ("get", template, own("/v1/templates/tmpl_nope"), NoBody),
        (
            "patch",
            template,
            t_path.clone(),
            Json(example(&doc, "UpdateTemplateRequest")),
        ),
        ("patch", template, t_path.clone(), NoBody),
        (
            "patch",
            template,
            t_path.clone(),
            Json(json!({"design": {"organization_name": "x"}})),
        ),
    ])
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
        c.go("get", templates, &format!("{templates}{q}"), NoBody)
            .await;
    }

    // A webhook of every event (to an address the delivery worker refuses).
    let webhooks = "/v1/webhooks";
    let mut create_webhook = example(&doc, "CreateWebhookRequest");
    create_webhook["url"] = json!("https://192.0.2.1/hooks");
    create_webhook["events"] = json!(["*"]);
    let r = c
        .post_once(webhooks, Json(create_webhook.clone()), "whk-1")
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["secret"].is_string());
    let webhook = r.body["id"].as_str().unwrap().to_owned();
    let r = c.post_once(webhooks, Json(create_webhook), "whk-1").await;
    assert_eq!(r.headers["idempotent-replayed"], "true");
    for body in [
        json!({"url": "ftp://example.com", "events": ["*"]}),
        json!({"url": "https://example.com", "events": []}),
        json!({"url": "https://example.com", "events": ["pass.exploded"]}),
        json!({"events": ["*"]}),
    ] {
        let r = c.go("post", webhooks, webhooks, Json(body)).await;
        assert_eq!(r.status, 400);
    }

    // Passes.
    let passes = "/v1/passes";
    let pass_of = "/v1/passes/{id}";
    let mut create = example(&doc, "CreatePassRequest");
    create["template_id"] = json!(tmpl);
    let r = c.go("post", passes, passes, Json(create.clone())).await;
    assert_eq!(r.status, 200);
    let pass = r.body["id"].as_str().unwrap().to_owned();
    let p_path = format!("/v1/passes/{pass}");
    c.each(vec![
        (
            "post",
            passes,
            own(passes),
            Json(json!({"template_id": tmpl})),
        ),
        ("post", passes, own(passes), Json(json!({}))),
        ("get", pass_of, p_path.clone(), NoBody),
        ("get", pass_of, own("/v1/passes/pass_nope"), NoBody),
    ])
    .await;
    for body in examples(&doc, "UpdatePassRequest") {
        let r = c.go("patch", pass_of, &p_path, Json(body.clone())).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    c.go("patch", pass_of, &p_path, Json(json!({}))).await;
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
        c.go("get", passes, &format!("{passes}{q}"), NoBody).await;
    }

    // Bundles of that pass.
    let bundles = "/v1/bundles";
    let bundle_of = "/v1/bundles/{id}";
    let mut create_bundle = example(&doc, "CreateBundleRequest");
    create_bundle["pass_ids"] = json!([pass]);
    let r = c
        .post_once(bundles, Json(create_bundle.clone()), "bndl-1")
        .await;
    assert_eq!(r.status, 200);
    let bundle = r.body["id"].as_str().unwrap().to_owned();
    let r = c.post_once(bundles, Json(create_bundle), "bndl-1").await;
    assert_eq!(r.headers["idempotent-replayed"], "true");
    for body in [
        json!({}),
        json!({"pass_ids": []}),
        json!({"pass_ids": [pass, pass]}),
        json!({"pass_ids": ["pass_nope"]}),
        json!({"pass_ids": [pass], "name": "x"}),
    ] {
        let r = c.go("post", bundles, bundles, Json(body)).await;
        assert_eq!(r.status, 400);
    }
    c.each(vec![
        ("get", bundle_of, format!("/v1/bundles/{bundle}"), NoBody),
        ("get", bundle_of, own("/v1/bundles/bndl_nope"), NoBody),
    ])
    .await;

    // Events.
    let events_of = "/v1/passes/{id}/events";
    for (template, path) in [
        ("/v1/events", "/v1/events".to_owned()),
        (events_of, format!("{p_path}/events")),
    ] {
        for q in ["", "?limit=200", "?limit=201", "?starting_after=evt_x"] {
            c.go("get", template, &format!("{path}{q}"), NoBody).await;
        }
    }
    c.go("get", events_of, "/v1/passes/pass_nope/events", NoBody)
        .await;

    // The webhook's deliveries, a retry, a rotation, an update.
    let webhook_of = "/v1/webhooks/{id}";
    let deliveries = "/v1/webhooks/{id}/deliveries";
    let w_path = format!("/v1/webhooks/{webhook}");
    c.go("get", webhooks, webhooks, NoBody).await;
    c.go("get", webhooks, "/v1/webhooks?limit=1", NoBody).await;
    let r = c.go("get", webhook_of, &w_path, NoBody).await;
    assert!(r.body.get("secret").is_none(), "no secret on retrieval");
    c.go("get", webhook_of, "/v1/webhooks/whk_nope", NoBody)
        .await;
    let r = c
        .go("get", deliveries, &format!("{w_path}/deliveries"), NoBody)
        .await;
    assert_eq!(r.status, 200);
    let delivery = r.body["data"][0]["id"].as_str().unwrap().to_owned();
    c.go(
        "get",
        deliveries,
        &format!("{w_path}/deliveries?limit=5"),
        NoBody,
    )
    .await;
    let retry = "/v1/webhooks/{id}/deliveries/{delivery_id}/retry";
    let retry_path = format!("{w_path}/deliveries/{delivery}/retry");
    let retry_1 = [("Idempotency-Key", "retry-1")];
    let r = c
        .call("post", retry, &retry_path, true, NoBody, &retry_1)
        .await;
    assert_eq!(r.status, 200);
    c.each(vec![
        (
            "post",
            retry,
            format!("{w_path}/deliveries/whd_nope/retry"),
            Json(json!({})),
        ),
        (
            "post",
            retry,
            retry_path.clone(),
            Json(json!({"now": true})),
        ),
    ])
    .await;
    let rotate = "/v1/webhooks/{id}/rotate_secret";
    let r = c
        .go(
            "post",
            rotate,
            &format!("{w_path}/rotate_secret"),
            Json(example(&doc, "EmptyRequest")),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["secret"].is_string());
    c.go(
        "post",
        rotate,
        "/v1/webhooks/whk_nope/rotate_secret",
        NoBody,
    )
    .await;
    for body in examples(&doc, "UpdateWebhookRequest") {
        let r = c.go("patch", webhook_of, &w_path, Json(body.clone())).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    c.go(
        "patch",
        webhook_of,
        &w_path,
        Json(json!({"url": "mailto:a@b.c"})),
    )
    .await;

    // Voiding, archiving, then what is refused afterwards.
    c.each(vec![
        ("delete", pass_of, p_path.clone(), NoBody),
        ("delete", pass_of, own("/v1/passes/pass_nope"), NoBody),
        (
            "patch",
            pass_of,
            p_path.clone(),
            Json(json!({"metadata": {"a": 1}})),
        ),
        ("delete", template, t_path.clone(), NoBody),
        ("delete", template, own("/v1/templates/tmpl_nope"), NoBody),
        (
            "post",
            passes,
            own(passes),
            Json(json!({"template_id": tmpl})),
        ),
        ("delete", webhook_of, w_path.clone(), NoBody),
        ("delete", webhook_of, w_path.clone(), NoBody),
    ])
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
    c.go("get", "/v1/nowhere", "/v1/nowhere", NoBody).await;

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
}
