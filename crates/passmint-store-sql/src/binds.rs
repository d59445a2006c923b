//! The binds of each model, in the order of its column list, so that an `INSERT`
//! names `$1..$n` in that order.

use crate::dialect::{SqlBind, json_error};
use passmint_domain::StoreError;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::event::PassEvent;
use passmint_domain::mode::Scope;
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use passmint_domain::signing::SigningCredentials;
use passmint_domain::template::Template;

/// `$1..$4`, in [`crate::ACCOUNT_COLUMNS`] order.
pub fn account_binds<'a, B: SqlBind<'a>>(a: &'a Account) -> Vec<B> {
    vec![
        B::text(a.id.as_str()),
        B::text(&a.name),
        B::opt_big_int(a.live_pass_limit),
        B::time(a.created_at),
    ]
}

/// `$1..$7`, in [`crate::API_KEY_COLUMNS`] order.
pub fn api_key_binds<'a, B: SqlBind<'a>>(k: &'a ApiKey) -> Vec<B> {
    vec![
        B::text(k.id.as_str()),
        B::text(k.account_id.as_str()),
        B::text(k.mode.as_str()),
        B::text(&k.key_hash),
        B::text(&k.display_prefix),
        B::time(k.created_at),
        B::opt_time(k.revoked_at),
    ]
}

/// `$1..$16`, in [`crate::PASS_COLUMNS`] order.
pub fn pass_binds<'a, B: SqlBind<'a>>(p: &'a Pass) -> StoreResult<Vec<B>> {
    Ok(vec![
        B::text(p.id.as_str()),
        B::text(p.account_id.as_str()),
        B::text(p.mode.as_str()),
        B::text(p.template_id.as_str()),
        B::text(&p.short_id),
        B::text(&p.serial_number),
        B::text(&p.auth_token),
        B::opt_text(p.holder_email.as_deref()),
        B::opt_text(p.holder_name.as_deref()),
        B::json(&p.field_values).map_err(json_error)?,
        B::json(&p.metadata).map_err(json_error)?,
        B::opt_time(p.voided_at),
        B::bool(p.created_via_api),
        B::time(p.created_at),
        B::time(p.updated_at),
        B::big_int(p.version),
    ])
}

/// The event's 7 values, in [`crate::EVENT_COLUMNS`] order.
pub fn event_binds<'a, B: SqlBind<'a>>(e: &'a PassEvent) -> StoreResult<Vec<B>> {
    Ok(vec![
        B::text(e.id.as_str()),
        B::text(e.account_id.as_str()),
        B::text(e.mode.as_str()),
        B::text(e.pass_id.as_str()),
        B::text(e.kind.as_str()),
        B::json(&e.metadata).map_err(json_error)?,
        B::time(e.created_at),
    ])
}

/// `$1..$9`, in [`crate::TEMPLATE_COLUMNS`] order.
pub fn template_binds<'a, B: SqlBind<'a>>(t: &'a Template) -> StoreResult<Vec<B>> {
    Ok(vec![
        B::text(t.id.as_str()),
        B::text(t.account_id.as_str()),
        B::text(&t.name),
        B::text(t.kind.as_str()),
        B::text(t.apple_style.as_str()),
        B::json(&t.design).map_err(|e| StoreError::Backend(format!("design: {e}")))?,
        B::bool(t.archived),
        B::time(t.created_at),
        B::time(t.updated_at),
    ])
}

/// The identity's 7 values, in [`crate::SIGNING_COLUMNS`] order.
pub fn signing_binds<'a, B: SqlBind<'a>>(i: &'a SigningCredentials) -> Vec<B> {
    vec![
        B::text(&i.pass_type_identifier),
        B::text(&i.team_identifier),
        B::text(&i.certificate_pem),
        B::text(i.private_key_pem.expose()),
        B::text(&i.wwdr_pem),
        B::time(i.not_after),
        B::time(i.updated_at),
    ]
}

/// The owner's `account_id` and `mode`.
pub fn scope_binds<'a, B: SqlBind<'a>>(scope: &'a Scope) -> Vec<B> {
    vec![
        B::text(scope.account_id.as_str()),
        B::text(scope.mode.as_str()),
    ]
}
