//! Results that cannot be allocated are errors, never a process abort, and sizes that
//! overflow are errors, never a panic.
//!
//! The allocation-failure cases run in a child process (this test binary re-executed with
//! `--exact` and [`CASE_VAR`] naming the case) whose address space is capped with
//! `RLIMIT_AS` at its current size plus 1 GiB. Every allocation the case asks for is larger
//! than that, so it fails deterministically whatever the machine's memory or overcommit
//! policy, and nothing is ever touched. An abort (Rust's `handle_alloc_error`) kills the child
//! with SIGABRT, which the parent reports as a failure; so does a failed assertion.

use tensorswitch_ndarray as _;

use std::process::Command;
use tensorswitch::{self as ts, DType, Error, Result, Tensor};

#[path = "../../../tests/support/memory_limit.rs"]
mod memory_limit;
use memory_limit::limit_address_space;

/// Names the case a child process runs.
const CASE_VAR: &str = "TENSORSWITCH_NDARRAY_ALLOC_CASE";
/// What a child prints when its case passed.
const PASSED: &str = "alloc case passed:";

fn on_ndarray<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
    ts::with_backend("ndarray", f).expect("the ndarray backend is linked")
}

/// Runs `case` under a 1 GiB address-space allowance in a child process, or, in that child,
/// runs it. `name` must be the name of the calling test (the child runs just that test).
fn in_limited_child(name: &str, case: impl FnOnce() -> Result<()>) {
    if std::env::var(CASE_VAR).as_deref() == Ok(name) {
        limit_address_space(1 << 30);
        case().unwrap_or_else(|e| panic!("{name}: unexpected error {e:?}"));
        // The backend still works after the failure, under the same limit.
        let sum = on_ndarray(|| {
            let a = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
            ts::add(&a, &a)?.to_vec::<f32>()
        });
        assert_eq!(sum.unwrap(), [2.0, 4.0]);
        println!("{PASSED} {name}");
        return;
    }
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE_VAR, name)
        .output()
        .expect("the test binary re-runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(&format!("{PASSED} {name}")),
        "child for {name} failed ({}; an abort shows as signal 6)\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
}

/// Asserts `r` is `Error::OutOfMemory` for `op` and `bytes`.
fn assert_oom<T: std::fmt::Debug>(r: Result<T>, op: &str, bytes: usize) {
    match r {
        Err(Error::OutOfMemory { op: o, bytes: b }) => {
            assert_eq!((o, b), (op, bytes), "OutOfMemory for the wrong op or size")
        }
        other => panic!("expected OutOfMemory {{ op: {op}, bytes: {bytes} }}, got {other:?}"),
    }
}

fn assert_invalid_shape<T: std::fmt::Debug>(r: Result<T>) {
    assert!(
        matches!(r, Err(Error::InvalidShape { .. })),
        "expected InvalidShape, got {r:?}"
    );
}

#[test]
fn zeros_of_4_tib_is_out_of_memory() {
    in_limited_child("zeros_of_4_tib_is_out_of_memory", || {
        // zeros is the core's fallback onto the backend's `full`.
        assert_oom(
            on_ndarray(|| ts::zeros(&[1 << 40], DType::Float32)),
            "full",
            1 << 42,
        );
        Ok(())
    });
}

#[test]
fn ones_of_2_gib_over_a_1_gib_limit_is_out_of_memory() {
    in_limited_child("ones_of_2_gib_over_a_1_gib_limit_is_out_of_memory", || {
        assert_oom(
            on_ndarray(|| ts::ones(&[1 << 29], DType::Float32)),
            "full",
            1 << 31,
        );
        // A size that fits the limit still works.
        let small = on_ndarray(|| ts::ones(&[1 << 20], DType::Float32)?.to_vec::<f32>())?;
        assert_eq!(
            (small.len(), small[0], small[(1 << 20) - 1]),
            (1 << 20, 1.0, 1.0)
        );
        Ok(())
    });
}

/// `tril`/`triu` call ndarray's own methods, which allocate their result infallibly; the
/// backend probes the result's size first. A 640 MiB input fits the 1 GiB limit, a second
/// 640 MiB for its triangle does not: OutOfMemory, not an abort.
#[test]
fn a_triangle_over_the_limit_is_out_of_memory() {
    in_limited_child("a_triangle_over_the_limit_is_out_of_memory", || {
        let (rows, cols) = (20 << 10, 32 << 10);
        let x = on_ndarray(|| ts::ones(&[rows, cols], DType::Int8))?;
        assert_oom(on_ndarray(|| ts::tril(&x, 0)), "tril", rows * cols);
        assert_oom(on_ndarray(|| ts::triu(&x, 1)), "triu", rows * cols);
        drop(x);
        // Small triangles still work: [[1, 1], [1, 1]] -> [[1, 0], [1, 1]].
        let y = on_ndarray(|| ts::ones(&[2, 2], DType::Int8))?;
        let t = on_ndarray(|| ts::tril(&y, 0)?.to_vec::<i8>())?;
        assert_eq!(t, vec![1, 0, 1, 1]);
        Ok(())
    });
}

#[test]
fn arange_of_a_trillion_is_out_of_memory() {
    in_limited_child("arange_of_a_trillion_is_out_of_memory", || {
        let r = on_ndarray(|| ts::arange(0.0, 1e12, 1.0, DType::UInt16));
        assert_oom(r, "arange", 2_000_000_000_000);
        Ok(())
    });
}

#[test]
fn broadcast_to_4_tib_is_out_of_memory() {
    in_limited_child("broadcast_to_4_tib_is_out_of_memory", || {
        let r = on_ndarray(|| {
            let one = Tensor::from_slice(&[1.0f32], &[1])?;
            ts::broadcast_to(&one, &[1 << 20, 1 << 20])
        });
        assert_oom(r, "broadcast_to", 1 << 42);
        Ok(())
    });
}

#[test]
fn add_broadcasting_to_4_tib_is_out_of_memory() {
    in_limited_child("add_broadcasting_to_4_tib_is_out_of_memory", || {
        let r = on_ndarray(|| {
            let col = ts::zeros(&[1 << 20, 1], DType::Float32)?;
            let row = ts::zeros(&[1, 1 << 20], DType::Float32)?;
            ts::add(&col, &row)
        });
        assert_oom(r, "add", 1 << 42);
        Ok(())
    });
}

#[test]
fn results_of_empty_operands_are_out_of_memory() {
    // Inputs with no elements, results of 4 GiB: sizes the inputs do not bound.
    in_limited_child("results_of_empty_operands_are_out_of_memory", || {
        let r = on_ndarray(|| {
            let a = ts::zeros(&[1 << 15, 0], DType::Float32)?;
            let b = ts::zeros(&[0, 1 << 15], DType::Float32)?;
            ts::matmul(&a, &b)
        });
        assert_oom(r, "matmul", 1 << 32);
        let r = on_ndarray(|| {
            let a = ts::zeros(&[1 << 10, 1 << 20, 0], DType::Float32)?;
            ts::sum(&a, [2isize])
        });
        assert_oom(r, "sum", 1 << 32);
        let r = on_ndarray(|| {
            let a = ts::zeros(&[1 << 15, 1 << 15, 0, 0], DType::Float64)?;
            ts::linalg::det(&a)
        });
        assert_oom(r, "linalg.det", 1 << 33);
        Ok(())
    });
}

#[test]
fn sizes_that_overflow_are_invalid_shapes() -> Result<()> {
    // No allocation is attempted for any of these, so they run in this process.
    assert_invalid_shape(on_ndarray(|| ts::zeros(&[usize::MAX], DType::Int64)));
    assert_invalid_shape(on_ndarray(|| ts::ones(&[1 << 62], DType::Float64)));
    // ndarray cannot hold an empty shape whose non-zero sizes multiply past isize::MAX.
    assert_invalid_shape(on_ndarray(|| {
        ts::zeros(&[1 << 40, 0, 1 << 40], DType::Float32)
    }));
    // An empty tensor whose kept sizes make a result of 2^64 bytes when the empty axis is
    // reduced.
    let r = on_ndarray(|| {
        let a = ts::zeros(&[1 << 31, 0, 1 << 31], DType::Float32)?;
        ts::sum(&a, [1isize])
    });
    assert_invalid_shape(r);
    // The determinants of an empty batch of as many matrices.
    let r = on_ndarray(|| {
        let a = ts::zeros(&[1 << 31, 1 << 31, 0, 0], DType::Float32)?;
        ts::linalg::det(&a)
    });
    assert_invalid_shape(r);
    let r = on_ndarray(|| {
        let a = ts::zeros(&[1 << 31, 0], DType::Float32)?;
        let b = ts::zeros(&[0, 1 << 31], DType::Float32)?;
        ts::matmul(&a, &b)
    });
    assert_invalid_shape(r);
    // The backend still works.
    let a = on_ndarray(|| Tensor::from_slice(&[1i64, 2], &[2]))?;
    assert_eq!(on_ndarray(|| ts::add(&a, &a)?.to_vec::<i64>())?, [2, 4]);
    Ok(())
}
