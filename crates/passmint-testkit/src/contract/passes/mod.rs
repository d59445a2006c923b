//! [`passmint_domain::ports::PassStore`]: passes, their unique constraints, their
//! lists and their conditional updates, each written atomically with its event and
//! its idempotency completion.

mod concurrency;
mod inserts;
mod limits;
mod lists;
mod support;
mod updates;

pub use concurrency::*;
pub use inserts::*;
pub use limits::*;
pub use lists::*;
pub use updates::*;
