//! The torch backend's side of the "no panic, no abort, no silently wrong result" promise: the
//! reproducers of a fuzz campaign, each with its exact outcome.
//!
//! Cases that would allocate terabytes run in a child process (this test binary, re-run with
//! `--exact`) under an address-space limit (`RLIMIT_AS`: what the process has mapped now plus
//! 1 GiB, since libtorch maps a lot), so they fail fast without touching the machine's memory.
//! The parent checks what the child printed and that it exited cleanly.

use std::cell::Cell;
use std::process::Command;
use std::sync::Once;
use tensorswitch::{DType, Device, Error, Tensor};

#[path = "../../../tests/support/memory_limit.rs"]
mod memory_limit;
use memory_limit::limit_address_space;

/// Set in a child process: the name of the test whose body it runs.
const CHILD: &str = "TENSORSWITCH_TCH_ROBUSTNESS_CHILD";

thread_local! {
    /// Panics on this thread (tests run in parallel; tch calls libtorch on the caller's
    /// thread, so a backend panic happens on the test's).
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

fn panics() -> usize {
    PANICS.with(Cell::get)
}

/// Counts every panic (the core catches a backend's panic at the slot boundary and returns an
/// error, so an error alone does not prove there was none).
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            default(info);
        }));
    });
}

/// Runs `f` on the torch backend, asserting that nothing panicked on the way.
fn torch<R>(what: &str, f: impl FnOnce() -> R) -> R {
    count_panics();
    let before = panics();
    let r = tensorswitch::with_backend("torch", f).unwrap();
    assert_eq!(panics(), before, "{what} panicked");
    r
}

fn assert_not_a_caught_panic(e: &Error) {
    assert!(!e.to_string().contains("panicked"), "{e}");
}

/// A torch tensor of `data`.
fn tensor<T: tensorswitch::Element>(data: &[T], shape: &[usize]) -> Tensor {
    torch("from_slice", || Tensor::from_slice(data, shape).unwrap())
}

/// The backend still computes after an error.
fn still_works() {
    let a = tensor(&[1.0f32, 2.0, 3.0], &[3]);
    let b = torch("add", || tensorswitch::add(&a, &a).unwrap());
    assert_eq!(b.backend(), "torch");
    assert_eq!(b.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0]);
}

/// Re-runs `test` in a child process with `env` set, and returns its stdout once it exited 0.
fn run_child(test: &str, env: &[(&str, &std::ffi::OsStr)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the child running {test} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// The line of the child's output that reports `name` (the first may follow the test
/// harness's "test … " on the same line), from the name on.
fn line(out: &str, name: &str) -> String {
    let key = format!("{name}: ");
    out.lines()
        .find_map(|l| l.find(&key).map(|i| l[i..].to_string()))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{out}"))
}

fn in_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|t| t == test)
}

// ---------------------------------------------------------------------------------------------
// errors that need no memory

#[test]
fn sizes_beyond_int64_are_errors_not_wrong_shapes() {
    let one = tensor(&[7i32], &[1]);
    // usize::MAX as i64 is -1, which libtorch's expand reads as "keep this dimension": the
    // result had shape [1].
    let r = torch("broadcast_to", || {
        tensorswitch::broadcast_to(&one, &[usize::MAX])
    });
    match r {
        Err(e @ Error::InvalidShape { .. }) => assert_not_a_caught_panic(&e),
        Err(e) => panic!("expected InvalidShape, got {e:?}"),
        Ok(t) => panic!("broadcast_to [usize::MAX] gave shape {:?}", t.shape()),
    }
    // full of a zero-size shape with a dimension that is not an int64: libtorch failed with a
    // tch::Scalar argument, and tch panicked in Scalar::drop.
    let r = torch("full", || {
        tensorswitch::full(&[usize::MAX, 0], 1, DType::Int32)
    });
    match r {
        Err(e @ Error::InvalidShape { .. }) => assert_not_a_caught_panic(&e),
        other => panic!("expected InvalidShape, got {other:?}"),
    }
    still_works();
}

#[test]
fn full_converts_with_rust_as_rules() {
    // 1e300 as f16 is +inf in Rust; libtorch's full refused it ("cannot be converted to type
    // at::Half without overflow"), through a panic.
    for (dtype, value, want) in [
        (DType::Float16, 1e300, f32::INFINITY),
        (DType::Float16, -1e300, f32::NEG_INFINITY),
        (DType::BFloat16, 1e300, f32::INFINITY),
        (DType::Float16, 65504.0, 65504.0),
        (DType::Float16, 1.0 / 3.0, 0.333_251_95),
    ] {
        let t = torch("full", || tensorswitch::full(&[2], value, dtype).unwrap());
        assert_eq!((t.dtype(), t.shape()), (dtype, &[2usize][..]));
        let v = torch("astype", || {
            tensorswitch::astype(&t, DType::Float32)
                .unwrap()
                .to_vec::<f32>()
                .unwrap()
        });
        assert_eq!(v, vec![want, want], "full({value:e}, {dtype})");
    }
    // Integers: `as` wraps.
    let t = torch("full", || {
        tensorswitch::full(&[3], 300i64, DType::Int8).unwrap()
    });
    assert_eq!(t.to_vec::<i8>().unwrap(), vec![44, 44, 44]);
    still_works();
}

#[test]
fn scalar_free_paths_keep_their_values() {
    // arange builds its indices with linspace: the values must still be exact integers.
    let n = 100_003usize;
    let t = torch("arange", || {
        tensorswitch::arange(0.0, n as f64, 1.0, DType::Int64).unwrap()
    });
    let want: Vec<i64> = (0..n as i64).collect();
    assert_eq!(t.to_vec::<i64>().unwrap(), want);
    let t = torch("arange", || {
        tensorswitch::arange(-3.0, 3.0, 1.5, DType::Float64).unwrap()
    });
    assert_eq!(t.to_vec::<f64>().unwrap(), vec![-3.0, -1.5, 0.0, 1.5]);
    // float -> int saturation (the clamp bounds are 0-d tensors now).
    let x = tensor(&[3e9f32, -3e9, f32::NAN, 1.9, -1.9], &[5]);
    let y = torch("astype", || tensorswitch::astype(&x, DType::Int32).unwrap());
    assert_eq!(
        y.to_vec::<i32>().unwrap(),
        vec![i32::MAX, i32::MIN, 0, 1, -1]
    );
    // A fractional correction: sum of squares 2 over 3 elements, divided by 3 - 0.5.
    let x = tensor(&[1.0f64, 2.0, 3.0], &[3]);
    let v = torch("var", || {
        tensorswitch::var(&x, tensorswitch::Statistic::over(None).correction(0.5)).unwrap()
    });
    assert!((v.to_vec::<f64>().unwrap()[0] - 2.0 / 2.5).abs() < 1e-15);
    // A negative integer power is still refused.
    let b = tensor(&[2i32, -1], &[2]);
    let r = torch("pow", || tensorswitch::pow(&b, &b));
    assert!(matches!(r, Err(Error::InvalidArgument { .. })), "{r:?}");
}

/// Two libtorch errors inside `linalg_norm`, whose order is a `tch::Scalar` (which panics on a
/// pending error when freed), found by a fuzz campaign: half precision, which libtorch's matrix
/// norms refuse, and NaN or infinity under the SVD of ord ±2.
#[test]
fn matrix_norms_of_half_precision_and_non_finite_input_do_not_panic() {
    use tensorswitch::linalg::{self, MatrixOrd};
    // [[1, -2], [3, 4]]: column sums of |x| are 4 and 6, row sums 3 and 7; AᵀA = [[10, 10],
    // [10, 20]] has eigenvalues 15 ± 5√5, so the singular values are √(15 ± 5√5).
    let expected = [
        (MatrixOrd::One, 6.0),
        (MatrixOrd::NegOne, 4.0),
        (MatrixOrd::Inf, 7.0),
        (MatrixOrd::NegInf, 3.0),
        (MatrixOrd::Two, (15.0 + 5.0 * 5f64.sqrt()).sqrt()),
        (MatrixOrd::NegTwo, (15.0 - 5.0 * 5f64.sqrt()).sqrt()),
    ];
    for dtype in [DType::Float16, DType::BFloat16] {
        let x = tensor(&[1.0f32, -2.0, 3.0, 4.0], &[2, 2]);
        let x = torch("astype", || tensorswitch::astype(&x, dtype).unwrap());
        for (ord, want) in expected {
            let n = torch("matrix_norm", || linalg::matrix_norm(&x, ord).unwrap());
            assert_eq!(n.dtype(), dtype, "{ord:?}");
            let got = torch("astype", || {
                tensorswitch::astype(&n, DType::Float64).unwrap()
            })
            .to_vec::<f64>()
            .unwrap()[0];
            // bfloat16 keeps 8 significant bits.
            assert!(
                (got - want).abs() <= want * 0.01,
                "{dtype} {ord:?}: {got} vs {want}"
            );
        }
    }
    for bad in [f64::NAN, f64::INFINITY] {
        let x = tensor(&[1.0, bad, 3.0, 4.0], &[2, 2]);
        for ord in [MatrixOrd::Two, MatrixOrd::NegTwo] {
            let e = torch("matrix_norm", || linalg::matrix_norm(&x, ord)).unwrap_err();
            assert_not_a_caught_panic(&e);
            assert!(e.to_string().contains("NaN or infinity"), "{e}");
        }
        // The other orders need no SVD: a max of column sums holding NaN or infinity.
        let n = torch("matrix_norm", || {
            linalg::matrix_norm(&x, MatrixOrd::One).unwrap()
        });
        assert!(!n.to_vec::<f64>().unwrap()[0].is_finite());
    }
    still_works();
}

// ---------------------------------------------------------------------------------------------
// allocations that cannot succeed, in a child process under an address-space limit

/// Each reproducer, its outcome printed for the parent.
fn allocation_cases() {
    limit_address_space(1 << 30);
    let report = |name: &str, r: tensorswitch::Result<Tensor>| match r {
        Err(Error::OutOfMemory { op, bytes }) => println!("{name}: OutOfMemory {op} {bytes}"),
        Err(e) => println!("{name}: other error: {e}"),
        Ok(t) => println!("{name}: succeeded with shape {:?}", t.shape()),
    };
    let big = 1usize << 36; // 64 Gi elements
    let x = torch("full", || {
        tensorswitch::full(&[1], 1.5f32, DType::Float32).unwrap()
    });
    let view = torch("broadcast_to", || {
        tensorswitch::broadcast_to(&x, &[big]).unwrap()
    });

    report(
        "arange",
        torch("arange", || {
            tensorswitch::arange(0.0, 1e12, 1.0, DType::Int8)
        }),
    );
    report(
        "linspace",
        torch("linspace", || {
            tensorswitch::linspace(0.0, 1.0, 1 << 40, true, DType::Float32)
        }),
    );
    report(
        "linspace_int",
        torch("linspace", || {
            tensorswitch::linspace(0.0, 1.0, 1 << 40, false, DType::Int32)
        }),
    );
    report(
        "full",
        torch("full", || tensorswitch::full(&[big], 2.0, DType::Float32)),
    );
    report(
        "astype",
        torch("astype", || tensorswitch::astype(&view, DType::Int32)),
    );
    let ints = torch("astype", || tensorswitch::astype(&x, DType::Int32).unwrap());
    let int_view = torch("broadcast_to", || {
        tensorswitch::broadcast_to(&ints, &[big]).unwrap()
    });
    report("pow", torch("pow", || tensorswitch::pow(&ints, &int_view)));
    report(
        "var",
        torch("var", || {
            tensorswitch::var(
                &view,
                tensorswitch::Statistic::over(tensorswitch::Axes::List(Default::default()))
                    .correction(0.5),
            )
        }),
    );
    // The classes of `one_hot` (2^40 int64, 8 TiB) cannot be allocated: the campaign found
    // this one panicking in `tch::Scalar::drop` when it went through libtorch's `arange`.
    let labels = torch("from_slice", || tensor(&[0i64, 1], &[2]));
    report(
        "one_hot",
        torch("one_hot", || tensorswitch::one_hot(&labels, 1 << 40, None)),
    );
    match torch("to_host", || view.to_host()) {
        Err(Error::OutOfMemory { op, bytes }) => println!("to_host: OutOfMemory {op} {bytes}"),
        Err(e) => println!("to_host: other error: {e}"),
        Ok(_) => println!("to_host: succeeded"),
    }
    still_works();
    println!("panics: {}", panics());
}

#[test]
fn failed_allocations_are_out_of_memory_errors() {
    const TEST: &str = "failed_allocations_are_out_of_memory_errors";
    if in_child(TEST) {
        allocation_cases();
        return;
    }
    let out = run_child(TEST, &[]);
    let line = |name: &str| line(&out, name);
    // The op's name is the public op's, and libtorch's CPU allocator names the bytes it was
    // asked for: float64 indices of arange and linspace, then each result.
    assert_eq!(line("arange"), "arange: OutOfMemory arange 8000000000000");
    assert_eq!(
        line("linspace"),
        format!("linspace: OutOfMemory linspace {}", 4u64 << 40)
    );
    assert_eq!(
        line("linspace_int"),
        format!("linspace_int: OutOfMemory linspace {}", 8u64 << 40)
    );
    assert_eq!(
        line("full"),
        format!("full: OutOfMemory full {}", 4u64 << 36)
    );
    for op in ["astype", "pow", "var"] {
        assert!(
            line(op).starts_with(&format!("{op}: OutOfMemory {op} ")),
            "{}",
            line(op)
        );
    }
    assert_eq!(
        line("one_hot"),
        format!("one_hot: OutOfMemory one_hot {}", 8u64 << 40)
    );
    // Rust's allocation of the host copy: 2^36 float32.
    assert_eq!(
        line("to_host"),
        format!("to_host: OutOfMemory to_host {}", 4u64 << 36)
    );
    assert_eq!(line("panics"), "panics: 0");
}

// ---------------------------------------------------------------------------------------------
// a damaged libtorch_cuda.so

#[test]
fn a_truncated_cuda_library_is_an_error_when_cuda_is_asked_for() {
    const TEST: &str = "a_truncated_cuda_library_is_an_error_when_cuda_is_asked_for";
    if in_child(TEST) {
        // Listing backends and detecting the version must not open the CUDA library.
        assert!(tensorswitch::available_backends().contains(&"torch"));
        tensorswitch::backend_version("torch").unwrap();
        still_works();
        assert!(
            !tensorswitch_tch::cuda_probed(),
            "the CUDA library was opened before CUDA was asked for"
        );
        // Asking for CUDA: a clean error that says why, not SIGBUS.
        let why = tensorswitch_tch::cuda_status().unwrap_err();
        println!("status: {why}");
        assert!(tensorswitch_tch::cuda_probed());
        let r = torch("zeros", || {
            tensorswitch::with_device(Device::Cuda(0), || {
                tensorswitch::zeros(&[2], DType::Float32)
            })
        });
        match r {
            Err(Error::Device(msg)) => println!("zeros: Device {msg}"),
            other => panic!("expected a device error, got {other:?}"),
        }
        still_works();
        println!("panics: {}", panics());
        return;
    }
    // The first 4 MiB of the real library where there is one (its headers are intact, its
    // segments and section headers are past the end), else a made-up ELF header that points
    // past the end of its 64-byte file.
    let real = tensorswitch_tch::libtorch_lib_dir()
        .map(|d| d.join("libtorch_cuda.so"))
        .filter(|p| p.exists());
    let bytes = match &real {
        Some(p) => {
            use std::io::Read;
            let mut v = Vec::new();
            std::fs::File::open(p)
                .unwrap()
                .take(4 << 20)
                .read_to_end(&mut v)
                .unwrap();
            v
        }
        None => {
            let mut h = vec![0u8; 64];
            h[..4].copy_from_slice(b"\x7fELF");
            (h[4], h[5], h[6]) = (2, 1, 1);
            h[0x28..0x30].copy_from_slice(&(1u64 << 20).to_le_bytes());
            h[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
            h[0x3c..0x3e].copy_from_slice(&30u16.to_le_bytes());
            h
        }
    };
    let dir = std::env::temp_dir().join(format!("tensorswitch-tch-cuda-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = dir.join("libtorch_cuda.so");
    std::fs::write(&lib, &bytes).unwrap();
    let out = run_child(
        TEST,
        &[(tensorswitch_tch::CUDA_LIB_ENV_VAR, lib.as_os_str())],
    );
    let _ = std::fs::remove_dir_all(&dir);
    let status = line(&out, "status");
    assert!(
        status.contains(&lib.display().to_string()) && status.contains("truncated"),
        "{out}"
    );
    assert!(line(&out, "zeros").starts_with("zeros: Device "), "{out}");
    assert_eq!(line(&out, "panics"), "panics: 0");
}

/// Bounds beyond the result dtype's range follow the documented `as` conversion (±inf), as on
/// the other backends, instead of libtorch's "value cannot be converted … without overflow"
/// (found by the robustness campaign). In float64, linspace(-1e300, 1e300, 3) is
/// [-1e300, 0, 1e300]; as float32 that is [-inf, 0, inf].
#[test]
fn linspace_bounds_beyond_the_dtype_become_infinities() {
    let t = torch("linspace f32", || {
        tensorswitch::linspace(-1e300, 1e300, 3, true, DType::Float32).unwrap()
    });
    assert_eq!(
        t.to_vec::<f32>().unwrap(),
        vec![f32::NEG_INFINITY, 0.0, f32::INFINITY]
    );
    // float16's largest finite value is 65504: 4.6e18 and 9.2e18 are inf.
    let h = torch("linspace f16", || {
        let h = tensorswitch::linspace(-4.0, 9.2e18, 3, true, DType::Float16).unwrap();
        tensorswitch::astype(&h, DType::Float32).unwrap()
    });
    assert_eq!(
        h.to_vec::<f32>().unwrap(),
        vec![-4.0, f32::INFINITY, f32::INFINITY]
    );
    // In range, libtorch computes in float32 (no float64 buffer): 0.1 steps within 2 ulp.
    let r = torch("linspace in range", || {
        tensorswitch::linspace(0.0, 0.3, 4, true, DType::Float32).unwrap()
    });
    let got = r.to_vec::<f32>().unwrap();
    for (g, w) in got.iter().zip([0.0f32, 0.1, 0.2, 0.3]) {
        assert!((g - w).abs() <= 2.0 * f32::EPSILON * w, "{got:?}");
    }
}

/// `cosh` in float64 is finite up to `acosh(f64::MAX)` = 710.4758… on every libtorch CPU
/// kernel: libtorch's AVX2 one overflows to infinity above about 709.78 (found when the
/// conformance cases ran on an AVX2-only machine), and the backend recomputes those elements.
/// Each kernel runs in a child process (`ATEN_CPU_CAPABILITY` is read once, on libtorch's
/// first dispatch, and a capability the CPU lacks is an illegal instruction, so only those the
/// CPU has are asked for; unset, libtorch takes the best). Reference values: Rust's `f64::cosh`
/// (the platform's libm), independent of libtorch.
#[test]
fn cosh_is_finite_up_to_the_last_finite_argument() {
    const TEST: &str = "cosh_is_finite_up_to_the_last_finite_argument";
    let x = [
        709.0f64,
        709.9,
        -710.0,
        710.3,
        710.475,
        -710.475_860_073_943_9,
        710.48,
        f64::INFINITY,
        f64::NAN,
        1.5,
        -0.25,
    ];
    if in_child(TEST) {
        // Sixteen copies, so that every kernel's vector loop (not only its scalar tail) runs.
        let data: Vec<f64> = x.iter().copied().cycle().take(16 * x.len()).collect();
        let t = tensor(&data, &[data.len()]);
        let y = torch("cosh", || tensorswitch::cosh(&t).unwrap());
        let got = y.to_vec::<f64>().unwrap();
        for (i, (&g, &a)) in got.iter().zip(&data).enumerate() {
            let want = a.cosh();
            let ok = if want.is_nan() {
                g.is_nan()
            } else if want.is_infinite() {
                g == want
            } else {
                (g - want).abs() <= 1e-13 * want
            };
            assert!(ok, "cosh({a}) at {i}: got {g}, expected {want}");
        }
        println!("checked: {}", got.len());
        return;
    }
    // The reference itself: finite up to the last finite argument, infinite beyond.
    assert!(710.475_860_073_943_9f64.cosh().is_finite() && 710.48f64.cosh().is_infinite());
    let mut capabilities = vec![Some("default")];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        capabilities.push(Some("avx2"));
    }
    capabilities.push(None);
    for capability in capabilities {
        let env: Vec<(&str, &std::ffi::OsStr)> = capability
            .map(|c| ("ATEN_CPU_CAPABILITY", c.as_ref()))
            .into_iter()
            .collect();
        let out = run_child(TEST, &env);
        assert_eq!(line(&out, "checked"), "checked: 176", "{capability:?}");
    }
}
