//! Lists: newest first, exact `has_more`, cursors both ways, filters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, data_strings, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    data_strings(v, "id")
}

async fn cursor_pagination_and_filters(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let t1 = s.template_id(&key).await;
    let t2 = s.template_id(&key).await;
    let mut created = Vec::new();
    for i in 0..25 {
        let tid = if i % 5 == 0 { &t2 } else { &t1 };
        let email = if i % 2 == 0 {
            "even@example.com"
        } else {
            "odd@example.com"
        };
        let r = s
            .send(
                Method::POST,
                "/v1/passes",
                Some(&key),
                Some(&json!({"template_id": tid, "holder_email": email})),
                &[],
            )
            .await;
        created.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    // Forward.
    let mut seen = Vec::new();
    let mut path = "/v1/passes?limit=10".to_owned();
    loop {
        let page = s.get(&path).await.body;
        let page_ids = ids(&page);
        seen.extend(page_ids.clone());
        if page["has_more"] == false {
            break;
        }
        path = format!(
            "/v1/passes?limit=10&starting_after={}",
            page_ids.last().unwrap()
        );
    }
    assert_eq!(seen, newest_first);

    // Backward from the oldest.
    let mut back = Vec::new();
    let mut cursor = created[0].clone();
    loop {
        let page = s
            .get(&format!("/v1/passes?limit=10&ending_before={cursor}"))
            .await
            .body;
        let page_ids = ids(&page);
        let mut chunk = page_ids.clone();
        chunk.extend(back);
        back = chunk;
        if page["has_more"] == false {
            break;
        }
        cursor = page_ids.first().unwrap().clone();
    }
    assert_eq!(back, newest_first[..24].to_vec());

    // Exact has_more at the boundary.
    let page = s.get("/v1/passes?limit=25").await.body;
    assert_eq!(page["has_more"], false);
    let page = s.get("/v1/passes?limit=24").await.body;
    assert_eq!(page["has_more"], true);
    let page = s
        .get(&format!("/v1/passes?limit=5&starting_after={}", created[5]))
        .await
        .body;
    assert_eq!(ids(&page), newest_first[20..25].to_vec());
    assert_eq!(page["has_more"], false);

    // Filters, combined.
    let by_t2 = ids(&s.get(&format!("/v1/passes?template_id={t2}")).await.body);
    assert_eq!(by_t2.len(), 5);
    let even_t2 = ids(&s
        .get(&format!(
            "/v1/passes?template_id={t2}&holder_email=even@example.com"
        ))
        .await
        .body);
    assert_eq!(
        even_t2,
        vec![created[20].clone(), created[10].clone(), created[0].clone()]
    );
    let odd = s
        .get("/v1/passes?holder_email=odd@example.com&limit=3")
        .await
        .body;
    assert_eq!(
        ids(&odd),
        vec![
            created[23].clone(),
            created[21].clone(),
            created[19].clone()
        ]
    );
    assert_eq!(odd["has_more"], true);

    // Templates and events paginate alike.
    let tpl = s.get("/v1/templates?limit=1").await.body;
    assert_eq!(ids(&tpl), vec![t2.clone()]);
    assert_eq!(tpl["has_more"], true);
    let tpl = s
        .get(&format!("/v1/templates?limit=1&starting_after={t2}"))
        .await
        .body;
    assert_eq!(ids(&tpl), vec![t1.clone()]);
    assert_eq!(tpl["has_more"], false);
    let ev = s.get("/v1/events?limit=200").await.body;
    assert_eq!(ev["data"].as_array().unwrap().len(), 25);
    let first_ev = ev["data"][0]["id"].as_str().unwrap();
    let ev2 = s
        .get(&format!("/v1/events?limit=2&starting_after={first_ev}"))
        .await
        .body;
    assert_eq!(ev2["data"][0]["pass_id"], json!(created[23]));
}

engine_tests!(cursor_pagination_and_filters);
