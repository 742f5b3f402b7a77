//! The shared conformance suite: every op of the catalogue, checked on a backend against
//! values computed independently by NumPy.
//!
//! * `cases.json` holds the cases; `gen_cases.py` (next to it) wrote it and documents every
//!   rule by which tensorswitch's results differ from NumPy's. Regenerate with
//!   `python3 tests/conformance/gen_cases.py` from the workspace root.
//! * A backend is instantiated in its own test file, with one line:
//!
//!   ```ignore
//!   use tensorswitch_ndarray as _; // link the backend
//!   mod conformance;
//!   conformance::conformance_suite!("ndarray");
//!   // or, to also compare every call with another backend:
//!   // conformance::conformance_suite!("torch", cross_check = "ndarray");
//!   ```
//!
//!   which expands into one `#[test]` per op group (`creation`, `elementwise`, `linalg`,
//!   `reductions`, `manipulation`, `errors`) plus `covers_every_op`.
//!
//! Each group runs all its cases, collects every failure and panics at the end with the list
//! (case id and what differed). A case that fails with `UnsupportedDType` for a dtype the
//! backend declares unsupported is skipped (and counted); an op the backend does not support
//! at all is a failure.
//!
//! The backend under test creates its tensors on the CPU, or on the device named by the
//! environment variable `TENSORSWITCH_TEST_DEVICE` (`cuda:0`, say; the cross-check's reference
//! backend stays on the CPU). A device the backend cannot create tensors on fails the suite
//! at once, naming the device and the backend's reason, rather than running on the CPU.

mod exec;
mod json;

use exec::{execute, Outcome, Values};
use json::Json;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;
use tensorswitch::{DType, Device, Error, Op};

/// The op groups, each a `#[test]` of the suite. Error cases form the group `errors`.
pub const GROUPS: &[&str] = &[
    "creation",
    "elementwise",
    "linalg",
    "reductions",
    "manipulation",
    "errors",
];

/// Expands into the conformance tests for one backend (see the module documentation).
macro_rules! conformance_suite {
    ($backend:expr) => {
        #[test]
        fn creation() {
            $crate::conformance::run_group($backend, "creation");
        }
        #[test]
        fn elementwise() {
            $crate::conformance::run_group($backend, "elementwise");
        }
        #[test]
        fn linalg() {
            $crate::conformance::run_group($backend, "linalg");
        }
        #[test]
        fn reductions() {
            $crate::conformance::run_group($backend, "reductions");
        }
        #[test]
        fn manipulation() {
            $crate::conformance::run_group($backend, "manipulation");
        }
        #[test]
        fn errors() {
            $crate::conformance::run_group($backend, "errors");
        }
        #[test]
        fn covers_every_op() {
            $crate::conformance::assert_covers_every_op();
        }
    };
    ($backend:expr, cross_check = $reference:expr) => {
        $crate::conformance::conformance_suite!($backend);
        #[test]
        fn cross_check() {
            $crate::conformance::cross_check($backend, $reference);
        }
    };
}
pub(crate) use conformance_suite;

/// What a case expects.
#[derive(Debug)]
pub enum Expected {
    /// A tensor: dtype, shape and the elements (parsed with the dtype's own precision).
    Value {
        dtype: DType,
        shape: Vec<usize>,
        values: Values,
    },
    /// An error, one of these `Error` variants.
    Error(Vec<String>),
}

/// One case of `cases.json`.
#[derive(Debug)]
pub struct Case {
    pub id: String,
    pub op: String,
    pub group: String,
    pub args: Vec<Json>,
    pub kwargs: Json,
    pub expected: Expected,
    pub rtol: f64,
    pub atol: f64,
}

const DATA: &str = include_str!("cases.json");

/// Every case, parsed once per process.
pub fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| match load(DATA) {
        Ok(c) => c,
        Err(e) => panic!("tests/conformance/cases.json is malformed: {e}"),
    })
}

fn load(text: &str) -> Result<Vec<Case>, String> {
    let doc = Json::parse(text)?;
    let list = doc
        .get("cases")
        .and_then(Json::as_arr)
        .ok_or("no `cases` array")?;
    let mut out = Vec::with_capacity(list.len());
    let mut ids = BTreeSet::new();
    for (i, c) in list.iter().enumerate() {
        let case = parse_case(c).map_err(|e| format!("case #{i}: {e}"))?;
        if !ids.insert(case.id.clone()) {
            return Err(format!("duplicate case id `{}`", case.id));
        }
        out.push(case);
    }
    Ok(out)
}

fn parse_case(c: &Json) -> Result<Case, String> {
    let text = |k: &str| -> Result<String, String> {
        c.get(k)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("missing string `{k}`"))
    };
    let id = text("id")?;
    let ctx = |e: String| format!("{id}: {e}");
    let tol = |k: &str| -> Result<f64, String> {
        c.get(k)
            .and_then(Json::parse_num::<f64>)
            .ok_or_else(|| ctx(format!("missing number `{k}`")))
    };
    let exp = c
        .get("expected")
        .ok_or_else(|| ctx("no `expected`".into()))?;
    let expected = if let Some(e) = exp.get("error") {
        // one variant name (written as a one-element list): every backend must give the same
        let one = std::slice::from_ref(e);
        let names = e
            .as_arr()
            .unwrap_or(one)
            .iter()
            .map(|n| n.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .filter(|n| n.len() == 1)
            .ok_or_else(|| ctx("`error` must name exactly one variant".into()))?;
        Expected::Error(names)
    } else {
        let (data, shape) = exec::host_data(exp).map_err(ctx)?;
        Expected::Value {
            dtype: data.dtype(),
            shape,
            values: Values::of(&data),
        }
    };
    Ok(Case {
        op: text("op")?,
        group: text("group")?,
        args: c
            .get("args")
            .and_then(Json::as_arr)
            .ok_or_else(|| ctx("no `args` list".into()))?
            .to_vec(),
        kwargs: c.get("kwargs").cloned().unwrap_or(Json::Obj(Vec::new())),
        expected,
        rtol: tol("rtol")?,
        atol: tol("atol")?,
        id,
    })
}

/// The name of an error's variant (`ShapeMismatch`), from its `Debug` form.
pub fn variant_name(e: &Error) -> String {
    format!("{e:?}")
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Dtypes the backend declares unsupported; calls failing on those are skipped.
fn declared_unsupported(backend: &str) -> Vec<DType> {
    tensorswitch::function_table_report(backend)
        .map(|r| r.unsupported_dtypes)
        .unwrap_or_default()
}

/// A call the backend declares it cannot make: a dtype it lacks, or a dimension its shapes
/// cannot hold (`BackendDescriptor::max_dim`).
fn is_declared_skip(outcome: &Outcome, unsupported: &[DType]) -> bool {
    match outcome {
        Outcome::Error(Error::UnsupportedDType { dtype, .. }) => unsupported.contains(dtype),
        Outcome::Error(Error::UnsupportedShape { .. }) => true,
        _ => false,
    }
}

/// Whether Linux is set to grant every allocation (`vm.overcommit_memory = 1`).
fn overcommits_always() -> bool {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|s| s.trim() == "1")
}

/// Runs a case on the current thread's backend and says what differed, if anything.
fn check(case: &Case, unsupported: &[DType]) -> Verdict {
    if matches!(&case.expected, Expected::Error(n) if n[0] == "OutOfMemory") && overcommits_always()
    {
        // These cases ask for terabytes, which the kernel's default heuristic refuses at once;
        // with `vm.overcommit_memory = 1` it would grant them and the fill would exhaust RAM.
        return Verdict::Skip;
    }
    let outcome = match execute(case) {
        Ok(o) => o,
        Err(e) => return Verdict::Fail(e),
    };
    if is_declared_skip(&outcome, unsupported) {
        return Verdict::Skip;
    }
    match (&case.expected, outcome) {
        (Expected::Error(names), Outcome::Error(e)) => {
            let got = variant_name(&e);
            if names.contains(&got) {
                Verdict::Pass
            } else {
                Verdict::Fail(format!(
                    "expected error {}, got {got}: {e}",
                    names.join(" or ")
                ))
            }
        }
        (Expected::Error(names), Outcome::Value(got)) => Verdict::Fail(format!(
            "expected error {}, got a {} tensor of shape {:?}: {}",
            names.join(" or "),
            got.dtype,
            got.shape,
            got.values.preview()
        )),
        (Expected::Value { dtype, shape, .. }, Outcome::Error(e)) => Verdict::Fail(format!(
            "expected a {dtype} tensor of shape {shape:?}, got error {}: {e}",
            variant_name(&e)
        )),
        (
            Expected::Value {
                dtype,
                shape,
                values,
            },
            Outcome::Value(got),
        ) => {
            let mut problems = Vec::new();
            if got.dtype != *dtype {
                problems.push(format!("dtype: expected {dtype}, got {}", got.dtype));
            }
            if got.shape != *shape {
                problems.push(format!("shape: expected {shape:?}, got {:?}", got.shape));
            }
            if problems.is_empty() {
                if let Err(e) = values.compare(&got.values, case.rtol, case.atol) {
                    problems.push(e);
                }
            } else if got.values.len() == values.len() {
                problems.push(format!(
                    "values: expected {}, got {}",
                    values.preview(),
                    got.values.preview()
                ));
            }
            if problems.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Fail(problems.join("; "))
            }
        }
    }
}

enum Verdict {
    Pass,
    Skip,
    Fail(String),
}

struct Tally {
    title: String,
    run: usize,
    skipped: Vec<String>,
    failures: Vec<(String, String)>,
}

impl Tally {
    fn new(title: String) -> Tally {
        Tally {
            title,
            run: 0,
            skipped: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn record(&mut self, id: &str, v: Verdict) {
        self.run += 1;
        match v {
            Verdict::Pass => {}
            Verdict::Skip => self.skipped.push(id.to_string()),
            Verdict::Fail(msg) => self.failures.push((id.to_string(), msg)),
        }
    }

    /// Prints the summary; panics with every failure if there were any.
    fn finish(self) {
        let passed = self.run - self.skipped.len() - self.failures.len();
        println!(
            "{}: {} cases, {passed} passed, {} skipped (dtype declared unsupported), {} failed",
            self.title,
            self.run,
            self.skipped.len(),
            self.failures.len()
        );
        if !self.skipped.is_empty() {
            println!("  skipped: {}", self.skipped.join(", "));
        }
        if self.failures.is_empty() {
            return;
        }
        let mut msg = format!(
            "{}: {} of {} cases failed:\n",
            self.title,
            self.failures.len(),
            self.run
        );
        for (id, what) in &self.failures {
            let _ = writeln!(msg, "  {id}: {what}");
        }
        panic!("{msg}");
    }
}

/// Runs the cases of one group on `backend`, panicking with every failure at the end.
pub fn run_group(backend: &str, group: &str) {
    assert!(GROUPS.contains(&group), "unknown group `{group}`");
    run_filtered(backend, group, |c| c.group == group);
}

/// Runs every case on `backend` and checks coverage, panicking with every failure at the end.
#[allow(dead_code)]
pub fn run_all(backend: &str) {
    assert_covers_every_op();
    run_filtered(backend, "all", |_| true);
}

fn run_filtered(backend: &str, title: &str, keep: impl Fn(&Case) -> bool) {
    let unsupported = declared_unsupported(backend);
    let mut tally = Tally::new(format!("conformance of `{backend}`, {title}"));
    let selected: Vec<&Case> = cases().iter().filter(|c| keep(c)).collect();
    assert!(!selected.is_empty(), "no cases selected for {title}");
    let ran = tensorswitch::with_backend(backend, || {
        on_test_device(backend, || {
            for case in selected {
                let v = check(case, &unsupported);
                tally.record(&case.id, v);
            }
        })
    });
    if let Err(e) = ran {
        panic!("cannot run the conformance suite on backend `{backend}`: {e}");
    }
    tally.finish();
}

/// The device named by `TENSORSWITCH_TEST_DEVICE`, else the CPU.
fn test_device() -> Device {
    match std::env::var("TENSORSWITCH_TEST_DEVICE") {
        Ok(name) => Device::parse(&name)
            .unwrap_or_else(|e| panic!("TENSORSWITCH_TEST_DEVICE={name} is not a device: {e}")),
        Err(_) => Device::Cpu,
    }
}

/// Runs `f` with the test device as the creation device of `backend` (already active),
/// after checking that the backend really creates tensors there.
fn on_test_device<R>(backend: &str, f: impl FnOnce() -> R) -> R {
    let device = test_device();
    tensorswitch::with_device(device, || {
        match tensorswitch::Tensor::from_slice(&[1.0f32], &[1]) {
            Ok(t) if t.device() == device => {}
            Ok(t) => panic!(
                "backend `{backend}` put a tensor on {} when asked for {device}",
                t.device()
            ),
            Err(e) => panic!("backend `{backend}` cannot create tensors on {device}: {e}"),
        }
        if device != Device::Cpu {
            println!("conformance of `{backend}` on {device}");
        }
        f()
    })
}

/// Asserts that the data covers every op of the catalogue with at least one value case (and
/// names no op that does not exist), and that every case belongs to a known group.
pub fn assert_covers_every_op() {
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    for c in cases() {
        match Op::from_name(&c.op) {
            None => problems.push(format!("case {}: unknown op `{}`", c.id, c.op)),
            Some(op) => {
                if !matches!(c.expected, Expected::Error(_)) {
                    covered.insert(op);
                }
            }
        }
        if !GROUPS.contains(&c.group.as_str()) {
            problems.push(format!("case {}: unknown group `{}`", c.id, c.group));
        }
        if !exec::KNOWN_OPS.contains(&c.op.as_str()) {
            problems.push(format!("case {}: the harness cannot call `{}`", c.id, c.op));
        }
    }
    for op in Op::ALL {
        if !covered.contains(op) {
            problems.push(format!(
                "op `{}` has no conformance case with an expected value (add some to tests/conformance/gen_cases.py)",
                op.name()
            ));
        }
    }
    for name in exec::KNOWN_OPS {
        if Op::from_name(name).is_none() {
            problems.push(format!(
                "the harness calls `{name}`, which is not in Op::ALL"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "conformance coverage problems:\n  {}",
        problems.join("\n  ")
    );
}

/// Runs every case on backends `a` and `b` and compares the results with each other (values
/// within the case's tolerance, dtypes and shapes exactly, errors by variant). Independent of
/// the expected values, so it also catches two backends agreeing with each other but not with
/// the data, and vice versa.
#[allow(dead_code)]
pub fn cross_check(a: &str, b: &str) {
    let run_on = |backend: &str, under_test: bool| -> Vec<Result<Outcome, String>> {
        let run = || cases().iter().map(execute).collect();
        tensorswitch::with_backend(backend, || {
            if under_test {
                on_test_device(backend, run)
            } else {
                run()
            }
        })
        .unwrap_or_else(|e| panic!("cannot run backend `{backend}`: {e}"))
    };
    let (ua, ub) = (declared_unsupported(a), declared_unsupported(b));
    let (ra, rb) = (run_on(a, true), run_on(b, false));
    let mut tally = Tally::new(format!("cross-check of `{a}` against `{b}`"));
    for ((case, x), y) in cases().iter().zip(ra).zip(rb) {
        let v = match (x, y) {
            (Err(e), _) => Verdict::Fail(format!("on {a}: {e}")),
            (_, Err(e)) => Verdict::Fail(format!("on {b}: {e}")),
            (Ok(x), Ok(y)) if is_declared_skip(&x, &ua) || is_declared_skip(&y, &ub) => {
                Verdict::Skip
            }
            (Ok(Outcome::Error(x)), Ok(Outcome::Error(y))) => {
                if variant_name(&x) == variant_name(&y) {
                    Verdict::Pass
                } else {
                    Verdict::Fail(format!("{a}: {x}; {b}: {y}"))
                }
            }
            (Ok(Outcome::Error(x)), Ok(Outcome::Value(y))) => Verdict::Fail(format!(
                "{a} failed ({x}), {b} returned a {} tensor of shape {:?}",
                y.dtype, y.shape
            )),
            (Ok(Outcome::Value(x)), Ok(Outcome::Error(y))) => Verdict::Fail(format!(
                "{a} returned a {} tensor of shape {:?}, {b} failed ({y})",
                x.dtype, x.shape
            )),
            (Ok(Outcome::Value(x)), Ok(Outcome::Value(y))) => {
                if x.dtype != y.dtype || x.shape != y.shape {
                    Verdict::Fail(format!(
                        "{a}: {} {:?}, {b}: {} {:?}",
                        x.dtype, x.shape, y.dtype, y.shape
                    ))
                } else {
                    match y.values.compare(&x.values, case.rtol, case.atol) {
                        Ok(()) => Verdict::Pass,
                        Err(e) => Verdict::Fail(format!("{b} as reference, {a} differs: {e}")),
                    }
                }
            }
        };
        tally.record(&case.id, v);
    }
    tally.finish();
}
