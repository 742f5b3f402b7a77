//! Test support, shared by path (`#[path = ".../tests/support/memory_limit.rs"]`): caps the
//! process's address space so that allocation tests fail fast, as on a loaded machine,
//! instead of taking the shared machine's memory. Tests call it in a child process they
//! started for the purpose (the limit cannot be lifted again).

/// Sets `RLIMIT_AS` to the process's current virtual size (`VmSize` in /proc/self/status)
/// plus `extra` bytes: libraries such as libtorch map gigabytes of address space they never
/// touch, so a fixed limit would not do.
pub fn limit_address_space(extra: u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmSize line in /proc/self/status");
    let limit = kib * 1024 + extra;
    let rl = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: setrlimit reads the struct passed and touches no other memory of ours; lowering
    // a limit is always allowed.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &rl) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}
