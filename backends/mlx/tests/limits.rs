//! Sizes MLX cannot hold and allocations that fail are errors, never a wrong shape, a panic or
//! an abort. MLX's shapes are `i32` (a larger dimension is refused before MLX sees it), and MLX
//! is lazy: a result too large for memory is built without allocating, and the allocation
//! fails when it is evaluated (`evaluate`, `to_vec`).
//!
//! The allocation tests run in a child process (this test binary again) whose address space is
//! limited to its current size plus 1 GiB, so that they cannot take the machine's memory.

use std::process::Command;
use tensorswitch::{self as ts, DType, Error, Tensor};
use tensorswitch_mlx as _;

#[path = "../../../tests/support/memory_limit.rs"]
mod memory_limit;
use memory_limit::limit_address_space;

const CHILD: &str = "TENSORSWITCH_MLX_LIMITS_CHILD";

fn on_mlx<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("mlx", f).expect("the mlx backend is available")
}

/// In the parent: runs test `name` in a child process and checks that it finished cleanly (no
/// signal, exit status 0) and reached its end. In the child: limits the address space and
/// returns true, so the test body runs.
fn in_limited_child(name: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        limit_address_space(1 << 30);
        return true;
    }
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("the child runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && stdout.contains("child reached the end"),
        "{name} in a child: {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    false
}

fn is_oom(e: &Error) -> bool {
    matches!(e, Error::OutOfMemory { .. })
}

/// A result larger than memory (4 TiB of float32, in `i32` dimensions): building it is lazy,
/// evaluating it or reading it is `OutOfMemory`, and the process carries on.
#[test]
fn results_larger_than_memory_are_out_of_memory_errors() {
    if !in_limited_child("results_larger_than_memory_are_out_of_memory_errors") {
        return;
    }
    on_mlx(|| {
        for shape in [&[1usize << 20, 1 << 20][..], &[1 << 16, 1 << 16, 1 << 10]] {
            let z = ts::zeros(shape, DType::Float32).expect("lazy: nothing allocated yet");
            assert_eq!(z.shape(), shape);
            // a broadcast scalar, which MLX would evaluate without allocating; the backend
            // checks the result's size all the same (as an eager backend would have failed)
            let e = ts::evaluate(&z).unwrap_err();
            assert!(is_oom(&e), "{e:?}");
            let e = z.to_vec::<f32>().unwrap_err();
            eprintln!("to_vec: {e}");
            assert!(is_oom(&e), "{e:?}");
            // computed from it: the failure is the computation's, at evaluate and after
            let s = ts::add(&z, &z).expect("lazy");
            let e = ts::evaluate(&s).unwrap_err();
            eprintln!("evaluate: {e}");
            assert!(is_oom(&e), "{e:?}");
            let e = s.to_vec::<f32>().unwrap_err();
            assert!(is_oom(&e), "{e:?}");
        }
        // and MLX still works
        let x = Tensor::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
        assert_eq!(
            ts::add(&x, &x).unwrap().to_vec::<f32>().unwrap(),
            vec![2.0, 4.0]
        );
    });
    println!("child reached the end");
}

/// Host data larger than the limit in a from_host: the copy MLX makes fails cleanly.
#[test]
fn a_host_copy_mlx_cannot_allocate_is_out_of_memory() {
    if !in_limited_child("a_host_copy_mlx_cannot_allocate_is_out_of_memory") {
        return;
    }
    on_mlx(|| {
        // 400 MiB on the host, the core's copy of it, then MLX's: 1.2 GiB in all, over the
        // 1 GiB limit
        let n = 400 << 20;
        let data = vec![7u8; n];
        let r = Tensor::from_slice(&data, &[n]);
        match r {
            Err(e) => assert!(is_oom(&e), "{e:?}"),
            Ok(t) => panic!("got a tensor of shape {:?}", t.shape()),
        }
        let x = Tensor::from_slice(&[3u8], &[1]).unwrap();
        assert_eq!(x.to_vec::<u8>().unwrap(), vec![3]);
    });
    println!("child reached the end");
}

/// Dimensions above `i32::MAX` are `UnsupportedShape` errors (the descriptor's `max_dim`,
/// checked by the core) before anything is built or allocated: never a tensor whose shape MLX
/// wrapped.
#[test]
fn dimensions_beyond_i32_are_unsupported_shapes() {
    if !in_limited_child("dimensions_beyond_i32_are_unsupported_shapes") {
        return;
    }
    on_mlx(|| {
        let big = 1usize << 31;
        let check = |what: &str, r: ts::Result<Tensor>| match r {
            Err(Error::UnsupportedShape {
                backend, max_dim, ..
            }) => assert_eq!((backend.as_str(), max_dim), ("mlx", 2147483647), "{what}"),
            Err(e) => panic!("{what}: {e:?}"),
            Ok(t) => panic!("{what}: got a tensor of shape {:?}", t.shape()),
        };
        check("zeros 2^40", ts::zeros(&[1 << 40], DType::Float32));
        check("zeros (2^31, 0)", ts::zeros(&[big, 0], DType::Float32));
        check("ones (0, 2^31)", ts::ones(&[0, big], DType::Int8));
        check("full (2^31)", ts::full(&[big], 1.5, DType::Float64));
        check(
            "from_slice (0, 2^31)",
            Tensor::from_slice::<f32>(&[], &[0, big]),
        );
        let empty = ts::zeros(&[0], DType::Float32).unwrap();
        check("reshape", ts::reshape(&empty, [0, big as isize]));
        let one = ts::zeros(&[1, 0], DType::Float32).unwrap();
        check("broadcast_to", ts::broadcast_to(&one, &[big, 0]));
        // 2^31 int8 elements would be 2 GiB on the host: refused before it is built
        check("arange", ts::arange(0.0, big as f64, 1.0, DType::Int8));
        // the largest i32 dimension is fine where it costs nothing
        let z = ts::zeros(&[i32::MAX as usize, 0], DType::Float32).unwrap();
        assert_eq!(z.shape(), &[i32::MAX as usize, 0]);
        assert_eq!(z.to_vec::<f32>().unwrap(), Vec::<f32>::new());
    });
    println!("child reached the end");
}
