//! Group commit of the public pages' events (`url_viewed`, `downloaded`).
//!
//! One task owns the writes: a request queues its event and waits until it is
//! committed (so the event is durable before the answer, as with a direct
//! insert), and while batches are being written the next requests queue up and
//! are written together by `PassStore::insert_events`, in one transaction. Busy
//! pages thus cost one commit per batch instead of one per request. Up to
//! [`IN_FLIGHT`] batches are written at once, so that the round trips and the
//! commit of one batch (several per event on PostgreSQL) overlap the next
//! instead of holding every waiting request back. A batch that fails is retried
//! event by event, so one bad event cannot sink the others.

use passmint_domain::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::ports::StoreResult;
use passmint_domain::service::Passmint;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Most events written in one transaction.
const MAX_BATCH: usize = 256;
/// Batches being written at once, at most.
const IN_FLIGHT: usize = 4;
/// Events waiting at most; beyond, callers wait for room.
const QUEUE: usize = 8192;

type Job = (PassEvent, oneshot::Sender<StoreResult<()>>);

pub struct EventBatcher {
    tx: mpsc::Sender<Job>,
}

fn stopped() -> StoreError {
    StoreError::Backend("the event writer has stopped".into())
}

/// Writes one batch in one transaction, or event by event if that fails, and
/// answers each waiter.
async fn write(passmint: &Passmint, batch: Vec<Job>) {
    let (events, waiters): (Vec<PassEvent>, Vec<_>) = batch.into_iter().unzip();
    match passmint.record_events(&events).await {
        Ok(()) => {
            for w in waiters {
                let _ = w.send(Ok(()));
            }
        }
        Err(_) => {
            for (e, w) in events.iter().zip(waiters) {
                let _ = w.send(passmint.record_new_event(e).await);
            }
        }
    }
}

impl EventBatcher {
    /// Starts the writer task on the current actix runtime.
    pub fn spawn(passmint: Passmint) -> Self {
        let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
        actix_web::rt::spawn(async move {
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            loop {
                // A free slot first: the events that arrive meanwhile join the batch.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                let mut batch = Vec::with_capacity(MAX_BATCH);
                if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
                    break;
                }
                let passmint = passmint.clone();
                actix_web::rt::spawn(async move {
                    write(&passmint, batch).await;
                    drop(slot);
                });
            }
        });
        EventBatcher { tx }
    }

    /// Writes the event (with whatever else is queued) and waits for the commit.
    pub async fn record(&self, event: PassEvent) -> StoreResult<()> {
        let (done, committed) = oneshot::channel();
        self.tx.send((event, done)).await.map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?
    }
}
