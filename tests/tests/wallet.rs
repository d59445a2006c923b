//! Apple's PassKit web service and APNs pushes (docs/api.md §7), played by a test
//! device against the real server on every engine: the device reads the token and
//! the web service URL from the downloaded pass.json, registers, lists the serials
//! changed since a tag, fetches the pass (Last-Modified, 304), sees a PATCH arrive
//! through a push to a local fake APNs (HTTP/2 over TLS with client certificate),
//! unregisters and logs. APNs answers 410 (registration removed) and 503 (retried).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_apns::fake::{FakeApns, Script};
use passmint_e2e::verify::unzip;
use passmint_e2e::{Engine, PUBLIC_URL, Reply, TestServer, engine_tests};
use passmint_server::config::ServeConfig;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// A test server pushing to `apns`.
async fn server(engine: Engine, apns: &FakeApns) -> (TestServer, tempfile_path::TempPem) {
    server_with(engine, apns, |_| {}).await
}

/// A test server pushing to `apns`, its configuration adjusted by `adjust`.
async fn server_with(
    engine: Engine,
    apns: &FakeApns,
    adjust: impl FnOnce(&mut ServeConfig),
) -> (TestServer, tempfile_path::TempPem) {
    let ca = tempfile_path::TempPem::new(apns.ca_pem());
    let url = apns.base_url();
    let ca_path = ca.path.clone();
    let s = TestServer::start_with(engine, move |cfg| {
        cfg.apns.apns_url = url;
        cfg.apns.apns_ca_file = Some(ca_path);
        cfg.apns.apns_retry_base = Duration::from_millis(200);
        cfg.apns.push_poll_interval = Duration::from_millis(100);
        adjust(cfg);
    })
    .await;
    (s, ca)
}

mod tempfile_path {
    /// A PEM file removed on drop.
    pub struct TempPem {
        pub path: std::path::PathBuf,
    }

    impl TempPem {
        pub fn new(pem: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "passmint-apns-ca-{}-{}.pem",
                std::process::id(),
                passmint_testkit::fixtures::base62(16)
            ));
            std::fs::write(&path, pem).unwrap();
            TempPem { path }
        }
    }

    impl Drop for TempPem {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What a device reads from a downloaded pass.
struct Device {
    dli: String,
    push_token: String,
    auth: String,
    ptid: String,
    serial: String,
}

fn hex_token() -> String {
    passmint_testkit::fixtures::base62(32)
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn download_pass_json(s: &TestServer, pass: &Value) -> Value {
    let r = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(r.status, 200);
    serde_json::from_slice(&unzip(&r.bytes)["pass.json"]).unwrap()
}

async fn device_for(s: &TestServer, pass: &Value) -> Device {
    let pj = download_pass_json(s, pass).await;
    assert_eq!(pj["webServiceURL"], format!("{PUBLIC_URL}/wallet"));
    Device {
        dli: format!("device{}", passmint_testkit::fixtures::base62(12)),
        push_token: hex_token(),
        auth: pj["authenticationToken"].as_str().unwrap().to_owned(),
        ptid: pj["passTypeIdentifier"].as_str().unwrap().to_owned(),
        serial: pj["serialNumber"].as_str().unwrap().to_owned(),
    }
}

impl Device {
    fn registration_path(&self) -> String {
        format!(
            "/wallet/v1/devices/{}/registrations/{}/{}",
            self.dli, self.ptid, self.serial
        )
    }

    /// DELETE of the registration with this `authorization` header.
    async fn unregister(&self, s: &TestServer, authorization: &str) -> Reply {
        s.send(
            Method::DELETE,
            &self.registration_path(),
            None,
            None,
            &[("authorization", authorization)],
        )
        .await
    }

    fn apple_pass(&self) -> String {
        format!("ApplePass {}", self.auth)
    }

    async fn register(&self, s: &TestServer) -> u16 {
        let auth = self.apple_pass();
        s.send(
            Method::POST,
            &self.registration_path(),
            None,
            Some(&json!({"pushToken": self.push_token})),
            &[("authorization", &auth)],
        )
        .await
        .status
        .as_u16()
    }

    async fn updated_since(&self, s: &TestServer, tag: Option<&str>) -> (u16, Value) {
        let mut path = format!(
            "/wallet/v1/devices/{}/registrations/{}",
            self.dli, self.ptid
        );
        if let Some(t) = tag {
            path.push_str(&format!("?passesUpdatedSince={t}"));
        }
        let r = s.anonymous(Method::GET, &path, None).await;
        (r.status.as_u16(), r.body)
    }

    async fn fetch(&self, s: &TestServer, since: Option<&str>) -> reqwest::Response {
        let mut rb = s
            .client
            .get(s.url(&format!("/wallet/v1/passes/{}/{}", self.ptid, self.serial)))
            .header("authorization", self.apple_pass());
        if let Some(since) = since {
            rb = rb.header("if-modified-since", since);
        }
        rb.send().await.unwrap()
    }
}

async fn event_kinds(s: &TestServer, pass_id: &str) -> Vec<Value> {
    let r = s.get(&format!("/v1/passes/{pass_id}/events")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["data"].as_array().unwrap().clone()
}

/// The pass's events of one type, oldest first.
async fn events_of_type(s: &TestServer, pass_id: &str, kind: &str) -> Vec<Value> {
    event_kinds(s, pass_id)
        .await
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

/// Sets the pass's `seatNumber` through the API (a change that pushes).
async fn change_seat(s: &TestServer, pass_id: &str, seat: &str) {
    let body = json!({"field_values": {"seatNumber": seat}});
    let r = s.patch_pass(pass_id, body).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn count_for(apns: &FakeApns, token: &str) -> usize {
    apns.requests()
        .iter()
        .filter(|r| r.device_token == token)
        .count()
}

/// Waits until the fake has `n` requests for the token (or 10 s).
async fn wait_pushes(apns: &FakeApns, token: &str, n: usize) {
    for _ in 0..200 {
        if count_for(apns, token) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} pushes to {token}, got {}",
        count_for(apns, token)
    );
}

async fn device_plays_the_web_service(engine: Engine) {
    let apns = FakeApns::start().await;
    let (s, _ca) = server(engine, &apns).await;
    let template = s.template(&s.test_key.clone()).await;
    let pass = s
        .pass(&s.test_key.clone(), template["id"].as_str().unwrap())
        .await;
    let pass_id = pass["id"].as_str().unwrap();
    let d = device_for(&s, &pass).await;

    // Register: 201, then 200; a wrong token, serial or pass type: 401.
    assert_eq!(d.register(&s).await, 201, "a new registration");
    assert_eq!(d.register(&s).await, 200, "registered already");
    for (auth, ptid, serial) in [
        (
            "ApplePass wrong-token-0123456789".to_owned(),
            d.ptid.clone(),
            d.serial.clone(),
        ),
        (d.apple_pass(), d.ptid.clone(), "no-such-serial".to_owned()),
        (
            d.apple_pass(),
            "pass.com.example.other".to_owned(),
            d.serial.clone(),
        ),
        (
            format!("Bearer {}", d.auth),
            d.ptid.clone(),
            d.serial.clone(),
        ),
    ] {
        let r = s
            .send(
                Method::POST,
                &format!("/wallet/v1/devices/{}/registrations/{ptid}/{serial}", d.dli),
                None,
                Some(&json!({"pushToken": d.push_token})),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 401, "{auth} {ptid} {serial}: {}", r.text);
    }
    let no_auth = s
        .anonymous(
            Method::POST,
            &d.registration_path(),
            Some(&json!({"pushToken": d.push_token})),
        )
        .await;
    assert_eq!(no_auth.status, 401);
    let bad_token = s
        .send(
            Method::POST,
            &d.registration_path(),
            None,
            Some(&json!({"pushToken": "not hex!"})),
            &[("authorization", &d.apple_pass())],
        )
        .await;
    bad_token.assert_error(400, "invalid_request_error", Some("pushToken"));
    let events = event_kinds(&s, pass_id).await;
    let installed: Vec<&Value> = events.iter().filter(|e| e["type"] == "installed").collect();
    assert_eq!(installed.len(), 1, "one installed event: {events:?}");
    assert_eq!(installed[0]["metadata"]["device_library_identifier"], d.dli);

    // Serials since a tag.
    let (status, body) = d.updated_since(&s, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["serialNumbers"], json!([d.serial]));
    let tag = body["lastUpdated"].as_str().unwrap().to_owned();
    assert_eq!(d.updated_since(&s, Some(&tag)).await.0, 204, "nothing new");
    let r = s
        .send(
            Method::GET,
            &format!(
                "/wallet/v1/devices/{}/registrations/{}?passesUpdatedSince=x",
                d.dli, d.ptid
            ),
            None,
            None,
            &[],
        )
        .await;
    r.assert_error(400, "invalid_request_error", Some("passesUpdatedSince"));

    // Fetch: 200 with Last-Modified, then 304 (once the second of the last
    // change is over, see routes/wallet.rs).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = d.fetch(&s, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/vnd.apple.pkpass"
    );
    let last_modified = r.headers()["last-modified"].to_str().unwrap().to_owned();
    let first = unzip(&r.bytes().await.unwrap());
    let pj: Value = serde_json::from_slice(&first["pass.json"]).unwrap();
    assert_eq!(pj["serialNumber"], d.serial);
    assert_eq!(d.fetch(&s, Some(&last_modified)).await.status(), 304);
    let head = s
        .client
        .head(s.url(&format!("/wallet/v1/passes/{}/{}", d.ptid, d.serial)))
        .header("authorization", d.apple_pass())
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200, "HEAD of the pass");
    assert!(head.headers().contains_key("last-modified"));
    let wrong = s
        .client
        .get(s.url(&format!("/wallet/v1/passes/{}/{}", d.ptid, d.serial)))
        .header("authorization", "ApplePass nope-nope-nope-nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // PATCH: one push, the serial listed again, the new value in the pass.
    change_seat(&s, pass_id, "B7").await;
    wait_pushes(&apns, &d.push_token, 1).await;
    let push = apns
        .requests()
        .into_iter()
        .find(|r| r.device_token == d.push_token)
        .unwrap();
    assert_eq!(push.method, "POST");
    assert_eq!(push.path, format!("/3/device/{}", d.push_token));
    assert_eq!(push.topic.as_deref(), Some(d.ptid.as_str()));
    assert_eq!(push.body, b"{}");
    assert!(push.http_version.contains('2'), "{}", push.http_version);
    assert!(
        push.client_cert_subject.is_some(),
        "the push is authenticated with the pass certificate"
    );
    let (status, body) = d.updated_since(&s, Some(&tag)).await;
    assert_eq!(status, 200);
    assert_eq!(body["serialNumbers"], json!([d.serial]));
    let tag2 = body["lastUpdated"].as_str().unwrap().to_owned();
    assert_ne!(tag2, tag);
    let r = d.fetch(&s, Some(&last_modified)).await;
    assert_eq!(r.status(), 200, "changed since: the pass again");
    let files = unzip(&r.bytes().await.unwrap());
    let pj: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    let secondary = pj["eventTicket"]["secondaryFields"].as_array().unwrap();
    assert_eq!(secondary[0]["value"], "B7", "{pj}");

    // Metadata only, or nothing at all: no push, no tag.
    let r = s
        .patch_pass(pass_id, json!({"metadata": {"crm": "42"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    change_seat(&s, pass_id, "B7").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_for(&apns, &d.push_token), 1, "no push for these");
    assert_eq!(d.updated_since(&s, Some(&tag2)).await.0, 204);

    // Unregister: 200 with a removed event; again 200 without one.
    let r = d.unregister(&s, &d.apple_pass()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = d.unregister(&s, "ApplePass wrong-wrong-wrong-wrong").await;
    assert_eq!(r.status, 401);
    let r = d.unregister(&s, &d.apple_pass()).await;
    assert_eq!(r.status, 200);
    let removed: Vec<Value> = events_of_type(&s, pass_id, "removed").await;
    assert_eq!(removed.len(), 1, "one removed event");
    assert_eq!(removed[0]["metadata"]["device_library_identifier"], d.dli);
    assert_eq!(d.updated_since(&s, None).await.0, 204, "no passes left");

    // A change now pushes nothing.
    change_seat(&s, pass_id, "C1").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_for(&apns, &d.push_token), 1);

    // The log call.
    let r = s
        .wallet_log(&json!({"logs": ["[2026-11-28] Web service error for pass.x: 401"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Bodies that need no API key are capped at 64 KiB, well below the API's limit.
    let big = json!({"logs": ["x".repeat(70 * 1024)]});
    let r = s.wallet_log(&big).await;
    r.assert_error(413, "invalid_request_error", None);
    let r = s
        .send(
            Method::POST,
            &d.registration_path(),
            None,
            Some(&big),
            &[("authorization", &d.apple_pass())],
        )
        .await;
    r.assert_error(413, "invalid_request_error", None);
}

async fn apns_answers_remove_and_retry(engine: Engine) {
    let apns = FakeApns::start().await;
    let (s, _ca) = server(engine, &apns).await;
    let key = s.test_key.clone();
    let template = s.template(&key).await;
    let template_id = template["id"].as_str().unwrap();
    let pass = s.pass(&key, template_id).await;
    let pass_id = pass["id"].as_str().unwrap();
    let ok = device_for(&s, &pass).await;
    let mut gone = device_for(&s, &pass).await;
    gone.push_token = hex_token();
    let mut flaky = device_for(&s, &pass).await;
    flaky.push_token = hex_token();
    apns.respond(&gone.push_token, Script::status(410, "Unregistered"));
    apns.respond(
        &flaky.push_token,
        Script::sequence([(503, "ServiceUnavailable"), (200, "")]),
    );
    for d in [&ok, &gone, &flaky] {
        assert_eq!(d.register(&s).await, 201);
    }

    change_seat(&s, pass_id, "D4").await;
    wait_pushes(&apns, &ok.push_token, 1).await;
    wait_pushes(&apns, &gone.push_token, 1).await;
    wait_pushes(&apns, &flaky.push_token, 2).await;
    // The 410 removed the registration, with a removed event.
    let mut removed = Vec::new();
    for _ in 0..100 {
        removed = events_of_type(&s, pass_id, "removed").await;
        if !removed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(removed.len(), 1, "the 410 device was removed");
    assert_eq!(
        removed[0]["metadata"]["device_library_identifier"],
        gone.dli
    );
    assert_eq!(gone.updated_since(&s, None).await.0, 204);

    // Void and a new design push again, to the remaining devices only, once each.
    let r = s.delete(&format!("/v1/passes/{pass_id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    wait_pushes(&apns, &ok.push_token, 2).await;
    wait_pushes(&apns, &flaky.push_token, 3).await;

    let other = s.pass(&key, template_id).await;
    let other_id = other["id"].as_str().unwrap();
    let od = device_for(&s, &other).await;
    assert_eq!(od.register(&s).await, 201);
    let mut design = passmint_e2e::template_body()["design"].clone();
    design["colors"]["background"] = json!("#445566");
    let r = s
        .patch(
            &format!("/v1/templates/{template_id}"),
            json!({"design": design}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    wait_pushes(&apns, &od.push_token, 1).await;
    let r = od.fetch(&s, None).await;
    assert_eq!(r.status(), 200);
    let pj: Value = serde_json::from_slice(&unzip(&r.bytes().await.unwrap())["pass.json"]).unwrap();
    assert_eq!(
        pj["backgroundColor"], "rgb(68, 85, 102)",
        "the new design: {pj}"
    );
    let updated: Vec<Value> = events_of_type(&s, other_id, "updated").await;
    assert_eq!(updated.len(), 1, "the template change is an updated event");
    assert_eq!(updated[0]["metadata"]["template"], json!(["design"]));
    // The voided pass was not touched by the design change.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count_for(&apns, &ok.push_token),
        2,
        "exactly one push per change"
    );
    assert_eq!(count_for(&apns, &flaky.push_token), 3);
    assert_eq!(count_for(&apns, &od.push_token), 1);
}

/// At most `PASSMINT_MAX_DEVICES_PER_PASS` devices per pass: the next one is
/// answered 429 with the error envelope, gets no `installed` event and no push; a
/// device already registered is answered as before; an unregistration makes room.
async fn devices_beyond_the_limit_are_refused(engine: Engine) {
    let apns = FakeApns::start().await;
    let (s, _ca) = server_with(engine, &apns, |cfg| cfg.public.max_devices_per_pass = 2).await;
    let template = s.template(&s.test_key.clone()).await;
    let pass = s
        .pass(&s.test_key.clone(), template["id"].as_str().unwrap())
        .await;
    let pass_id = pass["id"].as_str().unwrap();
    let (d1, d2, d3) = (
        device_for(&s, &pass).await,
        device_for(&s, &pass).await,
        device_for(&s, &pass).await,
    );
    assert_eq!(d1.register(&s).await, 201);
    assert_eq!(d2.register(&s).await, 201);
    let auth = d3.apple_pass();
    let refused = s
        .send(
            Method::POST,
            &d3.registration_path(),
            None,
            Some(&json!({"pushToken": d3.push_token})),
            &[("authorization", &auth)],
        )
        .await;
    let err = refused.assert_error(429, "invalid_request_error", None);
    assert_eq!(err["code"], "device_limit_reached");
    assert_eq!(
        d1.register(&s).await,
        200,
        "a registered device re-registers"
    );
    let installed = events_of_type(&s, pass_id, "installed").await.len();
    assert_eq!(installed, 2, "no installed event for the refused device");

    change_seat(&s, pass_id, "E5").await;
    wait_pushes(&apns, &d1.push_token, 1).await;
    wait_pushes(&apns, &d2.push_token, 1).await;
    assert_eq!(
        count_for(&apns, &d3.push_token),
        0,
        "no push to the refused device"
    );

    assert_eq!(d2.unregister(&s, &d2.apple_pass()).await.status, 200);
    assert_eq!(
        d3.register(&s).await,
        201,
        "room again after an unregistration"
    );
}

/// A field with a change message (docs/api.md §5): a PATCH changing its value
/// pushes the pass, and the pass the device fetches then carries the message with
/// the new value, which is what Wallet shows on the lock screen.
async fn change_messages_reach_the_device(engine: Engine) {
    let apns = FakeApns::start().await;
    let (s, _ca) = server(engine, &apns).await;
    let mut body = passmint_e2e::template_body();
    body["design"]["fields"]["secondary"][0]["change_message"] = json!("Your seat is now %@");
    let r = s.post("/v1/templates", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let tid = r.body["id"].as_str().unwrap().to_owned();
    let pass = s
        .post_ok(
            "/v1/passes",
            json!({"template_id": tid, "field_values": {"seatNumber": "A12"}}),
        )
        .await;
    let pass_id = pass["id"].as_str().unwrap();
    let pj = download_pass_json(&s, &pass).await;
    let seat = &pj["eventTicket"]["secondaryFields"][0];
    assert_eq!(seat["changeMessage"], "Your seat is now %@");
    assert_eq!(seat["value"], "A12");
    let d = device_for(&s, &pass).await;
    assert_eq!(d.register(&s).await, 201);

    change_seat(&s, pass_id, "B7").await;
    wait_pushes(&apns, &d.push_token, 1).await;
    let r = d.fetch(&s, None).await;
    assert_eq!(r.status(), 200);
    let files = unzip(&r.bytes().await.unwrap());
    let pj: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    let seat = &pj["eventTicket"]["secondaryFields"][0];
    assert_eq!(seat["changeMessage"], "Your seat is now %@");
    assert_eq!(seat["value"], "B7", "{pj}");

    // The same value again changes nothing: no push, no message.
    change_seat(&s, pass_id, "B7").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_for(&apns, &d.push_token), 1);
    // Another value: another push.
    change_seat(&s, pass_id, "C3").await;
    wait_pushes(&apns, &d.push_token, 2).await;
}

engine_tests!(
    device_plays_the_web_service,
    apns_answers_remove_and_retry,
    devices_beyond_the_limit_are_refused,
    change_messages_reach_the_device,
);
