//! `auto_select_backend_from` with the fixture plugin (found in the `deps/` folder this binary
//! runs from): chosen when it loads, and passed over with the loader's reason when it fails to
//! load (another ABI version, in a child process). This binary links the core only: with the
//! fixture passed over, nothing else in the order runs, and the error lists both reasons.

#[path = "../../../tests/support/child.rs"]
mod child;
use tensorswitch::{auto_select_backend_from, Candidate, Device, Error};

const CHILD: &str = "TS_FIXTURE_AUTO_CHILD";

#[test]
fn a_plugin_that_loads_is_chosen() {
    let s = auto_select_backend_from(&[
        Candidate::new("no-such-backend", Device::Cpu),
        Candidate::new("fixture", Device::Cpu),
    ])
    .unwrap();
    assert_eq!((s.backend, s.device), ("fixture", Device::Cpu));
    assert_eq!(s.version, "1.0.0");
    assert!(s.tried[0].outcome.is_err() && s.tried[1].outcome.is_ok());
}

#[test]
fn a_plugin_that_fails_to_load_is_passed_over_with_the_reason() {
    const TEST: &str = "a_plugin_that_fails_to_load_is_passed_over_with_the_reason";
    if std::env::var(CHILD).as_deref() != Ok(TEST) {
        let mut cmd = child::command(TEST, CHILD);
        cmd.env("TS_FIXTURE_ABI", "999");
        child::output(cmd, TEST, "CHILD-DONE");
        return;
    }
    let err = auto_select_backend_from(&[
        Candidate::new("fixture", Device::Cpu),
        Candidate::new("ndarray", Device::Cpu),
    ])
    .unwrap_err();
    let Error::BackendUnavailable { reason, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        reason.contains("fixture on cpu: passed over")
            && reason.contains("plugin ABI 999")
            && reason.contains("ndarray on cpu: passed over: not compiled into this program"),
        "{reason}"
    );
    // The failed load is remembered: the default order still lists the backend, and the
    // statuses say why it cannot be had.
    assert!(tensorswitch::backend_statuses()
        .iter()
        .any(|s| s.name == "fixture"
            && matches!(
                s.availability,
                tensorswitch::plugin::Availability::NotLoadable { .. }
            )));
    println!("CHILD-DONE");
}
