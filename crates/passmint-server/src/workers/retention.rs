//! The retention worker (docs/api.md §10): at start-up, then every minute, it
//! removes what is past its retention, one table after the other, through the
//! domain's bounded batches: expired idempotency records, settled webhook
//! deliveries beyond the newest 100 of their webhook, push jobs older than a day,
//! and, with `PASSMINT_EVENT_RETENTION`, events older than that.
//!
//! Each batch is one short statement of at most [`BATCH`] rows; a batch of events
//! starts where the previous one ended, so that it does not walk over the index
//! entries of the rows already removed (they stay until a vacuum). Between two
//! batches the worker rests [`REST_PER_WORK`] times as long as the batch took (and
//! at least [`MIN_PAUSE`]), so a large backlog takes at most a tenth of one database
//! connection, in bursts of about a millisecond, and never holds locks for long:
//! the API keeps its latency while a million old events go.

use clap::Args;
use passmint_domain::retention::{BATCH, Retained};
use passmint_domain::service::Passmint;
use passmint_webhooks::parse_duration;
use std::time::{Duration, Instant};

/// How often the passes run.
const EVERY: Duration = Duration::from_secs(60);

/// The shortest rest between two batches of one pass.
const MIN_PAUSE: Duration = Duration::from_millis(10);

/// How many times as long as a batch took the worker rests after it.
const REST_PER_WORK: u32 = 9;

/// Flattened into `ServeConfig`.
#[derive(Args, Clone, Debug, Default)]
pub struct RetentionConfig {
    /// Age past which pass events are deleted (`90d`, `12h`; units ms, s, m, h,
    /// d). Unset: events are kept forever.
    #[arg(
        long = "event-retention",
        env = "PASSMINT_EVENT_RETENTION",
        value_parser = parse_retention
    )]
    pub event_retention: Option<Duration>,
}

/// A retention age: a positive duration that the clock can go back by.
fn parse_retention(s: &str) -> Result<Duration, String> {
    let invalid = |why: String| {
        format!("PASSMINT_EVENT_RETENTION must be a positive duration such as 90d or 12h: {why}")
    };
    let age = parse_duration(s).map_err(|e| invalid(e.to_string()))?;
    if age.is_zero() {
        return Err(invalid(format!("'{s}' is zero")));
    }
    time::Duration::try_from(age).map_err(|_| invalid(format!("'{s}' is too long")))?;
    Ok(age)
}

impl RetentionConfig {
    /// What the worker removes, in the order of its passes.
    fn retained(&self) -> Vec<Retained> {
        let mut out = vec![
            Retained::IdempotencyKeys,
            Retained::WebhookDeliveries,
            Retained::PushJobs,
        ];
        if let Some(age) = self
            .event_retention
            .and_then(|a| time::Duration::try_from(a).ok())
        {
            out.push(Retained::Events(age));
        }
        out
    }
}

/// Runs forever on the server's runtime (it stops with it).
pub async fn run(passmint: Passmint, cfg: RetentionConfig) {
    let retained = cfg.retained();
    loop {
        for what in &retained {
            pass(&passmint, *what).await;
        }
        actix_web::rt::time::sleep(EVERY).await;
    }
}

/// Removes every row of `what` past its retention, batch after batch, and logs
/// how many went. A failed batch ends the pass; the next pass tries again.
async fn pass(passmint: &Passmint, what: Retained) {
    let started = Instant::now();
    let mut removed = 0u64;
    // Where the previous batch ended: the next one starts there.
    let mut from = None;
    loop {
        let batch_started = Instant::now();
        match passmint.purge_batch(what, BATCH, from).await {
            Ok(batch) => {
                removed += batch.removed;
                if batch.removed < u64::from(BATCH) {
                    break;
                }
                from = batch.reached.or(from);
            }
            Err(e) => {
                tracing::warn!(table = what.name(), removed, error = %e, "retention batch failed");
                return;
            }
        }
        actix_web::rt::time::sleep((batch_started.elapsed() * REST_PER_WORK).max(MIN_PAUSE)).await;
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    if removed > 0 {
        tracing::info!(table = what.name(), removed, elapsed_ms, "retention pass");
    } else {
        tracing::debug!(
            table = what.name(),
            elapsed_ms,
            "retention pass removed nothing"
        );
    }
}
