//! Pass lists: filters, scope isolation, cursors and paging.

use super::support::all_passes;

use crate::contract::{
    PageCases, after, assert_not_found, before, cursors_on, first, ids, pick, seed_account,
    seed_owner, seed_pass, seed_rivals, seed_template, summary,
};
use crate::fixtures;
use passmint_domain::event::EventType;
use passmint_domain::mode::Mode;
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::Store;
use std::collections::HashSet;
use std::sync::Arc;

/// The `template_id` and `holder_email` filters, alone and combined, with cursors.
/// A cursor may be any pass of the scope, also one the filter excludes.
pub async fn list_passes_filters_with_cursors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let ta = seed_template(&*store, &account).await;
    let tb = seed_template(&*store, &account).await;
    let x = "x@example.com";
    let y = "y@example.com";
    // (template, email) of each pass, oldest first.
    let plan = [
        (&ta, Some(x)),
        (&tb, Some(x)),
        (&ta, Some(y)),
        (&ta, Some(x)),
        (&tb, None),
        (&ta, Some(x)),
        (&tb, Some(y)),
        (&ta, None),
    ];
    let mut p = Vec::new();
    for (template, email) in plan {
        let mut pass = fixtures::pass(&account, Mode::Test, template);
        pass.holder_email = email.map(str::to_owned);
        let event = fixtures::event(&pass, EventType::Created);
        store
            .insert_pass(&pass, &event, None)
            .await
            .expect("insert_pass");
        p.push(pass);
    }
    let scope = fixtures::scope(&account, Mode::Test);
    let by_template = |t: &passmint_domain::template::Template| PassFilter {
        template_id: Some(t.id.clone()),
        holder_email: None,
    };
    let by_email = |e: &str| PassFilter {
        template_id: None,
        holder_email: Some(e.to_owned()),
    };
    let both = PassFilter {
        template_id: Some(ta.id.clone()),
        holder_email: Some(x.to_owned()),
    };
    let id = |i: usize| p[i].id.as_str();
    // Per filter: (page request, the passes it lists newest first, has_more).
    let cases: PageCases<PassFilter> = vec![
        (
            "no filter",
            PassFilter::default(),
            vec![(first(3), &[7, 6, 5], true)],
        ),
        (
            "template a",
            by_template(&ta),
            vec![
                (first(10), &[7, 5, 3, 2, 0], false),
                (first(2), &[7, 5], true),
                (after(id(5), 2), &[3, 2], true),
                (after(id(3), 2), &[2, 0], false),
                (before(id(0), 2), &[3, 2], true),
                (before(id(2), 2), &[5, 3], true),
                (before(id(3), 2), &[7, 5], false),
            ],
        ),
        (
            "template b",
            by_template(&tb),
            vec![(first(10), &[6, 4, 1], false)],
        ),
        (
            "email x",
            by_email(x),
            vec![
                (first(10), &[5, 3, 1, 0], false),
                (after(id(5), 2), &[3, 1], true),
                (before(id(1), 1), &[3], true),
            ],
        ),
        ("email y", by_email(y), vec![(first(10), &[6, 2], false)]),
        (
            "template a + email x",
            both,
            vec![
                (first(10), &[5, 3, 0], false),
                (first(2), &[5, 3], true),
                (after(id(3), 1), &[0], false),
                (before(id(0), 1), &[3], true),
                (before(id(0), 2), &[5, 3], false),
                // Cursors on a pass the filter excludes.
                (after(id(4), 10), &[3, 0], false),
                (before(id(4), 10), &[5], false),
            ],
        ),
        (
            "email z",
            by_email("z@example.com"),
            vec![(first(10), &[], false)],
        ),
    ];
    for (what, filter, pages) in cases {
        for (req, positions, has_more) in pages {
            let page = store
                .list_passes(&scope, &filter, &req)
                .await
                .unwrap_or_else(|e| panic!("list_passes {what} {req:?}: {e}"));
            assert_eq!(
                summary(&page),
                (pick(&p, positions), has_more),
                "list_passes {what} {req:?}: (ids newest first, has_more)"
            );
        }
    }
}

/// Lists show only the scope's passes (mode and account isolation); a cursor that is
/// not a pass of the scope MUST give `NotFound`.
pub async fn list_passes_scope_isolation_and_cursor_errors(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, other, template) = seed_rivals(&*store).await;
    let their_template = seed_template(&*store, &other).await;
    let mut test = Vec::new();
    let mut live = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..3 {
        test.push(seed_pass(&*store, &account, Mode::Test, &template).await.0);
        live.push(seed_pass(&*store, &account, Mode::Live, &template).await.0);
        theirs.push(
            seed_pass(&*store, &other, Mode::Test, &their_template)
                .await
                .0,
        );
    }
    for (what, scope, expected) in [
        ("test", fixtures::scope(&account, Mode::Test), &test),
        ("live", fixtures::scope(&account, Mode::Live), &live),
        (
            "other account",
            fixtures::scope(&other, Mode::Test),
            &theirs,
        ),
    ] {
        let newest_first: Vec<Pass> = expected.iter().rev().cloned().collect();
        assert_eq!(
            all_passes(&*store, &scope).await,
            newest_first,
            "list_passes of the {what} scope"
        );
    }
    assert!(
        all_passes(&*store, &fixtures::scope(&other, Mode::Live))
            .await
            .is_empty()
    );

    let scope = fixtures::scope(&account, Mode::Test);
    let unknown = fixtures::pass(&account, Mode::Test, &template).id;
    let mut cursors = cursors_on(&[
        ("a live pass", live[1].id.as_str()),
        ("another account's pass", theirs[1].id.as_str()),
        ("unknown id", unknown.as_str()),
    ]);
    cursors.push((
        "after(a template id)".into(),
        after(template.id.as_str(), 10),
    ));
    for (what, req) in cursors {
        assert_not_found(
            store
                .list_passes(&scope, &PassFilter::default(), &req)
                .await,
            &format!("list_passes {what}"),
        );
    }
}

/// 25 passes paged through with limit 10, forwards from the newest and backwards from
/// the oldest: every pass exactly once, in order, `has_more` exact on every page.
pub async fn list_passes_pages_through_25(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let other_template = seed_template(&*store, &account).await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(seed_pass(&*store, &account, Mode::Live, &template).await.0);
        if i % 5 == 0 {
            seed_pass(&*store, &account, Mode::Live, &other_template).await;
            seed_pass(&*store, &account, Mode::Test, &template).await;
        }
    }
    let scope = fixtures::scope(&account, Mode::Live);
    let filter = PassFilter {
        template_id: Some(template.id.clone()),
        holder_email: None,
    };
    let newest_first: Vec<Pass> = created.iter().rev().cloned().collect();

    // Forwards.
    let mut seen = Vec::new();
    let mut req = first(10);
    let mut has_mores = Vec::new();
    loop {
        let page = store
            .list_passes(&scope, &filter, &req)
            .await
            .expect("list_passes forwards");
        has_mores.push(page.has_more);
        seen.extend(page.data.iter().cloned());
        if !page.has_more {
            break;
        }
        let last = page.data.last().expect("a page with has_more is not empty");
        req = after(last.id.as_str(), 10);
        assert!(has_mores.len() < 10, "paging forwards does not end");
    }
    assert_eq!(
        has_mores,
        vec![true, true, false],
        "forwards: has_more per page"
    );
    assert_eq!(
        seen, newest_first,
        "forwards: every pass once, newest first"
    );

    // Backwards, from the oldest.
    let oldest = created[0].id.as_str();
    let mut pages = Vec::new();
    let mut req = before(oldest, 10);
    loop {
        let page = store
            .list_passes(&scope, &filter, &req)
            .await
            .expect("list_passes backwards");
        let is_last = !page.has_more;
        let newest = page
            .data
            .first()
            .map(|p| p.id.to_string())
            .expect("a backwards page is not empty here");
        pages.push(page);
        if is_last {
            break;
        }
        req = before(&newest, 10);
        assert!(pages.len() < 10, "paging backwards does not end");
    }
    let has_mores: Vec<bool> = pages.iter().map(|p| p.has_more).collect();
    assert_eq!(
        has_mores,
        vec![true, true, false],
        "backwards: has_more per page"
    );
    let sizes: Vec<usize> = pages.iter().map(|p| p.data.len()).collect();
    assert_eq!(sizes, vec![10, 10, 4], "backwards: page sizes");
    let mut backwards: Vec<Pass> = pages.into_iter().rev().flat_map(|p| p.data).collect();
    backwards.push(created[0].clone());
    assert_eq!(
        backwards, newest_first,
        "backwards: every pass once, newest first"
    );

    let unique: HashSet<String> = ids(&seen).into_iter().collect();
    assert_eq!(unique.len(), 25);
}
