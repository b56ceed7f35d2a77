//! Model work — assessing and rendering a published version, comparing it with the last agreed
//! one, reading a stored result — takes seconds of every core for a large model. At the priority
//! of the threads that answer requests it competes with them for the processor; it runs instead
//! on threads of its own at a lower priority (nice 10), so pages and forms are served first and
//! the work takes the time they leave. (The long waits measured while publishing came from the
//! database, not from here: see `Store::put_blob` and the session's touch in `access.rs`. This
//! change's own share was not measured apart; docs/server-proof.md has the figures.)
//!
//! Linux keeps a nice value per thread, and threads inherit their creator's: the report
//! writers a publication starts are lowered with it. Rayon's pool, which parses and assesses
//! in parallel, is lowered once at start ([`lower_model_work_priority`]). Elsewhere the work
//! runs at the normal priority; only the order of the work changes, never its result.

use crate::error::AppError;

/// How far below the request threads model work runs.
const NICE: i32 = 10;

/// Lowers the calling thread's priority. It cannot be raised again without privileges, which
/// is why only threads of model work call it.
fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICE);
}

/// Runs `work` on a thread of its own at the lower priority and waits for it.
pub async fn run<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("sansho-{what}"))
        .spawn(move || {
            lower_this_thread();
            let _ = done.send(work());
        })
        .map_err(|e| AppError::Internal(format!("{what}: cannot start a thread: {e}")))?;
    // The sender is dropped without a value only when the work panicked.
    result
        .await
        .map_err(|_| AppError::Internal(format!("{what} failed")))
}

/// Builds rayon's global pool, which parses and assesses models in parallel, with its threads
/// at the lower priority. Called once when the server starts; it fails when the pool exists
/// already (then it keeps the priority it was built with).
pub fn lower_model_work_priority() -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .start_handler(|_| lower_this_thread())
        .build_global()
}
