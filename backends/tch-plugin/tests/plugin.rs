//! The torch plugin from a program that does not link tch or libtorch (this binary links the
//! core and ndarray): loaded on first use, and, when libtorch cannot be found, an error that
//! names it while ndarray goes on. Each case runs in a child process (this binary again, with
//! `--exact`): one needs a process where libtorch was never mapped, the other one started
//! without libtorch on the library path.

#[path = "../../../tests/support/child.rs"]
mod child;
use tensorswitch::plugin::Availability;
use tensorswitch::{
    add, backend_stack, backend_statuses, previous_backend, set_backend, to_backend, Error, Tensor,
};
use tensorswitch_ndarray as _;

/// Set in a child process: the test whose body it runs.
const CHILD: &str = "TS_TORCH_PLUGIN_CHILD";

fn is_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == test)
}

/// Runs `test` of this binary in a child process (`strip`: without `LD_LIBRARY_PATH`) and
/// fails unless it passed and got to its end.
fn run_child(test: &str, strip_library_path: bool) {
    let mut cmd = child::command(test, CHILD);
    if strip_library_path {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    child::output(cmd, test, "CHILD-DONE");
}

/// The address of the first element `x`'s backend lends (the one another backend would read).
fn lent_address(x: &Tensor) -> usize {
    let share = x
        .backend_descriptor()
        .share_host
        .expect("a backend that lends");
    share(x).expect("a CPU tensor that can be lent").ptr as usize
}

/// Whether a libtorch library is mapped into this process.
fn libtorch_mapped() -> bool {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .contains("libtorch_cpu")
}

#[test]
#[cfg(target_os = "linux")]
fn set_backend_loads_the_plugin_on_first_use() {
    const TEST: &str = "set_backend_loads_the_plugin_on_first_use";
    if !is_child(TEST) {
        return run_child(TEST, false);
    }
    assert!(!libtorch_mapped(), "this binary must not link libtorch");
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    assert_eq!(a.backend(), "ndarray");
    set_backend("torch").unwrap();
    assert!(libtorch_mapped());
    let status = backend_statuses()
        .into_iter()
        .find(|s| s.name == "torch")
        .unwrap();
    assert!(
        matches!(status.availability, Availability::Plugin { .. }),
        "{status:?}"
    );
    let t = to_backend(&a, "torch").unwrap();
    assert_eq!(t.backend(), "torch");
    // Memory is shared across the boundary both ways, as in-process: the plugin's tensor
    // reads ndarray's elements, and ndarray's result reads the plugin's.
    assert_eq!(lent_address(&t), lent_address(&a));
    let s = add(&t, &t).unwrap();
    let back = to_backend(&s, "ndarray").unwrap();
    assert_eq!(back.backend(), "ndarray");
    assert_eq!(lent_address(&back), lent_address(&s));
    assert_eq!(back.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0]);
    drop((a, t, s));
    assert_eq!(back.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0]);
    assert_eq!(previous_backend().unwrap().name(), "torch");
    println!("CHILD-DONE");
}

#[test]
#[cfg(target_os = "linux")]
fn without_libtorch_the_error_names_it_and_ndarray_goes_on() {
    const TEST: &str = "without_libtorch_the_error_names_it_and_ndarray_goes_on";
    if !is_child(TEST) {
        return run_child(TEST, true);
    }
    set_backend("ndarray").unwrap();
    let a = Tensor::from_slice(&[1i64, 2, 3], &[3]).unwrap();
    let err = set_backend("torch").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::BackendUnavailable { .. }), "{err:?}");
    // The loader names the first libtorch library it could not find.
    assert!(
        text.contains("libtorch_cpu.so") || text.contains("libc10.so"),
        "{text}"
    );
    assert!(text.contains("found but cannot be used"), "{text}");
    // The stack is unchanged, and ndarray works in the same process.
    let names: Vec<_> = backend_stack().iter().map(|b| b.name()).collect();
    assert_eq!(names, vec!["ndarray"]);
    assert_eq!(add(&a, &a).unwrap().to_vec::<i64>().unwrap(), vec![2, 4, 6]);
    let status = backend_statuses()
        .into_iter()
        .find(|s| s.name == "torch")
        .unwrap();
    assert!(
        matches!(&status.availability, Availability::NotLoadable { reason, .. } if reason.contains("lib")),
        "{status:?}"
    );
    println!("CHILD-DONE");
}

/// Dynamic tensors follow converting switches between ndarray and the torch plugin, whether the
/// plugin shares its tensor blocks (it does: the same compiler built it from the same core) or
/// crosses with handles (`TENSORSWITCH_PLUGIN_BLOCKS=0`): ops on converted tensors read the
/// plugin's values, results convert back, and the registry of dynamic tensors ends as it began.
#[test]
#[cfg(target_os = "linux")]
fn dynamic_tensors_cross_both_ways_with_shared_blocks_and_with_handles() {
    const TEST: &str = "dynamic_tensors_cross_both_ways_with_shared_blocks_and_with_handles";
    if !is_child(TEST) {
        for (blocks, shared) in [("1", "1"), ("0", "0")] {
            let mut cmd = child::command(TEST, CHILD);
            cmd.env("TENSORSWITCH_PLUGIN_BLOCKS", blocks)
                .env("TS_EXPECT_SHARED", shared);
            child::output(cmd, TEST, "CHILD-DONE");
        }
        return;
    }
    use tensorswitch::dynamic::{
        dynamic_backend_as, live_dynamic_tensors, previous_backend_dynamic, set_backend_dynamic,
        values_kept_for_borrowers,
    };
    let before = live_dynamic_tensors();
    let kept = values_kept_for_borrowers();
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    assert_eq!(a.backend(), "ndarray");
    set_backend_dynamic("torch").unwrap();
    let expected = std::env::var("TS_EXPECT_SHARED").unwrap() == "1";
    match tensorswitch::backend_status("torch").availability {
        Availability::Plugin { shares_blocks, .. } => assert_eq!(shares_blocks, expected),
        other => panic!("expected the plugin, got {other:?}"),
    }
    // `a` now holds a torch value; the plugin reads it through the converted tensor.
    assert_eq!(a.backend(), "torch");
    let s = add(&a, &a).unwrap();
    let t = add(&s, &a).unwrap();
    assert_eq!(t.backend(), "torch");
    assert_eq!(live_dynamic_tensors(), before + 3);
    previous_backend_dynamic().unwrap();
    for (x, want) in [
        (&a, [1.0f32, 2.0, 3.0]),
        (&s, [2.0, 4.0, 6.0]),
        (&t, [3.0, 6.0, 9.0]),
    ] {
        assert_eq!(x.backend(), "ndarray");
        assert_eq!(x.to_vec::<f32>().unwrap(), want.to_vec());
    }
    // Back to torch and an op again: a tensor converted twice.
    set_backend_dynamic("torch").unwrap();
    let u = add(&t, &s).unwrap();
    assert_eq!(u.to_vec::<f32>().unwrap(), vec![5.0, 10.0, 15.0]);
    // A plugin's tensor lends its memory to ndarray, then converts. With shared blocks the
    // host keeps the lent value for the borrower, and the plugin's block, when it goes, has the
    // host release it. With handles the borrower holds the plugin's own tensor, which never
    // converts, so the host keeps nothing.
    let borrower = dynamic_backend_as(false, || to_backend(&u, "ndarray")).unwrap();
    assert_eq!(lent_address(&borrower), lent_address(&u));
    let lent = lent_address(&u);
    previous_backend_dynamic().unwrap();
    assert_eq!(u.backend(), "ndarray");
    assert_eq!(values_kept_for_borrowers(), kept + usize::from(expected));
    assert_eq!(lent_address(&borrower), lent);
    assert_eq!(borrower.to_vec::<f32>().unwrap(), vec![5.0, 10.0, 15.0]);
    drop((a, s, t, u));
    assert_eq!(borrower.to_vec::<f32>().unwrap(), vec![5.0, 10.0, 15.0]);
    drop(borrower);
    assert_eq!(values_kept_for_borrowers(), kept);
    assert_eq!(live_dynamic_tensors(), before);
    println!("CHILD-DONE");
}
