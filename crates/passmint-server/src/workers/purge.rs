//! The purge of expired idempotency records: once at start-up, then hourly.

use passmint_domain::service::Passmint;
use std::time::Duration;

/// How often expired records are looked for.
const EVERY: Duration = Duration::from_secs(3600);

/// Runs forever on the server's runtime (it stops with it).
pub async fn run(passmint: Passmint) {
    loop {
        match passmint.purge_expired_idempotent().await {
            Ok(n) if n > 0 => tracing::info!(purged = n, "expired idempotency records purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "idempotency purge failed"),
        }
        actix_web::rt::time::sleep(EVERY).await;
    }
}
