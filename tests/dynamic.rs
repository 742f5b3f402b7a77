//! Dynamic tensors on the ndarray backend and the toy test backend (tests/common): converting
//! switches, all-or-nothing failures, exact tracking, identity, shared memory, and ops running
//! on other threads during switches. The same behaviour with libtorch and MLX is tested in
//! their crates.

mod common;

use common::{serial, toy_data_ptr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tensorswitch::dynamic::{
    self, live_dynamic_tensors, previous_backend_dynamic, set_backend_dynamic, switch_backend,
    unset_backend_dynamic, Conversion, StackChange,
};
use tensorswitch::{add, backend_stack, set_backend, to_backend, DType, Error, Tensor};
use tensorswitch_ndarray as _;

fn f32s(values: &[f32]) -> Tensor {
    Tensor::from_slice(values, &[values.len()]).expect("from_slice")
}

fn stack_names() -> Vec<&'static str> {
    backend_stack().iter().map(|b| b.name()).collect()
}

/// The example of Ivy's documentation of `dynamic_backend`, transcribed.
#[test]
fn ivys_example_dynamic_tensors_move_and_others_stay() {
    let _s = serial();
    let x = f32s(&[1.0, 2.0, 3.0]);
    let y = dynamic::dynamic_backend_as(false, || f32s(&[4.0, 5.0]));
    assert!(x.dynamic_backend());
    assert!(!y.dynamic_backend());
    assert_eq!((x.backend(), y.backend()), ("ndarray", "ndarray"));

    set_backend_dynamic("toy").unwrap();
    assert_eq!(x.backend(), "toy", "x is dynamic: it moved");
    assert_eq!(y.backend(), "ndarray", "y is not: it stayed");
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    // Ops on x work without to_backend; y is foreign on toy.
    assert_eq!(
        add(&x, &x).unwrap().to_vec::<f32>().unwrap(),
        [2.0, 4.0, 6.0]
    );
    assert!(matches!(add(&y, &y), Err(Error::ForeignTensor { .. })));

    // Turning y's flag on while toy is set moves it there at once.
    y.set_dynamic_backend(true).unwrap();
    assert!(y.dynamic_backend());
    assert_eq!(y.backend(), "toy");
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 5.0]);

    // Popping to an empty stack moves both to the implicit default.
    assert_eq!(previous_backend_dynamic().unwrap().name(), "toy");
    assert!(backend_stack().is_empty());
    assert_eq!((x.backend(), y.backend()), ("ndarray", "ndarray"));
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 5.0]);
}

#[test]
fn the_default_flag_is_process_wide_with_a_thread_local_override() {
    let _s = serial();
    assert!(dynamic::dynamic_backend(), "the default is true, as in Ivy");
    dynamic::set_dynamic_backend(false);
    let off = f32s(&[1.0]);
    let on = dynamic::dynamic_backend_as(true, || f32s(&[2.0]));
    // Other threads see the process-wide default, not this thread's override.
    let other = std::thread::spawn(|| dynamic::dynamic_backend_as(true, dynamic::dynamic_backend))
        .join()
        .unwrap();
    assert!(!dynamic::dynamic_backend());
    assert!(dynamic::dynamic_backend_as(true, dynamic::dynamic_backend));
    dynamic::unset_dynamic_backend();
    let back = f32s(&[3.0]);
    assert!(!off.dynamic_backend());
    assert!(on.dynamic_backend());
    assert!(other);
    assert!(back.dynamic_backend(), "unset restores true");
    // Turning the flag off keeps the tensor where it is and stops it from moving.
    back.set_dynamic_backend(false).unwrap();
    set_backend_dynamic("toy").unwrap();
    assert_eq!(back.backend(), "ndarray");
    assert_eq!(on.backend(), "toy");
    unset_backend_dynamic().unwrap();
}

#[test]
fn popping_converts_to_the_backend_below() {
    let _s = serial();
    let x = f32s(&[1.0, 2.0]);
    set_backend_dynamic("toy").unwrap();
    set_backend_dynamic("ndarray").unwrap();
    assert_eq!(x.backend(), "ndarray");
    // The stack is [toy, ndarray]: popping runs creation ops on toy again, so x goes there
    // (not to the implicit default, ndarray).
    assert_eq!(previous_backend_dynamic().unwrap().name(), "ndarray");
    assert_eq!(stack_names(), ["toy"]);
    assert_eq!(x.backend(), "toy");
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    unset_backend_dynamic().unwrap();
    assert_eq!(x.backend(), "ndarray");
}

#[test]
fn the_flag_set_to_what_it_is_changes_nothing() {
    let _s = serial();
    let on = f32s(&[1.0]);
    let off = dynamic::dynamic_backend_as(false, || f32s(&[2.0]));
    set_backend("toy").unwrap(); // not converting: both stay on ndarray
    on.set_dynamic_backend(true).unwrap();
    off.set_dynamic_backend(false).unwrap();
    assert!(on.dynamic_backend() && !off.dynamic_backend());
    assert_eq!((on.backend(), off.backend()), ("ndarray", "ndarray"));
    tensorswitch::unset_backend();
    off.set_dynamic_backend(false).unwrap();
    assert!(
        !off.dynamic_backend(),
        "turning the flag off never turns it on"
    );
}

#[test]
fn plain_switches_convert_nothing() {
    let _s = serial();
    let x = f32s(&[1.0]);
    set_backend("toy").unwrap();
    assert_eq!(x.backend(), "ndarray");
    tensorswitch::previous_backend().unwrap();
}

#[test]
fn every_clone_sees_the_converted_tensor() {
    let _s = serial();
    let x = f32s(&[1.5, -2.0]);
    let clones: Vec<Tensor> = (0..3).map(|_| x.clone()).collect();
    set_backend_dynamic("toy").unwrap();
    for c in &clones {
        assert!(c.same_tensor(&x));
        assert_eq!(c.backend(), "toy");
        assert_eq!(c.to_vec::<f32>().unwrap(), [1.5, -2.0]);
    }
    unset_backend_dynamic().unwrap();
    assert!(clones.iter().all(|c| c.backend() == "ndarray"));
}

#[test]
fn contiguous_float32_moves_without_a_copy() {
    let _s = serial();
    let x = f32s(&[1.0, 2.0, 3.0, 4.0]);
    let before = tensorswitch_ndarray::to_ndarray::<f32>(&x)
        .unwrap()
        .as_ptr()
        .cast::<u8>();
    set_backend_dynamic("toy").unwrap();
    assert_eq!(
        toy_data_ptr(&x),
        Some(before),
        "toy borrowed ndarray's memory"
    );
    unset_backend_dynamic().unwrap();
    // Back on ndarray by a copy (toy lends nothing), with the same values.
    assert_eq!(x.backend(), "ndarray");
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn one_tensor_that_cannot_move_stops_the_whole_switch() {
    let _s = serial();
    set_backend("ndarray").unwrap();
    let movable: Vec<Tensor> = (0..100).map(|i| f32s(&[i as f32, 0.5])).collect();
    // toy holds float64 from its version 1.5 on; the switch emulates 1.4.
    let stuck = Tensor::from_slice(&[7.0f64, 8.0, 9.0], &[3, 1]).unwrap();
    let live = live_dynamic_tensors();
    let old_toy = StackChange::PushVersion("toy", "1.4.0");
    let err = switch_backend(old_toy, Conversion::AllOrNothing).unwrap_err();
    let Error::DynamicConversion {
        target,
        live: found,
        unmoved,
    } = &err
    else {
        panic!("expected DynamicConversion, got {err:?}");
    };
    assert_eq!(target, "toy");
    assert_eq!(*found, live);
    assert_eq!(unmoved.len(), 1, "{unmoved:?}");
    assert_eq!(unmoved[0].dtype, DType::Float64);
    assert_eq!(unmoved[0].shape, [3, 1]);
    assert_eq!(unmoved[0].backend, "ndarray");
    assert_eq!(unmoved[0].device, "cpu");
    assert!(
        err.to_string().contains("float64 [3, 1] on ndarray"),
        "{err}"
    );
    assert!(
        movable.iter().all(|t| t.backend() == "ndarray"),
        "none moved"
    );
    assert_eq!(stack_names(), ["ndarray"], "the stack is unchanged");

    // The best-effort form moves the rest and reports the same tensor.
    let s = switch_backend(old_toy, Conversion::BestEffort).unwrap();
    assert_eq!(s.backend.name(), "toy");
    assert!(s.backend.is_emulated());
    assert_eq!(s.converted, 100);
    assert_eq!(s.unmoved.as_slice(), unmoved.as_slice());
    assert!(movable.iter().all(|t| t.backend() == "toy"));
    assert_eq!(stuck.backend(), "ndarray");
    assert_eq!(stack_names(), ["ndarray", "toy"]);
    for (i, t) in movable.iter().enumerate() {
        assert_eq!(t.to_vec::<f32>().unwrap(), [i as f32, 0.5]);
    }
    assert_eq!(stuck.to_vec::<f64>().unwrap(), [7.0, 8.0, 9.0]);
    // Back to the implicit default: the float64 tensor is there already, the rest follow.
    unset_backend_dynamic().unwrap();
    assert!(movable.iter().all(|t| t.backend() == "ndarray"));
}

#[test]
fn popping_an_empty_stack_is_an_error_and_changes_nothing() {
    let _s = serial();
    let x = f32s(&[1.0]);
    assert!(matches!(
        previous_backend_dynamic(),
        Err(Error::EmptyBackendStack)
    ));
    assert_eq!(x.backend(), "ndarray");
    assert!(matches!(
        set_backend_dynamic("no-such-backend"),
        Err(Error::UnknownBackend { .. })
    ));
}

#[test]
fn dropped_tensors_leave_the_tracking_at_once() {
    let _s = serial();
    let base = live_dynamic_tensors();
    let made: Vec<Tensor> = (0..50).map(|i| f32s(&[i as f32])).collect();
    let not_tracked = dynamic::dynamic_backend_as(false, || f32s(&[1.0]));
    assert_eq!(live_dynamic_tensors(), base + 50);
    let clone = made[0].clone();
    drop(made);
    assert_eq!(
        live_dynamic_tensors(),
        base + 1,
        "a clone keeps its tensor alive"
    );
    // Dropped on another thread.
    std::thread::spawn(move || drop(clone)).join().unwrap();
    assert_eq!(live_dynamic_tensors(), base);
    // Made on other threads and dropped here; and the flag turned off.
    let from_threads: Vec<Tensor> = (0..4)
        .map(|i| {
            std::thread::spawn(move || f32s(&[i as f32]))
                .join()
                .unwrap()
        })
        .collect();
    assert_eq!(live_dynamic_tensors(), base + 4);
    from_threads[0].set_dynamic_backend(false).unwrap();
    assert_eq!(live_dynamic_tensors(), base + 3);
    drop(from_threads);
    assert_eq!(live_dynamic_tensors(), base);
    // Op results are dynamic too.
    let r = add(&not_tracked, &not_tracked).unwrap();
    assert!(r.dynamic_backend());
    assert_eq!(live_dynamic_tensors(), base + 1);
}

#[test]
fn a_thread_holding_a_native_guard_cannot_switch() {
    let _s = serial();
    let x = f32s(&[1.0]);
    let guard = tensorswitch_ndarray::as_ndarray(&x).unwrap();
    assert!(matches!(
        set_backend_dynamic("toy"),
        Err(Error::SwitchInsideSection)
    ));
    assert!(backend_stack().is_empty());
    drop(guard);
    set_backend_dynamic("toy").unwrap();
    assert_eq!(x.backend(), "toy");
    unset_backend_dynamic().unwrap();
}

#[test]
fn memory_lent_before_a_conversion_stays_valid() {
    let _s = serial();
    let kept = dynamic::values_kept_for_borrowers();
    let x = f32s(&[1.0, 2.0, 3.0]);
    // `y` borrows x's ndarray memory.
    let y = dynamic::dynamic_backend_as(false, || to_backend(&x, "toy")).unwrap();
    let lent = toy_data_ptr(&y).unwrap();
    // Convert x back and forth: its first native value must outlive the conversions. Only the
    // value lent is kept, once; later values were never lent.
    for _ in 0..3 {
        set_backend_dynamic("toy").unwrap();
        unset_backend_dynamic().unwrap();
        assert_eq!(dynamic::values_kept_for_borrowers(), kept + 1);
    }
    assert_eq!(toy_data_ptr(&y), Some(lent));
    assert_eq!(y.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    drop(x);
    assert_eq!(y.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
    // `y` holds x's block as the owner of the memory it reads: the value goes with the last.
    assert_eq!(dynamic::values_kept_for_borrowers(), kept + 1);
    drop(y);
    assert_eq!(dynamic::values_kept_for_borrowers(), kept);
}

#[test]
fn ops_on_other_threads_see_each_switch_whole() {
    let _s = serial();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let a = f32s(&[w as f32, 1.0, 2.5]);
                let mut rounds = 0u64;
                while !stop.load(Ordering::Relaxed) || rounds < 10 {
                    let b = f32s(&[rounds as f32, -1.0, 0.25]);
                    let c = add(&a, &b).expect("an op during switches");
                    let d = add(&c, &a).expect("an op on a result");
                    let want = [2.0 * w as f32 + rounds as f32, 1.0, 5.25];
                    assert_eq!(d.to_vec::<f32>().unwrap(), want);
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    let switches = if cfg!(miri) { 10 } else { 1000 };
    for i in 0..switches {
        if i % 2 == 0 {
            set_backend_dynamic("toy").unwrap();
        } else {
            previous_backend_dynamic().unwrap();
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        assert!(w.join().expect("a worker") >= 10);
    }
    assert!(backend_stack().is_empty());
}
