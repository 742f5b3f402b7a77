//! Dynamic tensors with MLX as a target of converting switches: Ivy's documentation scenario,
//! a float64 tensor refused by an emulated MLX 0.22 (all or nothing), and (feature `torch`)
//! round trips ndarray → torch → mlx → ndarray of every dtype the three backends support, and
//! torch ↔ mlx for the half-precision dtypes ndarray lacks. MLX conversions copy (MLX neither
//! lends nor borrows host memory); ndarray ↔ torch share it. The core's tests/dynamic.rs and
//! backends/tch/tests/dynamic.rs test the rest of the feature.
//!
//! Every test changes the process-wide backend stack, so they run one at a time (`serial`).

use tensorswitch::dynamic::{
    self, live_dynamic_tensors, previous_backend_dynamic, set_backend_dynamic, switch_backend,
    unset_backend_dynamic, Conversion, StackChange,
};
use tensorswitch::{add, backend_stack, set_backend, DType, Error, Tensor};
use tensorswitch_conformance::support::{f32s, serial, stack_names};
use tensorswitch_mlx as _;
#[cfg(feature = "torch")]
use tensorswitch_tch as _;

/// The address of an ndarray tensor's first element.
#[cfg_attr(not(feature = "torch"), allow(dead_code))]
fn nd_ptr(t: &Tensor) -> *const u8 {
    tensorswitch_ndarray::data_ptr(t).expect("an ndarray tensor")
}

/// The example of Ivy's documentation of `dynamic_backend`, with mlx as the target.
#[test]
fn ivys_example_with_mlx() {
    let _s = serial();
    let x = f32s(&[1.0, 2.0, 3.0]);
    let y = dynamic::dynamic_backend_as(false, || f32s(&[4.0, 5.0]));
    assert!(x.dynamic_backend());
    assert!(!y.dynamic_backend());
    assert_eq!((x.backend(), y.backend()), ("ndarray", "ndarray"));

    assert_eq!(set_backend_dynamic("mlx").unwrap().name(), "mlx");
    assert_eq!(x.backend(), "mlx", "x is dynamic: it moved");
    assert_eq!(y.backend(), "ndarray", "y is not: it stayed");
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    // Ops on x run on mlx without to_backend (lazily: the read evaluates); y is foreign there.
    let doubled = add(&x, &x).unwrap();
    assert_eq!(doubled.backend(), "mlx");
    assert_eq!(doubled.to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
    assert!(matches!(
        add(&y, &y),
        Err(Error::ForeignTensor { ref active, ref tensor, .. }) if active == "mlx" && tensor == "ndarray"
    ));

    // Turning y's flag on while mlx is set moves it there at once.
    y.set_dynamic_backend(true).unwrap();
    assert!(y.dynamic_backend());
    assert_eq!(y.backend(), "mlx");
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 5.0]);
    let total = add(&x, &tensorswitch::sum(&y, None).unwrap()).unwrap();
    assert_eq!(total.to_vec::<f32>().unwrap(), [10.0, 11.0, 12.0]);

    // A lazy mlx result (never evaluated yet) moves too: the conversion evaluates it. One that
    // is not dynamic stays on mlx, and its graph still reads x's mlx value after x moved.
    let lazy = tensorswitch::multiply(&doubled, &x).unwrap();
    let pinned = dynamic::dynamic_backend_as(false, || tensorswitch::multiply(&x, &x)).unwrap();
    // Popping to the empty stack moves everything back to the implicit default, ndarray.
    assert_eq!(previous_backend_dynamic().unwrap().name(), "mlx");
    assert!(backend_stack().is_empty());
    for t in [&x, &y, &doubled, &total, &lazy] {
        assert_eq!(t.backend(), "ndarray");
    }
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 5.0]);
    assert_eq!(lazy.to_vec::<f32>().unwrap(), [2.0, 8.0, 18.0]);
    assert_eq!(pinned.backend(), "mlx");
    assert_eq!(pinned.to_vec::<f32>().unwrap(), [1.0, 4.0, 9.0]);
    assert_eq!(total.to_vec::<f32>().unwrap(), [10.0, 11.0, 12.0]);
}

/// MLX gained float64 in 0.23.0: a converting switch to an emulated MLX 0.22 with a float64
/// tensor among float32 ones fails naming it, converts nothing and keeps the stack; the
/// best-effort form moves the float32 ones.
#[test]
fn float64_stops_a_switch_to_an_emulated_mlx_0_22() {
    let _s = serial();
    const OLD: &str = "0.22.0";
    let old = tensorswitch::function_table_report_for_version("mlx", OLD).unwrap();
    assert!(old.emulated);
    assert_eq!(
        old.unsupported_dtypes,
        [DType::Float64],
        "MLX 0.22 lacks float64 only"
    );
    let loaded = tensorswitch::function_table_report("mlx").unwrap();
    assert!(
        !loaded.unsupported_dtypes.contains(&DType::Float64),
        "the loaded MLX has float64"
    );

    set_backend("ndarray").unwrap();
    let base = live_dynamic_tensors();
    let singles: Vec<Tensor> = (0..20).map(|i| f32s(&[i as f32, -0.25, 1e-3])).collect();
    let doubles = Tensor::from_slice(&[0.1f64, -1e300, f64::MIN_POSITIVE], &[1, 3]).unwrap();
    let mems: Vec<*const u8> = singles.iter().map(nd_ptr).collect();
    let off = dynamic::dynamic_backend_as(false, || Tensor::from_slice(&[2.5f64], &[1])).unwrap();
    assert_eq!(live_dynamic_tensors(), base + 21);

    let to_old = StackChange::PushVersion("mlx", OLD);
    let err = switch_backend(to_old, Conversion::AllOrNothing).unwrap_err();
    let Error::DynamicConversion {
        target,
        live,
        unmoved,
    } = &err
    else {
        panic!("expected DynamicConversion, got {err:?}");
    };
    assert_eq!(target, "mlx");
    assert_eq!(*live, base + 21);
    assert_eq!(unmoved.len(), 1, "{unmoved:?}");
    assert_eq!(unmoved[0].dtype, DType::Float64);
    assert_eq!(unmoved[0].shape, [1, 3]);
    assert_eq!(unmoved[0].backend, "ndarray");
    assert_eq!(unmoved[0].device, "cpu");
    assert!(
        unmoved[0].reason.contains("float64"),
        "{}",
        unmoved[0].reason
    );
    assert!(
        unmoved[0].reason.contains(OLD),
        "names the version: {}",
        unmoved[0].reason
    );
    assert!(
        err.to_string().contains("float64 [1, 3] on ndarray"),
        "{err}"
    );
    assert!(
        singles.iter().all(|t| t.backend() == "ndarray"),
        "none moved"
    );
    assert_eq!(
        singles.iter().map(nd_ptr).collect::<Vec<_>>(),
        mems,
        "not even shared"
    );
    assert_eq!(doubles.backend(), "ndarray");
    assert_eq!(stack_names(), ["ndarray"], "the stack is unchanged");
    // The loaded MLX is 0.23 or later: only the emulated version lacks float64.
    assert!(tensorswitch::backend_version("mlx").unwrap() >= tensorswitch::Version::new(0, 23, 0));

    // Best effort: the float32 tensors go to the emulated 0.22, the float64 one stays.
    let s = switch_backend(to_old, Conversion::BestEffort).unwrap();
    assert_eq!(s.backend.name(), "mlx");
    assert!(s.backend.is_emulated());
    assert_eq!(s.backend.version().to_string(), OLD);
    assert_eq!((s.live, s.converted), (base + 21, 20));
    assert_eq!(s.unmoved.as_slice(), unmoved.as_slice());
    assert_eq!(stack_names(), ["ndarray", "mlx"]);
    for (i, t) in singles.iter().enumerate() {
        assert_eq!(t.backend(), "mlx");
        assert_eq!(t.to_vec::<f32>().unwrap(), [i as f32, -0.25, 1e-3]);
    }
    assert_eq!(doubles.backend(), "ndarray");
    assert_eq!(
        doubles.to_vec::<f64>().unwrap(),
        [0.1, -1e300, f64::MIN_POSITIVE]
    );
    // Turning the flag of a float64 tensor on is refused too while 0.22 is set.
    assert_eq!(off.backend(), "ndarray");
    let err = off.set_dynamic_backend(true).unwrap_err();
    assert!(
        matches!(&err, Error::DynamicConversion { unmoved, .. } if unmoved[0].dtype == DType::Float64),
        "{err:?}"
    );
    assert!(!off.dynamic_backend());

    // Back to the stack's ndarray: the float32 tensors follow, the float64 one is there.
    let s = switch_backend(StackChange::Pop, Conversion::AllOrNothing).unwrap();
    assert_eq!((s.backend.name(), s.converted), ("ndarray", 20));
    assert!(singles.iter().all(|t| t.backend() == "ndarray"));
    for (i, t) in singles.iter().enumerate() {
        assert_eq!(t.to_vec::<f32>().unwrap(), [i as f32, -0.25, 1e-3]);
    }
    assert_eq!(stack_names(), ["ndarray"]);
}

#[cfg(feature = "torch")]
mod torch {
    use super::*;
    use tensorswitch_conformance::support::{bits, specials, supported};
    use tensorswitch_tch::to_tch;

    fn torch_ptr(t: &Tensor) -> *const u8 {
        to_tch(t).expect("a torch tensor").data_ptr() as *const u8
    }

    /// Every dtype ndarray, torch and mlx all support goes ndarray → torch (sharing memory) →
    /// mlx (a copy) → ndarray through converting switches, with its bits and its shape.
    #[test]
    fn round_trip_ndarray_torch_mlx_ndarray_of_every_common_dtype() {
        let _s = serial();
        let (nd, torch, mlx) = (supported("ndarray"), supported("torch"), supported("mlx"));
        let all: Vec<DType> = nd
            .iter()
            .copied()
            .filter(|d| torch.contains(d) && mlx.contains(d))
            .collect();
        // Derived from the backends' declarations; these facts about the list are checked so a
        // change of any backend's support is noticed here.
        assert!(all.contains(&DType::Float32) && all.contains(&DType::Float64));
        assert!(all.contains(&DType::Bool) && all.contains(&DType::Int8));
        assert!(!all.contains(&DType::UInt16) && !all.contains(&DType::Float16));
        for &d in &all {
            assert!(
                specials(d).is_some(),
                "{d} has no host values here: extend `specials`"
            );
        }

        let n = 8;
        let shapes: [&[usize]; 4] = [&[n], &[2, 2, n / 4], &[], &[0, 3]];
        for &dtype in &all {
            let data = specials(dtype).unwrap();
            // One tensor per shape, all moving together.
            let tensors: Vec<(Tensor, (DType, Vec<u64>))> = shapes
                .iter()
                .map(|shape| {
                    let size: usize = shape.iter().product();
                    let mut part = data.clone();
                    tensorswitch::match_host_data!(&mut part, v => v.truncate(size));
                    let want = bits(&part);
                    (tensorswitch::from_host(part, shape).unwrap(), want)
                })
                .collect();
            let check = |backend: &str, hop: &str| {
                for ((t, want), shape) in tensors.iter().zip(shapes) {
                    assert_eq!((t.backend(), t.dtype()), (backend, dtype), "{dtype} {hop}");
                    assert_eq!(t.shape(), shape, "{dtype} {hop}");
                    assert_eq!(
                        &bits(&t.to_host().unwrap()),
                        want,
                        "{dtype} {shape:?} {hop}"
                    );
                }
            };
            check("ndarray", "made");
            let mem = nd_ptr(&tensors[0].0);

            set_backend_dynamic("torch").unwrap();
            check("torch", "ndarray → torch");
            assert_eq!(
                torch_ptr(&tensors[0].0),
                mem,
                "{dtype}: torch borrowed the memory"
            );

            set_backend_dynamic("mlx").unwrap();
            assert_eq!(stack_names(), ["torch", "mlx"]);
            check("mlx", "torch → mlx");
            // An op on the moved tensors runs on mlx.
            if dtype != DType::Bool {
                let sum = add(&tensors[0].0, &tensors[0].0).unwrap();
                assert_eq!((sum.backend(), sum.dtype()), ("mlx", dtype));
            }

            let popped = unset_backend_dynamic().unwrap();
            assert_eq!(
                popped.iter().map(|b| b.name()).collect::<Vec<_>>(),
                ["torch", "mlx"]
            );
            assert!(backend_stack().is_empty());
            check("ndarray", "mlx → ndarray");
        }
    }

    /// float16 and bfloat16, which torch and mlx have and ndarray lacks, move torch → mlx → torch
    /// exactly (through float32 on the host), and block the way to ndarray. (The float32
    /// detour calls slots inside the switch's pause; they run in a read section too.)
    #[test]
    fn half_precision_moves_between_torch_and_mlx() {
        let _s = serial();
        let (nd, torch, mlx) = (supported("ndarray"), supported("torch"), supported("mlx"));
        let halves: Vec<DType> = DType::ALL
            .into_iter()
            .filter(|d| torch.contains(d) && mlx.contains(d) && !nd.contains(d))
            .collect();
        assert_eq!(halves, [DType::Float16, DType::BFloat16]);

        set_backend_dynamic("torch").unwrap();
        // Values both half formats hold exactly: ±0, ±infinity, small integers, powers of two.
        let values = [
            -0.0f32,
            0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0,
            -3.0,
            0.5,
            256.0,
        ];
        let wide = f32s(&values);
        let made: Vec<Tensor> = halves
            .iter()
            .map(|&d| tensorswitch::astype(&wide, d).unwrap())
            .collect();
        let read = |t: &Tensor| -> Vec<u32> {
            let f = dynamic::dynamic_backend_as(false, || tensorswitch::astype(t, DType::Float32));
            f.unwrap()
                .to_vec::<f32>()
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect()
        };
        let want: Vec<u32> = values.iter().map(|x| x.to_bits()).collect();
        for (t, &d) in made.iter().zip(&halves) {
            assert_eq!((t.backend(), t.dtype()), ("torch", d));
            assert_eq!(read(t), want, "{d} on torch");
        }

        set_backend_dynamic("mlx").unwrap();
        for (t, &d) in made.iter().zip(&halves) {
            assert_eq!((t.backend(), t.dtype()), ("mlx", d));
            assert_eq!(read(t), want, "{d} on mlx");
        }
        // ndarray cannot take them: clearing the stack fails and changes nothing.
        let err = unset_backend_dynamic().unwrap_err();
        let Error::DynamicConversion {
            target, unmoved, ..
        } = &err
        else {
            panic!("expected DynamicConversion, got {err:?}");
        };
        assert_eq!(target, "ndarray");
        let mut stuck: Vec<DType> = unmoved.iter().map(|u| u.dtype).collect();
        stuck.sort();
        assert_eq!(stuck, halves);
        assert!(unmoved.iter().all(|u| u.backend == "mlx" && u.shape == [8]));
        assert_eq!(stack_names(), ["torch", "mlx"]);
        assert_eq!(wide.backend(), "mlx");

        assert_eq!(previous_backend_dynamic().unwrap().name(), "mlx");
        for (t, &d) in made.iter().zip(&halves) {
            assert_eq!((t.backend(), t.dtype()), ("torch", d));
            assert_eq!(read(t), want, "{d} back on torch");
        }
        // Best effort to the empty stack: the float32 tensor goes, the halves stay on torch.
        let s = switch_backend(StackChange::Clear, Conversion::BestEffort).unwrap();
        assert_eq!(
            (s.backend.name(), s.converted, s.unmoved.len()),
            ("ndarray", 1, 2)
        );
        assert_eq!(wide.backend(), "ndarray");
        assert_eq!(wide.to_vec::<f32>().unwrap(), values);
        assert!(made.iter().all(|t| t.backend() == "torch"));
    }
}

/// Bytes malloc has handed out and not taken back (glibc's mallinfo2: heap + mmapped), which,
/// unlike the resident size, does not count memory freed but kept by the allocator.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_in_use() -> usize {
    // SAFETY: mallinfo2 has no preconditions.
    let mi = unsafe { libc::mallinfo2() };
    mi.uordblks + mi.hblkhd
}

/// MLX conversions copy. A switch to mlx makes MLX hold the live data; a switch back frees
/// those copies (MLX's active memory falls back to what it was) and the ndarray copies replace
/// the originals, so the memory in use stays the live data (plus MLX's buffer cache) above the
/// baseline, round after round: 10 round trips ndarray ↔ mlx of 50 float32 tensors of 4 MiB.
///
/// (The resident size is not the measure here: all or nothing, a switch holds the old and the
/// new copy of every tensor at once, and glibc keeps the freed half, so the resident size sits
/// at about twice the live data after the first round trip.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn copies_left_behind_by_switches_are_freed() {
    let _s = serial();
    let (count, n) = (50usize, 1usize << 20);
    let live = count * n * 4;
    const MIB: usize = 1 << 20;
    let mlx_active = || mlx_rs::memory::active_memory().unwrap();
    let mlx_cache = || mlx_rs::memory::cache_memory().unwrap();
    let (baseline, mlx_baseline) = (malloc_in_use(), mlx_active());
    let tensors: Vec<Tensor> = (0..count)
        .map(|i| {
            let mut v = vec![i as f32; n];
            v[n - 1] = -(i as f32);
            Tensor::from_vec(v, &[n]).unwrap()
        })
        .collect();
    for round in 0..10 {
        set_backend_dynamic("mlx").unwrap();
        assert!(tensors.iter().all(|t| t.backend() == "mlx"));
        let on_mlx = mlx_active() - mlx_baseline;
        assert!(
            (live..live + MIB).contains(&on_mlx),
            "round {round}: MLX holds {on_mlx} bytes for {live} bytes of live data"
        );
        unset_backend_dynamic().unwrap();
        assert!(tensors.iter().all(|t| t.backend() == "ndarray"));
        let left = mlx_active().saturating_sub(mlx_baseline);
        assert!(left < MIB, "round {round}: MLX still holds {left} bytes");
        let in_use = malloc_in_use().saturating_sub(baseline);
        assert!(
            in_use <= live + mlx_cache() + 16 * MIB,
            "round {round}: {} MiB in use above the baseline for {} MiB of live data, MLX cache {} MiB",
            in_use / MIB,
            live / MIB,
            mlx_cache() / MIB
        );
    }
    for (i, t) in tensors.iter().enumerate() {
        let v = t.to_vec::<f32>().unwrap();
        assert_eq!(
            (v[0], v[n / 2], v[n - 1]),
            (i as f32, i as f32, -(i as f32))
        );
    }
}
