//! The signed .pkpass over HTTP (docs/api.md §6): issue a pass through the API,
//! download it from its `download_url`, verify it independently (`openssl cms
//! -verify` against the signing CA, every manifest SHA-1, pass.json's keys), void
//! it and download it again; caching headers and 304s; `downloaded` events; the
//! live pass limit (402) and live passes without a signing identity; live passes
//! signed with the identity set through the CLI; and no response ever carrying a
//! private key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::process::download;
use passmint_e2e::verify::verify_pkpass;
use passmint_e2e::{
    Engine, LIVE_PASS_TYPE_ID, LIVE_TEAM_ID, PUBLIC_URL, TestServer, engine_tests, live_identity,
};
use reqwest::Method;
use serde_json::{Value, json};

async fn issue(s: &TestServer, key: &str, template_id: &str) -> Value {
    let r = s
        .send(
            Method::POST,
            "/v1/passes",
            Some(key),
            Some(&json!({
                "template_id": template_id,
                "holder_name": "Alice Johnson",
                "holder_email": "alice@example.com",
                "field_values": {"seatNumber": "A12"}
            })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn event_kinds(s: &TestServer, key: &str, pass_id: &str) -> Vec<String> {
    s.event_types(key, pass_id).await
}

async fn download_verify_void_download(engine: Engine) {
    // Every download recorded (no window), to count them.
    let s = TestServer::start_with(engine, |cfg| {
        cfg.public.dedupe_window = std::time::Duration::ZERO;
    })
    .await;
    let key = s.test_key.clone();
    let template = s.template(&key).await;
    let pass = issue(&s, &key, template["id"].as_str().unwrap()).await;
    let serial = pass["serial_number"].as_str().unwrap();
    let download_url = pass["download_url"].as_str().unwrap();
    assert!(download_url.starts_with(PUBLIC_URL), "{download_url}");

    let r = s.fetch_public(download_url, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.apple.pkpass")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"{serial}.pkpass\"").as_str())
    );
    let etag = r.header("etag").expect("an ETag").to_owned();
    let last_modified = r
        .header("last-modified")
        .expect("a Last-Modified")
        .to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");

    let ca = s.dev_ca_pem().await;
    let v = verify_pkpass(&r.bytes, &ca);
    let pj = &v.pass_json;
    assert_eq!(pj["serialNumber"], serial);
    assert_eq!(pj["passTypeIdentifier"], "pass.dev.passmint.development");
    assert_eq!(pj["teamIdentifier"], "PASSMINTDV");
    assert_eq!(pj["organizationName"], "Passmint Live");
    assert_eq!(pj["description"], "VIP concert ticket");
    assert_eq!(pj["backgroundColor"], "rgb(17, 34, 51)");
    assert_eq!(pj["foregroundColor"], "rgb(255, 255, 255)");
    assert_eq!(pj["eventTicket"]["primaryFields"][0]["value"], "Summer Jam");
    assert_eq!(
        pj["eventTicket"]["secondaryFields"][0]["value"], "A12",
        "field_values override the design default"
    );
    assert_eq!(pj["eventTicket"]["backFields"][0]["value"], "No refunds");
    assert_eq!(pj["barcodes"][0]["format"], "PKBarcodeFormatQR");
    assert_eq!(
        pj["barcodes"][0]["message"], serial,
        "the default barcode message is {{{{serial_number}}}}"
    );
    assert_eq!(pj["webServiceURL"], format!("{PUBLIC_URL}/wallet"));
    let token = pj["authenticationToken"].as_str().unwrap();
    assert!(token.len() >= 16);
    assert!(pj.get("voided").is_none());
    assert_eq!(v.embedded_subjects.len(), 2, "{:?}", v.embedded_subjects);
    assert_eq!(
        event_kinds(&s, &key, pass["id"].as_str().unwrap()).await,
        ["downloaded", "created"]
    );

    // Conditional requests: 304, no body, no event.
    s.assert_not_modified(download_url, &etag, &last_modified)
        .await;
    let stale = s
        .fetch_public(download_url, &[("if-none-match", "W/\"0000000000000000\"")])
        .await;
    assert_eq!(stale.status, 200, "another tag gets the pass");
    let old = s
        .fetch_public(
            download_url,
            &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
        )
        .await;
    assert_eq!(old.status, 200);
    // An unchanged pass is never signed twice: a rebuild would carry a later
    // signing time.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = s.fetch_public(download_url, &[]).await;
    assert_eq!(again.bytes, r.bytes, "the cached .pkpass is served again");
    assert_eq!(
        event_kinds(&s, &key, pass["id"].as_str().unwrap()).await,
        [
            "downloaded",
            "downloaded",
            "downloaded",
            "downloaded",
            "created"
        ],
        "304s record no downloaded event"
    );

    // Void, download again: voided, re-signed, new validators.
    let r = s
        .delete(&format!("/v1/passes/{}", pass["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .fetch_public(download_url, &[("if-none-match", &etag)])
        .await;
    assert_eq!(r.status, 200, "the old tag no longer matches");
    assert_ne!(r.header("etag"), Some(etag.as_str()));
    let v = verify_pkpass(&r.bytes, &ca);
    assert_eq!(v.pass_json["voided"], true);
    assert_eq!(v.pass_json["serialNumber"], serial);

    // A template change re-renders the pass.
    let r = s
        .patch(
            &format!("/v1/templates/{}", template["id"].as_str().unwrap()),
            json!({"design": {
                "organization_name": "Passmint Live",
                "description": "Renamed ticket",
                "fields": {"secondary": [{"key": "seatNumber", "label": "Seat", "value": "GA"}]}
            }}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.fetch_public(download_url, &[]).await;
    let v = verify_pkpass(&r.bytes, &ca);
    assert_eq!(v.pass_json["description"], "Renamed ticket");
    assert_eq!(
        v.pass_json["eventTicket"]["secondaryFields"][0]["value"],
        "A12"
    );

    // Unknown short ids: an HTML 404.
    let r = s
        .fetch_public(&format!("{PUBLIC_URL}/p/UnknownShort1/download"), &[])
        .await;
    assert_eq!(r.status, 404);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
}

async fn live_passes_identity_limit_and_secrets(engine: Engine) {
    let s = TestServer::start(engine).await;
    let files = live_identity();
    let template = s.template(&s.test_key.clone()).await;
    let tid = template["id"].as_str().unwrap();
    let mut seen = Vec::<String>::new();

    // Live pass signed with the identity set through `accounts set-signing-identity`.
    let live_key = s.live_key.clone();
    let pass = issue(&s, &live_key, tid).await;
    seen.push(pass.to_string());
    let r = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    seen.push(String::from_utf8_lossy(&r.bytes).into_owned());
    let ca = String::from_utf8(files.identity.wwdr().to_pem().unwrap()).unwrap();
    let v = verify_pkpass(&r.bytes, &ca);
    assert_eq!(v.pass_json["passTypeIdentifier"], LIVE_PASS_TYPE_ID);
    assert_eq!(v.pass_json["teamIdentifier"], LIVE_TEAM_ID);
    assert_eq!(
        v.pass_json["webServiceURL"],
        format!("{PUBLIC_URL}/wallet"),
        "an https PUBLIC_URL gives live passes their web service"
    );

    // No signing identity: live passes are refused, test passes are signed with
    // the development identity.
    let other = s.other_account().await;
    let other_live = other["live_key"].as_str().unwrap();
    let other_test = other["test_key"].as_str().unwrap();
    let other_template = s.template(other_test).await;
    let r = s
        .send(
            Method::POST,
            "/v1/passes",
            Some(other_live),
            Some(&json!({"template_id": other_template["id"]})),
            &[],
        )
        .await;
    let err = r.assert_error(400, "invalid_request_error", None);
    assert_eq!(err["code"], "signing_identity_missing");
    seen.push(r.text.clone());
    issue(&s, other_test, other_template["id"].as_str().unwrap()).await;

    // The live pass limit: 402 beyond it, test mode unlimited.
    let limited = s.limited_account(1).await;
    let (l_live, l_test) = (
        limited["live_key"].as_str().unwrap(),
        limited["test_key"].as_str().unwrap(),
    );
    let l_template = s.template(l_test).await;
    let l_tid = l_template["id"].as_str().unwrap();
    issue(&s, l_live, l_tid).await;
    let over_body = json!({"template_id": l_tid});
    let over = |idempotency_key| {
        s.send_idempotent(
            Method::POST,
            "/v1/passes",
            l_live,
            &over_body,
            idempotency_key,
        )
    };
    let r = over("over-the-limit").await;
    let err = r.assert_error(402, "billing_error", None);
    assert_eq!(err["code"], "pass_limit_reached");
    let replay = over("over-the-limit").await;
    assert_eq!(replay.status, 402, "a 402 is replayed like any 4xx");
    for _ in 0..2 {
        issue(&s, l_test, l_tid).await;
    }
    let r = s.send_as(Method::GET, "/v1/passes", l_live).await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);

    // No endpoint's answer carries a private key.
    for path in [
        "/v1/passes",
        "/v1/templates",
        "/v1/events",
        "/v1/openapi.json",
        "/metrics",
        "/healthz",
        "/readyz",
    ] {
        let r = s.send_as(Method::GET, path, &live_key).await;
        seen.push(r.text);
    }
    let page = s.fetch_public(pass["url"].as_str().unwrap(), &[]).await;
    seen.push(page.text());
    let key_line = files
        .key_pem
        .lines()
        .nth(1)
        .expect("a PEM body line")
        .to_owned();
    for text in &seen {
        assert!(
            !text.contains("PRIVATE KEY"),
            "a response shows a private key"
        );
        assert!(
            !text.contains(&key_line),
            "a response shows the private key"
        );
    }
}

/// With an http PUBLIC_URL, live passes have no web service (Apple wants https)
/// while test passes keep the http URL.
async fn http_public_url_drops_the_live_web_service(engine: Engine) {
    let s = TestServer::start_with(engine, |cfg| {
        cfg.public_url = Some("http://passes.example.test".to_owned());
    })
    .await;
    let template = s.template(&s.test_key.clone()).await;
    let tid = template["id"].as_str().unwrap();
    let local = |url: &str| {
        s.url(
            url.strip_prefix("http://passes.example.test")
                .expect("under the http PUBLIC_URL"),
        )
    };
    let live = issue(&s, &s.live_key.clone(), tid).await;
    let bytes = download(&s.client, &local(live["download_url"].as_str().unwrap())).await;
    let ca = String::from_utf8(live_identity().identity.wwdr().to_pem().unwrap()).unwrap();
    let v = verify_pkpass(&bytes, &ca);
    assert!(v.pass_json.get("webServiceURL").is_none());
    assert!(v.pass_json.get("authenticationToken").is_none());

    let test = issue(&s, &s.test_key.clone(), tid).await;
    let bytes = download(&s.client, &local(test["download_url"].as_str().unwrap())).await;
    let v = verify_pkpass(&bytes, &s.dev_ca_pem().await);
    assert_eq!(
        v.pass_json["webServiceURL"],
        "http://passes.example.test/wallet"
    );
    assert!(v.pass_json["authenticationToken"].as_str().is_some());
}

engine_tests!(
    download_verify_void_download,
    live_passes_identity_limit_and_secrets,
    http_public_url_drops_the_live_web_service,
);
