//! Configuration without code: which backend and device a program uses when its code does not
//! say, from environment variables and a `tensorswitch.toml` file.
//!
//! # Precedence
//! For each setting, the first of:
//! 1. the code: [`set_backend`](crate::set_backend), [`with_backend`](crate::with_backend)
//!    (and the rest of [`crate::state`]'s precedence rule), [`with_device`](crate::with_device);
//! 2. the environment: `TENSORSWITCH_BACKEND`, `TENSORSWITCH_DEVICE`;
//! 3. `tensorswitch.toml` in the working directory;
//! 4. `tensorswitch/tensorswitch.toml` in the user's configuration directory (`dirs::config_dir`:
//!    `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows);
//! 5. the built-in defaults: backend `ndarray`, device `cpu`.
//!
//! Each setting is looked up on its own: a file may set the device while the environment sets
//! the backend. Settings 2–4 are read once per process, at the first call that needs them
//! (the first creation op or inference without input tensors).
//!
//! # The file
//! ```toml
//! backend = "torch"    # a backend name, or "auto" for auto_select_backend()
//! device = "cuda:0"    # "cpu", "cuda", "cuda:N", "metal:N"
//! ```
//! Both keys are optional. `TENSORSWITCH_BACKEND=auto` also picks by
//! [`auto_select_backend`](crate::auto_select_backend); its device is then the one chosen,
//! unless a device is configured.
//!
//! A value that is not accepted — an unknown key, a value of the wrong type, a device that
//! does not parse, a file that is not TOML or cannot be read, a backend this program does not
//! have — is an [`Error::Config`] naming the file (or variable), the key and the accepted
//! values, returned by the first call that uses the configuration; it is never ignored.
//! Nothing here ever writes a file.
//!
//! Files are read with the cargo feature `config` (on by default: `toml`, `serde` and `dirs`);
//! without it only the environment variables count.
//!
//! [`Config::load`] reads any [`ConfigSources`] (an environment and a list of files), so
//! programs and tests can ask what a given set-up means without touching the process's own.

use crate::error::{Error, Result};
use crate::tensor::Device;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable that names the backend (`"auto"` for auto-selection).
pub const BACKEND_ENV_VAR: &str = "TENSORSWITCH_BACKEND";
/// The environment variable that names the device creation ops use.
pub const DEVICE_ENV_VAR: &str = "TENSORSWITCH_DEVICE";
/// The configuration file's name.
pub const FILE_NAME: &str = "tensorswitch.toml";
/// The built-in backend.
pub const BUILT_IN_BACKEND: &str = "ndarray";
/// The keys a configuration file may hold.
pub const KEYS: &[&str] = &["backend", "device"];

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An environment variable.
    Env(&'static str),
    /// A configuration file.
    File(PathBuf),
    /// The built-in default.
    BuiltIn,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::BuiltIn => f.write_str("the built-in default"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

/// The backend a configuration asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// A backend by name (compiled in or a plugin).
    Named(String),
    /// The best one that runs here ([`crate::auto_select_backend`]).
    Auto,
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendChoice::Named(n) => f.write_str(n),
            BackendChoice::Auto => f.write_str("auto"),
        }
    }
}

/// Where configuration is read from: environment variables and files, highest precedence
/// first. [`ConfigSources::process`] is this process's; tests build their own.
#[derive(Clone, Debug, Default)]
pub struct ConfigSources {
    env: Vec<(String, String)>,
    files: Vec<PathBuf>,
}

impl ConfigSources {
    /// No environment and no files: everything built in.
    pub fn empty() -> ConfigSources {
        ConfigSources::default()
    }

    /// This process's: its `TENSORSWITCH_BACKEND` and `TENSORSWITCH_DEVICE`, and the files of
    /// [`config_file_paths`].
    pub fn process() -> ConfigSources {
        let mut s = ConfigSources::empty();
        for var in [BACKEND_ENV_VAR, DEVICE_ENV_VAR] {
            if let Some(v) = std::env::var_os(var) {
                s = s.env(var, v.to_string_lossy());
            }
        }
        for f in config_file_paths() {
            s = s.file(f);
        }
        s
    }

    /// Adds (or replaces) an environment variable.
    pub fn env(mut self, var: &str, value: impl Into<String>) -> ConfigSources {
        self.env.retain(|(k, _)| k != var);
        self.env.push((var.to_string(), value.into()));
        self
    }

    /// Adds a file, after (lower precedence than) those already added. A file that does not
    /// exist is skipped when loading.
    pub fn file(mut self, path: impl Into<PathBuf>) -> ConfigSources {
        self.files.push(path.into());
        self
    }

    /// The files, highest precedence first.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    fn var(&self, var: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == var)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// The configuration files this process reads, highest precedence first: `tensorswitch.toml`
/// in the working directory, then `tensorswitch/tensorswitch.toml` in the user's configuration
/// directory. Empty without the `config` feature. The files need not exist.
pub fn config_file_paths() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if cfg!(feature = "config") {
        if let Ok(cwd) = std::env::current_dir() {
            out.push(cwd.join(FILE_NAME));
        }
        if let Some(dir) = user_config_dir() {
            out.push(dir.join("tensorswitch").join(FILE_NAME));
        }
    }
    out
}

#[cfg(feature = "config")]
fn user_config_dir() -> Option<PathBuf> {
    dirs::config_dir()
}

#[cfg(not(feature = "config"))]
fn user_config_dir() -> Option<PathBuf> {
    None
}

/// A configuration: each setting that was given, with its origin (see the module
/// documentation for the precedence).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    backend: Option<Setting<BackendChoice>>,
    device: Option<Setting<Device>>,
    files_read: Vec<PathBuf>,
}

impl Config {
    /// Reads `sources`: every value is checked, and the first one not accepted is an
    /// [`Error::Config`]. Backend names are checked against the backends of this program when
    /// they are used ([`Config::check_backend`]), since plugins load on first use.
    pub fn load(sources: &ConfigSources) -> Result<Config> {
        let mut cfg = Config::default();
        // Lowest precedence first, so each later source overrides.
        for path in sources.files.iter().rev() {
            if let Some(table) = read_file(path)? {
                cfg.files_read.insert(0, path.clone());
                cfg.apply_file(path, &table)?;
            }
        }
        if let Some(v) = sources.var(BACKEND_ENV_VAR) {
            let origin = Origin::Env(BACKEND_ENV_VAR);
            cfg.backend = Some(Setting {
                value: parse_backend(v, &origin, BACKEND_ENV_VAR)?,
                origin,
            });
        }
        if let Some(v) = sources.var(DEVICE_ENV_VAR) {
            let origin = Origin::Env(DEVICE_ENV_VAR);
            cfg.device = Some(Setting {
                value: parse_device(v, &origin, DEVICE_ENV_VAR)?,
                origin,
            });
        }
        Ok(cfg)
    }

    /// The backend asked for, or the built-in `ndarray`.
    pub fn backend(&self) -> Setting<BackendChoice> {
        self.backend.clone().unwrap_or(Setting {
            value: BackendChoice::Named(BUILT_IN_BACKEND.to_string()),
            origin: Origin::BuiltIn,
        })
    }

    /// The device asked for, or the built-in `cpu`.
    pub fn device(&self) -> Setting<Device> {
        self.device.clone().unwrap_or(Setting {
            value: Device::Cpu,
            origin: Origin::BuiltIn,
        })
    }

    /// Whether a device was configured (not built in).
    pub fn device_configured(&self) -> bool {
        self.device.is_some()
    }

    /// The files that existed and were read, highest precedence first.
    pub fn files_read(&self) -> &[PathBuf] {
        &self.files_read
    }

    /// The backend setting, if one was given (no clone).
    pub(crate) fn backend_setting(&self) -> Option<&Setting<BackendChoice>> {
        self.backend.as_ref()
    }

    /// The device setting, if one was given (no clone).
    pub(crate) fn device_setting(&self) -> Option<&Setting<Device>> {
        self.device.as_ref()
    }

    fn apply_file(&mut self, path: &Path, table: &FileTable) -> Result<()> {
        let origin = Origin::File(path.to_path_buf());
        for (key, value) in table {
            match key.as_str() {
                "backend" => {
                    let text = file_string(&origin, key, value, backend_accepted)?;
                    self.backend = Some(Setting {
                        value: parse_backend(text, &origin, key)?,
                        origin: origin.clone(),
                    });
                }
                "device" => {
                    let text = file_string(&origin, key, value, || DEVICE_ACCEPTED.to_string())?;
                    self.device = Some(Setting {
                        value: parse_device(text, &origin, key)?,
                        origin: origin.clone(),
                    });
                }
                _ => {
                    return Err(Error::Config {
                        origin: origin.to_string(),
                        key: key.clone(),
                        value: shown(value),
                        accepted: format!(
                            "no such key; the keys are {}",
                            KEYS.iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
                }
            }
        }
        Ok(())
    }
}

const DEVICE_ACCEPTED: &str = "\"cpu\", \"cuda\", \"cuda:N\", \"metal\" or \"metal:N\"";

/// The accepted backend values, for messages: `auto` and the backends this program has or
/// can find.
pub(crate) fn backend_accepted() -> String {
    let mut names: Vec<String> = crate::plugin::backend_statuses()
        .into_iter()
        .filter(|s| {
            !matches!(
                s.availability,
                crate::plugin::Availability::NotLoadable { .. }
            )
        })
        .map(|s| format!("\"{}\"", s.name))
        .collect();
    names.dedup();
    names.insert(0, "\"auto\"".to_string());
    names.join(", ")
}

fn parse_backend(text: &str, origin: &Origin, key: &str) -> Result<BackendChoice> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Ok(BackendChoice::Auto);
    }
    let valid = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(Error::Config {
            origin: origin.to_string(),
            key: key.to_string(),
            value: format!("\"{text}\""),
            accepted: format!(
                "{} (a backend name is letters, digits, `_` and `-`)",
                backend_accepted()
            ),
        });
    }
    Ok(BackendChoice::Named(t.to_string()))
}

fn parse_device(text: &str, origin: &Origin, key: &str) -> Result<Device> {
    Device::parse(text).map_err(|_| Error::Config {
        origin: origin.to_string(),
        key: key.to_string(),
        value: format!("\"{text}\""),
        accepted: DEVICE_ACCEPTED.to_string(),
    })
}

#[cfg(feature = "config")]
type FileTable = toml::Table;
#[cfg(not(feature = "config"))]
type FileTable = Vec<(String, std::convert::Infallible)>;

#[cfg(feature = "config")]
fn shown(v: &toml::Value) -> String {
    use toml::Value as V;
    match v {
        V::String(s) => format!("{s:?}"),
        V::Integer(i) => i.to_string(),
        V::Float(x) => x.to_string(),
        V::Boolean(b) => b.to_string(),
        V::Datetime(d) => d.to_string(),
        V::Array(items) => format!(
            "[{}]",
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        V::Table(_) => "a table".to_string(),
    }
}
#[cfg(not(feature = "config"))]
fn shown(v: &std::convert::Infallible) -> String {
    match *v {}
}

#[cfg(feature = "config")]
fn file_string<'a>(
    origin: &Origin,
    key: &str,
    value: &'a toml::Value,
    accepted: impl FnOnce() -> String,
) -> Result<&'a str> {
    // `accepted` lists the plugin folders' contents: only computed for the message.
    value.as_str().ok_or_else(|| Error::Config {
        origin: origin.to_string(),
        key: key.to_string(),
        value: shown(value),
        accepted: format!("a string: {}", accepted()),
    })
}
#[cfg(not(feature = "config"))]
fn file_string<'a>(
    _: &Origin,
    _: &str,
    value: &'a std::convert::Infallible,
    _: impl FnOnce() -> String,
) -> Result<&'a str> {
    match *value {}
}

/// The file's table, `None` when there is no file at `path`.
#[cfg(feature = "config")]
fn read_file(path: &Path) -> Result<Option<toml::Table>> {
    let bad = |accepted: String| Error::Config {
        origin: path.display().to_string(),
        key: "(the file)".to_string(),
        value: "(its contents)".to_string(),
        accepted,
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| bad("a UTF-8 TOML file (this one is not valid UTF-8)".to_string()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(bad(format!(
                "a readable TOML file (reading it failed: {e}); fix or remove it"
            )))
        }
    };
    toml::from_str::<toml::Table>(&text).map(Some).map_err(|e| {
        bad(format!(
            "a TOML file with the keys {} (it does not parse: {})",
            KEYS.join(", "),
            e.to_string().trim()
        ))
    })
}

#[cfg(not(feature = "config"))]
fn read_file(_: &Path) -> Result<Option<FileTable>> {
    Ok(None)
}

/// This process's configuration ([`ConfigSources::process`]), read once, at the first call.
pub fn config() -> Result<&'static Config> {
    static CONFIG: OnceLock<Result<Config>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Config::load(&ConfigSources::process()))
        .as_ref()
        .map_err(Clone::clone)
}
