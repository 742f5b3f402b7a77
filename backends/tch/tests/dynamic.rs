//! Dynamic tensors between ndarray and torch: converting switches move live dynamic tensors
//! both ways without copying CPU memory, keep every value exact, fail all or nothing on a
//! dtype torch lacks, let ops on other threads run during switches, keep the resident memory
//! bounded by the live data, and track tensors exactly. The core's tests/dynamic.rs has the same
//! behaviour on ndarray and a toy backend.
//!
//! Every test changes the process-wide backend stack, so they run one at a time (`serial`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use tensorswitch::dynamic::{
    self, live_dynamic_tensors, previous_backend_dynamic, set_backend_dynamic, switch_backend,
    unset_backend_dynamic, Conversion, StackChange,
};
use tensorswitch::{add, backend_stack, set_backend, DType, Error, Tensor};
use tensorswitch_conformance::support::{bits, f32s, serial, specials, stack_names, supported};
use tensorswitch_tch::to_tch;

/// The address of a torch tensor's first element (the guard is dropped before returning).
fn torch_ptr(t: &Tensor) -> *const u8 {
    to_tch(t).expect("a torch tensor").data_ptr() as *const u8
}

/// The address of an ndarray tensor's first element.
fn nd_ptr(t: &Tensor) -> *const u8 {
    tensorswitch_ndarray::data_ptr(t).expect("an ndarray tensor")
}

/// The example of Ivy's documentation of `dynamic_backend`, with torch as the target.
#[test]
fn ivys_example_with_torch() {
    let _s = serial();
    let x = f32s(&[1.0, 2.0, 3.0]);
    let y = dynamic::dynamic_backend_as(false, || f32s(&[4.0, 5.0]));
    assert!(x.dynamic_backend());
    assert!(!y.dynamic_backend());
    assert_eq!((x.backend(), y.backend()), ("ndarray", "ndarray"));
    let (x_mem, y_mem) = (nd_ptr(&x), nd_ptr(&y));

    assert_eq!(set_backend_dynamic("torch").unwrap().name(), "torch");
    assert_eq!(x.backend(), "torch", "x is dynamic: it moved");
    assert_eq!(y.backend(), "ndarray", "y is not: it stayed");
    assert_eq!(torch_ptr(&x), x_mem, "x moved without a copy");
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    // Ops on x run on torch without to_backend; y is foreign there.
    let doubled = add(&x, &x).unwrap();
    assert_eq!(doubled.backend(), "torch");
    assert_eq!(doubled.to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
    assert!(matches!(
        add(&y, &y),
        Err(Error::ForeignTensor { ref active, ref tensor, .. }) if active == "torch" && tensor == "ndarray"
    ));

    // Turning y's flag on while torch is set moves it there at once (sharing its memory).
    y.set_dynamic_backend(true).unwrap();
    assert!(y.dynamic_backend());
    assert_eq!(y.backend(), "torch");
    assert_eq!(torch_ptr(&y), y_mem);
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 5.0]);

    // Popping to the empty stack moves everything back to the implicit default, ndarray,
    // still in the same memory.
    assert_eq!(previous_backend_dynamic().unwrap().name(), "torch");
    assert!(backend_stack().is_empty());
    assert_eq!(
        (x.backend(), y.backend(), doubled.backend()),
        ("ndarray", "ndarray", "ndarray")
    );
    assert_eq!((nd_ptr(&x), nd_ptr(&y)), (x_mem, y_mem));
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 5.0]);
    assert_eq!(doubled.to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
}

/// Every dtype both backends support goes ndarray → torch → ndarray with its bits, its shape
/// and (non-empty contiguous tensors) its memory.
#[test]
fn round_trip_of_every_shared_dtype_is_exact_and_copies_nothing() {
    let _s = serial();
    let (nd, torch) = (supported("ndarray"), supported("torch"));
    let both: Vec<DType> = nd.iter().copied().filter(|d| torch.contains(d)).collect();
    // The list is derived from the backends' declarations; these facts about it are checked so
    // a change of either backend's support is noticed here.
    assert!(both.contains(&DType::Float32) && both.contains(&DType::Float64));
    assert!(both.contains(&DType::Bool) && both.contains(&DType::Int64));
    assert!(
        !torch.contains(&DType::UInt32),
        "torch declares uint32 unsupported"
    );
    for &d in &both {
        assert!(
            specials(d).is_some(),
            "{d} has no host values here: extend `specials`"
        );
    }

    for &dtype in &both {
        let data = specials(dtype).unwrap();
        let want = bits(&data);
        let n = data.len();
        let shapes: [&[usize]; 2] = [&[n], &[2, n / 2]];
        for shape in shapes {
            let t = tensorswitch::from_host(data.clone(), shape).unwrap();
            let mut first = data.clone();
            tensorswitch::match_host_data!(&mut first, v => v.truncate(1));
            let scalar = tensorswitch::from_host(first, &[]).unwrap();
            let empty = tensorswitch::zeros(&[0, 3], dtype).unwrap();
            let scalar_bits = bits(&scalar.to_host().unwrap());
            assert_eq!(t.backend(), "ndarray");
            let mem = nd_ptr(&t);

            set_backend_dynamic("torch").unwrap();
            for x in [&t, &scalar, &empty] {
                assert_eq!((x.backend(), x.dtype()), ("torch", dtype), "{dtype}");
            }
            assert_eq!(t.shape(), shape);
            assert_eq!(
                torch_ptr(&t),
                mem,
                "{dtype} {shape:?}: torch borrowed the memory"
            );
            assert_eq!(
                bits(&t.to_host().unwrap()),
                want,
                "{dtype} {shape:?} on torch"
            );
            assert_eq!(
                bits(&scalar.to_host().unwrap()),
                scalar_bits,
                "{dtype} 0-d on torch"
            );
            assert_eq!(empty.shape(), [0, 3]);

            unset_backend_dynamic().unwrap();
            for x in [&t, &scalar, &empty] {
                assert_eq!((x.backend(), x.dtype()), ("ndarray", dtype), "{dtype}");
            }
            assert_eq!(t.shape(), shape);
            assert_eq!(
                nd_ptr(&t),
                mem,
                "{dtype} {shape:?}: back in the same memory"
            );
            assert_eq!(
                bits(&t.to_host().unwrap()),
                want,
                "{dtype} {shape:?} back on ndarray"
            );
            assert_eq!(bits(&scalar.to_host().unwrap()), scalar_bits);
            assert_eq!((empty.shape(), empty.size()), (&[0usize, 3][..], 0));
        }
    }

    // A strided view (a transpose) moves too, with its values in the transposed order.
    let m = Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    let v = tensorswitch::permute_dims(&m, [1, 0]).unwrap();
    set_backend_dynamic("torch").unwrap();
    assert_eq!((m.backend(), v.backend()), ("torch", "torch"));
    assert_eq!(v.to_vec::<f64>().unwrap(), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    unset_backend_dynamic().unwrap();
    assert_eq!(v.backend(), "ndarray");
    assert_eq!(v.shape(), [3, 2]);
    assert_eq!(v.to_vec::<f64>().unwrap(), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
}

/// The first dtype with host values that ndarray supports and torch does not.
fn a_dtype_torch_lacks() -> DType {
    let torch = supported("torch");
    supported("ndarray")
        .into_iter()
        .find(|d| !torch.contains(d) && specials(*d).is_some())
        .expect("torch lacks some dtype ndarray has (uint16, uint32, uint64)")
}

#[test]
fn one_tensor_torch_cannot_hold_stops_the_whole_switch() {
    let _s = serial();
    set_backend("ndarray").unwrap();
    let base = live_dynamic_tensors();
    let movable: Vec<Tensor> = (0..100).map(|i| f32s(&[i as f32, -0.5])).collect();
    let mems: Vec<*const u8> = movable.iter().map(nd_ptr).collect();
    let lacking = a_dtype_torch_lacks();
    let stuck_data = specials(lacking).unwrap();
    let stuck = tensorswitch::from_host(stuck_data.clone(), &[4, 1, 2]).unwrap();
    let live = live_dynamic_tensors();
    assert_eq!(live, base + 101);

    let err = set_backend_dynamic("torch").unwrap_err();
    let Error::DynamicConversion {
        target,
        live: found,
        unmoved,
    } = &err
    else {
        panic!("expected DynamicConversion, got {err:?}");
    };
    assert_eq!(target, "torch");
    assert_eq!(*found, live);
    assert_eq!(unmoved.len(), 1, "{unmoved:?}");
    assert_eq!(unmoved[0].dtype, lacking);
    assert_eq!(unmoved[0].shape, [4, 1, 2]);
    assert_eq!(unmoved[0].backend, "ndarray");
    assert_eq!(unmoved[0].device, "cpu");
    assert!(
        unmoved[0].reason.contains(lacking.name()),
        "{}",
        unmoved[0].reason
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("{lacking} [4, 1, 2] on ndarray")),
        "{text}"
    );
    assert!(
        movable.iter().all(|t| t.backend() == "ndarray"),
        "none moved"
    );
    assert_eq!(movable.iter().map(nd_ptr).collect::<Vec<_>>(), mems);
    assert_eq!(stack_names(), ["ndarray"], "the stack is unchanged");
    assert_eq!(live_dynamic_tensors(), live);

    // The best-effort form moves the 100 and reports the same tensor.
    let s = switch_backend(StackChange::Push("torch"), Conversion::BestEffort).unwrap();
    assert_eq!(s.backend.name(), "torch");
    assert!(s.popped.is_empty());
    assert_eq!((s.live, s.converted), (base + 101, 100));
    assert_eq!(s.unmoved.as_slice(), unmoved.as_slice());
    assert_eq!(stack_names(), ["ndarray", "torch"]);
    for (i, t) in movable.iter().enumerate() {
        assert_eq!(t.backend(), "torch");
        assert_eq!(torch_ptr(t), mems[i], "tensor {i} moved without a copy");
        assert_eq!(t.to_vec::<f32>().unwrap(), [i as f32, -0.5]);
    }
    assert_eq!(stuck.backend(), "ndarray");
    assert_eq!(bits(&stuck.to_host().unwrap()), bits(&stuck_data));

    // Popping back to ndarray: the stuck one is there already, the rest follow.
    let s = switch_backend(StackChange::Pop, Conversion::AllOrNothing).unwrap();
    assert_eq!(
        (s.backend.name(), s.live, s.converted),
        ("ndarray", base + 101, 100)
    );
    assert_eq!(
        s.popped.iter().map(|b| b.name()).collect::<Vec<_>>(),
        ["torch"]
    );
    assert!(movable.iter().all(|t| t.backend() == "ndarray"));
    assert_eq!(movable.iter().map(nd_ptr).collect::<Vec<_>>(), mems);
}

/// 8 threads compute on dynamic tensors while this thread switches 1,000 times between ndarray
/// and torch; every result is checked, and every worker is seen computing on both backends.
#[test]
fn ops_on_other_threads_during_a_thousand_switches() {
    let _s = serial();
    tch::set_num_threads(1);
    const WORKERS: usize = 8;
    let stop = Arc::new(AtomicBool::new(false));
    let rounds: Arc<Vec<AtomicU64>> = Arc::new((0..WORKERS).map(|_| AtomicU64::new(0)).collect());
    // Bit 0: a round ran wholly on ndarray; bit 1: on torch.
    let seen: Arc<Vec<AtomicU64>> = Arc::new((0..WORKERS).map(|_| AtomicU64::new(0)).collect());
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (stop, rounds, seen) = (stop.clone(), rounds.clone(), seen.clone());
            std::thread::spawn(move || {
                let a = f32s(&[w as f32, 1.0, 2.5]);
                let k = Tensor::from_slice(&[w as i64 * 1000, -7], &[2]).unwrap();
                let mut r = 0u64;
                while !stop.load(Ordering::Relaxed) || r < 10 {
                    let b = f32s(&[r as f32, -1.0, 0.25]);
                    let c = add(&a, &b).expect("an op during switches");
                    let d = add(&c, &a).expect("an op on a result");
                    let backend_before = d.backend();
                    assert_eq!(
                        d.to_vec::<f32>().unwrap(),
                        [2.0 * w as f32 + r as f32, 1.0, 5.25],
                        "worker {w} round {r}"
                    );
                    let j = Tensor::from_slice(&[r as i64, 3], &[2]).unwrap();
                    let s = add(&k, &j).expect("an int64 op during switches");
                    assert_eq!(s.dtype(), DType::Int64);
                    assert_eq!(s.to_vec::<i64>().unwrap(), [w as i64 * 1000 + r as i64, -4]);
                    let backend_after = s.backend();
                    if backend_before == backend_after {
                        let bit = if backend_after == "torch" { 2 } else { 1 };
                        seen[w].fetch_or(bit, Ordering::Relaxed);
                    }
                    r += 1;
                    rounds[w].store(r, Ordering::Release);
                }
                r
            })
        })
        .collect();
    // Every 100 switches, wait until each worker has finished two more rounds: one of them
    // ran wholly on the backend just switched to.
    let wait_for_workers = || {
        let start: Vec<u64> = rounds.iter().map(|r| r.load(Ordering::Acquire)).collect();
        for (w, r) in rounds.iter().enumerate() {
            while r.load(Ordering::Acquire) < start[w] + 2 {
                std::thread::yield_now();
            }
        }
    };
    let t0 = std::time::Instant::now();
    for i in 0..1000 {
        if i % 2 == 0 {
            assert_eq!(set_backend_dynamic("torch").unwrap().name(), "torch");
        } else {
            assert_eq!(previous_backend_dynamic().unwrap().name(), "torch");
        }
        if i % 100 == 0 || i % 100 == 1 {
            wait_for_workers();
        }
    }
    let switching = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        assert!(w.join().expect("a worker") >= 10);
    }
    assert!(backend_stack().is_empty());
    for (w, s) in seen.iter().enumerate() {
        assert_eq!(
            s.load(Ordering::Relaxed),
            3,
            "worker {w} ran on both backends"
        );
    }
    eprintln!("1000 switches with 8 workers: {switching:?}");
}

/// Resident pages × page size, from /proc/self/statm.
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize
}

/// The peak resident size since the last reset (VmHWM in /proc/self/status), and whether the
/// reset worked (writing 5 to /proc/self/clear_refs, Linux 4.0 and later).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .expect("VmHWM")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb * 1024
}

/// `count` float32 tensors of `bytes_each` bytes, converted ndarray → torch → ndarray `rounds`
/// times: the same memory on every hop, exact values, and the resident size (after every
/// switch, and the peak where the kernel can reset it) at most twice the live data above the
/// baseline measured before the tensors were made.
fn memory_stays_bounded(count: usize, bytes_each: usize, rounds: usize) {
    let _s = serial();
    let n = bytes_each / 4;
    let live = count * bytes_each;
    let peak_resets = reset_peak();
    let baseline = resident_bytes().max(if peak_resets { peak_bytes() } else { 0 });
    let limit = baseline + 2 * live;
    let check = |when: &str| {
        let rss = resident_bytes();
        assert!(
            rss <= limit,
            "{when}: resident {} MiB, baseline {} MiB, live data {} MiB",
            rss >> 20,
            baseline >> 20,
            live >> 20
        );
    };
    let tensors: Vec<Tensor> = (0..count)
        .map(|i| {
            let mut v = vec![i as f32; n];
            v[0] = -(i as f32);
            v[n - 1] = 0.5 + i as f32;
            Tensor::from_vec(v, &[n / 1024, 1024]).unwrap()
        })
        .collect();
    let mems: Vec<*const u8> = tensors.iter().map(nd_ptr).collect();
    check("after making the tensors");
    for round in 0..rounds {
        set_backend_dynamic("torch").unwrap();
        check(&format!("round {round} on torch"));
        assert!(tensors.iter().all(|t| t.backend() == "torch"));
        assert_eq!(tensors.iter().map(torch_ptr).collect::<Vec<_>>(), mems);
        unset_backend_dynamic().unwrap();
        check(&format!("round {round} back on ndarray"));
        assert!(tensors.iter().all(|t| t.backend() == "ndarray"));
        assert_eq!(tensors.iter().map(nd_ptr).collect::<Vec<_>>(), mems);
    }
    eprintln!(
        "{count} x {} MiB, {rounds} round trips: baseline {} MiB, resident now {} MiB, peak {}",
        bytes_each >> 20,
        baseline >> 20,
        resident_bytes() >> 20,
        if peak_resets {
            format!("{} MiB", peak_bytes() >> 20)
        } else {
            "unknown".into()
        }
    );
    if peak_resets {
        let peak = peak_bytes();
        assert!(
            peak <= limit,
            "peak resident {} MiB, baseline {} MiB, live data {} MiB",
            peak >> 20,
            baseline >> 20,
            live >> 20
        );
    }
    // The values, one tensor at a time (each read copies it once).
    for (i, t) in tensors.iter().enumerate() {
        let v = t.to_vec::<f32>().unwrap();
        assert_eq!(
            (v[0], v[1], v[n / 2], v[n - 1]),
            (-(i as f32), i as f32, i as f32, 0.5 + i as f32)
        );
        assert!(v[1..n - 1].iter().all(|&x| x == i as f32), "tensor {i}");
    }
}

/// 50 tensors of 4 MiB (200 MiB live), 10 round trips.
#[test]
fn resident_memory_stays_within_twice_the_live_data() {
    memory_stays_bounded(50, 4 << 20, 10);
}

/// The full-size check of the requirement: 1,000 tensors of 16 MiB (about 16 GiB live), 10
/// round trips. Needs about 17 GiB of free RAM (about a minute in a debug build); run by hand
/// with `cargo test -p tensorswitch-tch --test dynamic -- --ignored --exact
/// resident_memory_stays_within_twice_the_live_data_full_size`.
#[test]
#[ignore = "needs about 17 GiB of RAM; run by hand with --ignored"]
fn resident_memory_stays_within_twice_the_live_data_full_size() {
    memory_stays_bounded(1000, 16 << 20, 10);
}

#[test]
fn torch_tensors_leave_the_tracking_when_dropped() {
    let _s = serial();
    let base = live_dynamic_tensors();
    set_backend_dynamic("torch").unwrap();
    let made: Vec<Tensor> = (0..50).map(|i| f32s(&[i as f32, 1.0])).collect();
    assert!(made.iter().all(|t| t.backend() == "torch"));
    let not_tracked = dynamic::dynamic_backend_as(false, || f32s(&[2.0]));
    assert_eq!(not_tracked.backend(), "torch");
    assert_eq!(live_dynamic_tensors(), base + 50);

    // A view and an op result are dynamic too.
    let view = tensorswitch::reshape(&made[1], [2, 1]).unwrap();
    let sum = add(&made[2], &made[3]).unwrap();
    assert!(view.dynamic_backend() && sum.dynamic_backend());
    assert_eq!(live_dynamic_tensors(), base + 52);

    // A converting switch moves them all and tracks no extra tensor.
    let s = switch_backend(StackChange::Pop, Conversion::AllOrNothing).unwrap();
    assert_eq!((s.live, s.converted), (base + 52, 52));
    assert_eq!(live_dynamic_tensors(), base + 52);
    assert_eq!(not_tracked.backend(), "torch");
    assert_eq!(sum.backend(), "ndarray");
    assert_eq!(sum.to_vec::<f32>().unwrap(), [5.0, 2.0]);
    assert_eq!(view.to_vec::<f32>().unwrap(), [1.0, 1.0]);
    set_backend_dynamic("torch").unwrap();

    let clone = made[0].clone();
    drop(made);
    assert_eq!(
        live_dynamic_tensors(),
        base + 3,
        "the clone, the view and the sum"
    );
    // Dropped on another thread.
    std::thread::spawn(move || drop(clone)).join().unwrap();
    assert_eq!(live_dynamic_tensors(), base + 2);
    std::thread::spawn(move || drop((view, sum)))
        .join()
        .unwrap();
    assert_eq!(live_dynamic_tensors(), base);

    // Made on other threads (on torch, the top of the process-wide stack) and dropped here;
    // and the flag turned off and on again.
    let from_threads: Vec<Tensor> = (0..4)
        .map(|i| {
            std::thread::spawn(move || f32s(&[i as f32]))
                .join()
                .unwrap()
        })
        .collect();
    assert!(from_threads.iter().all(|t| t.backend() == "torch"));
    assert_eq!(live_dynamic_tensors(), base + 4);
    from_threads[0].set_dynamic_backend(false).unwrap();
    assert_eq!(live_dynamic_tensors(), base + 3);
    not_tracked.set_dynamic_backend(true).unwrap();
    assert_eq!(live_dynamic_tensors(), base + 4);
    drop(from_threads);
    assert_eq!(live_dynamic_tensors(), base + 1);
    drop(not_tracked);
    assert_eq!(live_dynamic_tensors(), base);
    unset_backend_dynamic().unwrap();
}

/// Turning the flag on for a tensor torch cannot hold, while torch is set, fails and leaves the
/// tensor as it was: not dynamic, on ndarray, untracked.
#[test]
fn turning_the_flag_on_fails_for_a_dtype_torch_lacks() {
    let _s = serial();
    let lacking = a_dtype_torch_lacks();
    let data = specials(lacking).unwrap();
    let u =
        dynamic::dynamic_backend_as(false, || tensorswitch::from_host(data.clone(), &[8])).unwrap();
    set_backend_dynamic("torch").unwrap();
    let base = live_dynamic_tensors();
    let err = u.set_dynamic_backend(true).unwrap_err();
    let Error::DynamicConversion {
        target,
        live,
        unmoved,
    } = &err
    else {
        panic!("expected DynamicConversion, got {err:?}");
    };
    assert_eq!((target.as_str(), *live, unmoved.len()), ("torch", 1, 1));
    assert_eq!(
        (unmoved[0].dtype, unmoved[0].shape.as_slice()),
        (lacking, &[8usize][..])
    );
    assert!(!u.dynamic_backend(), "the flag stays off");
    assert_eq!(u.backend(), "ndarray");
    assert_eq!(live_dynamic_tensors(), base);
    assert_eq!(bits(&u.to_host().unwrap()), bits(&data));
    unset_backend_dynamic().unwrap();
    // With nothing on the stack there is nothing to convert to: the flag goes on.
    u.set_dynamic_backend(true).unwrap();
    assert!(u.dynamic_backend());
    assert_eq!(live_dynamic_tensors(), base + 1);
}

/// A float16 tensor made on torch cannot go back to ndarray (which has no float16): popping
/// fails, the stack keeps torch, and every tensor stays on torch.
#[test]
fn a_float16_torch_tensor_blocks_the_way_back_to_ndarray() {
    let _s = serial();
    set_backend_dynamic("torch").unwrap();
    let x = f32s(&[0.5, -2.0, 65504.0]);
    let half = tensorswitch::astype(&x, DType::Float16).unwrap();
    assert_eq!((half.backend(), half.dtype()), ("torch", DType::Float16));
    let mem = torch_ptr(&x);

    for attempt in [StackChange::Pop, StackChange::Clear] {
        let err = switch_backend(attempt, Conversion::AllOrNothing).unwrap_err();
        let Error::DynamicConversion {
            target, unmoved, ..
        } = &err
        else {
            panic!("expected DynamicConversion, got {err:?}");
        };
        assert_eq!(target, "ndarray");
        assert_eq!(unmoved.len(), 1, "{unmoved:?}");
        assert_eq!(
            (unmoved[0].dtype, unmoved[0].backend),
            (DType::Float16, "torch")
        );
        assert_eq!(unmoved[0].shape, [3]);
        assert_eq!(stack_names(), ["torch"]);
        assert_eq!((x.backend(), half.backend()), ("torch", "torch"));
        assert_eq!(torch_ptr(&x), mem);
    }
    assert!(matches!(
        previous_backend_dynamic(),
        Err(Error::DynamicConversion { .. })
    ));
    assert_eq!(stack_names(), ["torch"]);

    // Best effort: x goes back (in its memory), the float16 tensor stays on torch, intact.
    let s = switch_backend(StackChange::Pop, Conversion::BestEffort).unwrap();
    assert_eq!(
        (s.backend.name(), s.converted, s.unmoved.len()),
        ("ndarray", 1, 1)
    );
    assert!(backend_stack().is_empty());
    assert_eq!((x.backend(), half.backend()), ("ndarray", "torch"));
    assert_eq!(nd_ptr(&x), mem);
    let back = tensorswitch::astype(&half, DType::Float32).unwrap();
    assert_eq!(back.to_vec::<f32>().unwrap(), [0.5, -2.0, 65504.0]);
}

/// Memory lent with `to_backend` (to a tensor that is not dynamic) before its owner is
/// converted stays valid and unchanged, in both directions, after the owner is dropped.
#[test]
fn memory_lent_before_a_conversion_stays_valid() {
    let _s = serial();
    // ndarray memory lent to torch.
    let x = f32s(&[1.0, 2.0, 3.0]);
    let on_torch =
        dynamic::dynamic_backend_as(false, || tensorswitch::to_backend(&x, "torch")).unwrap();
    let lent = torch_ptr(&on_torch);
    assert_eq!(lent, nd_ptr(&x));
    // torch memory lent to ndarray.
    set_backend_dynamic("torch").unwrap();
    let z = Tensor::from_slice(&[-4i64, 5, i64::MIN], &[3]).unwrap();
    assert_eq!(z.backend(), "torch");
    let on_nd =
        dynamic::dynamic_backend_as(false, || tensorswitch::to_backend(&z, "ndarray")).unwrap();
    let lent_back = nd_ptr(&on_nd);
    assert_eq!(lent_back, torch_ptr(&z));
    for _ in 0..3 {
        unset_backend_dynamic().unwrap();
        set_backend_dynamic("torch").unwrap();
    }
    unset_backend_dynamic().unwrap();
    assert_eq!((x.backend(), z.backend()), ("ndarray", "ndarray"));
    assert_eq!(
        (on_torch.backend(), on_nd.backend()),
        ("torch", "ndarray"),
        "not dynamic"
    );
    drop((x, z));
    assert_eq!(torch_ptr(&on_torch), lent);
    assert_eq!(nd_ptr(&on_nd), lent_back);
    assert_eq!(on_torch.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    assert_eq!(on_nd.to_vec::<i64>().unwrap(), [-4, 5, i64::MIN]);
    assert_eq!(
        add(&on_torch, &on_torch).unwrap().to_vec::<f32>().unwrap(),
        [2.0, 4.0, 6.0]
    );
}

/// A switch waits for a `native` guard another thread holds: the guard reads the old value
/// until it is dropped, and the switch completes after that.
#[test]
fn a_switch_waits_for_a_guard_held_on_another_thread() {
    let _s = serial();
    let x = f32s(&[1.0, 2.0]);
    let mem = nd_ptr(&x);
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let released = Arc::new(AtomicBool::new(false));
    let holder = {
        let (x, released) = (x.clone(), released.clone());
        std::thread::spawn(move || {
            let guard = tensorswitch_ndarray::to_ndarray::<f32>(&x).unwrap();
            held_tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(200));
            let seen = (
                guard.as_ptr() as usize,
                guard.iter().copied().collect::<Vec<f32>>(),
            );
            released.store(true, Ordering::SeqCst);
            drop(guard);
            seen
        })
    };
    held_rx.recv().unwrap();
    set_backend_dynamic("torch").unwrap();
    assert!(
        released.load(Ordering::SeqCst),
        "the switch returned while the guard was held"
    );
    assert_eq!(x.backend(), "torch");
    assert_eq!(torch_ptr(&x), mem);
    // Joined with no guard held here.
    let (ptr, values) = holder.join().unwrap();
    assert_eq!((ptr, values), (mem as usize, vec![1.0, 2.0]));
    unset_backend_dynamic().unwrap();
}

/// The memory and the stack a dynamic tensor needs must not grow with the number of
/// ndarray ↔ torch round trips it has made. Runs in a child process (this test binary again):
/// the failure mode is a stack overflow, which aborts the process.
/// (Lending borrowed memory on under its original owner is what keeps both flat: a chain of
/// owners, one per hop, would grow and be dropped recursively.)
#[test]
fn many_round_trips_neither_grow_memory_nor_overflow_the_stack_on_drop() {
    const CHILD: &str = "TENSORSWITCH_TCH_DYNAMIC_CHILD";
    const ROUND_TRIPS: usize = 5000;
    if std::env::var_os(CHILD).is_none() {
        let name = "many_round_trips_neither_grow_memory_nor_overflow_the_stack_on_drop";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .expect("the child runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child: {}\n{stderr}", out.status);
        assert!(stderr.contains("child reached its end"), "{stderr}");
        return;
    }
    let _s = serial();
    let x = f32s(&[1.0, 2.0]);
    let mem = nd_ptr(&x);
    // Warm up the allocator and libtorch before the baseline.
    for _ in 0..100 {
        set_backend_dynamic("torch").unwrap();
        unset_backend_dynamic().unwrap();
    }
    let before = resident_bytes();
    for _ in 0..ROUND_TRIPS {
        set_backend_dynamic("torch").unwrap();
        unset_backend_dynamic().unwrap();
    }
    let grown = resident_bytes().saturating_sub(before);
    assert_eq!(nd_ptr(&x), mem);
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    assert!(
        grown < 1 << 20,
        "{ROUND_TRIPS} round trips of one 8-byte tensor grew the resident size by {} KiB",
        grown >> 10
    );
    drop(x); // on a test thread's 2 MiB stack
    eprintln!("child reached its end");
}
