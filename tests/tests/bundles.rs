//! Bundles (docs/api.md §12) on every engine: `POST /v1/bundles` and
//! `GET /v1/bundles/{id}` round trip, each refusal by its param, idempotent
//! replays; the download unzips into one .pkpass per pass, each the pass's own
//! download byte for byte and each verified with `openssl cms -verify`; a
//! `downloaded` event per pass; validators and 304s; a voided pass still served;
//! the landing page lists every pass under one "Add all" button.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::verify::verify_pkpass;
use passmint_e2e::{Engine, PUBLIC_URL, TestServer, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Read;

async fn create(s: &TestServer, key: &str, body: &Value, idem: &str) -> passmint_e2e::Reply {
    s.send_idempotent(Method::POST, "/v1/bundles", key, body, idem)
        .await
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// The entries of a .pkpasses file: (name, bytes), in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

async fn bundle_round_trip_download_and_page(engine: Engine) {
    // Every download recorded (no window), to count them.
    let s = TestServer::start_with(engine, |cfg| {
        cfg.public.dedupe_window = std::time::Duration::ZERO;
    })
    .await;
    let key = s.test_key.clone();
    let template = s.template(&key).await;
    let tid = template["id"].as_str().unwrap();
    let mut passes = Vec::new();
    for _ in 0..3 {
        passes.push(s.pass(&key, tid).await);
    }
    let order = [&passes[1], &passes[0], &passes[2]];
    let ids: Vec<&str> = order.iter().map(|p| id(p)).collect();

    let body = json!({"pass_ids": ids});
    let r = create(&s, &key, &body, "bundle-1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let bundle = r.body.clone();
    assert_eq!(bundle["object"], "bundle");
    assert!(id(&bundle).starts_with("bndl_") && id(&bundle).len() == 29);
    assert_eq!(
        bundle["pass_ids"],
        json!(ids),
        "the passes in the order given"
    );
    let url = bundle["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{PUBLIC_URL}/b/")), "{url}");
    let download_url = bundle["download_url"].as_str().unwrap();
    assert_eq!(download_url, format!("{url}/download"));
    assert!(bundle["created_at"].as_str().unwrap().ends_with('Z'));
    let keys: Vec<&String> = bundle.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "download_url",
            "id",
            "object",
            "pass_ids",
            "url"
        ]
    );

    // Idempotent: a replay answers the first bundle and makes no other.
    let again = create(&s, &key, &body, "bundle-1").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, bundle);
    let other_body = create(&s, &key, &json!({"pass_ids": [ids[0]]}), "bundle-1").await;
    other_body.assert_error(409, "idempotency_error", None);
    let fresh = create(&s, &key, &body, "bundle-2").await;
    assert_eq!(fresh.status, 200);
    assert_ne!(id(&fresh.body), id(&bundle), "another key, another bundle");

    // Retrieve: the same object, in the key's account and mode only.
    let path = format!("/v1/bundles/{}", id(&bundle));
    let r = s.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, bundle);
    s.send_as(Method::GET, &path, &s.live_key.clone())
        .await
        .assert_error(404, "not_found_error", Some("id"));
    let other = s.other_account().await;
    s.send_as(Method::GET, &path, other["test_key"].as_str().unwrap())
        .await
        .assert_error(404, "not_found_error", Some("id"));
    for unknown in ["bndl_000000000000000000000000", "nope", id(order[0])] {
        let e = s
            .get(&format!("/v1/bundles/{unknown}"))
            .await
            .assert_error(404, "not_found_error", Some("id"))
            .clone();
        assert_eq!(e["code"], "resource_missing", "{unknown}");
    }

    // The download: one signed .pkpass per pass, in order, each the pass's own
    // download byte for byte, and a `downloaded` event for each.
    let r = s.fetch_public(download_url, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.apple.pkpasses")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"{}.pkpasses\"", id(&bundle)).as_str())
    );
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    let etag = r.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let last_modified = r
        .header("last-modified")
        .expect("a Last-Modified")
        .to_owned();
    let ca = s.dev_ca_pem().await;
    let entries = unzip(&r.bytes);
    assert_eq!(entries.len(), 3);
    for ((name, data), pass) in entries.iter().zip(order) {
        let serial = pass["serial_number"].as_str().unwrap();
        assert_eq!(name, &format!("{serial}.pkpass"));
        let v = verify_pkpass(data, &ca);
        assert_eq!(v.pass_json["serialNumber"], serial);
        assert!(v.pass_json.get("voided").is_none());
        assert_eq!(
            s.event_types(&key, id(pass)).await,
            ["downloaded", "created"],
            "one downloaded event for {serial}"
        );
    }

    // Validators: 304 without a body or an event; another tag gets the bundle.
    s.assert_not_modified(download_url, &etag, &last_modified)
        .await;
    assert_eq!(
        s.event_types(&key, id(order[0])).await,
        ["downloaded", "created"],
        "a 304 records nothing"
    );
    for (name, data) in &entries {
        let pass = order
            .iter()
            .find(|p| name.starts_with(p["serial_number"].as_str().unwrap()))
            .unwrap();
        let single = s
            .fetch_public(pass["download_url"].as_str().unwrap(), &[])
            .await;
        assert_eq!(&single.bytes, data, "{name} is the pass's own download");
    }

    // A pass voided after bundling is still served, voided, under new validators.
    let voided = order[1];
    let r = s.delete(&format!("/v1/passes/{}", id(voided))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .fetch_public(download_url, &[("if-none-match", &etag)])
        .await;
    assert_eq!(r.status, 200, "the old tag no longer matches");
    assert_ne!(r.header("etag"), Some(etag.as_str()));
    let entries = unzip(&r.bytes);
    assert_eq!(entries.len(), 3);
    let v = verify_pkpass(&entries[1].1, &ca);
    assert_eq!(v.pass_json["serialNumber"], voided["serial_number"]);
    assert_eq!(v.pass_json["voided"], true);
    assert_eq!(
        verify_pkpass(&entries[0].1, &ca).pass_json.get("voided"),
        None
    );

    // The landing page: one button to the download, each pass linked to its page.
    let before = s.event_types(&key, id(order[0])).await;
    assert_eq!(
        before,
        ["downloaded", "downloaded", "downloaded", "created"],
        "the bundle's downloads and the pass's own"
    );
    let r = s.fetch_public(url, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = r.text();
    assert!(html.contains(&format!(
        r#"id="add-all-to-wallet" class="add" href="{download_url}">Add all to Apple Wallet</a>"#
    )));
    assert!(html.contains("3 passes"));
    assert!(html.contains(r#"<span class="badge">TEST</span>"#));
    for pass in order {
        assert!(
            html.contains(&format!(
                r#"data-pass-id="{}"><a href="{}">Passmint Live — VIP concert ticket</a>"#,
                id(pass),
                pass["url"].as_str().unwrap()
            )),
            "{} listed: {html}",
            id(pass)
        );
    }
    assert_eq!(html.matches("Voided: no longer valid.").count(), 1);
    assert_eq!(
        s.event_types(&key, id(order[0])).await,
        before,
        "the bundle's page records no event"
    );

    for unknown in ["UnknownShort1", "bad-id!", "x"] {
        for suffix in ["", "/download"] {
            let r = s
                .fetch_public(&format!("{PUBLIC_URL}/b/{unknown}{suffix}"), &[])
                .await;
            assert_eq!(r.status, 404, "{unknown}{suffix}");
            assert!(r.header("content-type").unwrap().starts_with("text/html"));
            assert!(r.text().contains("Passes not found"));
        }
    }
    let r = s
        .fetch_public(
            &format!("{PUBLIC_URL}/p/{}", url.rsplit('/').next().unwrap()),
            &[],
        )
        .await;
    assert_eq!(r.status, 404, "a bundle's short id is no pass's");
    let r = s
        .send(Method::POST, TestServer::public_path(url), None, None, &[])
        .await;
    r.assert_error(405, "invalid_request_error", None);
}

async fn bundle_refusals(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let template = s.template(&key).await;
    let tid = template["id"].as_str().unwrap();
    let a = s.pass(&key, tid).await;
    let b = s.pass(&key, tid).await;
    let live = s.pass(&s.live_key.clone(), tid).await;
    let other = s.other_account().await;
    let other_key = other["test_key"].as_str().unwrap();
    let foreign = s.pass(other_key, id(&s.template(other_key).await)).await;
    let voided = s.pass(&key, tid).await;
    assert_eq!(
        s.delete(&format!("/v1/passes/{}", id(&voided)))
            .await
            .status,
        200
    );
    let eleven: Vec<String> = {
        let mut ids = vec![id(&a).to_owned(), id(&b).to_owned()];
        for _ in 0..9 {
            ids.push(id(&s.pass(&key, tid).await).to_owned());
        }
        ids
    };

    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (json!({}), "pass_ids", None),
        (json!({"pass_ids": []}), "pass_ids", None),
        (json!({"pass_ids": eleven}), "pass_ids", None),
        (json!({"pass_ids": "pass_x"}), "pass_ids", None),
        (json!({"pass_ids": [id(&a), 5]}), "pass_ids[1]", None),
        (
            json!({"pass_ids": [id(&a), id(&b), id(&a)]}),
            "pass_ids[2]",
            None,
        ),
        (
            json!({"pass_ids": [id(&a), "pass_000000000000000000000000"]}),
            "pass_ids[1]",
            Some("resource_missing"),
        ),
        (
            json!({"pass_ids": [id(&a), "nope"]}),
            "pass_ids[1]",
            Some("resource_missing"),
        ),
        (
            json!({"pass_ids": [id(&a), id(&b), id(&live)]}),
            "pass_ids[2]",
            Some("resource_missing"),
        ),
        (
            json!({"pass_ids": [id(&foreign)]}),
            "pass_ids[0]",
            Some("resource_missing"),
        ),
        (
            json!({"pass_ids": [id(&a), id(&voided)]}),
            "pass_ids[1]",
            Some("pass_voided"),
        ),
        (
            json!({"pass_ids": [id(&a)], "name": "Family"}),
            "name",
            None,
        ),
    ];
    for (i, (body, param, code)) in cases.iter().enumerate() {
        let idem = format!("refused-{i}");
        let r = create(&s, &key, body, &idem).await;
        let e = r
            .assert_error(400, "invalid_request_error", Some(param))
            .clone();
        assert_eq!(e["code"].as_str(), *code, "{body}");
        // A refusal is stored under its key and replayed.
        let again = create(&s, &key, body, &idem).await;
        assert_eq!(again.header("idempotent-replayed"), Some("true"), "{body}");
        assert_eq!(again.body, r.body);
    }

    // The live key bundles live passes (the test ones are not its own).
    let live_key = s.live_key.clone();
    let r = create(&s, &live_key, &json!({"pass_ids": [id(&live)]}), "live-1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = create(&s, &live_key, &json!({"pass_ids": [id(&a)]}), "live-2").await;
    r.assert_error(400, "invalid_request_error", Some("pass_ids[0]"));
    // Ten passes are allowed.
    let r = create(&s, &key, &json!({"pass_ids": eleven[..10]}), "ten").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["pass_ids"].as_array().unwrap().len(), 10);
}

engine_tests!(bundle_round_trip_download_and_page, bundle_refusals);
