//! Hostile input in pass rendering and design images, over HTTP on every engine
//! (docs/api.md §3, §6, §10): values are never expanded, a pass that could not be
//! rendered is refused when it is issued or changed (so every issued pass
//! downloads), pass.json is capped, and design images are whole PNG files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use passmint_e2e::process::pass_json;
use passmint_e2e::{Engine, TestServer, engine_tests, template_body};
use reqwest::Method;
use serde_json::{Value, json};

async fn post(s: &TestServer, path: &str, body: Value) -> passmint_e2e::Reply {
    s.send(Method::POST, path, Some(&s.test_key), Some(&body), &[])
        .await
}

async fn patch(s: &TestServer, path: &str, body: Value) -> passmint_e2e::Reply {
    s.send(Method::PATCH, path, Some(&s.test_key), Some(&body), &[])
        .await
}

/// The shared event template with this barcode message.
async fn template_with_barcode(s: &TestServer, message: &str) -> String {
    let mut body = template_body();
    body["design"]["barcode"]["message"] = json!(message);
    let r = post(s, "/v1/templates", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Base64 of a PNG file of this size, with `extra` bytes after its end.
fn png_base64(width: u32, height: u32, extra: &[u8]) -> String {
    let mut png = passmint_testkit::fixtures::png(width, height);
    png.extend_from_slice(extra);
    base64::engine::general_purpose::STANDARD.encode(png)
}

async fn values_render_literally_and_barcodes_need_their_values(engine: Engine) {
    let s = TestServer::start(engine).await;
    let tid = template_with_barcode(&s, "{{seatNumber}}/{{holder_name}}").await;

    // A value containing a placeholder is shown as typed, in the field and the
    // barcode, and the pass downloads.
    let r = post(
        &s,
        "/v1/passes",
        json!({"template_id": tid, "holder_name": "Ada {{serial_number}}",
               "field_values": {"seatNumber": "{{holder_name}}"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let download = s
        .fetch_public(r.body["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(download.status, 200, "{}", download.text());
    let json = pass_json(&download.bytes);
    assert_eq!(
        json["eventTicket"]["secondaryFields"][0]["value"],
        "{{holder_name}}"
    );
    assert_eq!(
        json["barcodes"][0]["message"],
        "{{holder_name}}/Ada {{serial_number}}"
    );

    // The barcode needs a holder name: without one the pass is refused, not
    // issued to fail at every download.
    let r = post(&s, "/v1/passes", json!({"template_id": tid})).await;
    r.assert_error(400, "invalid_request_error", Some("holder_name"));
    let r = post(
        &s,
        "/v1/passes",
        json!({"template_id": tid, "holder_name": "Ada", "field_values": {"seatNumber": ""}}),
    )
    .await;
    r.assert_error(
        400,
        "invalid_request_error",
        Some("field_values.seatNumber"),
    );

    // A design change that one pass could not render with is refused too.
    let plain = template_with_barcode(&s, "{{serial_number}}").await;
    let r = post(&s, "/v1/passes", json!({"template_id": plain})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut design = template_body()["design"].clone();
    design["barcode"]["message"] = json!("{{holder_email}}-{{holder_name}}");
    let r = patch(
        &s,
        &format!("/v1/templates/{plain}"),
        json!({"design": design}),
    )
    .await;
    r.assert_error(400, "invalid_request_error", Some("design.barcode.message"));
}

async fn pass_json_over_the_cap_is_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut body = template_body();
    let back: Vec<Value> = (0..20)
        .map(|i| json!({"key": format!("b{i}"), "label": "Back"}))
        .collect();
    body["design"]["fields"]["back"] = json!(back);
    let r = post(&s, "/v1/templates", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let tid = r.body["id"].as_str().unwrap().to_owned();
    // 2,000 quotes are 4,002 bytes of JSON: 10 of them fit, 20 do not.
    let long = "\"".repeat(2000);
    let values = |n: usize| -> Value {
        (0..n)
            .map(|i| (format!("b{i}"), json!(long)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let r = post(
        &s,
        "/v1/passes",
        json!({"template_id": tid, "field_values": values(20)}),
    )
    .await;
    let err = r.assert_error(400, "invalid_request_error", Some("field_values.b0"));
    assert!(err["message"].as_str().unwrap().contains("64 KiB"), "{err}");
    let r = post(
        &s,
        "/v1/passes",
        json!({"template_id": tid, "field_values": values(10)}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pass_id = r.body["id"].as_str().unwrap().to_owned();
    let r = patch(
        &s,
        &format!("/v1/passes/{pass_id}"),
        json!({"field_values": values(20)}),
    )
    .await;
    r.assert_error(400, "invalid_request_error", Some("field_values.b0"));
    let r = s
        .send_as(Method::GET, &format!("/v1/passes/{pass_id}"), &s.test_key)
        .await;
    let download = s
        .fetch_public(r.body["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(download.status, 200, "{}", download.text());
    assert!(download.bytes.len() < 64 * 1024, "{}", download.bytes.len());
}

async fn design_images_are_whole_png_files(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut body = template_body();
    body["design"]["images"] = json!({"icon": png_base64(29, 29, b"")});
    let r = post(&s, "/v1/templates", body.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let tid = r.body["id"].as_str().unwrap().to_owned();

    // Padding after IEND: refused on creation and on a design change.
    let padded = png_base64(29, 29, &[0; 4096]);
    body["design"]["images"] = json!({"icon": padded});
    let r = post(&s, "/v1/templates", body.clone()).await;
    let err = r.assert_error(400, "invalid_request_error", Some("design.images.icon"));
    assert!(
        err["message"].as_str().unwrap().contains("after the end"),
        "{err}"
    );
    let r = patch(
        &s,
        &format!("/v1/templates/{tid}"),
        json!({"design": body["design"]}),
    )
    .await;
    r.assert_error(400, "invalid_request_error", Some("design.images.icon"));

    // A header without the image: refused.
    let header = {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png_base64(29, 29, b""))
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(&bytes[..33])
    };
    body["design"]["images"] = json!({"icon": header});
    let r = post(&s, "/v1/templates", body).await;
    r.assert_error(400, "invalid_request_error", Some("design.images.icon"));
}

engine_tests!(
    values_render_literally_and_barcodes_need_their_values,
    pass_json_over_the_cap_is_refused,
    design_images_are_whole_png_files,
);
