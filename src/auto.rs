//! Picking the best backend that can run here: [`auto_select_backend`].
//!
//! # The order
//! [`default_order`] tries, first to last:
//! 1. `torch` on `cuda:0`, when an NVIDIA GPU is visible (on Linux: `/dev/nvidia0` or
//!    `/proc/driver/nvidia/gpus`; elsewhere torch is asked) and torch can use it;
//! 2. `mlx` on `metal:0`, on Apple silicon (macOS on aarch64) only;
//! 3. the CPU backends: `ndarray` (pure Rust, the lowest per-call overhead), `torch`, `mlx`,
//!    then every other backend compiled in, loaded, or found as a plugin, by name.
//!
//! A candidate is chosen when its backend is compiled in or its plugin loads, its framework
//! is found ([`crate::backend_version`]), it lists the device, and a one-element tensor can
//! really be created there. [`auto_select_backend_from`] takes any order instead.
//!
//! The result says what was chosen and, for every candidate tried before, why it was passed
//! over. Nothing is switched: set the backend and device with the result
//! ([`Selection::activate`]), or configure `backend = "auto"` (see [`crate::config`]).

use crate::error::{Error, Result};
use crate::tensor::{Device, Tensor};
use std::fmt;
use std::sync::OnceLock;

/// A backend on a device, as a candidate of auto-selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The backend's name.
    pub backend: String,
    /// The device.
    pub device: Device,
}

impl Candidate {
    /// A candidate.
    pub fn new(backend: &str, device: Device) -> Candidate {
        Candidate {
            backend: backend.to_string(),
            device,
        }
    }

    /// Parses `"torch"` (the CPU), `"torch:cuda"`, `"torch:cuda:1"`, `"mlx:metal"`.
    pub fn parse(text: &str) -> Result<Candidate> {
        let t = text.trim();
        let (backend, device) = match t.split_once(':') {
            Some((b, d)) => (b, Device::parse(d)?),
            None => (t, Device::Cpu),
        };
        if backend.is_empty() {
            return Err(Error::InvalidArgument {
                op: "auto_select_backend",
                reason: format!(
                    "`{text}` names no backend; expected \"backend\" or \"backend:device\", as in \"torch:cuda:0\""
                ),
            });
        }
        Ok(Candidate::new(backend, device))
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.backend, self.device)
    }
}

/// A candidate that was tried, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The candidate.
    pub candidate: Candidate,
    /// `Ok` with the framework version when chosen, else why not.
    pub outcome: std::result::Result<String, String>,
}

/// What [`auto_select_backend`] chose, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The backend chosen.
    pub backend: &'static str,
    /// Its device.
    pub device: Device,
    /// Its framework version.
    pub version: String,
    /// Every candidate tried, in order, the chosen one last.
    pub tried: Vec<Attempt>,
}

impl Selection {
    /// Pushes the chosen backend on the stack ([`crate::set_backend`]). The device is for
    /// the caller to use with [`crate::with_device`].
    pub fn activate(&self) -> Result<crate::Backend> {
        crate::set_backend(self.backend)
    }

    /// One line per candidate tried.
    pub fn report(&self) -> String {
        report(&self.tried)
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.backend, self.version, self.device)
    }
}

fn report(tried: &[Attempt]) -> String {
    tried
        .iter()
        .map(|a| match &a.outcome {
            Ok(v) => format!("{}: chosen ({} {v})", a.candidate, a.candidate.backend),
            Err(why) => format!("{}: passed over: {why}", a.candidate),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether this is Apple silicon (where MLX runs on the GPU through Metal).
pub fn is_apple_silicon() -> bool {
    cfg!(all(target_os = "macos", target_arch = "aarch64"))
}

/// Whether an NVIDIA GPU is visible to this process, by the driver's files on Linux; `None`
/// elsewhere (ask the backend).
fn nvidia_visible() -> Option<bool> {
    if cfg!(target_os = "linux") {
        Some(
            std::path::Path::new("/dev/nvidia0").exists()
                || std::fs::read_dir("/proc/driver/nvidia/gpus")
                    .is_ok_and(|mut d| d.next().is_some()),
        )
    } else {
        None
    }
}

/// The order [`auto_select_backend`] tries (see the module documentation).
pub fn default_order() -> Vec<Candidate> {
    let mut order = vec![
        Candidate::new("torch", Device::Cuda(0)),
        Candidate::new("mlx", Device::Metal(0)),
        Candidate::new("ndarray", Device::Cpu),
        Candidate::new("torch", Device::Cpu),
        Candidate::new("mlx", Device::Cpu),
    ];
    let mut others: Vec<String> = crate::plugin::backend_statuses()
        .into_iter()
        .map(|s| s.name)
        .filter(|n| !["ndarray", "torch", "mlx"].contains(&n.as_str()))
        .collect();
    others.sort();
    others.dedup();
    order.extend(others.iter().map(|n| Candidate::new(n, Device::Cpu)));
    order
}

/// The best backend that runs here, by [`default_order`]; see the module documentation.
/// Fails ([`Error::BackendUnavailable`], with every candidate's reason) only when none runs.
pub fn auto_select_backend() -> Result<Selection> {
    auto_select_backend_from(&default_order())
}

/// Like [`auto_select_backend`], trying `order` instead (first to last).
pub fn auto_select_backend_from(order: &[Candidate]) -> Result<Selection> {
    let mut tried = Vec::new();
    for c in order {
        let outcome = try_candidate(c);
        let chosen = outcome.as_ref().ok().cloned();
        tried.push(Attempt {
            candidate: c.clone(),
            outcome: outcome.map(|(_, v)| v),
        });
        if let Some((name, version)) = chosen {
            return Ok(Selection {
                backend: name,
                device: c.device,
                version,
                tried,
            });
        }
    }
    Err(Error::BackendUnavailable {
        name: "auto".to_string(),
        reason: if tried.is_empty() {
            "no candidate backend was given to auto-selection".to_string()
        } else {
            format!(
                "no candidate backend can run here:\n{}\nlink a backend crate (tensorswitch-ndarray runs everywhere) or put its plugin on TENSORSWITCH_PLUGIN_PATH",
                report(&tried)
            )
        },
    })
}

/// Whether `c` runs here: its backend's name and framework version, else why not.
fn try_candidate(c: &Candidate) -> std::result::Result<(&'static str, String), String> {
    match c.device {
        Device::Cuda(_) if nvidia_visible() == Some(false) => {
            return Err(
                "no NVIDIA GPU is visible (no /dev/nvidia0, nothing in /proc/driver/nvidia/gpus)"
                    .to_string(),
            )
        }
        Device::Metal(_) if !is_apple_silicon() => {
            return Err("Metal needs Apple silicon; this is not a Mac with an M chip".to_string())
        }
        _ => {}
    }
    let desc = crate::state::descriptor(&c.backend).map_err(|e| match e {
        Error::UnknownBackend { .. } => format!(
            "not compiled into this program and no plugin `{}` was found",
            crate::plugin::plugin_file_name(&c.backend)
        ),
        other => other.to_string(),
    })?;
    let version = crate::table::detected_version(desc)
        .map_err(|e| format!("its framework cannot run here: {e}"))?;
    let devices = (desc.devices)();
    if !devices.contains(&c.device) {
        let listed: Vec<String> = devices.iter().map(Device::to_string).collect();
        return Err(format!(
            "{} is not among its devices ({})",
            c.device,
            if listed.is_empty() {
                "none".to_string()
            } else {
                listed.join(", ")
            }
        ));
    }
    let made = crate::state::with_backend(desc.name, || {
        crate::state::with_device(c.device, || Tensor::from_slice(&[1.0f32], &[1]))
    })
    .and_then(|r| r);
    match made {
        Ok(t) if t.device() == c.device => Ok((desc.name, version.to_string())),
        Ok(t) => Err(format!(
            "asked for a tensor on {}, it made one on {}",
            c.device,
            t.device()
        )),
        Err(e) => Err(format!("creating a tensor there failed: {e}")),
    }
}

/// The selection of a process configured with `backend = "auto"`, made once.
pub(crate) fn process_selection() -> Result<&'static Selection> {
    static SELECTION: OnceLock<Result<Selection>> = OnceLock::new();
    SELECTION
        .get_or_init(auto_select_backend)
        .as_ref()
        .map_err(Clone::clone)
}

fn process_choice() -> Result<(&'static str, Device)> {
    process_selection().map(|s| (s.backend, s.device))
}

inventory::submit!(crate::registry::AutoSelector(process_choice));
