//! The libtorch this process runs on: its version, its folder, and CUDA.
//!
//! The linker drops `libtorch_cuda.so` from binaries built with tch (with `--as-needed` it is
//! only kept when something references it, and nothing does), so libtorch reports no CUDA
//! even on a GPU machine. The backend therefore `dlopen`s it itself, once, when CUDA is first
//! asked about (a CUDA device, the device list, [`cuda_status`]; never for version detection,
//! so a broken CUDA install cannot hurt a program that only lists backends or uses the CPU),
//! and keeps it loaded for the life of the process. Before mapping it, it checks that the file
//! is a complete ELF file: mapping a truncated library kills the process with SIGBUS. When it
//! cannot be loaded (a CPU-only libtorch, no CUDA runtime libraries, no driver, a damaged
//! file), the backend stays CPU-only and [`cuda_status`] says why.
//!
//! The environment variable `TENSORSWITCH_TORCH_CUDA_LIB`, read when CUDA is first asked
//! about, names the `libtorch_cuda.so` to load instead of the one next to `libtorch_cpu.so`.

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

static CUDA: OnceLock<Cuda> = OnceLock::new();

fn cuda() -> &'static Cuda {
    CUDA.get_or_init(load_cuda)
}

/// Whether this process has tried to load libtorch's CUDA library yet (for tests of the
/// backend's promise to open it only when CUDA is asked about).
#[doc(hidden)]
pub fn cuda_probed() -> bool {
    CUDA.get().is_some()
}

/// The variable naming a `libtorch_cuda.so` to load instead of the one in the libtorch folder.
pub const CUDA_LIB_ENV_VAR: &str = "TENSORSWITCH_TORCH_CUDA_LIB";

#[allow(unsafe_code)]
fn load_cuda() -> Cuda {
    let fail = |why: String| Cuda {
        _lib: None,
        status: Err(why),
    };
    let path = match std::env::var_os(CUDA_LIB_ENV_VAR) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let Some(dir) = libtorch_lib_dir() else {
                return fail(
                    "the libtorch folder is unknown, so libtorch_cuda.so cannot be found".into(),
                );
            };
            let path = dir.join("libtorch_cuda.so");
            if !path.exists() {
                return fail(format!(
                    "the libtorch in {} is a CPU-only build (it has no libtorch_cuda.so)",
                    dir.display()
                ));
            }
            path
        }
    };
    if let Err(why) = check_elf(&path) {
        return fail(format!("{} cannot be loaded: {why}", path.display()));
    }
    // RTLD_GLOBAL as when linked normally, RTLD_NOW so missing symbols fail here, not later.
    let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL;
    // SAFETY: loading runs libtorch_cuda's static initialisers, which register its CUDA hooks
    // with the libtorch already loaded in this process; it is the library libtorch itself
    // expects next to libtorch_cpu.so (or the one the user named instead), it was checked to
    // be a complete ELF file above, and it is never unloaded.
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
    let status = match cuda_device_count() {
        Ok(n) if n > 0 => Ok(n),
        Ok(_) => Err(format!(
            "{} loaded, but libtorch finds no usable CUDA device (no GPU or no driver)",
            path.display()
        )),
        Err(why) => Err(format!(
            "{} loaded, but asking libtorch for CUDA devices failed: {why}",
            path.display()
        )),
    };
    Cuda {
        _lib: Some(lib),
        status,
    }
}

/// libtorch's pending error on this thread, if any (what tch's `read_and_clean_error` reads).
#[allow(unsafe_code)]
fn take_torch_error() -> Option<String> {
    // SAFETY: returns this thread's last error, a malloc'd C string we now own, or null.
    let p = unsafe { torch_sys::get_and_reset_last_err() };
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is a non-null NUL-terminated string from libtorch's C wrapper (strdup).
    let text = unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: allocated with malloc by the wrapper, freed once, here.
    unsafe { libc::free(p.cast()) };
    Some(text)
}

/// The number of CUDA devices, asked of libtorch directly: tch's `Cuda::is_available` and
/// `Cuda::device_count` panic when libtorch throws (a broken driver, say).
#[allow(unsafe_code)]
fn cuda_device_count() -> Result<usize, String> {
    let _ = take_torch_error();
    // SAFETY: plain queries of libtorch's CUDA hooks; errors are caught by the C wrapper and
    // left for `take_torch_error`.
    let available = unsafe { torch_sys::cuda::atc_cuda_is_available() };
    if let Some(e) = take_torch_error() {
        return Err(e);
    }
    if available == 0 {
        return Ok(0);
    }
    // SAFETY: as above.
    let n = unsafe { torch_sys::cuda::atc_cuda_device_count() };
    if let Some(e) = take_torch_error() {
        return Err(e);
    }
    usize::try_from(n).map_err(|_| format!("libtorch reported {n} CUDA devices"))
}

/// Checks that `path` is a complete 64-bit ELF file: that its program headers, every loadable
/// segment and its section header table lie within the file. `dlopen` maps the segments, and
/// touching a mapped page past the end of a truncated file raises SIGBUS, which kills the
/// process; this turns that into an error.
pub(crate) fn check_elf(path: &Path) -> Result<(), String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let len = f
        .metadata()
        .map_err(|e| format!("cannot read its size: {e}"))?
        .len();
    let mut h = [0u8; 64];
    f.read_exact(&mut h)
        .map_err(|_| format!("it is {len} bytes long, too short for an ELF header"))?;
    if h[..4] != *b"\x7fELF" {
        return Err("it is not an ELF file".into());
    }
    if h[4] != 2 {
        return Err("it is not a 64-bit ELF file".into());
    }
    let little = match h[5] {
        1 => true,
        2 => false,
        _ => return Err("its ELF header names no byte order".into()),
    };
    // An unsigned field of `width` bytes at offset `i`, in the file's byte order.
    let uint_at = |b: &[u8], i: usize, width: usize| -> u64 {
        let bytes = b[i..i + width].iter();
        let push = |acc: u64, &byte: &u8| (acc << 8) | u64::from(byte);
        if little {
            bytes.rev().fold(0, push)
        } else {
            bytes.fold(0, push)
        }
    };
    let truncated = |what: &str, end: Option<u64>| {
        match end {
        Some(end) if end <= len => Ok(()),
        _ => Err(format!(
            "the file is truncated or damaged: its {what} ends at byte {}, but the file is {len} bytes long",
            end.map_or("(overflow)".into(), |e| e.to_string())
        )),
    }
    };
    let (phoff, shoff) = (uint_at(&h, 0x20, 8), uint_at(&h, 0x28, 8));
    let (phentsize, phnum) = (uint_at(&h, 0x36, 2), uint_at(&h, 0x38, 2));
    let (shentsize, shnum) = (uint_at(&h, 0x3a, 2), uint_at(&h, 0x3c, 2));
    if shoff != 0 {
        truncated("section header table", shoff.checked_add(shentsize * shnum))?;
    }
    let ph_len = phentsize * phnum;
    truncated("program header table", phoff.checked_add(ph_len))?;
    if phentsize < 56 || ph_len > 1 << 20 {
        return Err(format!(
            "its program header table ({phnum} entries of {phentsize} bytes) is damaged"
        ));
    }
    let mut ph = vec![0u8; ph_len as usize];
    f.seek(SeekFrom::Start(phoff))
        .and_then(|_| f.read_exact(&mut ph))
        .map_err(|e| format!("cannot read its program headers: {e}"))?;
    for entry in ph.chunks_exact(phentsize as usize) {
        const PT_LOAD: u64 = 1;
        if uint_at(entry, 0, 4) == PT_LOAD {
            let (offset, filesz) = (uint_at(entry, 0x08, 8), uint_at(entry, 0x20, 8));
            truncated("loadable segment", offset.checked_add(filesz))?;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::check_elf;
    use std::io::Write;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p =
            std::env::temp_dir().join(format!("tensorswitch-tch-{}-{name}", std::process::id()));
        std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
        p
    }

    /// A 64-bit little-endian ELF header: program headers at 64 (`phnum` of 56 bytes), section
    /// headers at `shoff` (10 of 64 bytes).
    fn header(phnum: u16, shoff: u64) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        (h[4], h[5], h[6]) = (2, 1, 1);
        h[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        h[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        h[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        h[0x38..0x3a].copy_from_slice(&phnum.to_le_bytes());
        h[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        h[0x3c..0x3e].copy_from_slice(&10u16.to_le_bytes());
        h
    }

    fn load_segment(offset: u64, filesz: u64) -> Vec<u8> {
        let mut p = vec![0u8; 56];
        p[..4].copy_from_slice(&1u32.to_le_bytes());
        p[0x08..0x10].copy_from_slice(&offset.to_le_bytes());
        p[0x20..0x28].copy_from_slice(&filesz.to_le_bytes());
        p
    }

    #[test]
    fn elf_files_must_be_complete() {
        // 64 + 56 bytes of headers, a 100-byte segment at 120, section headers at 220..860.
        let mut ok = header(1, 220);
        ok.extend(load_segment(120, 100));
        ok.resize(860, 0);
        let good = temp("good.so", &ok);
        assert_eq!(check_elf(&good), Ok(()));
        // One byte short of the section header table.
        let short = temp("short.so", &ok[..859]);
        let e = check_elf(&short).unwrap_err();
        assert!(
            e.contains("section header table ends at byte 860") && e.contains("859"),
            "{e}"
        );
        // No section headers, the segment past the end.
        let mut seg = header(1, 0);
        seg.extend(load_segment(120, 1000));
        seg.resize(500, 0);
        let e = check_elf(&temp("segment.so", &seg)).unwrap_err();
        assert!(e.contains("loadable segment ends at byte 1120"), "{e}");
        let e = check_elf(&temp("text.so", b"INPUT(libfoo.so)\n")).unwrap_err();
        assert!(e.contains("too short") || e.contains("not an ELF"), "{e}");
        let e = check_elf(&temp("zeros.so", &[0u8; 100])).unwrap_err();
        assert!(e.contains("not an ELF"), "{e}");
        // The libtorch in use passes, when it has a CUDA library.
        if let Some(dir) = super::libtorch_lib_dir() {
            let real = dir.join("libtorch_cpu.so");
            assert_eq!(check_elf(&real), Ok(()), "{}", real.display());
        }
        for name in ["good.so", "short.so", "segment.so", "text.so", "zeros.so"] {
            let _ = std::fs::remove_file(
                std::env::temp_dir()
                    .join(format!("tensorswitch-tch-{}-{name}", std::process::id())),
            );
        }
    }
}
