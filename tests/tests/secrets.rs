//! No secret in any answer or log line (docs/api.md §1, §6, §7, §8): one scenario
//! plays every endpoint on every engine — keys good, wrong, malformed and revoked;
//! templates, passes, events; webhooks with a delivery, a retry, a rotation and
//! replays; the landing page and the download; Apple's web service with a push to a
//! fake APNs; client errors; the operator's endpoints — then every answer (status,
//! headers, body, each file of a .pkpass) and every log line of this process is
//! scanned for API keys and their hashes, webhook secrets, pass authentication
//! tokens and private keys, outside the places they belong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_apns::fake::FakeApns;
use passmint_e2e::receiver::Receiver;
use passmint_e2e::secrets::{Secrets, capture_logs, scan};
use passmint_e2e::{Engine, PUBLIC_URL, TestServer, engine_tests, live_identity};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

engine_tests!(no_secret_in_answers_or_logs);

/// Polls `done` every 100 ms for up to 20 s.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn no_secret_in_answers_or_logs(engine: Engine) {
    let logs = capture_logs();
    let apns = FakeApns::start().await;
    let ca = std::env::temp_dir().join(format!(
        "passmint-secrets-apns-{}-{engine:?}.pem",
        std::process::id()
    ));
    std::fs::write(&ca, apns.ca_pem()).unwrap();
    let (apns_url, ca_file) = (apns.base_url(), ca.clone());
    let s = TestServer::start_with(engine, move |cfg| {
        cfg.apns.apns_url = apns_url;
        cfg.apns.apns_ca_file = Some(ca_file);
        cfg.apns.push_poll_interval = Duration::from_millis(100);
        cfg.webhooks.allow_private = true;
        cfg.webhooks.poll_interval = Duration::from_millis(100);
    })
    .await;
    s.transcript.start();
    let (test, live) = (s.test_key.clone(), s.live_key.clone());
    let receiver = Receiver::start();

    // Keys: a revoked one, an unknown one of the right shape, malformed ones.
    let revoked = s.db.create_account("Revoked Co").await["test_key"]
        .as_str()
        .unwrap()
        .to_owned();
    s.db.revoke_key(&revoked).await;
    let unknown = format!("pmk_live_{}", passmint_testkit::fixtures::base62(40));
    for key in [
        &revoked,
        &unknown,
        &format!("{test}x"),
        &"pmk_test_short".to_owned(),
    ] {
        let r = s.send_as(Method::GET, "/v1/passes", key).await;
        r.assert_error(401, "authentication_error", None);
    }
    let r = s
        .send(
            Method::GET,
            "/v1/passes",
            None,
            None,
            &[("authorization", &format!("Basic {test}"))],
        )
        .await;
    assert_eq!(r.status, 401);

    // Templates and passes, in both modes, with the usual client errors.
    let template = s.template(&test).await;
    let template_id = template["id"].as_str().unwrap();
    let r = s
        .patch(
            &format!("/v1/templates/{template_id}"),
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.get("/v1/templates").await.status, 200);
    assert_eq!(
        s.get(&format!("/v1/templates/{template_id}")).await.status,
        200
    );

    // Webhooks: created (and replayed) before the passes, so that they get events.
    let hook = |url: &str| json!({"url": url, "events": ["*"]});
    let create_hook = async |url: &str, idem: &str| {
        s.send_idempotent(Method::POST, "/v1/webhooks", &test, &hook(url), idem)
            .await
    };
    let created = create_hook(&receiver.url, "hook-1").await;
    assert_eq!(created.status, 200, "{}", created.text);
    let hook_id = created.body["id"].as_str().unwrap().to_owned();
    let replay = create_hook(&receiver.url, "hook-1").await;
    assert_eq!(replay.body["secret"], created.body["secret"]);
    let other = s
        .post("/v1/webhooks", hook("https://example.com/other"))
        .await;
    assert_eq!(other.status, 200, "{}", other.text);

    let pass = s.pass(&test, template_id).await;
    let pass_id = pass["id"].as_str().unwrap();
    let live_pass = s.pass(&live, template_id).await;
    let r = s
        .patch_pass(
            pass_id,
            json!({"field_values": {"seatNumber": "B2"}, "metadata": {"order": "42"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for path in [
        format!("/v1/passes/{pass_id}"),
        "/v1/passes".to_owned(),
        format!("/v1/passes/{pass_id}/events"),
        "/v1/events".to_owned(),
    ] {
        assert_eq!(s.get(&path).await.status, 200, "{path}");
    }
    let voided = s.pass(&test, template_id).await;
    let r = s
        .delete(&format!("/v1/passes/{}", voided["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (path, body) in [
        ("/v1/passes", json!({"template_id": "tpl_nope"})),
        ("/v1/passes", json!({"holder_email": 5})),
        ("/v1/templates", json!({"name": ""})),
        ("/v1/webhooks", json!({"url": "ftp://x"})),
    ] {
        assert_eq!(s.post(path, body).await.status, 400, "{path}");
    }
    let conflict = create_hook("https://example.com/x", "hook-1").await;
    assert_eq!(conflict.status, 409);
    assert_eq!(s.get("/v1/nowhere").await.status, 404);
    assert_eq!(
        s.send_as(Method::PUT, "/v1/passes", &test).await.status,
        405
    );
    assert_eq!(
        s.send_as(Method::GET, &format!("/v1/passes/{pass_id}"), &live)
            .await
            .status,
        404
    );

    // Webhook deliveries, a retry, a rotation, the replays after it, a deletion.
    eventually("a delivery arrives", async || {
        !receiver.received().is_empty()
    })
    .await;
    let deliveries = s.get(&format!("/v1/webhooks/{hook_id}/deliveries")).await;
    let delivery_id = deliveries.body["data"][0]["id"].as_str().unwrap();
    let r = s
        .post(
            &format!("/v1/webhooks/{hook_id}/deliveries/{delivery_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rotate = format!("/v1/webhooks/{hook_id}/rotate_secret");
    let rotated = s
        .send_idempotent(Method::POST, &rotate, &test, &json!({}), "rot-1")
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let replayed = create_hook(&receiver.url, "hook-1").await;
    assert_eq!(replayed.body["secret"], Value::Null, "{}", replayed.text);
    let again = s
        .send_idempotent(Method::POST, &rotate, &test, &json!({}), "rot-1")
        .await;
    assert_eq!(again.body["secret"], rotated.body["secret"]);
    let r = s
        .patch(
            &format!("/v1/webhooks/{hook_id}"),
            json!({"description": "Renamed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.get("/v1/webhooks").await.status, 200);
    assert_eq!(s.get(&format!("/v1/webhooks/{hook_id}")).await.status, 200);
    let other_id = other.body["id"].as_str().unwrap();
    assert_eq!(
        s.delete(&format!("/v1/webhooks/{other_id}")).await.status,
        200
    );

    // The public pages, and Apple's web service played by a device with a push.
    for p in [&pass, &live_pass] {
        for url in [&p["url"], &p["download_url"]] {
            let r = s.fetch_public(url.as_str().unwrap(), &[]).await;
            assert_eq!(r.status, 200, "{url}");
        }
    }
    let download = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    let files = passmint_e2e::verify::unzip(&download.bytes);
    let pass_json: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    let token = pass_json["authenticationToken"].as_str().unwrap();
    let (ptid, serial) = (
        pass_json["passTypeIdentifier"].as_str().unwrap(),
        pass_json["serialNumber"].as_str().unwrap(),
    );
    let registration = format!("/wallet/v1/devices/device0001/registrations/{ptid}/{serial}");
    let apple = format!("ApplePass {token}");
    for auth in [&apple, &"ApplePass wrong-token-0123456789".to_owned()] {
        let r = s
            .send(
                Method::POST,
                &registration,
                None,
                Some(&json!({"pushToken": "00aa11bb"})),
                &[("authorization", auth)],
            )
            .await;
        assert_eq!(
            r.status,
            if auth == &apple { 201 } else { 401 },
            "{}",
            r.text
        );
    }
    let r = s
        .anonymous(
            Method::GET,
            &format!("/wallet/v1/devices/device0001/registrations/{ptid}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let latest = format!("{PUBLIC_URL}/wallet/v1/passes/{ptid}/{serial}");
    let r = s.fetch_public(&latest, &[("authorization", &apple)]).await;
    assert_eq!(r.status, 200);
    let r = s
        .patch_pass(pass_id, json!({"field_values": {"seatNumber": "C3"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        apns.wait_for(1, Duration::from_secs(20)).await,
        "a push goes out"
    );
    let r = s.wallet_log(&json!({"logs": ["device says hello"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .send(
            Method::DELETE,
            &registration,
            None,
            None,
            &[("authorization", &apple)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // The operator's endpoints.
    for path in ["/healthz", "/readyz", "/metrics", "/v1/openapi.json"] {
        let r = s.anonymous(Method::GET, path, None).await;
        assert_eq!(r.status, 200, "{path}");
    }
    eventually("the retried delivery arrives", async || {
        receiver.received().len() >= 2
    })
    .await;

    // What must not show, and where everything showed.
    let mut secrets = Secrets::default();
    for key in [&test, &live, &revoked, &unknown] {
        secrets.api_key(key);
    }
    secrets.private_key("the live signing key", &live_identity().key_pem);
    let dev_identity = s.dev_identity().await;
    secrets.private_key(
        "the development signing key",
        dev_identity.private_key_pem.expose(),
    );
    let answers = s.transcript.answers();
    secrets.learn(&answers);
    assert!(
        answers.len() > 50,
        "the scenario covers the API: {}",
        answers.len()
    );
    assert!(secrets.len() > 20, "secrets known: {}", secrets.len());
    let logged = logs.bytes();
    assert!(
        String::from_utf8_lossy(&logged).contains("request finished"),
        "the logs are captured"
    );
    let found = scan(&answers, &logged, &secrets);
    assert!(
        found.is_empty(),
        "secrets where they must not be:\n{}",
        found.join("\n")
    );
    let _ = std::fs::remove_file(&ca);
}
