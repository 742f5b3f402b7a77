//! Settings of the CPU kernels: which matmul kernel runs, and how many threads large ops use.
//!
//! Both are process-wide (atomics, read once per op). Threads are used only by ops large
//! enough to pay for them (see [`PARALLEL_MIN_ELEMENTS`], `linalg::GEMM_PARALLEL_MIN` and gemm's own threshold), so small
//! ops never touch the thread pool whatever the setting.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The kernel behind float `matmul` (and the ops that reduce to it: `vecdot`, `tensordot`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatmulKernel {
    /// The `gemm` crate (the default): packed, runtime-dispatched SIMD micro-kernels
    /// (AVX2/FMA, AVX-512, NEON), threaded for large products when threads are enabled.
    Gemm,
    /// ndarray's own `general_mat_mul` (the `matrixmultiply` crate), single-threaded: the
    /// kernel before `gemm`, kept for comparison.
    MatrixMultiply,
}

static MATMUL: AtomicU8 = AtomicU8::new(0);

/// Selects the float matmul kernel for the whole process.
pub fn set_matmul_kernel(kernel: MatmulKernel) {
    MATMUL.store(kernel as u8, Ordering::Relaxed);
}

/// The float matmul kernel in use.
pub fn matmul_kernel() -> MatmulKernel {
    match MATMUL.load(Ordering::Relaxed) {
        0 => MatmulKernel::Gemm,
        _ => MatmulKernel::MatrixMultiply,
    }
}

/// Elementwise kernels split their work across threads only from this many elements on (and
/// into chunks at least this long): below it, waking threads costs more than it saves.
pub const PARALLEL_MIN_ELEMENTS: usize = 1 << 16;

/// 0 = not set yet (read `TENSORSWITCH_THREADS` on first use).
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// The number of threads large ops may use: set by [`set_num_threads`], else the environment
/// variable `TENSORSWITCH_THREADS` (a positive integer), else the number of CPUs the process
/// may use. 1 means no threads at all.
pub fn num_threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = default_threads();
            // A concurrent `set_num_threads` wins.
            let _ = THREADS.compare_exchange(0, n, Ordering::Relaxed, Ordering::Relaxed);
            THREADS.load(Ordering::Relaxed)
        }
        n => n,
    }
}

/// Sets the number of threads large ops may use (`1`: single-threaded; `0`: back to the
/// default, see [`num_threads`]). At most the size of the pool, which is the CPU count (or
/// `TENSORSWITCH_THREADS` when larger) fixed at first use.
pub fn set_num_threads(n: usize) {
    let n = if n == 0 { default_threads() } else { n };
    THREADS.store(n, Ordering::Relaxed);
}

fn default_threads() -> usize {
    std::env::var("TENSORSWITCH_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(cpus)
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The backend's own thread pool (not rayon's global one, so that users' rayon settings and
/// ours do not interfere), built on first use; `None` if the system refused threads, in which
/// case everything runs on the calling thread.
pub(crate) fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(cpus().max(num_threads()))
            .thread_name(|i| format!("tensorswitch-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// The threads to use for `work` units of work that parallelise from `min_work` on: 1 below
/// it or when threads are off.
#[inline]
pub(crate) fn threads_for(work: usize, min_work: usize) -> usize {
    if work < min_work {
        return 1;
    }
    num_threads()
}

/// `f(x_chunk, out_chunk)` over matching chunks of `x` and `out`, on up to [`num_threads`]
/// threads when the slices are long (at least [`PARALLEL_MIN_ELEMENTS`]), else in one call.
/// `f` must be elementwise (each output from the input at its index alone), so that the
/// result does not depend on where the chunks are cut, that is on the number of threads.
pub(crate) fn par_map_slices<A: Sync, B: Send>(
    x: &[A],
    out: &mut [B],
    f: impl Fn(&[A], &mut [B]) + Sync,
) {
    let n = x.len().min(out.len());
    let threads = threads_for(n, PARALLEL_MIN_ELEMENTS);
    let pool = if threads > 1 { pool() } else { None };
    let Some(pool) = pool else {
        f(&x[..n], &mut out[..n]);
        return;
    };
    let chunk = n.div_ceil(threads).max(PARALLEL_MIN_ELEMENTS / 2);
    pool.install(|| {
        use rayon::prelude::*;
        out[..n]
            .par_chunks_mut(chunk)
            .zip(x[..n].par_chunks(chunk))
            .for_each(|(o, x)| f(x, o));
    });
}
