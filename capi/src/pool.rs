//! The threads a call runs on: rayon's global pool, or a pool of the size the caller asked for.
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex, PoisonError};

use rayon::{ThreadPool, ThreadPoolBuildError, ThreadPoolBuilder};

/// The pool of the last explicit thread count. Keeping one pool, not one per count ever asked
/// for, bounds the idle threads; a caller that changes the count pays for a new pool.
static LAST: Mutex<Option<(usize, Arc<ThreadPool>)>> = Mutex::new(None);

/// Runs `f` on rayon's global pool when `threads` is 0, else on a pool of `threads` threads,
/// reused from the previous call when it asked for the same count.
pub(crate) fn install<R: Send>(
    threads: usize,
    f: impl FnOnce() -> R + Send,
) -> Result<R, ThreadPoolBuildError> {
    if threads == 0 {
        // The library runs on the calling thread's pool: the global one for a thread that is
        // not a rayon worker, as C's threads are not.
        return Ok(f());
    }
    let pool = {
        // The value is replaced whole or not at all, so a lock poisoned by a panic elsewhere
        // still holds a good one.
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some((n, pool)) if *n == threads => Arc::clone(pool),
            _ => {
                let pool = Arc::new(ThreadPoolBuilder::new().num_threads(threads).build()?);
                *last = Some((threads, Arc::clone(&pool)));
                pool
            }
        }
    };
    // Other calls may replace `LAST` meanwhile: this call's `Arc` keeps its pool alive.
    Ok(pool.install(f))
}
