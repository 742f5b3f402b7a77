//! Backends as plugins, loaded at run time: a program without a build- or link-time dependency
//! on a framework (libtorch) uses its backend from a shared library, and a framework that is
//! missing or broken on the machine makes that backend unavailable, never the program.
//!
//! * A plugin is a `cdylib` exporting one entry point (write it with
//!   [`export_plugin!`](crate::export_plugin)), named `<prefix>tensorswitch_<backend><suffix>`
//!   (`libtensorswitch_torch.so` on Linux, see [`plugin_file_name`]).
//! * [`set_backend`](crate::set_backend) (and every function naming a backend) loads the plugin
//!   on first use of a backend this program does not have compiled in, from the folders in
//!   `TENSORSWITCH_PLUGIN_PATH`, then the executable's folder (see [`plugin_search_path`]);
//!   [`load_backend_plugin`] loads one by path.
//! * [`backend_statuses`] tells compiled-in, plugin-loaded, found-but-not-loadable (why) and
//!   found-not-yet-loaded backends apart.
//! * A plugin that the same compiler built from the same tensorswitch (as one `cargo build` of
//!   a workspace does) shares its tensor blocks: its results are the program's tensors as they
//!   are, with no wrapper around each, which makes small ops through it nearly as cheap as
//!   through the linked backend. Any other plugin crosses with handles, which costs a second
//!   block per tensor; `TENSORSWITCH_PLUGIN_BLOCKS=0` asks for handles always.
//!   [`Availability::Plugin`] says which a loaded plugin does.
//!
//! The boundary is in [`abi`] and docs/architecture.md ("Backend plugins").

pub mod abi;
pub(crate) mod host;
pub(crate) mod kinds;
pub mod serve;
pub(crate) mod share;

use crate::error::{Error, Result};
use crate::tensor::BackendDescriptor;
use std::path::{Path, PathBuf};

pub use host::MAX_PLUGINS;

/// The version of tensorswitch this program (or plugin) was built with.
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The environment variable listing folders (or plugin files) to look for plugins in,
/// separated as `PATH` is.
pub const PLUGIN_PATH_ENV_VAR: &str = "TENSORSWITCH_PLUGIN_PATH";

/// Whether a plugin built against tensorswitch `version` may be used: the same version as this
/// program's (the catalogue's fingerprint is checked besides).
pub(crate) fn compatible(version: &str) -> bool {
    version == CORE_VERSION
}

/// The file name of backend `name`'s plugin on this platform (`libtensorswitch_torch.so`).
pub fn plugin_file_name(name: &str) -> String {
    format!(
        "{}tensorswitch_{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Where plugins are looked for, in order, with where each entry comes from: the entries of
/// `TENSORSWITCH_PLUGIN_PATH`, then the executable's folder (and, for an executable in cargo's
/// `deps/` folder, as tests and benches are, the folder above it).
pub fn plugin_search_path() -> Vec<(PathBuf, &'static str)> {
    let mut dirs = Vec::new();
    if let Some(list) = std::env::var_os(PLUGIN_PATH_ENV_VAR) {
        for d in std::env::split_paths(&list) {
            if !d.as_os_str().is_empty() {
                dirs.push((d, PLUGIN_PATH_ENV_VAR));
            }
        }
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        if dir.file_name().is_some_and(|n| n == "deps") {
            if let Some(up) = dir.parent() {
                dirs.push((dir.clone(), "next to the executable"));
                dirs.push((up.to_path_buf(), "above the executable's deps/ folder"));
                return dirs;
            }
        }
        dirs.push((dir, "next to the executable"));
    }
    dirs
}

/// Loads the backend plugin at `path` and returns its backend's name. Loading a file twice
/// loads it once (the second call returns the first result); libraries are never unloaded.
///
/// Errors ([`Error::BackendUnavailable`]) say what is wrong: a file that is not a library or
/// whose dependencies are missing (the loader's message names the missing library), a library
/// that is not a plugin, a plugin built for another tensorswitch (and what to rebuild), or a
/// backend name this program already has.
pub fn load_backend_plugin(path: impl AsRef<Path>) -> Result<&'static str> {
    load(path.as_ref(), None)
}

/// Like [`load_backend_plugin`], naming the plugin's backend `name` instead of the name the
/// plugin gives it: to use a plugin of a backend this program also has compiled in (the
/// benchmarks compare the two) or two builds of one backend.
pub fn load_backend_plugin_as(path: impl AsRef<Path>, name: &str) -> Result<&'static str> {
    load(path.as_ref(), Some(name))
}

fn load(path: &Path, alias: Option<&str>) -> Result<&'static str> {
    match host::load(path, alias) {
        Ok(l) => Ok(l.desc.name),
        Err(reason) => Err(Error::BackendUnavailable {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            reason,
        }),
    }
}

/// Finds and loads the plugin of backend `name`: `Ok(None)` when no file of that name is on
/// the search path.
pub(crate) fn find(name: &str) -> Result<Option<&'static BackendDescriptor>> {
    if let Some(l) = host::loaded().find(|l| l.desc.name == name) {
        return Ok(Some(l.desc));
    }
    let file = plugin_file_name(name);
    for (dir, _) in plugin_search_path() {
        let candidate = if dir.is_file() {
            if dir.file_name().is_some_and(|f| *f == *file) {
                dir
            } else {
                continue;
            }
        } else {
            dir.join(&file)
        };
        if !candidate.is_file() {
            continue;
        }
        return match host::load(&candidate, None) {
            Ok(l) if l.desc.name == name => Ok(Some(l.desc)),
            Ok(l) => Err(Error::BackendUnavailable {
                name: name.to_string(),
                reason: format!(
                    "the plugin `{}` serves backend `{}`, not `{name}`",
                    candidate.display(),
                    l.desc.name
                ),
            }),
            Err(reason) => Err(Error::BackendUnavailable {
                name: name.to_string(),
                reason: format!("its plugin was found but cannot be used: {reason}"),
            }),
        };
    }
    Ok(None)
}

/// For "unknown backend" messages: the plugin file looked for and where.
pub(crate) fn not_found_hint(name: &str) -> String {
    let places: Vec<String> = plugin_search_path()
        .iter()
        .map(|(d, why)| format!("{} ({why})", d.display()))
        .collect();
    format!(
        "a plugin `{}`, looked for in: {} (not found; set {PLUGIN_PATH_ENV_VAR} or call \
         load_backend_plugin)",
        plugin_file_name(name),
        if places.is_empty() {
            "nowhere".to_string()
        } else {
            places.join(", ")
        }
    )
}

/// Every backend descriptor: compiled in (in registration order), then loaded from plugins
/// (in load order).
pub fn all_descriptors() -> impl Iterator<Item = &'static BackendDescriptor> {
    crate::registry::descriptors().chain(host::loaded().map(|l| l.desc))
}

/// A backend compiled in or loaded from a plugin, by name (no search: see `find`).
pub(crate) fn descriptor(name: &str) -> Option<&'static BackendDescriptor> {
    all_descriptors().find(|d| d.name == name)
}

/// The primaries of a loaded plugin's backend.
pub(crate) fn primaries(backend: &str) -> impl Iterator<Item = &'static crate::Primary> + '_ {
    host::loaded()
        .filter(move |l| l.desc.name == backend)
        .flat_map(|l| l.primaries.iter())
}

/// How a backend can be had in this program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// Linked into the program.
    CompiledIn,
    /// Loaded from a plugin.
    Plugin {
        /// The plugin's file.
        path: PathBuf,
        /// The tensorswitch it was built against.
        core_version: String,
        /// Whether its tensors are the host's own (a plugin the same compiler built from the
        /// same core shares its tensor blocks; see the module's docs), rather than handles
        /// the host wraps.
        shares_blocks: bool,
    },
    /// A plugin file is on the search path but was not loaded yet (it is on first use).
    Found {
        /// The plugin's file.
        path: PathBuf,
    },
    /// A plugin file was found but cannot be loaded.
    NotLoadable {
        /// The plugin's file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Neither compiled in nor found as a plugin.
    NotFound {
        /// The plugin file looked for (`libtensorswitch_torch.so`).
        file: String,
        /// The folders it was looked for in (see [`plugin_search_path`]).
        looked_in: Vec<PathBuf>,
    },
}

impl std::fmt::Display for Availability {
    /// `compiled in`, `plugin <path>`, `plugin found, not loaded yet: <path>`, `plugin not
    /// loadable: <path>: <why>`, `not found: <file> in <folders>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Availability::CompiledIn => f.write_str("compiled in"),
            Availability::Plugin { path, .. } => write!(f, "plugin {}", path.display()),
            Availability::Found { path } => {
                write!(f, "plugin found, not loaded yet: {}", path.display())
            }
            Availability::NotLoadable { path, reason } => {
                write!(f, "plugin not loadable: {}: {reason}", path.display())
            }
            Availability::NotFound { file, looked_in } => {
                let dirs: Vec<String> = looked_in.iter().map(|d| d.display().to_string()).collect();
                write!(f, "not found: no {file} in {}", dirs.join(", "))
            }
        }
    }
}

/// The backends tensorswitch builds as plugins (`tensorswitch-torch-plugin`,
/// `tensorswitch-mlx-plugin`): what a listing of backends (the `tensorswitch info` command)
/// reports as [`Availability::NotFound`] when a program has neither linked nor found them.
pub const KNOWN_PLUGINS: [&str; 2] = ["torch", "mlx"];

/// Where the backend `desc` comes from: [`Availability::CompiledIn`] or
/// [`Availability::Plugin`] (a descriptor exists only for those two).
pub fn origin(desc: &'static BackendDescriptor) -> Availability {
    match host::loaded().find(|l| std::ptr::eq(l.desc, desc)) {
        Some(l) => Availability::Plugin {
            path: l.path.clone(),
            core_version: l.core_version.clone(),
            shares_blocks: l.shares_blocks,
        },
        None => Availability::CompiledIn,
    }
}

/// How backend `name` can be had, without loading anything: as [`backend_statuses`] reports
/// it, or [`Availability::NotFound`] with the file looked for and where.
pub fn backend_status(name: &str) -> BackendStatus {
    backend_statuses()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| not_found(name))
}

fn not_found(name: &str) -> BackendStatus {
    BackendStatus {
        name: name.to_string(),
        availability: Availability::NotFound {
            file: plugin_file_name(name),
            looked_in: plugin_search_path().into_iter().map(|(d, _)| d).collect(),
        },
    }
}

/// One backend and how it can be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendStatus {
    /// The backend's name (for a plugin not loaded, the name its file implies).
    pub name: String,
    /// How.
    pub availability: Availability,
}

/// Every backend this program has or can find: compiled in, loaded as plugins, plugins on the
/// search path not loaded yet, and plugins that failed to load (with why). A backend in none
/// of these is not found: [`backend_status`] says so for one name, with the file and folders
/// looked in (as the "unknown backend" error does).
pub fn backend_statuses() -> Vec<BackendStatus> {
    let mut out: Vec<BackendStatus> = crate::registry::descriptors()
        .map(|d| BackendStatus {
            name: d.name.to_string(),
            availability: Availability::CompiledIn,
        })
        .collect();
    for l in host::loaded() {
        out.push(BackendStatus {
            name: l.desc.name.to_string(),
            availability: Availability::Plugin {
                path: l.path.clone(),
                core_version: l.core_version.clone(),
                shares_blocks: l.shares_blocks,
            },
        });
    }
    let failures = host::failures();
    for (path, reason) in &failures {
        out.push(BackendStatus {
            name: backend_of_file(path).unwrap_or_else(|| path.display().to_string()),
            availability: Availability::NotLoadable {
                path: path.clone(),
                reason: reason.clone(),
            },
        });
    }
    let (prefix, suffix) = (
        format!("{}tensorswitch_", std::env::consts::DLL_PREFIX),
        std::env::consts::DLL_SUFFIX,
    );
    for (dir, _) in plugin_search_path() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            let Some(name) = file
                .strip_prefix(&prefix)
                .and_then(|f| f.strip_suffix(suffix))
            else {
                continue;
            };
            let path = e.path().canonicalize().unwrap_or_else(|_| e.path());
            let known =
                out.iter().any(|s| s.name == name) || failures.iter().any(|(p, _)| *p == path);
            if !known {
                out.push(BackendStatus {
                    name: name.to_string(),
                    availability: Availability::Found { path },
                });
            }
        }
    }
    out
}

fn backend_of_file(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_string_lossy().into_owned();
    let prefix = format!("{}tensorswitch_", std::env::consts::DLL_PREFIX);
    Some(
        file.strip_prefix(&prefix)?
            .strip_suffix(std::env::consts::DLL_SUFFIX)?
            .to_string(),
    )
}

/// Writes a plugin's entry point, exporting a backend with the primaries registered for it in
/// this library (put it in a `cdylib` crate that links the backend):
///
/// ```ignore
/// use tensorswitch_tch as _;
/// tensorswitch::export_plugin!(tensorswitch_tch::TORCH);
/// ```
///
/// For a custom export (other primaries), pass a closure returning a
/// [`plugin::serve::Export`](crate::plugin::serve::Export): `export_plugin!(with || …)`.
#[macro_export]
macro_rules! export_plugin {
    (with $make:expr) => {
        /// The tensorswitch plugin entry point.
        ///
        /// # Safety
        /// Called by tensorswitch's plugin loader only.
        #[no_mangle]
        pub unsafe extern "C" fn tensorswitch_plugin_entry(
            _host_abi: u32,
            _host_core: $crate::plugin::abi::TsStr,
        ) -> *const $crate::plugin::abi::TsPlugin {
            $crate::plugin::serve::entry($make)
        }
    };
    ($descriptor:path) => {
        $crate::export_plugin!(with || $crate::plugin::serve::Export::backend(&$descriptor));
    };
}

#[cfg(test)]
mod tests {
    use super::abi::{ErrorKind, Reader, TsOut, Words, STATUS_ERROR};
    use super::kinds;
    use crate::dtype::DType;
    use crate::error::Result;
    use crate::tensor::{Device, Tensor};

    fn never(_: &Tensor) -> Result<Tensor> {
        unreachable!("called with arguments it could not have decoded")
    }

    fn panics(_: &[usize], _: DType, _: Device) -> Result<Tensor> {
        panic!("a fill that panics")
    }

    /// Takes the message out of an out-parameter and frees it as the host does.
    fn message(out: &mut TsOut) -> String {
        // SAFETY: a buffer `serve` made, freed once.
        unsafe {
            let text = out.text.data.to_string_lossy();
            super::serve::free(out.text.owner);
            text
        }
    }

    #[test]
    fn a_reader_never_reads_past_its_words() {
        let words = [1u64, 2, 3];
        let mut r = Reader::new(&words);
        assert_eq!(r.word().unwrap(), 1);
        assert!(r.words(3).is_err());
        assert_eq!(r.words(2).unwrap(), &[2, 3]);
        assert!(r.word().is_err());
        assert!(Reader::new(&words).words(usize::MAX).is_err());
    }

    #[test]
    fn a_trampoline_given_too_few_words_fails_before_calling() {
        let mut out = TsOut::new();
        let ctx = kinds::UnaryFn::ctx(never);
        // SAFETY: `ctx` is a `UnaryFn` made by its own kind's `ctx`; no words (null, 0).
        let status = unsafe { kinds::UnaryFn::serve(ctx, std::ptr::null(), 0, &mut out) };
        assert_eq!(status, STATUS_ERROR);
        assert_eq!(out.error_kind, ErrorKind::Backend as u32);
        assert!(message(&mut out).contains("fewer argument words"));
    }

    #[test]
    fn a_panic_in_a_served_function_becomes_an_error() {
        let mut w = Words::new();
        w.push(1); // one dimension
        w.push(2); // of size 2
        w.push(DType::Float32 as u64);
        w.push(0); // cpu
        w.push(0);
        let mut out = TsOut::new();
        let ctx = kinds::FillFn::ctx(panics);
        // SAFETY: `ctx` is a `FillFn`; the words are a FillFn's (shape, dtype, device).
        let words = w.as_slice();
        let status = unsafe { kinds::FillFn::serve(ctx, words.as_ptr(), words.len(), &mut out) };
        assert_eq!(status, STATUS_ERROR);
        assert_eq!(out.error_kind, ErrorKind::Panic as u32);
        assert_eq!(out.n_tensors, 0);
        assert_eq!(message(&mut out), "a fill that panics");
    }

    fn invalid(_: &Tensor, _: &Tensor) -> Result<Tensor> {
        Err(crate::Error::InvalidArgument {
            op: "add",
            reason: "no good".into(),
        })
    }

    fn panics_unary(_: &Tensor) -> Result<Tensor> {
        panic!("a unary op that panics")
    }

    /// A handle the trampolines below pass on without reading (their functions ignore it).
    fn unread_handle() -> *mut std::ffi::c_void {
        std::ptr::NonNull::<u64>::dangling().as_ptr().cast()
    }

    #[test]
    fn a_direct_trampoline_sends_an_error_whole_and_leaves_the_result_alone() {
        let mut result = super::abi::TsTensor::NONE;
        let mut out = std::mem::MaybeUninit::<TsOut>::uninit();
        let ctx = kinds::BinaryFn::ctx(invalid);
        let (a, b) = (unread_handle(), unread_handle());
        // SAFETY: `ctx` is a `BinaryFn`, which reads neither handle; writable out-parameters.
        let status = unsafe { kinds::direct::binary(ctx, a, b, &mut result, out.as_mut_ptr()) };
        assert_eq!(status, STATUS_ERROR);
        assert!(result.handle.is_null());
        // SAFETY: written whole on failure.
        let out = unsafe { out.assume_init_mut() };
        assert_eq!(out.error_kind, ErrorKind::InvalidArgument as u32);
        assert_eq!(out.n_tensors, 0);
        assert_eq!(message(out), "no good");
    }

    #[test]
    fn a_panic_in_a_direct_trampoline_becomes_an_error() {
        let mut result = super::abi::TsTensor::NONE;
        let mut out = std::mem::MaybeUninit::<TsOut>::uninit();
        let ctx = kinds::UnaryFn::ctx(panics_unary);
        // SAFETY: `ctx` is a `UnaryFn`, which does not read the handle.
        let status =
            unsafe { kinds::direct::unary(ctx, unread_handle(), &mut result, out.as_mut_ptr()) };
        assert_eq!(status, STATUS_ERROR);
        assert!(result.handle.is_null());
        // SAFETY: written whole on failure.
        let out = unsafe { out.assume_init_mut() };
        assert_eq!(out.error_kind, ErrorKind::Panic as u32);
        assert_eq!(message(out), "a unary op that panics");
        // Null out-parameters: refused, nothing called or written.
        let ctx = kinds::UnaryFn::ctx(never);
        // SAFETY: null out-parameters are part of the contract's refusal.
        let status = unsafe {
            kinds::direct::unary(
                ctx,
                unread_handle(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(status, STATUS_ERROR);
        // SAFETY: as above, with the error's out-parameter alone null.
        let status = unsafe {
            kinds::direct::unary(ctx, unread_handle(), &mut result, std::ptr::null_mut())
        };
        assert_eq!(status, STATUS_ERROR);
        assert!(result.handle.is_null());
    }

    #[test]
    fn only_unary_and_binary_kinds_have_direct_trampolines() {
        assert!(!kinds::UnaryFn::direct().is_null());
        assert!(!kinds::BinaryFn::direct().is_null());
        assert_ne!(kinds::UnaryFn::direct(), kinds::BinaryFn::direct());
        assert!(kinds::WhereFn::direct().is_null());
        assert!(kinds::FillFn::direct().is_null());
    }

    #[test]
    fn words_keep_their_order_past_the_inline_ones() {
        for n in [
            0,
            1,
            Words::INLINE - 1,
            Words::INLINE,
            Words::INLINE + 1,
            3 * Words::INLINE,
        ] {
            let mut w = Words::new();
            for i in 0..n as u64 {
                w.push(i * 7 + 1);
            }
            let expected: Vec<u64> = (0..n as u64).map(|i| i * 7 + 1).collect();
            assert_eq!(w.as_slice(), expected.as_slice(), "{n} words");
        }
    }

    #[test]
    fn the_catalogue_fingerprint_covers_every_op_and_kind() {
        assert_eq!(kinds::OP_KINDS.len(), crate::Op::COUNT);
        assert_eq!(kinds::OP_KINDS[crate::Op::add.index()], ("add", "BinaryFn"));
        assert_eq!(
            super::abi::catalogue_fingerprint(),
            super::abi::catalogue_fingerprint()
        );
    }

    #[test]
    fn plugin_files_are_named_after_their_backend() {
        let name = super::plugin_file_name("torch");
        assert!(name.contains("tensorswitch_torch"));
        assert!(name.ends_with(std::env::consts::DLL_SUFFIX));
    }
}
