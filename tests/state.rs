//! Backend state semantics: the stack, inference, the precedence rule, all-or-nothing
//! switches, and thread-scoped overrides under concurrency.

mod common;

use common::{serial, toy_f32};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tensorswitch::*;
use tensorswitch_ndarray as _;

fn names(stack: &[Backend]) -> Vec<&'static str> {
    stack.iter().map(|b| b.name()).collect()
}

#[test]
fn push_pop_and_unset() {
    let _g = serial();
    assert_eq!(current_backend(), None, "a new process starts unset");
    set_backend("ndarray").unwrap();
    set_backend("toy").unwrap();
    set_backend("ndarray").unwrap();
    assert_eq!(names(&backend_stack()), ["ndarray", "toy", "ndarray"]);
    assert_eq!(current_backend().unwrap().name(), "ndarray");

    assert_eq!(previous_backend().unwrap().name(), "ndarray");
    assert_eq!(current_backend().unwrap().name(), "toy");
    assert_eq!(previous_backend().unwrap().name(), "toy");
    assert_eq!(previous_backend().unwrap().name(), "ndarray");
    assert_eq!(previous_backend(), Err(Error::EmptyBackendStack));
    assert_eq!(current_backend(), None);

    set_backend("toy").unwrap();
    set_backend("ndarray").unwrap();
    let cleared = unset_backend();
    assert_eq!(names(&cleared), ["toy", "ndarray"]);
    assert!(backend_stack().is_empty());
    assert_eq!(current_backend(), None);
}

#[test]
fn same_backend_twice_is_the_same_cached_table() {
    let _g = serial();
    let a = set_backend("ndarray").unwrap();
    let b = set_backend("ndarray").unwrap();
    assert_eq!(a, b, "the table is built once and cached");
    assert!(std::ptr::eq(a.table(), b.table()));
    unset_backend();
}

#[test]
fn unknown_backend_fails_and_leaves_the_stack_alone() {
    let _g = serial();
    set_backend("toy").unwrap();
    let err = set_backend("tourch").unwrap_err();
    match &err {
        Error::UnknownBackend {
            name,
            known,
            loadable,
            ..
        } => {
            assert_eq!(name, "tourch");
            assert!(known.contains(&"ndarray".to_string()) && known.contains(&"toy".to_string()));
            // The core names no backend: it says how to get one, and where they are listed,
            // then which plugin file it looked for and where.
            assert_eq!(
                loadable[0],
                "any backend crate (docs/architecture.md lists them): add it as a dependency \
                   and link it with `use <crate> as _;`"
            );
            assert_eq!(loadable.len(), 2);
            let plugin = tensorswitch::plugin::plugin_file_name("tourch");
            assert!(loadable[1].contains(&plugin), "{}", loadable[1]);
            assert!(
                loadable[1].contains("next to the executable"),
                "{}",
                loadable[1]
            );
        }
        other => panic!("expected UnknownBackend, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("tourch")
            && message.contains("ndarray")
            && message.contains("`use <crate> as _;`"),
        "{message}"
    );
    assert_eq!(names(&backend_stack()), ["toy"], "all or nothing");
    assert!(matches!(
        set_backend_to_specific_version("toy", "1..2"),
        Err(Error::InvalidVersion { .. })
    ));
    assert_eq!(names(&backend_stack()), ["toy"]);
    unset_backend();
}

#[test]
fn inference_from_inputs_when_unset() {
    let _g = serial();
    let a = toy_f32(&[1.0, 2.0]);
    let b = toy_f32(&[10.0, 20.0]);
    let c = add(&a, &b).unwrap();
    assert_eq!(c.backend(), "toy", "inferred from the inputs");
    assert_eq!(c.to_vec::<f32>().unwrap(), vec![11.0, 22.0]);
    assert!(backend_stack().is_empty(), "inference changes no state");
    assert_eq!(resolve_backend(&[&a, &b]).unwrap().name(), "toy");

    let n = Tensor::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    assert_eq!(n.backend(), "ndarray", "no inputs: the implicit default");
    match add(&n, &a) {
        Err(Error::MixedBackends { op, backends }) => {
            assert_eq!(op, "add");
            assert_eq!(backends, ["ndarray", "toy"]);
        }
        other => panic!("expected MixedBackends, got {other:?}"),
    }
}

#[test]
fn explicit_backend_beats_inference_and_rejects_foreign_tensors() {
    let _g = serial();
    let a = toy_f32(&[1.0]);
    set_backend("ndarray").unwrap();
    // Creation follows the stack, not the default.
    let created = Tensor::from_slice(&[1.0f32], &[1]).unwrap();
    assert_eq!(created.backend(), "ndarray");
    match add(&a, &a) {
        Err(Error::ForeignTensor { op, active, tensor }) => {
            assert_eq!(
                (op, active.as_str(), tensor.as_str()),
                ("add", "ndarray", "toy")
            );
        }
        other => panic!("expected ForeignTensor, got {other:?}"),
    }
    // Reading data back always works, whatever backend is active.
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![1.0]);
    set_backend("toy").unwrap();
    assert_eq!(
        Tensor::from_slice(&[1.0f32], &[1]).unwrap().backend(),
        "toy"
    );
    unset_backend();
}

#[test]
fn thread_override_beats_the_stack_and_is_restored() {
    let _g = serial();
    set_backend("ndarray").unwrap();
    let inner = with_backend("toy", || {
        assert_eq!(current_backend().unwrap().name(), "toy");
        let nested = with_backend("ndarray", || current_backend().unwrap().name()).unwrap();
        assert_eq!(nested, "ndarray");
        assert_eq!(
            current_backend().unwrap().name(),
            "toy",
            "restored after nesting"
        );
        Tensor::from_slice(&[1.0f32], &[1]).unwrap().backend()
    })
    .unwrap();
    assert_eq!(inner, "toy");
    assert_eq!(current_backend().unwrap().name(), "ndarray");
    assert_eq!(
        names(&backend_stack()),
        ["ndarray"],
        "overrides never touch the stack"
    );

    // The override is restored when the closure panics.
    let caught = std::panic::catch_unwind(|| {
        with_backend("toy", || panic!("boom")).unwrap();
    });
    assert!(caught.is_err());
    assert_eq!(current_backend().unwrap().name(), "ndarray");

    // An unknown name fails before the closure runs.
    let mut ran = false;
    assert!(with_backend("nope", || ran = true).is_err());
    assert!(!ran);
    unset_backend();
}

#[test]
fn override_is_thread_local() {
    let _g = serial();
    with_backend("toy", || {
        let other = std::thread::spawn(|| current_backend().map(|b| b.name()))
            .join()
            .unwrap();
        assert_eq!(
            other, None,
            "another thread does not see this thread's override"
        );
    })
    .unwrap();
}

/// Eight threads compute while the main thread keeps pushing and popping the global stack.
/// Four run under thread overrides: the global changes must never reach them, so every one of
/// their results is on their own backend with exact values. Four run without an override, so
/// the global stack decides where their ops run: each op either succeeds on whatever backend
/// the stack named (with exact values, its inputs and result on that one backend), or fails
/// cleanly because the stack moved between creating the inputs and using them. They must see
/// both backends, or the main thread's switching was not tested.
#[test]
fn eight_threads_switch_and_compute_while_the_stack_changes() {
    let _g = serial();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|id| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = std::collections::BTreeMap::<String, u32>::new();
                let round = |x: f32| -> Result<&'static str> {
                    let a = Tensor::from_slice(&[x, 1.0], &[2])?;
                    let b = Tensor::from_slice(&[2.0f32, x], &[2])?;
                    let c = add(&a, &b)?;
                    assert_eq!(c.backend(), a.backend(), "a result on another backend");
                    assert_eq!(c.to_vec::<f32>()?, vec![x + 2.0, x + 1.0]);
                    let d = multiply(&c, &b)?;
                    assert_eq!(d.backend(), a.backend());
                    assert_eq!(d.to_vec::<f32>()?, vec![(x + 2.0) * 2.0, (x + 1.0) * x]);
                    Ok(a.backend())
                };
                let mut rounds = 0u32;
                while rounds < 300 || (id >= 4 && seen.len() < 3 && !stop.load(Ordering::Relaxed)) {
                    let x = rounds as f32 + id as f32;
                    rounds += 1;
                    if id < 4 {
                        let backend = if id % 2 == 0 { "ndarray" } else { "toy" };
                        let ran = with_backend(backend, || round(x)).unwrap().unwrap();
                        assert_eq!(ran, backend, "a thread override was not obeyed");
                        *seen.entry(ran.to_string()).or_default() += 1;
                    } else {
                        match round(x) {
                            Ok(ran) => *seen.entry(ran.to_string()).or_default() += 1,
                            Err(Error::ForeignTensor { .. } | Error::MixedBackends { .. }) => {
                                *seen.entry("stack moved".into()).or_default() += 1
                            }
                            Err(e) => panic!("unexpected error under concurrent switching: {e}"),
                        }
                    }
                }
                seen
            })
        })
        .collect();
    let mut switches = 0;
    while workers.iter().any(|w| !w.is_finished()) {
        set_backend(if switches % 2 == 0 { "toy" } else { "ndarray" }).unwrap();
        if switches % 3 == 0 {
            previous_backend().unwrap();
        }
        if switches % 50 == 49 {
            unset_backend();
        }
        switches += 1;
        if switches > 20_000_000 {
            stop.store(true, Ordering::Relaxed);
        }
    }
    let seen: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    for (id, s) in seen.iter().enumerate() {
        let on = |name: &str| s.get(name).copied().unwrap_or(0);
        if id < 4 {
            assert_eq!(s.len(), 1, "worker {id} ran on other backends: {s:?}");
            assert_eq!(on(if id % 2 == 0 { "ndarray" } else { "toy" }), 300);
        } else {
            assert!(
                on("ndarray") > 0 && on("toy") > 0,
                "worker {id} without an override never saw the stack switch: {s:?}"
            );
        }
    }
    unset_backend();
}

#[test]
fn registered_backends_and_versions() {
    let _g = serial();
    let available = available_backends();
    assert!(
        available.contains(&"ndarray") && available.contains(&"toy"),
        "{available:?}"
    );
    assert_eq!(backend_version("toy").unwrap(), Version::new(1, 5, 0));
    let nd = backend_version("ndarray").unwrap();
    // build.rs reads the resolved ndarray version from Cargo.lock; this workspace pins 0.17.
    assert_eq!((nd.major, nd.minor), (0, 17), "{nd}");
    assert!(matches!(
        backend_version("mlx"),
        Err(Error::UnknownBackend { .. })
    ));
    assert_eq!(implicit_default_backend().unwrap().name(), "ndarray");
}

/// The implicit default comes from TENSORSWITCH_BACKEND (read once per process), so this runs
/// the check in a child process of this test binary (which Miri cannot start).
#[test]
#[cfg_attr(miri, ignore = "starts a child process")]
fn environment_variable_sets_the_implicit_default() {
    let exe = std::env::current_exe().unwrap();
    for (value, expect) in [
        ("toy", "toy"),
        ("ndarray", "ndarray"),
        ("no-such-backend", "error"),
    ] {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "child_reports_default",
                "--ignored",
                "--nocapture",
            ])
            .env("TENSORSWITCH_BACKEND", value)
            .env("EXPECT_DEFAULT", expect)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "TENSORSWITCH_BACKEND={value}: {text}");
        assert!(text.contains("1 passed"), "the child test ran: {text}");
    }
}

#[test]
#[ignore = "run by environment_variable_sets_the_implicit_default in a child process"]
fn child_reports_default() {
    let expect = std::env::var("EXPECT_DEFAULT").unwrap();
    let made = Tensor::from_slice(&[1.0f32], &[1]);
    if expect == "error" {
        let err = made.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::UnknownBackend {
                    from: Some("TENSORSWITCH_BACKEND"),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("TENSORSWITCH_BACKEND"), "{err}");
    } else {
        assert_eq!(made.unwrap().backend(), expect);
        assert_eq!(implicit_default_backend().unwrap().name(), expect);
    }
}

#[test]
fn a_masked_table_serves_every_op_that_has_a_fallback_by_it() {
    use tensorswitch::{Op, Source};
    let plain = tensorswitch::with_backend("ndarray", tensorswitch::current_backend)
        .unwrap()
        .unwrap();
    let masked = tensorswitch::with_backend_masked("ndarray", tensorswitch::current_backend)
        .unwrap()
        .unwrap();
    assert!(!plain.table().is_masked());
    assert!(masked.table().is_masked());
    assert_ne!(plain, masked);
    let mut masked_primaries = 0;
    for &op in Op::ALL {
        let (p, m) = (plain.table().source(op), masked.table().source(op));
        if op.has_fallback() {
            assert_eq!(m, Source::Compositional, "{op}");
            if matches!(p, Source::Primary { .. }) {
                masked_primaries += 1;
            }
        } else {
            assert_eq!(m, p, "{op}: only ops with a fallback are masked");
        }
    }
    // ndarray has primaries for some ops with fallbacks (subtract, full, …): those are masked.
    assert!(masked_primaries >= 5, "{masked_primaries}");
}
