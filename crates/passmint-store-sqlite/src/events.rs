//! The statement that records a pass event, shared by every writer of events
//! (passes, templates, the PassKit web service).

use crate::error::json_error;
use crate::rows::EVENT_COLUMNS;
use crate::sql::{Bind, Stmt};
use passmint_domain::event::PassEvent;
use passmint_domain::ports::StoreResult;
use std::sync::LazyLock;

static INSERT_EVENT: LazyLock<String> = LazyLock::new(|| {
    format!("INSERT INTO pass_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")
});
/// The statement inserting `e`.
pub(crate) fn insert_event(e: &PassEvent) -> StoreResult<Stmt> {
    Ok(Stmt::new(
        INSERT_EVENT.as_str(),
        vec![
            Bind::text(e.id.as_str()),
            Bind::text(e.account_id.as_str()),
            Bind::text(e.mode.as_str()),
            Bind::text(e.pass_id.as_str()),
            Bind::text(e.kind.as_str()),
            Bind::json(&e.metadata).map_err(json_error)?,
            Bind::time(e.created_at),
        ],
    ))
}
