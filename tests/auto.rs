//! `auto_select_backend`: on a machine without CUDA (the CPU backends are chosen, and the
//! report says why CUDA was passed over), with backends that are missing or whose plugin
//! fails to load (passed over with the loader's reason), and with an order of one's own.

use tensorswitch::auto::{default_order, is_apple_silicon};
use tensorswitch::{
    auto_select_backend, auto_select_backend_from, Candidate, Device, Error, Selection,
};
use tensorswitch_ndarray as _;

fn nvidia_visible() -> bool {
    std::path::Path::new("/dev/nvidia0").exists()
        || std::fs::read_dir("/proc/driver/nvidia/gpus").is_ok_and(|mut d| d.next().is_some())
}

/// Every attempt before the last failed with a reason, and the last is the choice.
fn check_report(s: &Selection) {
    let (last, before) = s.tried.split_last().expect("at least one attempt");
    assert!(last.outcome.is_ok(), "{}", s.report());
    assert_eq!(last.candidate.backend, s.backend);
    assert_eq!(last.candidate.device, s.device);
    for a in before {
        let why = a.outcome.as_ref().expect_err("only the last is chosen");
        assert!(!why.is_empty(), "{}", s.report());
    }
    assert!(s.report().lines().count() == s.tried.len());
}

#[test]
fn the_default_order_tries_cuda_then_metal_then_the_cpu_backends() {
    let order = default_order();
    assert_eq!(order[0], Candidate::new("torch", Device::Cuda(0)));
    assert_eq!(order[1], Candidate::new("mlx", Device::Metal(0)));
    assert_eq!(order[2], Candidate::new("ndarray", Device::Cpu));
    assert!(order[2..].iter().all(|c| c.device == Device::Cpu));
}

#[test]
#[cfg(target_os = "linux")]
fn without_cuda_the_cpu_backend_is_chosen_and_the_report_says_why() {
    let s = auto_select_backend().unwrap();
    check_report(&s);
    if nvidia_visible() {
        // A GPU machine: this binary links no torch, so CUDA is passed over unless the torch
        // plugin is found; either way the report is consistent (checked above).
        return;
    }
    assert_eq!(
        (s.backend, s.device),
        ("ndarray", Device::Cpu),
        "{}",
        s.report()
    );
    let cuda = &s.tried[0];
    assert_eq!(cuda.candidate, Candidate::new("torch", Device::Cuda(0)));
    let why = cuda.outcome.as_ref().unwrap_err();
    assert!(why.contains("no NVIDIA GPU is visible"), "{why}");
    assert!(!is_apple_silicon());
    let metal = s.tried[1].outcome.as_ref().unwrap_err();
    assert!(metal.contains("Apple silicon"), "{metal}");
    assert_eq!(
        s.version,
        tensorswitch::backend_version("ndarray")
            .unwrap()
            .to_string()
    );
    assert!(s.to_string().starts_with("ndarray "), "{s}");
}

#[test]
fn an_overridden_order_passes_over_missing_backends_and_devices() {
    let order = [
        Candidate::parse("no-such-backend").unwrap(),
        Candidate::parse("ndarray:cuda:0").unwrap(),
        Candidate::parse("ndarray").unwrap(),
        Candidate::parse("torch").unwrap(),
    ];
    let s = auto_select_backend_from(&order).unwrap();
    check_report(&s);
    assert_eq!((s.backend, s.device), ("ndarray", Device::Cpu));
    // Not tried: what comes after the choice.
    assert_eq!(s.tried.len(), 3);
    let missing = s.tried[0].outcome.as_ref().unwrap_err();
    assert!(
        missing.contains("not compiled into this program")
            && missing.contains("libtensorswitch_no-such-backend"),
        "{missing}"
    );
    let device = s.tried[1].outcome.as_ref().unwrap_err();
    if nvidia_visible() {
        assert!(device.contains("cuda:0"), "{device}");
    } else {
        assert!(device.contains("no NVIDIA GPU"), "{device}");
    }
}

#[test]
fn a_device_the_backend_lacks_is_passed_over_with_its_device_list() {
    // metal only counts on Apple silicon; elsewhere ndarray's device list is what refuses it.
    let s = auto_select_backend_from(&[
        Candidate::new("ndarray", Device::Metal(1)),
        Candidate::new("ndarray", Device::Cpu),
    ])
    .unwrap();
    let why = s.tried[0].outcome.as_ref().unwrap_err();
    if is_apple_silicon() {
        assert!(why.contains("not among its devices (cpu)"), "{why}");
    } else {
        assert!(why.contains("Apple silicon"), "{why}");
    }
}

#[test]
fn when_nothing_runs_the_error_lists_every_reason() {
    let err = auto_select_backend_from(&[
        Candidate::new("no-such-backend", Device::Cpu),
        Candidate::new("also-missing", Device::Cpu),
    ])
    .unwrap_err();
    let Error::BackendUnavailable { name, reason } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(name, "auto");
    assert!(
        reason.contains("no-such-backend on cpu: passed over")
            && reason.contains("also-missing on cpu: passed over"),
        "{reason}"
    );
    assert!(auto_select_backend_from(&[]).is_err());
}

#[test]
fn candidates_parse_and_bad_ones_are_errors() {
    assert_eq!(
        Candidate::parse("torch:cuda:1").unwrap(),
        Candidate::new("torch", Device::Cuda(1))
    );
    assert_eq!(
        Candidate::parse(" mlx:metal ").unwrap(),
        Candidate::new("mlx", Device::Metal(0))
    );
    assert!(matches!(
        Candidate::parse(":cuda"),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Candidate::parse("torch:floppy"),
        Err(Error::Device(_))
    ));
}

/// A plugin file that is not a library: found on the search path, fails to load, and is
/// passed over with the loader's reason (in a child process, for its own plugin path).
#[test]
#[cfg(target_os = "linux")]
fn a_plugin_that_fails_to_load_is_passed_over_with_the_reason() {
    const CHILD: &str = "TS_AUTO_CHILD";
    if std::env::var(CHILD).is_err() {
        let dir = std::env::temp_dir().join(format!("ts-auto-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(tensorswitch::plugin::plugin_file_name("broken")),
            b"not a shared library",
        )
        .unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_plugin_that_fails_to_load_is_passed_over_with_the_reason",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env(tensorswitch::plugin::PLUGIN_PATH_ENV_VAR, &dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("CHILD-DONE"),
            "{text}"
        );
        return;
    }
    // The found plugin is among the default candidates, after the CPU backends we know.
    let order = default_order();
    assert!(
        order.contains(&Candidate::new("broken", Device::Cpu)),
        "{order:?}"
    );
    let s = auto_select_backend_from(&[
        Candidate::new("broken", Device::Cpu),
        Candidate::new("ndarray", Device::Cpu),
    ])
    .unwrap();
    check_report(&s);
    assert_eq!(s.backend, "ndarray");
    let why = s.tried[0].outcome.as_ref().unwrap_err();
    assert!(
        why.contains("its plugin was found but cannot be used")
            && why.contains("libtensorswitch_broken"),
        "{why}"
    );
    println!("CHILD-DONE");
}
