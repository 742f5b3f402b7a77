//! The MLX plugin from a program that does not link MLX (this binary links the core and
//! ndarray): loaded on first use, lazy evaluation and conversions across the boundary. The case
//! runs in a child process (this binary again, with `--exact`), one where libmlx was never
//! mapped before the plugin loads.

#[path = "../../../../tests/support/child.rs"]
mod child;
use tensorswitch::dynamic::{previous_backend_dynamic, set_backend_dynamic};
use tensorswitch::plugin::Availability;
use tensorswitch::{
    add, backend_statuses, evaluate, function_table_report, matmul, set_backend, take, to_backend,
    Error, Op, Source, Tensor,
};
use tensorswitch_ndarray as _;

/// Set in a child process: the test whose body it runs.
const CHILD: &str = "TS_MLX_PLUGIN_CHILD";

fn is_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == test)
}

/// Runs `test` of this binary in a child process and fails unless it passed and got to its
/// end.
fn run_child(test: &str) {
    child::output(child::command(test, CHILD), test, "CHILD-DONE");
}

/// Whether libmlx is mapped into this process.
fn libmlx_mapped() -> bool {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .contains("libmlx")
}

/// How many evaluations the plugin's MLX backend asked for (its exported counter).
fn plugin_evaluations() -> u64 {
    let path = backend_statuses()
        .into_iter()
        .find_map(|s| match s.availability {
            Availability::Plugin { path, .. } if s.name == "mlx" => Some(path),
            _ => None,
        })
        .expect("the MLX plugin is loaded");
    // SAFETY: the plugin, loaded already (this maps nothing new); the counter has this
    // signature (src/lib.rs).
    unsafe {
        let lib = libloading::Library::new(path).unwrap();
        let f = lib
            .get::<unsafe extern "C" fn() -> u64>(b"tensorswitch_mlx_plugin_evaluations")
            .unwrap();
        f()
    }
}

#[test]
#[cfg(target_os = "linux")]
fn set_backend_loads_the_plugin_and_mlx_stays_lazy_across_the_boundary() {
    const TEST: &str = "set_backend_loads_the_plugin_and_mlx_stays_lazy_across_the_boundary";
    if !is_child(TEST) {
        return run_child(TEST);
    }
    assert!(!libmlx_mapped(), "this binary must not link MLX");
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    set_backend("mlx").unwrap();
    assert!(libmlx_mapped());
    let status = backend_statuses()
        .into_iter()
        .find(|s| s.name == "mlx")
        .unwrap();
    assert!(
        matches!(status.availability, Availability::Plugin { .. }),
        "{status:?}"
    );
    let desc = a.backend_descriptor();
    assert_eq!(desc.name, "ndarray");
    // The plugin's descriptor is MLX's: lazy (evaluate crosses), 32-bit shapes, no in-place
    // reader (MLX linked in has none either).
    let m = to_backend(&a, "mlx").unwrap();
    let mlx = m.backend_descriptor();
    assert!(mlx.evaluate.is_some());
    assert!(mlx.read_i64.is_none());
    assert_eq!(mlx.max_dim, i32::MAX as usize);
    // MLX lends and borrows no host memory in-process, so across the boundary it copies: the
    // plugin's tensor lends nothing.
    let share = mlx
        .share_host
        .expect("the plugin's descriptor forwards sharing");
    assert!(share(&m).is_none());

    // Lazy: an op builds a graph; evaluate computes it, once per call, in the plugin.
    let s = matmul(&m, &add(&m, &m).unwrap()).unwrap();
    let before = plugin_evaluations();
    evaluate(&s).unwrap();
    assert_eq!(plugin_evaluations(), before + 1);
    // [[1,2],[3,4]] · [[2,4],[6,8]] = [[14,20],[30,44]]
    let back = to_backend(&s, "ndarray").unwrap();
    assert_eq!(back.backend(), "ndarray");
    assert_eq!(back.to_vec::<f32>().unwrap(), vec![14.0, 20.0, 30.0, 44.0]);
    // Without an in-place reader, index checks read through to_host: still an error.
    let i = to_backend(&Tensor::from_slice(&[0i64, 2], &[2]).unwrap(), "mlx").unwrap();
    let err = take(&m, &i, 0).unwrap_err();
    assert!(
        matches!(err, Error::IndexOutOfRange { index: 2, .. }),
        "{err:?}"
    );

    // Converting switches move dynamic tensors across the boundary and back (copying, as
    // with MLX linked in), every live one, whichever side it is on.
    set_backend("ndarray").unwrap();
    let d = Tensor::from_slice(&[1.5f32, -2.0], &[2]).unwrap();
    assert!(d.dynamic_backend());
    assert_eq!(set_backend_dynamic("mlx").unwrap().name(), "mlx");
    assert_eq!(
        (d.backend(), a.backend(), m.backend()),
        ("mlx", "mlx", "mlx")
    );
    assert_eq!(d.to_vec::<f32>().unwrap(), vec![1.5, -2.0]);
    // Pops mlx (returned), back to ndarray.
    assert_eq!(previous_backend_dynamic().unwrap().name(), "mlx");
    assert_eq!((d.backend(), m.backend()), ("ndarray", "ndarray"));
    assert_eq!(
        add(&d, &d).unwrap().to_vec::<f32>().unwrap(),
        vec![3.0, -4.0]
    );
    assert_eq!(m.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    println!("CHILD-DONE");
}

/// The plugin serves what MLX linked in serves: its coverage report, which says it comes from
/// the plugin, has the MLX column of docs/coverage.md (generated from the linked backend by
/// backends/mlx/tests/coverage.rs), op for op.
#[test]
fn the_plugins_coverage_is_the_linked_backends() {
    let report = function_table_report("mlx").unwrap();
    assert!(
        matches!(&report.origin, Availability::Plugin { path, .. }
            if path.ends_with(tensorswitch::plugin::plugin_file_name("mlx"))),
        "{:?}",
        report.origin
    );
    assert!(report.to_string().contains("(plugin /"), "{report}");
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../docs/coverage.md"
    ))
    .unwrap();
    let mut rows = 0;
    for line in page.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `op` | group | ndarray | torch | mlx |
        let name = cells[1].trim_matches('`');
        let op = *Op::ALL.iter().find(|op| op.name() == name).unwrap();
        let (_, source) = report.rows.iter().find(|(o, _)| *o == op).unwrap();
        let cell = match source {
            Source::Primary { variant } if *variant == op.ident() => "primary".to_string(),
            Source::Primary { variant } => format!("primary (`{variant}`)"),
            Source::Compositional => "fallback".to_string(),
            Source::Unsupported => "—".to_string(),
        };
        assert_eq!(cell, cells[5], "{name}");
        rows += 1;
    }
    assert_eq!(rows, Op::ALL.len());
}
