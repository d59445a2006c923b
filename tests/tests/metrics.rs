//! `/metrics` labels come from closed sets (docs/api.md §9): requests with invented
//! methods and random paths add no series.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer};
use reqwest::Method;

/// A pseudo-random sequence, the same on every run.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn token(state: &mut u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..len)
        .map(|_| ALPHABET[(next(state) % 26) as usize] as char)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_methods_and_paths_add_no_series() {
    let s = TestServer::start(Engine::Memory).await;
    let lines = |text: &str| text.lines().count();
    // One round of every kind first, so that the series they share exist.
    let warm = s.send(
        Method::from_bytes(b"WARM").unwrap(),
        "/nowhere",
        None,
        None,
        &[],
    );
    assert_eq!(warm.await.status.as_u16(), 404);
    let before = lines(&s.get("/metrics").await.text);

    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..100 {
        let batch: Vec<_> = (0..100)
            .map(|_| {
                let method = Method::from_bytes(token(&mut state, 6).as_bytes()).unwrap();
                let path = format!("/{}/{}", token(&mut state, 8), token(&mut state, 4));
                (method, path)
            })
            .collect();
        let answers = futures::future::join_all(
            batch
                .iter()
                .map(|(method, path)| s.send(method.clone(), path, None, None, &[])),
        )
        .await;
        for (answer, (method, path)) in answers.iter().zip(&batch) {
            assert_eq!(
                answer.status.as_u16(),
                404,
                "{method} {path}: {}",
                answer.text
            );
        }
    }
    let metrics = s.get("/metrics").await.text;
    let after = lines(&metrics);
    // The request series of /metrics itself may appear: a few lines at most.
    assert!(
        after <= before + 20,
        "10,000 invented requests grew /metrics from {before} to {after} lines"
    );
    assert!(metrics.contains("method=\"OTHER\""), "{metrics}");
    assert!(!metrics.contains("method=\"WARM\""), "{metrics}");
}
