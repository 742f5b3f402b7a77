//! The conformance suite of tensorswitch: every op of the catalogue, checked on a backend
//! against values computed independently by NumPy.
//!
//! * `cases/<group>.json` hold the cases, one file per op group; `gen_cases.py` (next to
//!   them) wrote them and documents every rule by which tensorswitch's results differ from
//!   NumPy's. Regenerate with `python3 conformance/gen_cases.py` from the workspace root.
//!   The files are embedded at compile time, so a backend crate anywhere finds them.
//! * A backend crate takes this crate as a dev-dependency and instantiates the suite in a
//!   test file with one line:
//!
//!   ```ignore
//!   use tensorswitch_ndarray as _; // link the backend
//!   tensorswitch_conformance::suite!("ndarray");
//!   // or, to also compare every call with another backend:
//!   // tensorswitch_conformance::suite!("torch", cross_check = "ndarray");
//!   ```
//!
//!   which expands into one `#[test]` per op group (`creation`, `elementwise`, `linalg`,
//!   `reductions`, `manipulation`, `errors`), the same again with every op that has a
//!   compositional fallback served by it (`creation_fallbacks`, …: see
//!   [`tensorswitch::with_backend_masked`]), plus `covers_every_op` and
//!   `covers_every_fallback` (and `cross_check`, `cross_check_fallbacks` with a reference).
//!
//! Each group runs all its cases, collects every failure and panics at the end with the list
//! (case id and what differed). A case that fails with `UnsupportedDType` for a dtype the
//! backend declares unsupported is skipped (and counted); an op the backend does not support
//! at all is a failure. In the fallback tests, the cases of [`KNOWN_FALLBACK_FAILURES`] are
//! skipped (and counted).
//!
//! The backend under test creates its tensors on the CPU, or on the device named by the
//! environment variable `TENSORSWITCH_TEST_DEVICE` (`cuda:0`, say; the cross-check's reference
//! backend stays on the CPU). A device the backend cannot create tensors on fails the suite
//! at once, naming the device and the backend's reason, rather than running on the CPU.

pub mod checks;
mod exec;
mod json;
pub mod support;

pub use exec::case_call;
use exec::{execute, Outcome, Values};
use json::Json;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;
use tensorswitch::{DType, Device, Error, Op};

/// The op groups, each a `#[test]` of the suite (and a file of cases). Error cases form the
/// group `errors`.
pub const GROUPS: &[&str] = &[
    "creation",
    "elementwise",
    "linalg",
    "reductions",
    "manipulation",
    "errors",
];

/// The case files, one per group (in the order of [`GROUPS`]), embedded at compile time.
const DATA: &[(&str, &str)] = &[
    ("creation", include_str!("../cases/creation.json")),
    ("elementwise", include_str!("../cases/elementwise.json")),
    ("linalg", include_str!("../cases/linalg.json")),
    ("reductions", include_str!("../cases/reductions.json")),
    ("manipulation", include_str!("../cases/manipulation.json")),
    ("errors", include_str!("../cases/errors.json")),
];

/// Cases whose compositional fallbacks are known to fail, skipped by the fallback tests
/// (`<group>_fallbacks`, `cross_check_fallbacks`) until the fallback is fixed: `(backend,
/// case id, reason)`, where the backend `"*"` means every backend. Each entry is a bug of a
/// fallback in the core (src/ops); this list is meant to become empty.
pub const KNOWN_FALLBACK_FAILURES: &[(&str, &str, &str)] = &[];

/// Whether the fallback tests skip `case` on `backend` (see [`KNOWN_FALLBACK_FAILURES`]).
fn known_fallback_failure(backend: &str, case: &str) -> bool {
    KNOWN_FALLBACK_FAILURES
        .iter()
        .any(|(b, id, _)| (*b == "*" || *b == backend) && *id == case)
}

/// Expands into the conformance tests for one backend (see the crate documentation).
#[macro_export]
macro_rules! suite {
    ($backend:expr) => {
        $crate::suite!(@groups $backend,
            creation creation_fallbacks creation_traced,
            elementwise elementwise_fallbacks elementwise_traced,
            linalg linalg_fallbacks linalg_traced,
            reductions reductions_fallbacks reductions_traced,
            manipulation manipulation_fallbacks manipulation_traced,
            errors errors_fallbacks errors_traced);
        #[test]
        fn covers_every_op() {
            $crate::assert_covers_every_op();
        }
        #[test]
        fn covers_every_fallback() {
            $crate::assert_covers_every_fallback();
        }
        $crate::__checks!($backend);
    };
    ($backend:expr, cross_check = $reference:expr) => {
        $crate::suite!($backend);
        #[test]
        fn cross_check() {
            $crate::cross_check($backend, $reference);
        }
        #[test]
        fn cross_check_fallbacks() {
            $crate::cross_check_masked($backend, $reference);
        }
    };
    (@groups $backend:expr, $($group:ident $masked:ident $traced:ident),*) => {
        $(
            #[test]
            fn $group() {
                $crate::run_group($backend, stringify!($group));
            }
            #[test]
            fn $masked() {
                $crate::run_group_masked($backend, stringify!($group));
            }
            #[test]
            fn $traced() {
                $crate::run_group_traced($backend, stringify!($group));
            }
        )*
    };
}

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

/// One case of the data (`cases/<group>.json`).
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
    /// For an op that returns several tensors (the decompositions): which one the case
    /// checks, after the signs are made canonical (see `exec::canonical_signs`).
    pub output: Option<usize>,
}

/// Every case, parsed once per process.
pub fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| match load() {
        Ok(c) => c,
        Err(e) => panic!("the conformance data (conformance/cases/) is malformed: {e}"),
    })
}

fn load() -> Result<Vec<Case>, String> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for (group, text) in DATA {
        let doc = Json::parse(text).map_err(|e| format!("cases/{group}.json: {e}"))?;
        if doc.get("group").and_then(Json::as_str) != Some(group) {
            return Err(format!(
                "cases/{group}.json does not name its group `{group}`"
            ));
        }
        let list = doc
            .get("cases")
            .and_then(Json::as_arr)
            .ok_or_else(|| format!("cases/{group}.json: no `cases` array"))?;
        for (i, c) in list.iter().enumerate() {
            let case = parse_case(c).map_err(|e| format!("cases/{group}.json, case #{i}: {e}"))?;
            if case.group != *group {
                return Err(format!(
                    "case `{}` of group `{}` is in cases/{group}.json",
                    case.id, case.group
                ));
            }
            if !ids.insert(case.id.clone()) {
                return Err(format!("duplicate case id `{}`", case.id));
            }
            out.push(case);
        }
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
        output: c.get("output").and_then(Json::parse_num::<usize>),
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

/// A call the backend declares it cannot make: a dtype it lacks that the case itself names
/// (an input's, a `dtype` argument's or the result's), or a dimension its shapes cannot hold
/// (`BackendDescriptor::max_dim`). A dtype the case does not name is the implementation's
/// choice (a fallback's intermediate, say), not a skip: the backend supports every dtype of
/// the call.
fn is_declared_skip(outcome: &Outcome, unsupported: &[DType], case: &Case) -> bool {
    match outcome {
        Outcome::Error(Error::UnsupportedDType { dtype, .. }) => {
            unsupported.contains(dtype) && names_dtype(case, *dtype)
        }
        Outcome::Error(Error::UnsupportedShape { .. }) => true,
        _ => false,
    }
}

/// Whether `case` names `dtype`: in a tensor argument, a `dtype` keyword or its expected value.
fn names_dtype(case: &Case, dtype: DType) -> bool {
    fn walk(v: &Json, dtype: DType) -> bool {
        match v {
            Json::Arr(items) => items.iter().any(|x| walk(x, dtype)),
            Json::Obj(members) => members.iter().any(|(k, x)| {
                (k == "dtype" && x.as_str().and_then(DType::from_name) == Some(dtype))
                    || walk(x, dtype)
            }),
            _ => false,
        }
    }
    matches!(case.expected, Expected::Value { dtype: d, .. } if d == dtype)
        || case.args.iter().any(|a| walk(a, dtype))
        || walk(&case.kwargs, dtype)
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
    if is_declared_skip(&outcome, unsupported, case) {
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
    /// Not run: a case of [`KNOWN_FALLBACK_FAILURES`] in a fallback test.
    Known,
    Fail(String),
}

struct Tally {
    title: String,
    run: usize,
    skipped: Vec<String>,
    known: Vec<String>,
    failures: Vec<(String, String)>,
}

impl Tally {
    fn new(title: String) -> Tally {
        Tally {
            title,
            run: 0,
            skipped: Vec::new(),
            known: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn record(&mut self, id: &str, v: Verdict) {
        self.run += 1;
        match v {
            Verdict::Pass => {}
            Verdict::Skip => self.skipped.push(id.to_string()),
            Verdict::Known => self.known.push(id.to_string()),
            Verdict::Fail(msg) => self.failures.push((id.to_string(), msg)),
        }
    }

    /// Prints the summary; panics with every failure if there were any.
    fn finish(self) {
        let passed = self.run - self.skipped.len() - self.known.len() - self.failures.len();
        let known = if self.known.is_empty() {
            String::new()
        } else {
            format!(", {} not run (known fallback failures)", self.known.len())
        };
        println!(
            "{}: {} cases, {passed} passed, {} skipped (dtype declared unsupported){known}, {} failed",
            self.title,
            self.run,
            self.skipped.len(),
            self.failures.len()
        );
        if !self.skipped.is_empty() {
            println!("  skipped: {}", self.skipped.join(", "));
        }
        if !self.known.is_empty() {
            println!(
                "  not run, in KNOWN_FALLBACK_FAILURES: {}",
                self.known.join(", ")
            );
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

/// Which table of a backend a run uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// The backend's own ([`tensorswitch::with_backend`]).
    Primary,
    /// Every op with a compositional fallback served by it
    /// ([`tensorswitch::with_backend_masked`]).
    Masked,
    /// The backend's own, every case traced, compiled and run from the graph.
    Traced,
}

impl Table {
    /// Runs `f` on this table of `backend`.
    fn with<R>(self, backend: &str, f: impl FnOnce() -> R) -> tensorswitch::Result<R> {
        match self {
            Table::Primary => tensorswitch::with_backend(backend, f),
            Table::Masked => tensorswitch::with_backend_masked(backend, || {
                assert_masked(backend);
                f()
            }),
            Table::Traced => tensorswitch::with_backend(backend, || {
                let (r, eager) = exec::traced(f);
                eprintln!("{eager} case(s) ran eagerly: the tracer refuses their op (it reads values, or its result's shape depends on them)");
                r
            }),
        }
    }

    /// Whether this run leaves `case` out (a known fallback failure, in a masked run).
    fn leaves_out(self, backend: &str, case: &Case) -> bool {
        self == Table::Masked && known_fallback_failure(backend, &case.id)
    }
}

/// Asserts that the current table serves every op that has a compositional fallback with it,
/// so a masked run cannot pass on the backend's primaries.
fn assert_masked(backend: &str) {
    let table = tensorswitch::current_backend()
        .unwrap_or_else(|| panic!("no backend set inside with_backend_masked(`{backend}`)"))
        .table();
    assert!(table.is_masked(), "the table of `{backend}` is not masked");
    let primaries: Vec<&str> = Op::ALL
        .iter()
        .filter(|op| op.fallback().is_some())
        .filter(|op| !matches!(table.source(**op), tensorswitch::Source::Compositional))
        .map(|op| op.name())
        .collect();
    assert!(
        primaries.is_empty(),
        "the masked table of `{backend}` still serves these ops with fallbacks otherwise: {}",
        primaries.join(", ")
    );
}

/// Runs the cases of one group on `backend`, panicking with every failure at the end.
pub fn run_group(backend: &str, group: &str) {
    assert!(GROUPS.contains(&group), "unknown group `{group}`");
    run_filtered(backend, Table::Primary, group, |c| c.group == group);
}

/// Runs the cases of one group on `backend` with every op that has a compositional fallback
/// served by that fallback ([`tensorswitch::with_backend_masked`]), panicking with every
/// failure at the end. The cases of [`KNOWN_FALLBACK_FAILURES`] are skipped.
pub fn run_group_masked(backend: &str, group: &str) {
    assert!(GROUPS.contains(&group), "unknown group `{group}`");
    run_filtered(backend, Table::Masked, group, |c| c.group == group);
}

/// Runs the cases of one group on `backend` through trace → compile → run (cases whose op
/// the tracer refuses run eagerly), panicking with every failure at the end.
pub fn run_group_traced(backend: &str, group: &str) {
    assert!(GROUPS.contains(&group), "unknown group `{group}`");
    run_filtered(backend, Table::Traced, group, |c| c.group == group);
}

/// Runs every case on `backend` and checks coverage, panicking with every failure at the end.
pub fn run_all(backend: &str) {
    assert_covers_every_op();
    run_filtered(backend, Table::Primary, "all", |_| true);
}

fn run_filtered(backend: &str, table: Table, title: &str, keep: impl Fn(&Case) -> bool) {
    let unsupported = declared_unsupported(backend);
    let what = match table {
        Table::Primary => "conformance",
        Table::Masked => "conformance of the fallbacks",
        Table::Traced => "conformance, traced and compiled",
    };
    let mut tally = Tally::new(format!("{what} of `{backend}`, {title}"));
    let selected: Vec<&Case> = cases().iter().filter(|c| keep(c)).collect();
    assert!(!selected.is_empty(), "no cases selected for {title}");
    let ran = table.with(backend, || {
        on_test_device(backend, || {
            for case in selected {
                let v = if table.leaves_out(backend, case) {
                    Verdict::Known
                } else {
                    check(case, &unsupported)
                };
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
    }
    for op in Op::ALL {
        if !covered.contains(op) {
            problems.push(format!(
                "op `{}` has no conformance case with an expected value (add some to conformance/gen_cases.py)",
                op.name()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "conformance coverage problems:\n  {}",
        problems.join("\n  ")
    );
}

/// Asserts that every op with a compositional fallback has at least one case with an expected
/// value, so the fallback tests run (and check the values of) every fallback on every backend.
pub fn assert_covers_every_fallback() {
    let valued: BTreeSet<Op> = cases()
        .iter()
        .filter(|c| matches!(c.expected, Expected::Value { .. }))
        .filter_map(|c| Op::from_name(&c.op))
        .collect();
    let missing: Vec<&str> = Op::ALL
        .iter()
        .filter(|op| op.fallback().is_some() && !valued.contains(op))
        .map(|op| op.name())
        .collect();
    assert!(
        missing.is_empty(),
        "ops with a compositional fallback but no conformance case with an expected value \
         (add some to conformance/gen_cases.py): {}",
        missing.join(", ")
    );
}

/// Runs every case on backends `a` and `b` and compares the results with each other (values
/// within the case's tolerance, dtypes and shapes exactly, errors by variant). Independent of
/// the expected values, so it also catches two backends agreeing with each other but not with
/// the data, and vice versa.
pub fn cross_check(a: &str, b: &str) {
    cross_check_on(a, Table::Primary, b);
}

/// Like [`cross_check`], with every op of `a` that has a compositional fallback served by
/// that fallback ([`tensorswitch::with_backend_masked`]); `b`, the reference, keeps its own
/// table. The cases of [`KNOWN_FALLBACK_FAILURES`] are skipped.
pub fn cross_check_masked(a: &str, b: &str) {
    cross_check_on(a, Table::Masked, b);
}

fn cross_check_on(a: &str, table: Table, b: &str) {
    // `None`: a case left out of the run
    let run_on = |backend: &str, table: Table, under_test: bool| {
        let run = || -> Vec<Option<Result<Outcome, String>>> {
            cases()
                .iter()
                .map(|c| (!table.leaves_out(a, c)).then(|| execute(c)))
                .collect()
        };
        table
            .with(backend, || {
                if under_test {
                    on_test_device(backend, run)
                } else {
                    run()
                }
            })
            .unwrap_or_else(|e| panic!("cannot run backend `{backend}`: {e}"))
    };
    let (ua, ub) = (declared_unsupported(a), declared_unsupported(b));
    let (ra, rb) = (run_on(a, table, true), run_on(b, Table::Primary, false));
    let title = match table {
        Table::Primary => format!("cross-check of `{a}` against `{b}`"),
        Table::Masked => format!("cross-check of `{a}`'s fallbacks against `{b}`"),
        Table::Traced => format!("cross-check of `{a}`, traced, against `{b}`"),
    };
    let mut tally = Tally::new(title);
    for ((case, x), y) in cases().iter().zip(ra).zip(rb) {
        let (Some(x), Some(y)) = (x, y) else {
            tally.record(&case.id, Verdict::Known);
            continue;
        };
        let v = match (x, y) {
            (Err(e), _) => Verdict::Fail(format!("on {a}: {e}")),
            (_, Err(e)) => Verdict::Fail(format!("on {b}: {e}")),
            (Ok(x), Ok(y))
                if is_declared_skip(&x, &ua, case) || is_declared_skip(&y, &ub, case) =>
            {
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

// ----- the suite as a report, for tools (`tensorswitch check`) -----

/// What running every case on a backend gave, without panicking: see [`summarize`].
#[derive(Clone, Debug)]
pub struct Summary {
    /// The backend.
    pub backend: String,
    /// Whether ops with a compositional fallback were served by it.
    pub fallbacks: bool,
    /// Cases run.
    pub cases: usize,
    /// Cases that passed.
    pub passed: usize,
    /// Cases skipped: a dtype the backend declares unsupported, or a known fallback failure.
    pub skipped: usize,
    /// The cases that failed: id and what differed.
    pub failures: Vec<(String, String)>,
}

impl Summary {
    /// Whether no case failed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every case on `backend` (with `fallbacks`, every op that has a compositional fallback
/// served by it) on the CPU and returns the tally; `Err` when the backend cannot be used.
pub fn summarize(backend: &str, fallbacks: bool) -> Result<Summary, String> {
    let unsupported = declared_unsupported(backend);
    let table = if fallbacks {
        Table::Masked
    } else {
        Table::Primary
    };
    let mut tally = Tally::new(String::new());
    table
        .with(backend, || {
            for case in cases() {
                let v = if table.leaves_out(backend, case) {
                    Verdict::Known
                } else {
                    check(case, &unsupported)
                };
                tally.record(&case.id, v);
            }
        })
        .map_err(|e| e.to_string())?;
    let skipped = tally.skipped.len() + tally.known.len();
    Ok(Summary {
        backend: backend.to_string(),
        fallbacks,
        cases: tally.run,
        passed: tally.run - skipped - tally.failures.len(),
        skipped,
        failures: tally.failures,
    })
}
