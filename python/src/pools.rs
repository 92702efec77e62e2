//! Where the filter's row tiles run: rayon's global pool, or a pool of a chosen size.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::PyResult;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use rayon::{ThreadPool, ThreadPoolBuilder};

/// Pools by thread count, built on first use and kept for the life of the process: building
/// one starts its threads, far too slow to repeat per call (dask calls once per chunk).
static POOLS: Mutex<BTreeMap<usize, Arc<ThreadPool>>> = Mutex::new(BTreeMap::new());

/// The pool a call runs on.
pub(crate) enum Pool {
    /// rayon's global pool: the calling thread is not a rayon worker, so the library's
    /// parallel iterators go there.
    Global,
    /// A pool of a fixed number of threads.
    Sized(Arc<ThreadPool>),
}

impl Pool {
    /// `threads=None` or `threads=n` (at least 1).
    pub(crate) fn for_threads(threads: Option<i64>) -> PyResult<Pool> {
        let Some(n) = threads else {
            return Ok(Pool::Global);
        };
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| PyValueError::new_err(format!("threads must be >= 1, got {n}")))?;
        // A panic while the lock was held cannot leave the map half-updated: insertion is
        // its last step.
        let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pool) = pools.get(&n) {
            return Ok(Pool::Sized(Arc::clone(pool)));
        }
        let pool = ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("bilateral-{i}"))
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start {n} threads: {e}")))?;
        let pool = Arc::new(pool);
        pools.insert(n, Arc::clone(&pool));
        Ok(Pool::Sized(pool))
    }

    /// Runs `f` with this pool as the current one.
    pub(crate) fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match self {
            Pool::Global => f(),
            Pool::Sized(pool) => pool.install(f),
        }
    }
}
