//! A paired comparison of two closures for the benchmarks' ratio targets.
//!
//! Criterion measures one function after the other, so on a shared machine a burst of load
//! during one of them moves the ratio by several percent. Here the two run in alternating
//! batches (and in alternating order), each batch's ratio is taken against its neighbour, and
//! the median of those ratios is reported: load that changes more slowly than a batch (a few
//! milliseconds) cancels out.

use std::time::Instant;

/// Whether this is a `cargo bench` run (criterion's harness is given `--bench`). Under
/// `cargo test` each bench runs once as a test, and its paired comparisons should be short.
#[allow(dead_code)] // not every bench that includes this file asks
pub fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// `n` rounds under `cargo bench`, one under `cargo test`.
#[allow(dead_code)] // not every bench that includes this file asks
pub fn rounds(n: usize) -> usize {
    if benching() {
        n
    } else {
        1
    }
}

/// The outcome of [`paired`].
pub struct Paired {
    /// Median over rounds of (time of `b`) / (time of `a`).
    pub ratio: f64,
    /// First and third quartiles of the per-round ratios.
    pub quartiles: (f64, f64),
    /// Median time per call of `a` and of `b`, in nanoseconds.
    pub ns: (f64, f64),
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn time_batch(f: &mut impl FnMut(), batch: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        f();
    }
    start.elapsed().as_nanos() as f64 / batch as f64
}

/// Runs `a` and `b` in `rounds` alternating batches of `batch` calls and prints one line:
/// `label: b/a = median ratio (quartiles), per-call medians`.
pub fn paired(
    label: &str,
    rounds: usize,
    batch: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> Paired {
    for _ in 0..batch {
        a();
        b();
    }
    let mut ratios = Vec::with_capacity(rounds);
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = time_batch(&mut a, batch);
            (x, time_batch(&mut b, batch))
        } else {
            let y = time_batch(&mut b, batch);
            (time_batch(&mut a, batch), y)
        };
        ratios.push(y / x);
        ta.push(x);
        tb.push(y);
    }
    for v in [&mut ratios, &mut ta, &mut tb] {
        v.sort_by(f64::total_cmp);
    }
    let out = Paired {
        ratio: quantile(&ratios, 0.5),
        quartiles: (quantile(&ratios, 0.25), quantile(&ratios, 0.75)),
        ns: (quantile(&ta, 0.5), quantile(&tb, 0.5)),
    };
    println!(
        "{label}: ratio {:.3} (quartiles {:.3}-{:.3}; {rounds} paired rounds of {batch} calls), \
         {:.1} ns vs {:.1} ns per call",
        out.ratio, out.quartiles.0, out.quartiles.1, out.ns.0, out.ns.1
    );
    out
}
