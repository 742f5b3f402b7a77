//! The no-panic promise, checked by a seeded fuzz campaign over every public op.
//!
//! Each case draws one call — an op, adversarial sizes, axes, dtypes and values, small real
//! tensors of every dtype, non-contiguous views — from `(seed, case index)` alone, so any case
//! can be replayed on its own. Cases run in **worker processes** under a memory limit
//! (`RLIMIT_AS` = the worker's address space at start + 1 GiB), so an allocation that cannot be
//! served fails as it would on a loaded machine, and a process abort is a counted failure
//! instead of the end of the run: the parent restarts a worker after the case that killed it.
//!
//! Each case is classified:
//!
//! * **clean error**: a `tensorswitch::Error` other than a caught panic;
//! * **ok**: a result, which must also have the shape and dtype the op's rules give (modelled
//!   here independently of the core for the ops whose result shape follows from the
//!   arguments), a host copy with as many elements as its shape says, and — on backends other
//!   than the reference — the same outcome (result or error, shape and dtype) as the `ndarray`
//!   backend given the same inputs; anything else is a **wrong result**;
//! * **panic**: a panic anywhere, including one the dispatcher caught and turned into an
//!   error (the hook sees it first);
//! * **abort**: the worker died (a signal, an abort on allocation failure, a non-zero exit);
//! * **hang**: the worker made no progress for a minute (it is killed, and the next worker
//!   goes on after that case).
//!
//! The test fails unless panics, aborts, hangs and wrong results are all zero. Case count and seed:
//! `TENSORSWITCH_FUZZ_CASES` (default 1500, what CI runs) and `TENSORSWITCH_FUZZ_SEED`:
//!
//! ```sh
//! TENSORSWITCH_FUZZ_CASES=100000 cargo test --release --test campaign_ndarray -- --nocapture
//! ```
//!
//! One line instantiates it for a backend: `robustness::robustness_suite!("torch");`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use tensorswitch::{self as ts, DType, Error, Tensor};

#[path = "../support/memory_limit.rs"]
mod memory_limit;
#[path = "../support/rng.rs"]
mod rng;
use memory_limit::limit_address_space;
use rng::Rng;

/// Expands into the campaign's `#[test]` for one backend.
macro_rules! robustness_suite {
    ($backend:expr) => {
        #[test]
        fn fuzz_every_public_op() {
            $crate::robustness::campaign($backend, "fuzz_every_public_op");
        }
    };
}
pub(crate) use robustness_suite;

const WORKER_ENV: &str = "TENSORSWITCH_FUZZ_WORKER";
const REFERENCE: &str = "ndarray";
/// A case that takes longer than this has hung (the slowest take milliseconds).
const CASE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the campaign (parent) or, in a worker process, its share of the cases.
pub fn campaign(backend: &str, test_name: &str) {
    if let Ok(spec) = std::env::var(WORKER_ENV) {
        let mut parts = spec
            .split(':')
            .map(|p| p.parse::<u64>().expect("worker spec"));
        let (seed, start, end) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        worker(backend, seed, start, end);
        return;
    }
    let cases: u64 = env_number("TENSORSWITCH_FUZZ_CASES", 1500);
    let seed: u64 = env_number("TENSORSWITCH_FUZZ_SEED", 0x7e45_0a5c_0de5_eed5);
    let mut tally = Tally::default();
    let mut next = 0;
    let exe = std::env::current_exe().expect("the test binary's path");
    while next < cases {
        let mut child = Command::new(&exe)
            .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
            .env(WORKER_ENV, format!("{seed}:{next}:{cases}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a worker");
        let out = BufReader::new(child.stdout.take().unwrap());
        // Lines arrive through a channel so that a worker stuck in one case (a framework
        // kernel that never returns) can be noticed and killed.
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines() {
                if send.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        let mut running: Option<(u64, String)> = None;
        let mut done = false;
        let mut hung = false;
        loop {
            let line = match lines.recv_timeout(CASE_DEADLINE) {
                Ok(line) => line,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = child.kill();
                    break;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let (tag, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            match tag {
                "CASE" => {
                    let (i, desc) = rest.split_once(' ').unwrap_or((rest, ""));
                    running = Some((i.parse().unwrap(), desc.to_string()));
                }
                "OK" => tally.ok += 1,
                "ERR" => {
                    tally.errors += 1;
                    let (kind, message) = rest.split_once(' ').unwrap_or((rest, ""));
                    *tally.error_kinds.entry(kind.to_string()).or_default() += 1;
                    if let Some((_, desc)) = &running {
                        tally
                            .error_examples
                            .entry(kind.to_string())
                            .or_insert_with(|| format!("{desc}: {message}"));
                    }
                }
                "WRONG" => tally.record_wrong(&running, rest),
                "PANIC" => tally.record_panic(&running, rest),
                "END" => {
                    next = running.take().map(|(i, _)| i + 1).unwrap_or(next);
                }
                "DONE" => done = true,
                _ => {}
            }
        }
        let status = child.wait().expect("wait for a worker");
        if done && status.success() {
            break;
        }
        // The worker died (or hung) in the middle of `running`, or before its first case.
        let (i, desc) = running.unwrap_or((next, "(before the first case)".into()));
        let what = if hung {
            tally.hangs += 1;
            format!("hang (no progress in {CASE_DEADLINE:?}, killed)")
        } else {
            tally.aborts += 1;
            format!("abort ({status})")
        };
        if tally.examples.len() < 40 {
            tally.examples.push(format!("{what} in case {i}: {desc}"));
        }
        next = i + 1;
    }
    let report = tally.report(backend, cases, seed);
    println!("{report}");
    assert!(
        tally.panics == 0 && tally.aborts == 0 && tally.hangs == 0 && tally.wrong == 0,
        "{report}"
    );
    // The campaign must exercise both halves of the promise, or it tests nothing.
    assert!(
        tally.ok > cases / 10 && tally.errors > cases / 10,
        "too few results or errors to mean anything: {report}"
    );
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")),
        Err(_) => default,
    }
}

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    panics: u64,
    aborts: u64,
    hangs: u64,
    wrong: u64,
    error_kinds: std::collections::BTreeMap<String, u64>,
    /// The first case of each error kind, with its message, to read what users would see.
    error_examples: std::collections::BTreeMap<String, String>,
    examples: Vec<String>,
}

impl Tally {
    fn record_wrong(&mut self, running: &Option<(u64, String)>, what: &str) {
        self.wrong += 1;
        if self.examples.len() < 40 {
            let (i, desc) = running.clone().unwrap_or_default();
            self.examples
                .push(format!("wrong result in case {i}: {desc}: {what}"));
        }
    }

    fn record_panic(&mut self, running: &Option<(u64, String)>, what: &str) {
        self.panics += 1;
        if self.examples.len() < 40 {
            let (i, desc) = running.clone().unwrap_or_default();
            self.examples
                .push(format!("panic in case {i}: {desc}: {what}"));
        }
    }

    fn report(&self, backend: &str, cases: u64, seed: u64) -> String {
        let mut s = format!(
            "robustness campaign on `{backend}`: {cases} cases (seed {seed:#x}): {} ok, {} clean errors, {} panics, {} aborts, {} hangs, {} wrong results",
            self.ok, self.errors, self.panics, self.aborts, self.hangs, self.wrong
        );
        let kinds: Vec<String> = self
            .error_kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = write!(s, "\n  errors by kind: {}", kinds.join(", "));
        for (kind, example) in &self.error_examples {
            let _ = write!(s, "\n    e.g. {kind}: {example}");
        }
        for e in &self.examples {
            let _ = write!(s, "\n  {e}");
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------
// the worker

fn worker(backend: &str, seed: u64, start: u64, end: u64) {
    limit_address_space(1 << 30);
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string().replace('\n', " ");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PANIC {msg}");
        let _ = out.flush();
    }));
    for i in start..end {
        let mut rng = Rng::new(seed, i);
        // Drawing makes input tensors, which can fail too: name the case first.
        emit(&format!("CASE {i} (making the inputs)"));
        let case = draw_case(&mut rng, backend);
        emit(&format!("CASE {i} {}", case.desc));
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(backend, &case)));
        match result {
            Ok(Verdict::Ok) => emit("OK"),
            Ok(Verdict::Err(e)) => emit(&format!(
                "ERR {} {}",
                error_kind(&e),
                e.to_string().replace('\n', " ")
            )),
            Ok(Verdict::Wrong(w)) => emit(&format!("WRONG {}", w.replace('\n', " "))),
            Err(_) => {} // the hook has reported it
        }
        emit("END");
    }
    emit("DONE");
}

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn error_kind(e: &Error) -> String {
    let s = format!("{e:?}");
    s.split([' ', '{', '(']).next().unwrap_or("?").to_string()
}

enum Verdict {
    Ok,
    Err(Error),
    Wrong(String),
}

/// Runs a case on `backend` and judges the outcome.
fn check(backend: &str, case: &Case) -> Verdict {
    let outcome = ts::with_backend(backend, || (case.call)(&case.inputs)).and_then(|r| r);
    let result = match outcome {
        Err(e) => {
            if let Error::Backend { message, .. } = &e {
                if message.contains("panicked") {
                    // Already reported by the panic hook; count it there only.
                    return Verdict::Err(e);
                }
            }
            // Errors that depend on the backend (its dtypes, its memory needs, its devices) are
            // no evidence of a wrong answer; any other error where the reference computes a
            // result is.
            let backend_specific = matches!(
                e,
                Error::UnsupportedDType { .. }
                    | Error::UnsupportedShape { .. }
                    | Error::Unsupported { .. }
                    | Error::OutOfMemory { .. }
                    | Error::Device(_)
                    | Error::UnknownBackend { .. }
                    | Error::BackendUnavailable { .. }
            );
            if case.cross_check && backend != REFERENCE && !backend_specific {
                if let Some(Ok(r)) = reference(case) {
                    return Verdict::Wrong(format!(
                        "error `{e}` where `{REFERENCE}` gives {} {:?}",
                        r.dtype(),
                        r.shape()
                    ));
                }
            }
            return Verdict::Err(e);
        }
        Ok(r) => r,
    };
    // Lazy backends compute here; what fails now is an error of the call.
    if let Err(e) = ts::evaluate(&result) {
        return Verdict::Err(e);
    }
    if let Some(shape) = &case.shape {
        if result.shape() != shape.as_slice() {
            return Verdict::Wrong(format!(
                "shape {:?}, the op's rules give {shape:?}",
                result.shape()
            ));
        }
    }
    if let Some(dtype) = case.dtype {
        if result.dtype() != dtype {
            return Verdict::Wrong(format!(
                "dtype {}, the op's rules give {dtype}",
                result.dtype()
            ));
        }
    }
    let size = result
        .shape()
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d));
    if let Some(n) = size.filter(|&n| n <= 1 << 16) {
        let host = if matches!(result.dtype(), DType::Float16 | DType::BFloat16) {
            ts::astype(&result, DType::Float32).and_then(|r| r.to_host())
        } else {
            result.to_host()
        };
        match host {
            Ok(h) if h.len() != n => {
                return Verdict::Wrong(format!(
                    "to_host gave {} elements for shape {:?}",
                    h.len(),
                    result.shape()
                ))
            }
            Err(e) => return Verdict::Err(e),
            Ok(_) => {}
        }
    }
    if case.cross_check && backend != REFERENCE {
        match reference(case) {
            Some(Ok(r)) if r.shape() != result.shape() || r.dtype() != result.dtype() => {
                return Verdict::Wrong(format!(
                    "{} {:?} where `{REFERENCE}` gives {} {:?}",
                    result.dtype(),
                    result.shape(),
                    r.dtype(),
                    r.shape()
                ))
            }
            // The reference may lack memory or a dtype the backend has; only a reference
            // *result* is evidence.
            _ => {}
        }
    }
    Verdict::Ok
}

/// The same call on the reference backend, with the inputs converted to it; `None` when the
/// inputs cannot be converted (a dtype the reference lacks).
fn reference(case: &Case) -> Option<Result<Tensor, Error>> {
    let inputs = case
        .inputs
        .iter()
        .map(|t| ts::to_backend(t, REFERENCE))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    Some(ts::with_backend(REFERENCE, || (case.call)(&inputs)).and_then(|r| r))
}

// ---------------------------------------------------------------------------------------------
// drawing cases (with `rng::Rng`, SplitMix64 over `(seed, index)`)

const HUGE_SIZES: &[usize] = &[
    1 << 20,
    1 << 31,
    1 << 32,
    1 << 36,
    1 << 40,
    1 << 62,
    i64::MAX as usize,
    i64::MAX as usize + 1,
    usize::MAX,
];

const VALUES: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    -3.0,
    255.0,
    1e12,
    -1e12,
    1e300,
    -1e300,
    1e-300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    9.223372036854776e18,
    1.8446744073709552e19,
];

fn size(rng: &mut Rng) -> usize {
    if rng.chance(12) {
        rng.pick(HUGE_SIZES)
    } else {
        rng.below(5)
    }
}

fn shape(rng: &mut Rng) -> Vec<usize> {
    let n = rng.below(5);
    (0..n).map(|_| size(rng)).collect()
}

fn small_shape(rng: &mut Rng) -> Vec<usize> {
    let n = rng.below(5);
    (0..n).map(|_| rng.below(4)).collect()
}

fn axis(rng: &mut Rng, ndim: usize) -> isize {
    if rng.chance(10) {
        rng.pick(&[isize::MIN, isize::MAX, -100, 100, i32::MAX as isize])
    } else {
        rng.below(2 * ndim + 3) as isize - ndim as isize - 1
    }
}

fn axes(rng: &mut Rng, ndim: usize) -> Option<Vec<isize>> {
    if rng.chance(25) {
        return None;
    }
    let n = rng.below(ndim + 2);
    Some((0..n).map(|_| axis(rng, ndim)).collect())
}

fn dtype(rng: &mut Rng) -> DType {
    rng.pick(&DType::ALL)
}

fn value(rng: &mut Rng) -> f64 {
    if rng.chance(50) {
        rng.pick(VALUES)
    } else {
        rng.below(21) as f64 - 10.0
    }
}

/// A small tensor of any dtype on the active backend, sometimes a non-contiguous view.
fn tensor(rng: &mut Rng, backend: &str) -> Option<Tensor> {
    let shape = small_shape(rng);
    tensor_of_shape(rng, backend, shape)
}

/// A tensor of `shape` and any dtype on the active backend, sometimes a non-contiguous view.
fn tensor_of_shape(rng: &mut Rng, backend: &str, shape: Vec<usize>) -> Option<Tensor> {
    let n: usize = shape.iter().product();
    let d = dtype(rng);
    let host = match d {
        DType::Float16 | DType::BFloat16 | DType::Float32 | DType::Float64 => {
            (0..n).map(|_| value(rng)).collect::<Vec<f64>>()
        }
        _ => (0..n).map(|_| rng.below(21) as f64 - 10.0).collect(),
    };
    let made = ts::with_backend(backend, || -> ts::Result<Tensor> {
        let t = Tensor::from_vec(host, &shape)?;
        let t = ts::astype(&t, d)?;
        if t.ndim() >= 2 && rng.chance(30) {
            let mut perm: Vec<isize> = (0..t.ndim() as isize).collect();
            perm.reverse();
            return ts::permute_dims(&t, &perm);
        }
        if t.ndim() >= 1 && rng.chance(15) {
            return ts::flip(&t, None);
        }
        Ok(t)
    });
    made.ok()?.ok()
}

fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], i: usize| {
        if i + s.len() >= n {
            s[i + s.len() - n]
        } else {
            1
        }
    };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

type Call = Box<dyn Fn(&[Tensor]) -> ts::Result<Tensor>>;

struct Case {
    desc: String,
    inputs: Vec<Tensor>,
    call: Call,
    /// The result shape the op's rules give, where this file models it.
    shape: Option<Vec<usize>>,
    /// The result dtype, likewise.
    dtype: Option<DType>,
    /// Whether the call means the same on the reference backend (not for calls that name a
    /// backend themselves).
    cross_check: bool,
}

fn describe(inputs: &[Tensor]) -> String {
    inputs
        .iter()
        .map(|t| format!("{}{:?}", t.dtype(), t.shape()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ops of the catalogue of the given kinds (`Op::kind`), so an op added to the catalogue is
/// drawn without a change here.
fn ops_of_kinds(kinds: &[&str]) -> Vec<ts::Op> {
    ts::Op::ALL
        .iter()
        .copied()
        .filter(|op| kinds.contains(&op.kind()))
        .collect()
}

/// Binary ops: elementwise (with broadcasting) and `matmul`.
fn binary_ops() -> Vec<ts::Op> {
    ops_of_kinds(&["Binary", "Matmul"])
}

/// Unary ops: elementwise, `matrix_transpose`, `linalg.inv`, `linalg.det`.
fn unary_ops() -> Vec<ts::Op> {
    ops_of_kinds(&["Unary", "MatrixTranspose", "SquareMatrix"])
}

/// Runs an op without attributes on `inputs`, from data (`OpCall`).
fn run_plain(op: ts::Op, inputs: &[&Tensor]) -> ts::Result<Tensor> {
    let call = ts::OpCall::from_attrs(op, &[])?;
    ts::run(&call, inputs)?.into_tensor()
}

/// Drawn axes as the ops take them (`None`: all).
fn to_axes(axes: &Option<Vec<isize>>) -> ts::Axes {
    axes.as_ref().map_or(ts::Axes::All, ts::Axes::from)
}

/// A drawn bound of `clip`.
fn bound(present: bool, value: f64) -> ts::Bound<'static> {
    if present {
        ts::Bound::Scalar(value.into())
    } else {
        ts::Bound::None
    }
}

fn draw_case(rng: &mut Rng, backend: &str) -> Case {
    let kind = rng.below(28);
    let b = backend.to_string();
    macro_rules! case {
        ($desc:expr, $inputs:expr, $shape:expr, $dtype:expr, $call:expr) => {
            Case {
                desc: $desc,
                inputs: $inputs,
                call: Box::new($call),
                shape: $shape,
                dtype: $dtype,
                cross_check: true,
            }
        };
    }
    let mut inputs = Vec::new();
    let t = |rng: &mut Rng| tensor(rng, &b);
    match kind {
        // ----- creation
        0 => {
            let (s, d, v) = (shape(rng), dtype(rng), value(rng));
            let which = rng.below(3);
            let name = ["full", "zeros", "ones"][which];
            let s2 = s.clone();
            case!(
                format!("{name}({s:?}, {v}, {d})"),
                inputs,
                Some(s.clone()),
                Some(d),
                move |_: &[Tensor]| match which {
                    0 => ts::full(&s2, v, d),
                    1 => ts::zeros(&s2, d),
                    _ => ts::ones(&s2, d),
                }
            )
        }
        1 => {
            let (start, stop, step, d) = (value(rng), value(rng), value(rng), dtype(rng));
            let (stop, step) = if rng.chance(20) {
                (1e12, 1.0)
            } else {
                (stop, step)
            };
            let count = ((stop - start) / step).ceil();
            let n = if count > 0.0 { count as usize } else { 0 };
            case!(
                format!("arange({start}, {stop}, {step}, {d})"),
                inputs,
                Some(vec![n]),
                Some(d),
                move |_: &[Tensor]| ts::arange(start, stop, step, d)
            )
        }
        2 => {
            let (start, stop, num, endpoint, d) = (
                value(rng),
                value(rng),
                size(rng),
                rng.chance(50),
                dtype(rng),
            );
            case!(
                format!("linspace({start}, {stop}, {num}, {endpoint}, {d})"),
                inputs,
                Some(vec![num]),
                Some(d),
                move |_: &[Tensor]| ts::linspace(start, stop, num, endpoint, d)
            )
        }
        3 => {
            let (n, m, k, d) = (
                size(rng),
                if rng.chance(50) {
                    Some(size(rng))
                } else {
                    None
                },
                rng.pick(&[0i64, 1, -1, 5, i64::MAX, i64::MIN]),
                dtype(rng),
            );
            case!(
                format!("eye({n}, {m:?}, {k}, {d})"),
                inputs,
                Some(vec![n, m.unwrap_or(n)]),
                Some(d),
                move |_: &[Tensor]| ts::eye(n, m, k, d)
            )
        }
        // ----- elementwise, with broadcasting
        4..=6 => {
            let op = rng.pick(&binary_ops());
            let name = op.name();
            let (Some(x), Some(y)) = (t(rng), t(rng)) else {
                return draw_case(rng, backend);
            };
            let shape = if name == "matmul" {
                None
            } else {
                broadcast(x.shape(), y.shape())
            };
            inputs = vec![x, y];
            case!(
                format!("{name}({})", describe(&inputs)),
                inputs,
                shape,
                None,
                move |i: &[Tensor]| run_plain(op, &[&i[0], &i[1]])
            )
        }
        7 => {
            // Broadcasting that asks for a huge result from small inputs.
            let op = rng.pick(&binary_ops());
            let name = op.name();
            let big = rng.pick(HUGE_SIZES);
            let d = dtype(rng);
            let made = ts::with_backend(backend, || -> ts::Result<(Tensor, Tensor)> {
                Ok((ts::zeros(&[1, 1], d)?, ts::zeros(&[1], d)?))
            });
            let Ok(Ok((x, y))) = made else {
                return draw_case(rng, backend);
            };
            let (bx, by) = (
                ts::with_backend(backend, || ts::broadcast_to(&x, &[big, 1])),
                ts::with_backend(backend, || ts::broadcast_to(&y, &[big])),
            );
            let (Ok(Ok(x)), Ok(Ok(y))) = (bx, by) else {
                return case!(
                    format!("broadcast_to({d}[1], [{big}])"),
                    inputs,
                    None,
                    None,
                    move |_: &[Tensor]| {
                        let y = ts::zeros(&[1], d)?;
                        ts::broadcast_to(&y, &[big])
                    }
                );
            };
            let shape = if name == "matmul" {
                None
            } else {
                Some(vec![big, big])
            };
            inputs = vec![x, y];
            case!(
                format!("{name}({}) of broadcast views", describe(&inputs)),
                inputs,
                shape,
                None,
                move |i: &[Tensor]| run_plain(op, &[&i[0], &i[1]])
            )
        }
        8 | 9 => {
            let op = rng.pick(&unary_ops());
            let name = op.name();
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let shape = if matches!(name, "matrix_transpose" | "linalg.det" | "linalg.eigvalsh") {
                None
            } else {
                Some(x.shape().to_vec())
            };
            inputs = vec![x];
            case!(
                format!("{name}({})", describe(&inputs)),
                inputs,
                shape,
                None,
                move |i: &[Tensor]| run_plain(op, &[&i[0]])
            )
        }
        10 => {
            let (Some(c), Some(x), Some(y)) = (t(rng), t(rng), t(rng)) else {
                return draw_case(rng, backend);
            };
            let shape = broadcast(x.shape(), y.shape()).and_then(|s| broadcast(c.shape(), &s));
            inputs = vec![c, x, y];
            case!(
                format!("where({})", describe(&inputs)),
                inputs,
                shape,
                None,
                |i: &[Tensor]| ts::where_(&i[0], &i[1], &i[2])
            )
        }
        11 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let (lo, hi) = (value(rng), value(rng));
            let (use_lo, use_hi) = (rng.chance(70), rng.chance(70));
            let shape = Some(x.shape().to_vec());
            let d = Some(x.dtype());
            inputs = vec![x];
            case!(
                format!("clip({}, {lo}, {hi})", describe(&inputs)),
                inputs,
                shape,
                d,
                move |i: &[Tensor]| ts::clip(&i[0], bound(use_lo, lo), bound(use_hi, hi))
            )
        }
        12 => {
            let (Some(x), Some(y)) = (t(rng), t(rng)) else {
                return draw_case(rng, backend);
            };
            let ax = axis(rng, x.ndim());
            let which = rng.below(2);
            let n = rng.below(3);
            inputs = vec![x, y];
            case!(
                format!(
                    "{}({}, {ax}/{n})",
                    ["vecdot", "tensordot"][which],
                    describe(&inputs)
                ),
                inputs,
                None,
                None,
                move |i: &[Tensor]| if which == 0 {
                    ts::vecdot(&i[0], &i[1], ax)
                } else {
                    ts::tensordot(&i[0], &i[1], n)
                }
            )
        }
        // ----- reductions
        13 | 14 => {
            let op = rng.pick(&ops_of_kinds(&["Reduce"]));
            let name = op.name();
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let ax = axes(rng, x.ndim());
            let keep = rng.chance(50);
            inputs = vec![x];
            case!(
                format!("{name}({}, {ax:?}, {keep})", describe(&inputs)),
                inputs,
                None,
                None,
                move |i: &[Tensor]| {
                    let over = ts::Reduction::over(to_axes(&ax)).keepdims(keep);
                    let attrs = [
                        ("axes", ts::AttrValue::from(&over.axes)),
                        ("keepdims", ts::AttrValue::Bool(keep)),
                    ];
                    ts::run(&ts::OpCall::from_attrs(op, &attrs)?, &[&i[0]])?.into_tensor()
                }
            )
        }
        15 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let ax = axes(rng, x.ndim());
            let correction = rng.pick(&[0.0, 1.0, 2.5, -1.0, f64::NAN, 1e300]);
            let (keep, which) = (rng.chance(50), rng.below(2));
            inputs = vec![x];
            case!(
                format!(
                    "{}({}, {ax:?}, {correction}, {keep})",
                    ["var", "std"][which],
                    describe(&inputs)
                ),
                inputs,
                None,
                None,
                move |i: &[Tensor]| if which == 0 {
                    ts::var(
                        &i[0],
                        ts::Statistic::over(to_axes(&ax))
                            .correction(correction)
                            .keepdims(keep),
                    )
                } else {
                    ts::std(
                        &i[0],
                        ts::Statistic::over(to_axes(&ax))
                            .correction(correction)
                            .keepdims(keep),
                    )
                }
            )
        }
        16 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let ax = if rng.chance(30) {
                None
            } else {
                Some(axis(rng, x.ndim()))
            };
            let (keep, which) = (rng.chance(50), rng.below(5));
            let name = ["argmax", "argmin", "cumulative_sum", "sort", "argsort"][which];
            let flag = rng.chance(50);
            inputs = vec![x];
            case!(
                format!("{name}({}, {ax:?}, {keep}, {flag})", describe(&inputs)),
                inputs,
                None,
                None,
                move |i: &[Tensor]| match which {
                    0 => ts::argmax(&i[0], tensorswitch::Reduction::over(ax).keepdims(keep)),
                    1 => ts::argmin(&i[0], tensorswitch::Reduction::over(ax).keepdims(keep)),
                    2 => ts::cumulative_sum(
                        &i[0],
                        tensorswitch::CumulativeSum::along(ax).include_initial(flag)
                    ),
                    3 => ts::sort(
                        &i[0],
                        tensorswitch::Sorting::along(ax.unwrap_or(-1)).descending(flag)
                    ),
                    _ => ts::argsort(
                        &i[0],
                        tensorswitch::Sorting::along(ax.unwrap_or(-1)).descending(flag)
                    ),
                }
            )
        }
        17 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let ax = axis(rng, x.ndim());
            let shape = Some(x.shape().to_vec());
            inputs = vec![x];
            case!(
                format!("softmax({}, {ax})", describe(&inputs)),
                inputs,
                shape,
                None,
                move |i: &[Tensor]| ts::softmax(&i[0], ax)
            )
        }
        // ----- shape manipulation
        18 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let n = rng.below(5);
            let new: Vec<isize> = (0..n)
                .map(|_| {
                    if rng.chance(15) {
                        rng.pick(&[-1, -2, isize::MAX, isize::MIN])
                    } else {
                        rng.below(5) as isize
                    }
                })
                .collect();
            inputs = vec![x];
            case!(
                format!("reshape({}, {new:?})", describe(&inputs)),
                inputs,
                None,
                None,
                move |i: &[Tensor]| ts::reshape(&i[0], &new)
            )
        }
        19 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let ax = axes(rng, x.ndim()).unwrap_or_default();
            let one = axis(rng, x.ndim());
            let which = rng.below(4);
            inputs = vec![x];
            case!(
                format!(
                    "{}({}, {ax:?}, {one})",
                    ["permute_dims", "squeeze", "flip", "expand_dims"][which],
                    describe(&inputs)
                ),
                inputs,
                None,
                None,
                move |i: &[Tensor]| match which {
                    0 => ts::permute_dims(&i[0], &ax),
                    1 => ts::squeeze(&i[0], &ax),
                    2 => ts::flip(&i[0], &ax),
                    _ => ts::expand_dims(&i[0], one),
                }
            )
        }
        20 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let target = if rng.chance(60) {
                shape(rng)
            } else {
                let mut s = x.shape().to_vec();
                s.insert(0, size(rng));
                s
            };
            let expected = target.clone();
            inputs = vec![x];
            case!(
                format!("broadcast_to({}, {target:?})", describe(&inputs)),
                inputs,
                Some(expected),
                None,
                move |i: &[Tensor]| ts::broadcast_to(&i[0], &target)
            )
        }
        21 => {
            let n = 1 + rng.below(3);
            let xs: Vec<Tensor> = (0..n).filter_map(|_| t(rng)).collect();
            if xs.is_empty() {
                return draw_case(rng, backend);
            }
            let ax = if rng.chance(20) {
                None
            } else {
                Some(axis(rng, xs[0].ndim()))
            };
            let which = rng.below(2);
            inputs = xs;
            case!(
                format!(
                    "{}([{}], {ax:?})",
                    ["concat", "stack"][which],
                    describe(&inputs)
                ),
                inputs,
                None,
                None,
                move |i: &[Tensor]| if which == 0 {
                    ts::concat(i, ax)
                } else {
                    ts::stack(i, ax.unwrap_or(0))
                }
            )
        }
        22 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let (d, k, which) = (
                dtype(rng),
                rng.pick(&[0i64, 1, -2, i64::MAX, i64::MIN]),
                rng.below(3),
            );
            let shape = Some(x.shape().to_vec());
            inputs = vec![x];
            case!(
                format!(
                    "{}({}, {d}, {k})",
                    ["astype", "tril", "triu"][which],
                    describe(&inputs)
                ),
                inputs,
                shape,
                (which == 0).then_some(d),
                move |i: &[Tensor]| match which {
                    0 => ts::astype(&i[0], d),
                    1 => ts::tril(&i[0], k),
                    _ => ts::triu(&i[0], k),
                }
            )
        }
        // ----- roll, tile, repeat (issue 12): shifts far beyond the sizes, repetitions that
        // no allocation can hold, counts of the wrong length or sign
        23 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let which = rng.below(7);
            let shift: Vec<i64> = (0..1 + rng.below(3))
                .map(|_| rng.pick(&[0i64, 1, -3, 7, i64::MAX, i64::MIN]))
                .collect();
            let ax = axes(rng, x.ndim());
            let reps: Vec<usize> = (0..rng.below(4)).map(|_| size(rng)).collect();
            let count = size(rng);
            let one = if rng.chance(30) {
                None
            } else {
                Some(axis(rng, x.ndim()))
            };
            let counts: Vec<i64> = (0..rng.below(4))
                .map(|_| rng.pick(&[0i64, 1, 2, -1, 1 << 40]))
                .collect();
            inputs = vec![x];
            case!(
                format!(
                    "{}({}, shift {shift:?} axes {ax:?}, reps {reps:?}, count {count} counts {counts:?} axis {one:?})",
                    [
                        "roll",
                        "tile",
                        "repeat",
                        "repeat (tensor)",
                        "unstack",
                        "broadcast_arrays",
                        "meshgrid"
                    ][which],
                    describe(&inputs)
                ),
                inputs,
                None,
                None,
                move |i: &[Tensor]| match which {
                    0 => ts::roll(&i[0], shift.clone(), to_axes(&ax)),
                    1 => ts::tile(&i[0], &reps),
                    2 => ts::repeat(&i[0], count, one),
                    3 => {
                        let c = Tensor::from_slice(&counts, &[counts.len()])?;
                        ts::repeat(&i[0], &c, one)
                    }
                    // The composites return lists: each part is read, then the input returned.
                    _ => {
                        let parts = match which {
                            4 => ts::unstack(&i[0], one.unwrap_or(0))?,
                            5 => {
                                let other = ts::broadcast_to(&i[0], &reps)?;
                                ts::broadcast_arrays(&[i[0].clone(), other])?
                            }
                            _ => {
                                let flat = ts::reshape(&i[0], [-1])?;
                                ts::meshgrid(&[flat.clone(), flat], ts::MeshgridIndexing::Ij)?
                            }
                        };
                        for p in &parts {
                            p.to_host()?;
                        }
                        Ok(i[0].clone())
                    }
                }
            )
        }
        // ----- the linalg extension: no panic, no hang, whatever the input (NaN, infinities,
        // empty and non-square stacks, integer dtypes); not cross-checked, since frameworks
        // differ in which ill-posed inputs (a NaN matrix) they refuse
        24 => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let y = t(rng);
            let which = rng.below(16);
            let flag = rng.chance(50);
            let k = rng.pick(&[0i64, 1, -1, 3, -2, 64, i64::MAX, i64::MIN]);
            let ord = rng.pick(&[2.0, 1.0, 0.0, -1.0, 3.5, f64::INFINITY, f64::NEG_INFINITY]);
            let mord = rng.pick(&[
                ts::linalg::MatrixOrd::Fro,
                ts::linalg::MatrixOrd::Nuc,
                ts::linalg::MatrixOrd::One,
                ts::linalg::MatrixOrd::NegTwo,
                ts::linalg::MatrixOrd::Inf,
            ]);
            inputs = match y {
                Some(y) => vec![x, y],
                None => vec![x.clone(), x],
            };
            let names = [
                "solve",
                "cholesky",
                "qr",
                "svd",
                "eigh",
                "slogdet",
                "pinv",
                "matrix_rank",
                "matrix_power",
                "matrix_norm",
                "vector_norm",
                "trace",
                "diagonal",
                "outer",
                "cross",
                "svdvals",
            ];
            let mut c = case!(
                format!(
                    "linalg.{}({}, flag {flag}, k {k}, ord {ord}, {mord:?})",
                    names[which],
                    describe(&inputs)
                ),
                inputs,
                None,
                None,
                move |i: &[Tensor]| {
                    use ts::linalg::{self, QrMode};
                    let (a, b) = (&i[0], &i[1]);
                    match which {
                        0 => linalg::solve(a, b),
                        1 => linalg::cholesky(a, flag),
                        2 => linalg::qr(
                            a,
                            if flag {
                                QrMode::Complete
                            } else {
                                QrMode::Reduced
                            },
                        )
                        .map(|r| r.q),
                        3 => linalg::svd(a, flag).map(|r| r.u),
                        4 => linalg::eigh(a).map(|r| r.eigenvectors),
                        5 => linalg::slogdet(a).map(|r| r.logabsdet),
                        6 => linalg::pinv(a, None),
                        7 => linalg::matrix_rank(a, flag.then_some(0.5)),
                        8 => linalg::matrix_power(a, k),
                        9 => linalg::matrix_norm(a, linalg::MatrixNorm::from(mord).keepdims(flag)),
                        10 => linalg::vector_norm(a, linalg::VectorNorm::over(None).ord(ord)),
                        11 => linalg::trace(a, k),
                        12 => linalg::diagonal(a, k),
                        13 => linalg::outer(a, b),
                        14 => linalg::cross(a, b, if flag { -1 } else { 0 }),
                        _ => linalg::svdvals(a),
                    }
                }
            );
            c.cross_check = false;
            c
        }
        // ----- the neural-network ops with their own arguments: windows, normalized shapes,
        // class counts (the elementwise ones are drawn with the unary ops)
        25 => {
            let which = rng.below(6);
            // Mostly NCHW-shaped inputs, so the windows themselves are exercised.
            let four_d = rng.chance(75);
            let x_shape = if four_d {
                (0..4).map(|_| rng.below(5)).collect()
            } else {
                small_shape(rng)
            };
            let Some(x) = tensor_of_shape(rng, backend, x_shape) else {
                return draw_case(rng, backend);
            };
            let pair = |rng: &mut Rng| {
                let mut one = || {
                    if rng.chance(10) {
                        rng.pick(&[0, 1 << 32, usize::MAX])
                    } else {
                        rng.below(4)
                    }
                };
                [one(), one()]
            };
            let (kernel, stride, padding, dilation) = (pair(rng), pair(rng), pair(rng), pair(rng));
            let groups = rng.pick(&[1, 1, 1, 2, 3, 0, usize::MAX]);
            let default_stride = rng.chance(30);
            let ax = axis(rng, x.ndim());
            let eps = rng.pick(&[1e-5, 0.0, 1.0, -1.0, f64::NAN, f64::INFINITY]);
            let trailing = rng.below(x.ndim() + 2);
            let mut normalized: Vec<usize> =
                x.shape()[x.ndim().saturating_sub(trailing)..].to_vec();
            if rng.chance(15) {
                normalized.push(rng.pick(&[0, 3, usize::MAX]));
            }
            let classes = rng.pick(&[0, 1, 3, 11, 1 << 40, usize::MAX]);
            let class_dtype = rng.chance(50).then(|| dtype(rng));
            // conv2d's weight: (C_out, C_in / groups, kH, kW) when the window allows it.
            let w_shape = if four_d && rng.chance(80) {
                let g = groups.clamp(1, 3);
                vec![
                    g * (1 + rng.below(2)),
                    x.shape()[1] / g,
                    kernel[0].min(4),
                    kernel[1].min(4),
                ]
            } else {
                small_shape(rng)
            };
            let w = if which == 3 {
                tensor_of_shape(rng, backend, w_shape)
            } else {
                None
            };
            inputs = match w {
                Some(w) => vec![x, w],
                None => vec![x],
            };
            let conv = ts::call::Conv2d {
                stride,
                padding,
                dilation,
                groups,
            };
            let pool = ts::call::Pool2d {
                kernel_size: kernel,
                stride: (!default_stride).then_some(stride),
                padding,
                dilation,
            };
            let name = [
                "log_softmax",
                "layer_norm",
                "one_hot",
                "conv2d",
                "max_pool2d",
                "avg_pool2d",
            ][which];
            let detail = match which {
                0 => format!("axis {ax}"),
                1 => format!("{normalized:?}, eps {eps}"),
                2 => format!("{classes}, {class_dtype:?}"),
                3 => format!("{conv:?}"),
                _ => format!("{pool:?}"),
            };
            // The result's shape follows from the arguments for the shape-keeping ops.
            let shape = match which {
                0 | 1 => Some(inputs[0].shape().to_vec()),
                _ => None,
            };
            case!(
                format!("{name}({}, {detail})", describe(&inputs)),
                inputs,
                shape,
                None,
                move |i: &[Tensor]| match which {
                    0 => ts::log_softmax(&i[0], ax),
                    1 => ts::layer_norm(&i[0], &normalized, eps),
                    2 => ts::one_hot(&i[0], classes, class_dtype),
                    3 => match i.get(1) {
                        Some(w) => ts::conv2d(&i[0], w, conv),
                        // no weight could be made (a dtype the backend lacks): the input twice
                        None => ts::conv2d(&i[0], &i[0], conv),
                    },
                    4 => ts::max_pool2d(&i[0], pool),
                    _ => ts::avg_pool2d(&i[0], pool),
                }
            )
        }
        // ----- random numbers: adversarial shapes, bounds, probabilities and dtypes; the same
        // key gives the same samples everywhere, so the outcome is cross-checked
        26 => {
            let which = rng.below(5);
            let s = shape(rng);
            let d = dtype(rng);
            let key = ts::random::Key::new(rng.next());
            let (lo, hi) = (value(rng), value(rng));
            let ilo = rng.pick(&[
                0i128,
                -4,
                5,
                i64::MIN as i128,
                u64::MAX as i128,
                -(1 << 100),
            ]);
            let ihi = rng.pick(&[1i128, 6, 256, i64::MAX as i128 + 1, 1 << 100, -3]);
            let p = rng.pick(&[0.0, 0.5, 1.0, -0.1, 1.5, f64::NAN]);
            let n = size(rng);
            let name = ["normal", "uniform", "integers", "bernoulli", "permutation"][which];
            let detail = match which {
                0 => format!("{s:?}, {d}"),
                1 => format!("{s:?}, [{lo}, {hi}), {d}"),
                2 => format!("{s:?}, [{ilo}, {ihi}), {d}"),
                3 => format!("{s:?}, p {p}"),
                _ => format!("{n}"),
            };
            let shape = match which {
                4 => Some(vec![n]),
                _ => Some(s.clone()),
            };
            case!(
                format!("random.{name}({detail})"),
                inputs,
                shape,
                match which {
                    0..=2 => Some(d),
                    3 => Some(DType::Bool),
                    _ => Some(DType::Int64),
                },
                move |_: &[Tensor]| match which {
                    0 => ts::random::normal(&key, &s, d),
                    1 => ts::random::uniform(&key, &s, lo, hi, d),
                    2 => ts::random::integers(&key, &s, ilo, ihi, d),
                    3 => ts::random::bernoulli(&key, p, &s),
                    _ => ts::random::permutation(&key, n),
                }
            )
        }
        // ----- transfer and switching
        _ => {
            let Some(x) = t(rng) else {
                return draw_case(rng, backend);
            };
            let which = rng.below(4);
            let shape = Some(x.shape().to_vec());
            let name = rng.pick(&["ndarray", "torch", "mlx", "", "no-such-backend"]);
            inputs = vec![x];
            let mut c = case!(
                format!("transfer #{which} ({}) with `{name}`", describe(&inputs)),
                inputs,
                if which == 3 { None } else { shape },
                None,
                move |i: &[Tensor]| match which {
                    0 => ts::to_backend(&i[0], name),
                    1 => ts::to_device(&i[0], ts::Device::Cuda(7)),
                    2 => i[0].to_host().map(|_| i[0].clone()),
                    _ => ts::with_backend_version(name, "0.0.0-x", || ts::add(&i[0], &i[0]))
                        .and_then(|r| r),
                }
            );
            c.cross_check = false;
            c
        }
    }
}
