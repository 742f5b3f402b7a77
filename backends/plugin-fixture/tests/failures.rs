//! The plugin boundary's failure cases, with the fixture plugin (src/lib.rs: the ndarray
//! backend served as `fixture`, its `negative` panicking). This binary links the core only;
//! cargo builds `libtensorswitch_fixture.so` into the `deps/` folder it runs from, where the
//! loader looks. Cases that need a fresh process (another ABI version, another search path)
//! run this binary again as a child with `--exact`.

#[path = "../../../tests/support/child.rs"]
mod child;
use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use tensorswitch::plugin::{plugin_file_name, Availability, PLUGIN_PATH_ENV_VAR};
use tensorswitch::{
    add, available_backends, backend_statuses, load_backend_plugin, negative, set_backend,
    with_backend, Error, Tensor,
};

/// Set in a child process: the test whose body it runs.
const CHILD: &str = "TS_PLUGIN_FIXTURE_CHILD";

fn fixture() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // Cargo builds the cdylib into `deps/`, next to this binary.
    exe.parent()
        .expect("a folder")
        .join(plugin_file_name("fixture"))
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == test)
}

/// Runs `test` of this binary in a child process with `envs`, and returns what it printed;
/// fails unless it passed.
fn run_child(test: &str, envs: &[(&str, &str)]) -> String {
    let mut cmd = child::command(test, CHILD);
    cmd.envs(envs.iter().copied());
    child::output(cmd, test, "1 passed")
}

#[test]
fn ops_cross_the_boundary_and_a_panicking_op_returns_an_error() {
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    with_backend("fixture", || {
        let x = Tensor::from_slice(&[1.0f32, -2.5, 4.0], &[3]).unwrap();
        assert_eq!(x.backend(), "fixture");
        assert_eq!(x.shape(), &[3]);
        let y = add(&x, &x).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, -5.0, 8.0]);
        match negative(&x) {
            Err(Error::Backend {
                backend,
                op,
                message,
            }) => {
                assert_eq!(backend, "fixture");
                assert_eq!(op, "negative");
                assert!(message.contains("panicked"), "{message}");
                assert!(message.contains("on purpose"), "{message}");
            }
            other => panic!("expected the panic as an error, got {other:?}"),
        }
        // The process and the plugin go on: other ops (and the tensors) still work.
        let z = add(&y, &x).unwrap();
        assert_eq!(z.to_vec::<f32>().unwrap(), vec![3.0, -7.5, 12.0]);
        let m = tensorswitch::matmul(
            &Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap(),
            &Tensor::from_slice(&[5.0f64, 6.0, 7.0, 8.0], &[2, 2]).unwrap(),
        )
        .unwrap();
        // [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]]
        assert_eq!(m.to_vec::<f64>().unwrap(), vec![19.0, 22.0, 43.0, 50.0]);
    })
    .unwrap();
    assert!(available_backends().contains(&"fixture"));
}

/// Checks a binary op (`add`) and a unary one (`abs`) on the current backend; returns their
/// input, `[1, -2.5, 4]`.
fn add_and_abs_work() -> Tensor {
    let x = Tensor::from_slice(&[1.0f32, -2.5, 4.0], &[3]).unwrap();
    let y = add(&x, &x).unwrap();
    assert_eq!(y.shape(), &[3]);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, -5.0, 8.0]);
    // [|1|, |-2.5|, |4|]
    let a = tensorswitch::abs(&x).unwrap();
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![1.0, 2.5, 4.0]);
    x
}

/// The ops of the test above, and their errors, through the argument words: the path of an op
/// whose plugin gives no direct trampoline (`TS_FIXTURE_WORDS`), which the direct one must
/// match.
#[test]
fn unary_and_binary_ops_cross_as_words_where_a_plugin_has_no_direct_trampoline() {
    const TEST: &str =
        "unary_and_binary_ops_cross_as_words_where_a_plugin_has_no_direct_trampoline";
    if !is_child(TEST) {
        let out = run_child(TEST, &[("TS_FIXTURE_WORDS", "1")]);
        assert!(out.contains("CHILD-DONE"), "{out}");
        return;
    }
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    with_backend("fixture", || {
        let x = add_and_abs_work();
        match negative(&x) {
            Err(Error::Backend { op, message, .. }) => {
                assert_eq!(op, "negative");
                assert!(message.contains("on purpose"), "{message}");
            }
            other => panic!("expected the panic as an error, got {other:?}"),
        }
    })
    .unwrap();
    println!("CHILD-DONE");
}

/// The host takes the direct trampoline where there is one: with the argument-word path of
/// those ops failing (`TS_FIXTURE_DIRECT_ONLY`), unary and binary ops still work, while `sum`,
/// whose words path fails the same way and which has no direct trampoline, gets the failure.
#[test]
fn unary_and_binary_ops_take_the_direct_trampoline() {
    const TEST: &str = "unary_and_binary_ops_take_the_direct_trampoline";
    if !is_child(TEST) {
        let out = run_child(TEST, &[("TS_FIXTURE_DIRECT_ONLY", "1")]);
        assert!(out.contains("CHILD-DONE"), "{out}");
        return;
    }
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    with_backend("fixture", || {
        let x = add_and_abs_work();
        match tensorswitch::sum(&x, None) {
            Err(Error::Backend { backend, op, .. }) => {
                assert_eq!(backend, "fixture");
                assert_eq!(op, "sum");
            }
            other => panic!("expected the refused words path, got {other:?}"),
        }
    })
    .unwrap();
    println!("CHILD-DONE");
}

#[test]
fn two_threads_load_the_same_plugin_once() {
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                load_backend_plugin(fixture())
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), Ok("fixture"));
    }
    // The library is loaded once by the dynamic loader whatever we do; the entry point's count
    // tells how many times tensorswitch loaded it as a plugin.
    // SAFETY: the fixture, already loaded above; the symbol has this signature (src/lib.rs).
    let calls = unsafe {
        let lib = libloading::Library::new(fixture()).unwrap();
        let f = lib
            .get::<unsafe extern "C" fn() -> usize>(b"tensorswitch_fixture_entry_calls")
            .unwrap();
        f()
    };
    assert_eq!(calls, 1);
    let plugins = backend_statuses()
        .into_iter()
        .filter(|s| matches!(s.availability, Availability::Plugin { .. }))
        .count();
    assert_eq!(plugins, 1);
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let dir = std::env::temp_dir().join(format!("ts-plugin-bogus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(plugin_file_name("bogus"));
    std::fs::write(&file, "not a shared library\n").unwrap();
    let err = load_backend_plugin(&file).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::BackendUnavailable { .. }), "{err:?}");
    assert!(text.contains("could not be loaded"), "{text}");
    assert!(text.contains(&*file.to_string_lossy()), "{text}");
    // The failure is reported, with its reason.
    assert!(backend_statuses().iter().any(|s| s.name == "bogus"
        && matches!(&s.availability, Availability::NotLoadable { reason, .. } if reason.contains("could not be loaded"))));
    std::fs::remove_dir_all(&dir).ok();
}

/// A shared library this process has mapped that is not a plugin (the C library).
fn some_system_library() -> PathBuf {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("/libc.so") || p.contains("/libc-"))
        .map(PathBuf::from)
        .expect("the C library is mapped")
}

#[test]
#[cfg(target_os = "linux")]
fn a_library_without_the_entry_point_is_refused() {
    let lib = some_system_library();
    let err = load_backend_plugin(&lib).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("not a tensorswitch backend plugin"), "{text}");
    assert!(text.contains("tensorswitch_plugin_entry"), "{text}");
}

#[test]
fn a_plugin_of_another_abi_version_is_refused() {
    const TEST: &str = "a_plugin_of_another_abi_version_is_refused";
    if !is_child(TEST) {
        let out = run_child(TEST, &[("TS_FIXTURE_ABI", "999")]);
        assert!(out.contains("CHILD-DONE"), "{out}");
        return;
    }
    let err = load_backend_plugin(fixture()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("plugin ABI 999"), "{text}");
    assert!(
        text.contains("rebuild the plugin against tensorswitch"),
        "{text}"
    );
    // Refused, so not a backend: set_backend says why rather than "unknown".
    let err = set_backend("fixture").unwrap_err();
    assert!(err.to_string().contains("plugin ABI 999"), "{err}");
    assert!(tensorswitch::backend_stack().is_empty());
    println!("CHILD-DONE");
}

#[test]
fn statuses_and_errors_tell_found_loaded_broken_and_missing_apart() {
    const TEST: &str = "statuses_and_errors_tell_found_loaded_broken_and_missing_apart";
    if !is_child(TEST) {
        let dir = std::env::temp_dir().join(format!("ts-plugin-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(plugin_file_name("broken")), "garbage").unwrap();
        std::fs::write(dir.join(plugin_file_name("spare")), "garbage").unwrap();
        let out = run_child(TEST, &[(PLUGIN_PATH_ENV_VAR, &dir.to_string_lossy())]);
        std::fs::remove_dir_all(&dir).ok();
        assert!(out.contains("CHILD-DONE"), "{out}");
        return;
    }
    let dir = PathBuf::from(std::env::var(PLUGIN_PATH_ENV_VAR).unwrap());
    // Found on the search path, not loaded yet.
    let statuses = backend_statuses();
    let of = |name: &str| statuses.iter().find(|s| s.name == name).cloned();
    assert!(matches!(
        of("spare").unwrap().availability,
        Availability::Found { .. }
    ));
    assert!(matches!(
        of("fixture").unwrap().availability,
        Availability::Found { .. }
    ));
    // Loaded on first use (from next to the executable).
    set_backend("fixture").unwrap();
    assert!(matches!(
        backend_statuses()
            .into_iter()
            .find(|s| s.name == "fixture")
            .unwrap()
            .availability,
        Availability::Plugin { .. }
    ));
    // Found but not loadable: the error says so and why; the stack is unchanged.
    let err = set_backend("broken").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::BackendUnavailable { .. }), "{err:?}");
    assert!(text.contains("found but cannot be used"), "{text}");
    assert_eq!(tensorswitch::backend_stack().len(), 1);
    assert!(matches!(
        backend_statuses()
            .into_iter()
            .find(|s| s.name == "broken")
            .unwrap()
            .availability,
        Availability::NotLoadable { .. }
    ));
    // Not found: the error lists the file looked for and where.
    let err = set_backend("nosuch").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::UnknownBackend { .. }), "{err:?}");
    assert!(text.contains(&plugin_file_name("nosuch")), "{text}");
    assert!(text.contains(&*dir.to_string_lossy()), "{text}");
    assert!(text.contains(PLUGIN_PATH_ENV_VAR), "{text}");
    assert!(text.contains("next to the executable"), "{text}");
    assert_eq!(available_backends(), vec!["fixture"]);
    match tensorswitch::backend_status("nosuch").availability {
        Availability::NotFound { file, looked_in } => {
            assert_eq!(file, plugin_file_name("nosuch"));
            assert_eq!(looked_in.first(), Some(&dir));
        }
        other => panic!("expected not found, got {other:?}"),
    }
    // The coverage report says where the backend comes from.
    let report = tensorswitch::function_table_report("fixture").unwrap();
    match &report.origin {
        Availability::Plugin {
            path, core_version, ..
        } => {
            assert_eq!(*path, fixture().canonicalize().unwrap());
            assert_eq!(core_version, tensorswitch::plugin::CORE_VERSION);
        }
        other => panic!("expected a plugin, got {other:?}"),
    }
    assert!(report
        .to_string()
        .starts_with("backend fixture 1.0.0 (plugin /"));
    println!("CHILD-DONE");
}

/// Calls one of the fixture's counters (`tensorswitch_fixture_evaluations`, `…_reads`).
fn fixture_counter(symbol: &[u8]) -> usize {
    // SAFETY: the fixture, loaded by the caller first; its counters have this signature
    // (src/lib.rs).
    unsafe {
        let lib = libloading::Library::new(fixture()).unwrap();
        let f = lib.get::<unsafe extern "C" fn() -> usize>(symbol).unwrap();
        f()
    }
}

#[test]
fn evaluate_crosses_the_boundary_with_its_error() {
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    let desc = tensorswitch::plugin::all_descriptors()
        .find(|d| d.name == "fixture")
        .unwrap();
    assert!(desc.evaluate.is_some(), "the fixture declares itself lazy");
    with_backend("fixture", || {
        let x = Tensor::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
        let before = fixture_counter(b"tensorswitch_fixture_evaluations");
        tensorswitch::evaluate(&x).unwrap();
        assert_eq!(
            fixture_counter(b"tensorswitch_fixture_evaluations"),
            before + 1
        );
        // The plugin's error comes back with its kind and message.
        let nan = Tensor::from_slice(&[f32::NAN], &[1]).unwrap();
        match tensorswitch::evaluate(&nan) {
            Err(Error::InvalidArgument { op, reason }) => {
                assert_eq!(op, "evaluate");
                assert!(reason.contains("refuses to evaluate NaN"), "{reason}");
            }
            other => panic!("expected the fixture's error, got {other:?}"),
        }
    })
    .unwrap();
}

#[test]
fn index_tensors_are_read_in_place_across_the_boundary() {
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    with_backend("fixture", || {
        let i = Tensor::from_slice(&[3i64, -1, 7], &[3]).unwrap();
        let read = i.backend_descriptor().read_i64.expect("a reader crosses");
        let mut seen = Vec::new();
        assert!(read(&i, &mut |v| seen.extend_from_slice(v)));
        assert_eq!(seen, vec![3, -1, 7]);
        // The reader refuses what it cannot read in place (another dtype), as ndarray's does.
        let f = Tensor::from_slice(&[1.0f32], &[1]).unwrap();
        assert!(!read(&f, &mut |_| panic!("called for a float tensor")));
        // `take` checks its indices through the reader: out of range is an error naming it.
        let before = fixture_counter(b"tensorswitch_fixture_reads");
        let x = Tensor::from_slice(&[10.0f32, 20.0, 30.0], &[3]).unwrap();
        let err = tensorswitch::take(&x, &i, 0).unwrap_err();
        assert!(
            matches!(err, Error::IndexOutOfRange { index: 3, .. }),
            "{err:?}"
        );
        assert!(fixture_counter(b"tensorswitch_fixture_reads") > before);
        let ok = Tensor::from_slice(&[2i64, 0], &[2]).unwrap();
        let taken = tensorswitch::take(&x, &ok, 0).unwrap();
        assert_eq!(taken.to_vec::<f32>().unwrap(), vec![30.0, 10.0]);
    })
    .unwrap();
}

#[test]
fn the_plugins_core_keeps_no_dynamic_tensors_and_refuses_switches() {
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    // The host's core, the control: its tensors (here wrapping the plugin's) are dynamic by
    // default.
    let t = tensorswitch::with_backend("fixture", || Tensor::from_slice(&[1.0f32], &[1]))
        .unwrap()
        .unwrap();
    assert!(t.dynamic_backend());
    // The plugin's copy, once its entry point has run: no tensor of its own is dynamic (the
    // host tracks the tensors that hold them), and a converting switch started in it is
    // refused, since its slot calls run without read sections.
    // SAFETY: the fixture, loaded above; the probe has this signature (src/lib.rs).
    let bits = unsafe {
        let lib = libloading::Library::new(fixture()).unwrap();
        let probe = lib
            .get::<unsafe extern "C" fn() -> u32>(b"tensorswitch_fixture_probe")
            .unwrap();
        probe()
    };
    assert_eq!(
        bits, 2,
        "1: dynamic inside the plugin, 2: switch refused, 4: probe failed"
    );
}

/// A plugin built by the same compiler from the same core shares its tensor blocks: the host
/// takes its results over as its own tensors. It does not when the plugin does not offer it
/// (`TS_FIXTURE_HANDLES`) or the host does not ask (`TENSORSWITCH_PLUGIN_BLOCKS=0`); ops, the
/// plugin's errors and panics, and the host's registry of dynamic tensors behave the same
/// either way.
#[test]
fn blocks_are_shared_with_a_plugin_of_the_same_build_and_handles_kept_otherwise() {
    const TEST: &str =
        "blocks_are_shared_with_a_plugin_of_the_same_build_and_handles_kept_otherwise";
    if !is_child(TEST) {
        run_child(TEST, &[("TS_EXPECT_SHARED", "1")]);
        run_child(
            TEST,
            &[("TS_EXPECT_SHARED", "0"), ("TS_FIXTURE_HANDLES", "1")],
        );
        run_child(
            TEST,
            &[
                ("TS_EXPECT_SHARED", "0"),
                ("TENSORSWITCH_PLUGIN_BLOCKS", "0"),
            ],
        );
        return;
    }
    let expected = std::env::var("TS_EXPECT_SHARED").unwrap() == "1";
    assert_eq!(load_backend_plugin(fixture()), Ok("fixture"));
    match tensorswitch::backend_status("fixture").availability {
        Availability::Plugin { shares_blocks, .. } => assert_eq!(shares_blocks, expected),
        other => panic!("expected a plugin, got {other:?}"),
    }
    let before = tensorswitch::dynamic::live_dynamic_tensors();
    with_backend("fixture", || {
        let x = Tensor::from_slice(&[1.0f32, -2.5], &[2]).unwrap();
        let y = add(&x, &x).unwrap();
        // Results are the host's dynamic tensors, tracked by its registry.
        assert!(y.dynamic_backend());
        assert_eq!(tensorswitch::dynamic::live_dynamic_tensors(), before + 2);
        let z = add(&y, &x).unwrap();
        assert_eq!(z.to_vec::<f32>().unwrap(), vec![3.0, -7.5]);
        // The fixture's `square` calls `positive` and `multiply` inside the plugin, the second
        // on its own result and the host's tensor.
        let sq = tensorswitch::square(&z).unwrap();
        assert_eq!(sq.to_vec::<f32>().unwrap(), vec![9.0, 56.25]);
        drop(sq);
        assert_eq!(z.backend(), "fixture");
        // A tensor made with the flag off is not registered.
        let w = tensorswitch::dynamic::dynamic_backend_as(false, || add(&x, &x)).unwrap();
        assert!(!w.dynamic_backend());
        assert_eq!(tensorswitch::dynamic::live_dynamic_tensors(), before + 3);
        // The flag turned on later registers it; its drop gives the slot back.
        w.set_dynamic_backend(true).unwrap();
        assert_eq!(tensorswitch::dynamic::live_dynamic_tensors(), before + 4);
        drop(w);
        assert!(matches!(negative(&x), Err(Error::Backend { .. })));
        // An error of the plugin's (evaluate refuses NaN) and ops after it.
        let nan = Tensor::from_slice(&[f32::NAN], &[1]).unwrap();
        assert!(matches!(
            tensorswitch::evaluate(&nan),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(
            add(&x, &x).unwrap().to_vec::<f32>().unwrap(),
            vec![2.0, -5.0]
        );
    })
    .unwrap();
    // Every slot came back when the tensors went.
    assert_eq!(tensorswitch::dynamic::live_dynamic_tensors(), before);
}
