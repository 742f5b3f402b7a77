//! Configuration without code (src/config.rs): the precedence of the environment, the working
//! directory's `tensorswitch.toml` and the user's, and an `Error::Config` for every value that
//! is not accepted. Most tests read injected sources (`ConfigSources`), never the process's
//! environment; the few that check the process's own configuration run in a child process of
//! this binary, in a folder of their own.
#![cfg(feature = "config")]

#[path = "support/child.rs"]
mod child;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tensorswitch::config::{
    BackendChoice, ConfigSources, Origin, Setting, BACKEND_ENV_VAR, DEVICE_ENV_VAR,
};
use tensorswitch::{Config, Device, Error, Tensor};
use tensorswitch_ndarray as _;

/// A fresh, empty folder under the system's temporary folder.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ts-config-{}-{tag}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("tensorswitch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A working-directory file and a user file, in precedence order.
fn two_files(cwd: &str, user: &str) -> (PathBuf, PathBuf, ConfigSources) {
    let (a, b) = (temp_dir("cwd"), temp_dir("user"));
    let (fa, fb) = (write(&a, cwd), write(&b, user));
    let sources = ConfigSources::empty().file(&fa).file(&fb);
    (fa, fb, sources)
}

fn named(name: &str, origin: Origin) -> Setting<BackendChoice> {
    Setting {
        value: BackendChoice::Named(name.to_string()),
        origin,
    }
}

#[test]
fn nothing_configured_is_the_built_in_ndarray_on_the_cpu() {
    let cfg = Config::load(&ConfigSources::empty()).unwrap();
    assert_eq!(cfg.backend(), named("ndarray", Origin::BuiltIn));
    assert_eq!(cfg.device().value, Device::Cpu);
    assert_eq!(cfg.device().origin, Origin::BuiltIn);
    assert!(!cfg.device_configured());
    assert!(cfg.files_read().is_empty());
}

#[test]
fn missing_files_are_skipped() {
    let dir = temp_dir("missing");
    let sources = ConfigSources::empty()
        .file(dir.join("tensorswitch.toml"))
        .file(dir.join("nope").join("tensorswitch.toml"));
    let cfg = Config::load(&sources).unwrap();
    assert_eq!(cfg.backend().origin, Origin::BuiltIn);
    assert!(cfg.files_read().is_empty());
}

#[test]
fn the_working_directory_file_beats_the_user_file_key_by_key() {
    let (cwd, user, sources) = two_files(
        "backend = \"torch\"\n",
        "backend = \"mlx\"\ndevice = \"cuda:1\"\n",
    );
    let cfg = Config::load(&sources).unwrap();
    assert_eq!(cfg.backend(), named("torch", Origin::File(cwd.clone())));
    // The working directory's file says nothing about the device: the user's file does.
    assert_eq!(
        cfg.device(),
        Setting {
            value: Device::Cuda(1),
            origin: Origin::File(user.clone())
        }
    );
    assert_eq!(cfg.files_read(), [cwd, user]);
}

#[test]
fn the_user_file_alone_configures() {
    let user = write(&temp_dir("user-only"), "backend = \"auto\"\n");
    let sources = ConfigSources::empty()
        .file(temp_dir("empty-cwd").join("tensorswitch.toml"))
        .file(&user);
    let cfg = Config::load(&sources).unwrap();
    assert_eq!(cfg.backend().value, BackendChoice::Auto);
    assert_eq!(cfg.backend().origin, Origin::File(user));
}

#[test]
fn the_environment_beats_both_files() {
    let (cwd, _, sources) = two_files(
        "backend = \"torch\"\ndevice = \"cuda:0\"\n",
        "backend = \"mlx\"\n",
    );
    let cfg = Config::load(&sources.clone().env(BACKEND_ENV_VAR, "ndarray")).unwrap();
    assert_eq!(
        cfg.backend(),
        named("ndarray", Origin::Env(BACKEND_ENV_VAR))
    );
    // Only the backend came from the environment.
    assert_eq!(cfg.device().origin, Origin::File(cwd));
    let cfg = Config::load(&sources.env(DEVICE_ENV_VAR, " CPU ")).unwrap();
    assert_eq!(
        cfg.device(),
        Setting {
            value: Device::Cpu,
            origin: Origin::Env(DEVICE_ENV_VAR)
        }
    );
    assert_eq!(cfg.backend().value, BackendChoice::Named("torch".into()));
}

#[test]
fn an_empty_variable_counts_as_unset() {
    let (cwd, _, sources) = two_files("backend = \"torch\"\n", "");
    let cfg = Config::load(&sources.env(BACKEND_ENV_VAR, "  ")).unwrap();
    assert_eq!(cfg.backend(), named("torch", Origin::File(cwd)));
}

#[test]
fn auto_is_accepted_in_any_case() {
    let cfg = Config::load(&ConfigSources::empty().env(BACKEND_ENV_VAR, "AUTO")).unwrap();
    assert_eq!(cfg.backend().value, BackendChoice::Auto);
}

/// The error of loading `sources`, which must be an `Error::Config` naming `origin` and
/// `key` whose accepted values mention each of `accepted`.
fn config_error(sources: &ConfigSources, origin: &str, key: &str, accepted: &[&str]) -> String {
    let err = Config::load(sources).expect_err("a bad value is an error");
    let Error::Config {
        origin: o,
        key: k,
        accepted: a,
        ..
    } = &err
    else {
        panic!("expected Error::Config, got {err:?}");
    };
    assert_eq!(o, origin, "{err}");
    assert_eq!(k, key, "{err}");
    for word in accepted {
        assert!(a.contains(word), "`{word}` missing from: {err}");
    }
    let text = err.to_string();
    assert!(text.contains(origin) && text.contains(key), "{text}");
    text
}

fn bad_file(text: &str, key: &str, accepted: &[&str]) -> String {
    let path = write(&temp_dir("bad"), text);
    let sources = ConfigSources::empty().file(&path);
    config_error(&sources, &path.display().to_string(), key, accepted)
}

#[test]
fn an_unknown_key_is_an_error_listing_the_keys() {
    let text = bad_file("backnd = \"torch\"\n", "backnd", &["`backend`", "`device`"]);
    assert!(text.contains("\"torch\""), "{text}");
}

#[test]
fn a_backend_that_is_not_a_string_is_an_error() {
    let text = bad_file(
        "backend = 3\n",
        "backend",
        &["a string", "\"auto\"", "\"ndarray\""],
    );
    assert!(text.contains("= 3"), "{text}");
}

#[test]
fn a_backend_name_with_bad_characters_is_an_error() {
    bad_file(
        "backend = \"torch cuda\"\n",
        "backend",
        &["\"auto\"", "\"ndarray\"", "letters, digits"],
    );
}

#[test]
fn a_device_that_does_not_parse_is_an_error() {
    let text = bad_file(
        "device = \"gpu0\"\n",
        "device",
        &["\"cpu\"", "\"cuda:N\"", "\"metal:N\""],
    );
    assert!(text.contains("\"gpu0\""), "{text}");
    bad_file("device = \"cuda:-1\"\n", "device", &["\"cuda:N\""]);
}

#[test]
fn a_device_that_is_not_a_string_is_an_error() {
    bad_file(
        "device = [\"cuda\", 0]\n",
        "device",
        &["a string", "\"cpu\""],
    );
}

#[test]
fn a_file_that_is_not_toml_is_an_error() {
    let text = bad_file(
        "backend = torch\n",
        "(the file)",
        &["does not parse", "backend"],
    );
    assert!(text.contains("TOML"), "{text}");
}

#[test]
fn a_file_that_is_not_utf8_is_an_error() {
    let dir = temp_dir("utf8");
    let path = dir.join("tensorswitch.toml");
    std::fs::write(&path, b"backend = \"\xff\"\n").unwrap();
    config_error(
        &ConfigSources::empty().file(&path),
        &path.display().to_string(),
        "(the file)",
        &["UTF-8"],
    );
}

#[test]
fn a_file_that_cannot_be_read_is_an_error() {
    // A folder where the file should be: it exists, but reading it fails.
    let dir = temp_dir("unreadable");
    let path = dir.join("tensorswitch.toml");
    std::fs::create_dir(&path).unwrap();
    config_error(
        &ConfigSources::empty().file(&path),
        &path.display().to_string(),
        "(the file)",
        &["reading it failed"],
    );
}

#[test]
fn a_bad_lower_file_is_an_error_even_when_a_higher_one_sets_the_key() {
    // Every file read is checked whole: a mistake is never hidden by precedence.
    let (_, user, sources) = two_files("backend = \"ndarray\"\n", "device = \"floppy\"\n");
    config_error(
        &sources,
        &user.display().to_string(),
        "device",
        &["\"cpu\""],
    );
}

#[test]
fn bad_environment_values_are_errors_naming_the_variable() {
    let env = format!("environment variable {DEVICE_ENV_VAR}");
    config_error(
        &ConfigSources::empty().env(DEVICE_ENV_VAR, "tpu:0"),
        &env,
        DEVICE_ENV_VAR,
        &["\"cuda:N\""],
    );
    let env = format!("environment variable {BACKEND_ENV_VAR}");
    config_error(
        &ConfigSources::empty().env(BACKEND_ENV_VAR, "nd/array"),
        &env,
        BACKEND_ENV_VAR,
        &["\"ndarray\""],
    );
}

#[test]
fn a_file_naming_a_backend_this_program_lacks_is_an_error_when_checked() {
    let path = write(&temp_dir("unknown"), "backend = \"no-such-backend\"\n");
    let cfg = Config::load(&ConfigSources::empty().file(&path)).unwrap();
    let err = cfg.check_backend().unwrap_err();
    match &err {
        Error::Config {
            origin,
            key,
            value,
            accepted,
        } => {
            assert_eq!(origin, &path.display().to_string());
            assert_eq!(key, "backend");
            assert_eq!(value, "\"no-such-backend\"");
            assert!(accepted.contains("\"ndarray\"") && accepted.contains("\"auto\""));
        }
        other => panic!("expected Error::Config, got {other:?}"),
    }
    // From the environment it stays the error it always was.
    let cfg =
        Config::load(&ConfigSources::empty().env(BACKEND_ENV_VAR, "no-such-backend")).unwrap();
    assert!(matches!(
        cfg.check_backend(),
        Err(Error::UnknownBackend {
            from: Some(BACKEND_ENV_VAR),
            ..
        })
    ));
    let ok = Config::load(&ConfigSources::empty().env(BACKEND_ENV_VAR, "ndarray")).unwrap();
    ok.check_backend().unwrap();
}

// ----- the process's own configuration, in child processes -----

const CHILD: &str = "TS_CONFIG_CHILD";

/// Runs `test` of this binary in a child process whose working directory is `cwd` and whose
/// user configuration folder is `home` (`XDG_CONFIG_HOME`), with `env` set and the
/// configuration variables otherwise unset.
fn run_child(test: &str, cwd: &Path, home: &Path, env: &[(&str, &str)]) {
    let mut cmd = child::command(test, CHILD);
    cmd.current_dir(cwd)
        .env("XDG_CONFIG_HOME", home)
        .env_remove(BACKEND_ENV_VAR)
        .env_remove(DEVICE_ENV_VAR)
        .envs(env.iter().copied());
    child::output(cmd, test, "CHILD-DONE");
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == test)
}

#[test]
#[cfg(target_os = "linux")]
fn the_process_reads_the_working_directory_then_the_user_file() {
    const TEST: &str = "the_process_reads_the_working_directory_then_the_user_file";
    if !is_child(TEST) {
        let (cwd, home) = (temp_dir("proc-cwd"), temp_dir("proc-home"));
        std::fs::create_dir_all(home.join("tensorswitch")).unwrap();
        write(&home.join("tensorswitch"), "device = \"cuda:3\"\n");
        write(&cwd, "backend = \"ndarray\"\n");
        return run_child(TEST, &cwd, &home, &[]);
    }
    let cfg = tensorswitch::config::config().unwrap();
    assert!(matches!(cfg.backend().origin, Origin::File(_)));
    assert_eq!(tensorswitch::default_device(), Device::Cuda(3));
    // ndarray has no cuda:3: the configured device reaches the backend, which refuses it.
    let err = Tensor::from_slice(&[1.0f32], &[1]).unwrap_err();
    assert!(matches!(err, Error::Device(_)), "{err:?}");
    // Code beats configuration.
    let t = tensorswitch::with_device(Device::Cpu, || Tensor::from_slice(&[1.0f32], &[1])).unwrap();
    assert_eq!(t.device(), Device::Cpu);
    println!("CHILD-DONE");
}

#[test]
#[cfg(target_os = "linux")]
fn the_environment_beats_the_process_files() {
    const TEST: &str = "the_environment_beats_the_process_files";
    if !is_child(TEST) {
        let (cwd, home) = (temp_dir("env-cwd"), temp_dir("env-home"));
        write(&cwd, "backend = \"no-such-backend\"\ndevice = \"cuda:0\"\n");
        return run_child(
            TEST,
            &cwd,
            &home,
            &[(BACKEND_ENV_VAR, "ndarray"), (DEVICE_ENV_VAR, "cpu")],
        );
    }
    let t = Tensor::from_slice(&[1.0f32], &[1]).unwrap();
    assert_eq!((t.backend(), t.device()), ("ndarray", Device::Cpu));
    println!("CHILD-DONE");
}

#[test]
#[cfg(target_os = "linux")]
fn a_bad_process_file_makes_creation_fail_naming_it() {
    const TEST: &str = "a_bad_process_file_makes_creation_fail_naming_it";
    if !is_child(TEST) {
        let (cwd, home) = (temp_dir("badproc-cwd"), temp_dir("badproc-home"));
        write(&cwd, "device = \"warp-drive\"\n");
        return run_child(TEST, &cwd, &home, &[]);
    }
    let err = Tensor::from_slice(&[1.0f32], &[1]).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        text.contains("tensorswitch.toml") && text.contains("`device`") && text.contains("cuda:N"),
        "{text}"
    );
    // Code that names its backend and device does not depend on the configuration.
    let t = tensorswitch::with_backend("ndarray", || {
        tensorswitch::with_device(Device::Cpu, || Tensor::from_slice(&[1.0f32], &[1]))
    })
    .unwrap()
    .unwrap();
    assert_eq!(t.backend(), "ndarray");
    // Inference without inputs needs the configured backend: the same error.
    assert!(matches!(
        tensorswitch::implicit_default_backend(),
        Err(Error::Config { .. })
    ));
    println!("CHILD-DONE");
}

#[test]
#[cfg(target_os = "linux")]
fn a_file_naming_an_unknown_backend_fails_inference_naming_the_file() {
    const TEST: &str = "a_file_naming_an_unknown_backend_fails_inference_naming_the_file";
    if !is_child(TEST) {
        let (cwd, home) = (temp_dir("unk-cwd"), temp_dir("unk-home"));
        write(&cwd, "backend = \"no-such-backend\"\n");
        return run_child(TEST, &cwd, &home, &[]);
    }
    let err = tensorswitch::implicit_default_backend().unwrap_err();
    match &err {
        Error::Config { origin, key, .. } => {
            assert!(origin.ends_with("tensorswitch.toml"), "{err}");
            assert_eq!(key, "backend");
        }
        other => panic!("expected Error::Config, got {other:?}"),
    }
    println!("CHILD-DONE");
}

#[test]
#[cfg(target_os = "linux")]
fn backend_auto_picks_a_backend_that_runs() {
    const TEST: &str = "backend_auto_picks_a_backend_that_runs";
    if !is_child(TEST) {
        let (cwd, home) = (temp_dir("auto-cwd"), temp_dir("auto-home"));
        write(&cwd, "backend = \"auto\"\n");
        return run_child(TEST, &cwd, &home, &[]);
    }
    let chosen = tensorswitch::auto_select_backend().unwrap();
    let t = Tensor::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    assert_eq!(t.backend(), chosen.backend);
    assert_eq!(t.device(), chosen.device);
    println!("CHILD-DONE");
}
