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
}

fn example(doc: &Value, name: &str) -> Value {
    doc["components"]["schemas"][name]["examples"][0].clone()
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
}
