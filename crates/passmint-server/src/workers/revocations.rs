//! The revocation watcher: every `every`, reads the store's revocation generation
//! and, when it moved (a key was revoked by some process sharing the database),
//! makes the key cache forget every key, so a revoked key is refused by every
//! process within about one interval (docs/api.md §1). When the generation cannot
//! be read the cache is emptied too: a key is then checked against the store.

use crate::state::AppState;
use actix_web::web;
use std::time::Duration;

pub async fn run(state: web::Data<AppState>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = None;
    loop {
        tick.tick().await;
        seen = match state.passmint.revocation_generation().await {
            Ok(generation) => {
                if seen != Some(generation) {
                    state.key_cache.forget_all();
                }
                Some(generation)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the key revocation generation");
                state.key_cache.forget_all();
                None
            }
        };
    }
}
