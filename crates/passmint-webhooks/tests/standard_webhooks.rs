//! Cross-check of our signing with the `standardwebhooks` crate (the Standard Webhooks
//! project's Rust library): same signatures, and its verifier accepts our headers,
//! including the two-secret header of a rotation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_webhooks::{Secret, sign, unix_now, webhook_headers};
use rand::{Rng, RngCore};

const REF_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn random_body(rng: &mut impl Rng) -> String {
    let len = rng.random_range(0..2000);
    let extra = rng.random_range(0..4);
    (0..len)
        .map(|_| char::from(rng.random_range(0x20u8..0x7f)))
        .chain("é€😀".chars().take(extra))
        .collect()
}

#[test]
fn the_reference_vector_matches_both_implementations() {
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let ours = sign(
        &Secret::parse(REF_SECRET).unwrap(),
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1_649_367_553,
        body,
    );
    let theirs = standardwebhooks::Webhook::new(REF_SECRET)
        .unwrap()
        .sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1_649_367_553, body)
        .unwrap();
    assert_eq!(ours, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    assert_eq!(ours, theirs);
}

#[test]
fn random_messages_sign_identically_and_verify() {
    let mut rng = rand::rng();
    for i in 0..200 {
        let secret = Secret::generate();
        let theirs = standardwebhooks::Webhook::new(&secret.to_whsec()).unwrap();
        let id = format!("evt_{i}_{:x}", rng.next_u64());
        let ts = unix_now() - rng.random_range(0..120);
        let body = random_body(&mut rng);

        assert_eq!(
            sign(&secret, &id, ts, body.as_bytes()),
            theirs.sign(&id, ts, body.as_bytes()).unwrap()
        );
        let headers =
            webhook_headers(std::slice::from_ref(&secret), &id, ts, body.as_bytes()).unwrap();
        theirs.verify(body.as_bytes(), &headers).unwrap();
    }
}

#[test]
fn a_rotation_header_verifies_with_either_secret() {
    let current = Secret::generate();
    let previous = Secret::generate();
    let body = br#"{"id":"evt_1","object":"event"}"#;
    let headers = webhook_headers(
        &[current.clone(), previous.clone()],
        "evt_1",
        unix_now(),
        body,
    )
    .unwrap();
    for secret in [&current, &previous] {
        standardwebhooks::Webhook::new(&secret.to_whsec())
            .unwrap()
            .verify(body, &headers)
            .unwrap();
    }
    let stranger = standardwebhooks::Webhook::new(&Secret::generate().to_whsec()).unwrap();
    assert!(stranger.verify(body, &headers).is_err());
}

#[test]
fn our_verifier_accepts_what_standardwebhooks_signs() {
    let secret = Secret::generate();
    let theirs = standardwebhooks::Webhook::new(&secret.to_whsec()).unwrap();
    let ts = unix_now();
    let body = br#"{"hello":"world"}"#;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("webhook-id", "msg_1".parse().unwrap());
    headers.insert("webhook-timestamp", ts.to_string().parse().unwrap());
    headers.insert(
        "webhook-signature",
        theirs.sign("msg_1", ts, body).unwrap().parse().unwrap(),
    );
    passmint_webhooks::verify(
        &[secret],
        &headers,
        body,
        passmint_webhooks::DEFAULT_TOLERANCE,
    )
    .unwrap();
}
