//! Async set-up for synchronous code (the adapters' blocking test helpers).

use std::future::Future;

/// Runs the future `make` returns to completion on a thread of its own with its own
/// runtime, so that it can be awaited from synchronous code, even inside another
/// runtime. A panic of the future is the caller's.
pub fn on_own_runtime<F, Fut, T>(make: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
            .block_on(make())
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
