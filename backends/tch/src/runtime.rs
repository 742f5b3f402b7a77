//! The libtorch this process runs on: its version, its folder, and CUDA.
//!
//! The linker drops `libtorch_cuda.so` from binaries built with tch (with `--as-needed` it is
//! only kept when something references it, and nothing does), so libtorch reports no CUDA
//! even on a GPU machine. The backend therefore `dlopen`s it itself, once, when it starts (the
//! first version detection or device listing), and keeps it loaded for the life of the
//! process. When it cannot be loaded (a CPU-only libtorch, no CUDA runtime libraries, no
//! driver), the backend stays CPU-only and [`cuda_status`] says why.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tensorswitch::Device;

/// The libtorch version the crate was compiled against, as its files say (e.g.
/// `"2.13.0+cu130"`); empty when the build could not tell.
pub const BUILT_AGAINST: &str = match option_env!("TENSORSWITCH_LIBTORCH_VERSION") {
    Some(v) => v,
    None => "",
};

/// The folder the libtorch in use was loaded from: where this process mapped
/// `libtorch_cpu.so` (Linux), else the folder the crate was built against.
pub fn libtorch_lib_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        loaded_lib_dir().or_else(|| option_env!("TENSORSWITCH_LIBTORCH_LIB").map(PathBuf::from))
    })
    .clone()
}

fn loaded_lib_dir() -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|line| {
        let path = line.split_whitespace().nth(5)?;
        let p = Path::new(path);
        (p.file_name()? == "libtorch_cpu.so").then(|| p.parent().map(Path::to_path_buf))?
    })
}

/// The version of the libtorch whose `lib/` folder is `lib`, from the files libtorch archives
/// (`build-version`) and PyPI wheels (`version.py`) ship next to it.
fn version_in(lib: &Path) -> Option<String> {
    let root = lib.parent()?;
    if let Ok(v) = std::fs::read_to_string(root.join("build-version")) {
        let v = v.trim();
        if !v.is_empty() {
            return Some(v.to_string());
        }
    }
    let py = std::fs::read_to_string(root.join("version.py")).ok()?;
    py.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("__version__")?;
        let v = rest
            .trim_start_matches([' ', '=', ':'])
            .trim_matches([' ', '\'', '"']);
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// `(major, minor)` of a libtorch version string.
fn major_minor(v: &str) -> Option<(u64, u64)> {
    let v = tensorswitch::version::parse_framework_version(v).ok()?;
    Some((v.major, v.minor))
}

/// The version of the libtorch in use. The library loaded at run time must be the release the
/// crate was compiled against (libtorch has no stable C++ ABI), up to the patch level.
pub(crate) fn detect_version() -> Result<String, String> {
    start();
    let loaded_dir = loaded_lib_dir();
    let loaded = loaded_dir.as_deref().and_then(version_in);
    match (loaded, BUILT_AGAINST) {
        (Some(l), b) if !b.is_empty() && major_minor(&l) != major_minor(b) => {
            Err(format!(
            "tensorswitch-tch was built against libtorch {b}, but libtorch {l} was loaded from \
             {}; rebuild the crate against it or point LD_LIBRARY_PATH at libtorch {b}",
            loaded_dir.as_deref().map_or("?".into(), |d| d.display().to_string())
        ))
        }
        (Some(l), _) => Ok(l),
        (None, b) if !b.is_empty() => Ok(b.to_string()),
        (None, _) => Err(
            "cannot tell the libtorch version: neither the build nor the loaded library \
             (build-version or version.py next to its lib/ folder) says"
                .to_string(),
        ),
    }
}

struct Cuda {
    /// Keeps `libtorch_cuda.so` loaded: libtorch's CUDA hooks live in it. Never unloaded.
    _lib: Option<libloading::Library>,
    status: Result<usize, String>,
}

fn cuda() -> &'static Cuda {
    static CUDA: OnceLock<Cuda> = OnceLock::new();
    CUDA.get_or_init(load_cuda)
}

/// Starts the backend: loads libtorch's CUDA library if it can.
pub(crate) fn start() {
    cuda();
}

fn load_cuda() -> Cuda {
    let fail = |why: String| Cuda {
        _lib: None,
        status: Err(why),
    };
    let Some(dir) = libtorch_lib_dir() else {
        return fail("the libtorch folder is unknown, so libtorch_cuda.so cannot be found".into());
    };
    let path = dir.join("libtorch_cuda.so");
    if !path.exists() {
        return fail(format!(
            "the libtorch in {} is a CPU-only build (it has no libtorch_cuda.so)",
            dir.display()
        ));
    }
    // RTLD_GLOBAL as when linked normally, RTLD_NOW so missing symbols fail here, not later.
    let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL;
    // SAFETY: loading runs libtorch_cuda's static initialisers, which register its CUDA hooks
    // with the libtorch already loaded in this process; it is the library libtorch itself
    // expects next to libtorch_cpu.so, and it is never unloaded.
    let lib = match unsafe { libloading::os::unix::Library::open(Some(&path), flags) } {
        Ok(lib) => libloading::Library::from(lib),
        Err(e) => {
            return fail(format!(
                "{} cannot be loaded: {e} (the CUDA runtime libraries it needs are missing; \
                 install the CUDA wheels torch depends on or a CUDA libtorch)",
                path.display()
            ))
        }
    };
    // tch panics if libtorch throws here (a broken driver, say): that too means no CUDA.
    let probe =
        std::panic::catch_unwind(|| tch::Cuda::is_available().then(tch::Cuda::device_count));
    let status = match probe {
        Ok(Some(n)) => usize::try_from(n)
            .map_err(|_| "libtorch reported a negative CUDA device count".to_string()),
        Ok(None) => Err(format!(
            "{} loaded, but libtorch finds no usable CUDA device (no GPU or no driver)",
            path.display()
        )),
        Err(_) => Err(format!(
            "{} loaded, but asking libtorch for CUDA devices failed",
            path.display()
        )),
    };
    Cuda {
        _lib: Some(lib),
        status,
    }
}

/// Whether this process can use CUDA through the torch backend: `Ok(number of devices)`, or
/// `Err` saying why not (e.g. `libtorch_cuda.so` failed to load because the CUDA runtime
/// libraries are missing, or no GPU was found).
pub fn cuda_status() -> Result<usize, String> {
    cuda().status.clone()
}

/// The CPU, then each CUDA device libtorch finds.
pub(crate) fn devices() -> Vec<Device> {
    let n = cuda_status().unwrap_or(0);
    std::iter::once(Device::Cpu)
        .chain((0..n).map(Device::Cuda))
        .collect()
}
