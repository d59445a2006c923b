//! The statement that records a pass event, shared by every writer of events
//! (passes, templates, the PassKit web service).

use crate::sql::Stmt;
use passmint_domain::event::PassEvent;
use passmint_domain::ports::StoreResult;
use passmint_store_sql::{EVENT_COLUMNS, event_binds};
use std::sync::LazyLock;

static INSERT_EVENT: LazyLock<String> = LazyLock::new(|| {
    format!("INSERT INTO pass_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")
});
/// The statement inserting `e`.
pub(crate) fn insert_event(e: &PassEvent) -> StoreResult<Stmt> {
    Ok(Stmt::new(INSERT_EVENT.as_str(), event_binds(e)?))
}
