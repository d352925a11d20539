//! The pool calls run in: rayon's global pool unless `simdpool_set_num_threads` chose one.

use std::sync::{Arc, RwLock};

use rayon::ThreadPool;

use crate::status::{guard, Fail, SIMDPOOL_ERROR_THREADS};

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// Runs `f` in the chosen pool.
pub(crate) fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let pool = POOL.read().unwrap_or_else(|e| e.into_inner()).clone();
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Runs later calls on a pool of `threads` threads (0: back to rayon's global pool, sized
/// by `RAYON_NUM_THREADS` or the CPU count). Calls whose descriptor sets `serial` run on
/// the calling thread whatever this says.
#[no_mangle]
pub extern "C" fn simdpool_set_num_threads(threads: u32) -> i32 {
    guard(|| {
        let pool = match threads {
            0 => None,
            n => Some(Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n as usize)
                    .build()
                    .map_err(|e| Fail::new(SIMDPOOL_ERROR_THREADS, e.to_string()))?,
            )),
        };
        *POOL.write().unwrap_or_else(|e| e.into_inner()) = pool;
        Ok(())
    })
}
