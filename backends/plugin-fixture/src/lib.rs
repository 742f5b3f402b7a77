//! A plugin for the tests of the plugin boundary (tests/failures.rs): the ndarray backend's
//! primaries served as backend `fixture`, except `negative`, which panics. It declares itself
//! lazy (its `evaluate` counts calls, and fails for a tensor holding NaN) and reads int64
//! tensors in place (ndarray's reader, counted), so both cross the boundary. The environment
//! variable `TS_FIXTURE_ABI`, read by the entry point, makes the plugin report another ABI
//! version (for the refusal test, which runs it in a child process); `TS_FIXTURE_WORDS` makes
//! it give no direct trampolines, so every op crosses as argument words, and
//! `TS_FIXTURE_DIRECT_ONLY` makes the argument-word path of those ops (and of `sum`) fail.

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use tensorswitch::plugin::abi::{
    ErrorKind, TsOp, TsOut, TsPlugin, TsStr, PLUGIN_ABI_VERSION, STATUS_ERROR,
};
use tensorswitch::plugin::serve::{entry, Export};
use tensorswitch::{BackendDescriptor, HostData, Primary, Result, Tensor};

/// The backend's name.
pub const NAME: &str = "fixture";

static FIXTURE: BackendDescriptor =
    BackendDescriptor::new(NAME, "ndarray, served as a test plugin", version)
        .with_evaluate(evaluate)
        .with_i64_reader(read_i64);

static EVALUATIONS: AtomicUsize = AtomicUsize::new(0);
static READS: AtomicUsize = AtomicUsize::new(0);

/// Counts the call; a float tensor holding NaN fails, as a lazy backend's evaluation can.
fn evaluate(x: &Tensor) -> Result<()> {
    EVALUATIONS.fetch_add(1, Ordering::SeqCst);
    let nan = match tensorswitch::to_host(x)? {
        HostData::Float32(v) => v.iter().any(|v| v.is_nan()),
        HostData::Float64(v) => v.iter().any(|v| v.is_nan()),
        _ => false,
    };
    if nan {
        return Err(tensorswitch::Error::InvalidArgument {
            op: "evaluate",
            reason: "the fixture refuses to evaluate NaN".to_string(),
        });
    }
    Ok(())
}

/// ndarray's in-place reader (the fixture's tensors are the ndarray backend's), counted.
fn read_i64(x: &Tensor, f: &mut dyn FnMut(&[i64])) -> bool {
    READS.fetch_add(1, Ordering::SeqCst);
    tensorswitch_ndarray::NDARRAY
        .read_i64
        .is_some_and(|read| read(x, f))
}

/// How many times the fixture's `evaluate` ran.
#[no_mangle]
pub extern "C" fn tensorswitch_fixture_evaluations() -> usize {
    EVALUATIONS.load(Ordering::SeqCst)
}

/// How many times the fixture's `read_i64` ran.
#[no_mangle]
pub extern "C" fn tensorswitch_fixture_reads() -> usize {
    READS.load(Ordering::SeqCst)
}

/// What the plugin's own copy of the core says about itself, for the host's tests, as bits:
/// 1 = a tensor made inside the plugin is dynamic, 2 = a converting switch started inside the
/// plugin is refused, 4 = the probe itself failed (its tensor could not be made).
#[no_mangle]
pub extern "C" fn tensorswitch_fixture_probe() -> u32 {
    std::panic::catch_unwind(|| {
        let mut bits = 0;
        match tensorswitch::with_backend("ndarray", || Tensor::from_slice(&[1.0f32], &[1])) {
            Ok(Ok(t)) if t.dynamic_backend() => bits |= 1,
            Ok(Ok(_)) => {}
            _ => bits |= 4,
        }
        if tensorswitch::dynamic::unset_backend_dynamic().is_err() {
            bits |= 2;
        }
        bits
    })
    .unwrap_or(4)
}

fn version() -> std::result::Result<String, String> {
    Ok("1.0.0".to_string())
}

/// `square` as a primary that calls ops of the catalogue on its input (handed in by the host)
/// and on tensors this plugin made: calls whose inputs carry the plugin's descriptor and, when
/// blocks are shared, the host's.
fn composite_square(x: &Tensor) -> Result<Tensor> {
    let zeros = tensorswitch::zeros_like(x, None)?;
    let same = tensorswitch::add(x, &zeros)?;
    tensorswitch::multiply(&same, x)
}

fn panicking_negative(_: &Tensor) -> Result<Tensor> {
    panic!("the fixture's `negative` panics on purpose")
}

static ENTRY_CALLS: AtomicUsize = AtomicUsize::new(0);

/// How many times the entry point ran (the loader calls it once per load).
#[no_mangle]
pub extern "C" fn tensorswitch_fixture_entry_calls() -> usize {
    ENTRY_CALLS.load(Ordering::SeqCst)
}

/// The plugin entry point (see `tensorswitch::export_plugin!`, which this spells out to count
/// calls and to report another ABI version on request).
///
/// # Safety
/// Called by tensorswitch's plugin loader only.
#[no_mangle]
pub unsafe extern "C" fn tensorswitch_plugin_entry(
    _host_abi: u32,
    _host_core: TsStr,
) -> *const TsPlugin {
    ENTRY_CALLS.fetch_add(1, Ordering::SeqCst);
    let description = entry(|| {
        let ndarray = &tensorswitch_ndarray::NDARRAY;
        let primaries = inventory::iter::<Primary>
            .into_iter()
            .filter(|p| p.backend == ndarray.name)
            .map(|p| Primary {
                backend: NAME,
                name: p.name,
                func: match p.func {
                    tensorswitch::OpFn::negative(_) => tensorswitch::OpFn::negative(
                        tensorswitch::catalogue::Slot::new(panicking_negative),
                    ),
                    f => f,
                },
            })
            .filter(|p| p.func.op() != tensorswitch::catalogue::Op::square)
            .chain([Primary {
                backend: NAME,
                name: "square",
                func: tensorswitch::OpFn::square(tensorswitch::catalogue::Slot::new(
                    composite_square,
                )),
            }])
            .collect();
        Export {
            backend: &FIXTURE,
            primaries: Some(primaries),
            abi_version: std::env::var("TS_FIXTURE_ABI")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(PLUGIN_ABI_VERSION),
            // TS_FIXTURE_WORDS: every op through the argument words.
            direct: std::env::var_os("TS_FIXTURE_WORDS").is_none(),
            // TS_FIXTURE_HANDLES: tensors cross as handles, not as shared blocks.
            share_blocks: std::env::var_os("TS_FIXTURE_HANDLES").is_none(),
        }
    });
    if std::env::var_os("TS_FIXTURE_DIRECT_ONLY").is_some() {
        return direct_only(description);
    }
    description
}

/// `TS_FIXTURE_DIRECT_ONLY`: the description with the argument-word trampoline of every op
/// that has a direct one, and of `sum` (which has none: the test's control), replaced by
/// [`words_refused`], so a test can tell which path the host took (made once, leaked like the
/// description itself).
fn direct_only(description: *const TsPlugin) -> *const TsPlugin {
    static MADE: OnceLock<usize> = OnceLock::new();
    if description.is_null() {
        return description;
    }
    *MADE.get_or_init(|| {
        // SAFETY: `entry` returned a live, `'static` description (not null, checked above),
        // whose `ops` array holds `n_ops` entries; `TsPlugin` holds only plain data and
        // pointers, so a bitwise copy is a valid second description.
        let mut copy = unsafe { std::ptr::read(description) };
        let ops = unsafe { std::slice::from_raw_parts(copy.ops, copy.n_ops) };
        let ops: Vec<TsOp> = ops
            .iter()
            .map(|op| TsOp {
                // SAFETY: the op's identifier, a `'static` string of the description.
                call: if !op.direct.is_null()
                    || unsafe { std::slice::from_raw_parts(op.op.ptr, op.op.len) } == b"sum"
                {
                    words_refused
                } else {
                    op.call
                },
                ..*op
            })
            .collect();
        let ops = Box::leak(ops.into_boxed_slice());
        copy.ops = ops.as_ptr();
        Box::leak(Box::new(copy)) as *const TsPlugin as usize
    }) as *const TsPlugin
}

/// An argument-word trampoline that fails with the error kind `Backend` and no message.
///
/// # Safety
/// `out` is a writable `TsOut` (the host's contract for every trampoline).
unsafe extern "C" fn words_refused(
    _ctx: *const c_void,
    _args: *const u64,
    _n_args: usize,
    out: *mut TsOut,
) -> i32 {
    // SAFETY: the function's contract; the text stays empty (nothing for the host to free).
    unsafe { (*out).error_kind = ErrorKind::Backend as u32 };
    STATUS_ERROR
}
