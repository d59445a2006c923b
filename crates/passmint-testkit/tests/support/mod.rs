//! Set-up shared by the service test files (each file uses part of it).
#![allow(dead_code)]

use passmint_domain::account::Account;
use passmint_domain::idempotency::{IdemBegin, IdemTicket, Renderer, StoredResponse};
use passmint_domain::pass::Pass;
use passmint_domain::service::{NewTemplate, Passmint, Principal};
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use passmint_testkit::fixtures;
use std::sync::Arc;

/// The event template every service test issues its passes from.
pub fn new_template() -> NewTemplate {
    NewTemplate {
        name: "Concert".into(),
        kind: TemplateType::Event,
        apple_style: AppleStyle::Generic,
        design: fixtures::design(),
    }
}

/// A new account with the principals of its two keys and a template made in test
/// mode from [`new_template`].
pub struct Tenant {
    pub account: Account,
    pub test_key: String,
    pub live_key: String,
    pub test: Principal,
    pub live: Principal,
    pub template: Template,
}

/// Creates the account `name` (with `live_pass_limit`) as a [`Tenant`].
pub async fn tenant(pm: &Passmint, name: &str, live_pass_limit: Option<i64>) -> Tenant {
    let (account, test, live) = pm.create_account(name, live_pass_limit).await.unwrap();
    let test_p = pm.authenticate(&test.key).await.unwrap();
    let live_p = pm.authenticate(&live.key).await.unwrap();
    let template = pm
        .create_template(&test_p, new_template(), None)
        .await
        .unwrap();
    Tenant {
        account,
        test_key: test.key,
        live_key: live.key,
        test: test_p,
        live: live_p,
        template,
    }
}

/// Takes the free idempotency `key` of `who`'s scope for `fingerprint`.
pub async fn started(pm: &Passmint, who: &Principal, key: &str, fingerprint: &str) -> IdemTicket {
    match pm
        .begin_idempotent(who.scope(), key, fingerprint.to_owned())
        .await
    {
        Ok(IdemBegin::Started(ticket)) => ticket,
        other => panic!("a new key starts, got {other:?}"),
    }
}

/// The response these tests store for an issued pass: 200 with its id.
pub fn id_response(pass: &Pass) -> StoredResponse {
    StoredResponse {
        status: 200,
        body: pass.id.as_str().as_bytes().to_vec(),
    }
}

pub fn id_renderer() -> Renderer<Pass> {
    Arc::new(id_response)
}
