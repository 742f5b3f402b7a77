//! Function tables: one per (backend, framework version), built once, cached for the life of
//! the process, and switched to by pointer.

use crate::catalogue::{Op, OpFn, Slots};
use crate::custom_registry::{self, CustomEntry, CustomMode, CustomOp, CustomPick};
use crate::dtype::{DType, DTypeSet};
use crate::error::{Error, Result};
use crate::registry::Primary;
use crate::tensor::BackendDescriptor;
use crate::version::{parse_framework_version, split_variant_name, VersionRange};
use semver::Version;
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// Where a table's entry for an op comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The backend's own function; `variant` is the name it was registered under
    /// (`"tril_v_0p16_and_above"`, or just `"add"`).
    Primary {
        /// The registered name.
        variant: &'static str,
    },
    /// The catalogue's fallback, composed of other ops.
    Compositional,
    /// Neither: calls fail with [`Error::Unsupported`].
    Unsupported,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Primary { variant } => write!(f, "primary ({variant})"),
            Source::Compositional => f.write_str("compositional"),
            Source::Unsupported => f.write_str("unsupported"),
        }
    }
}

/// The functions one backend runs for one framework version. Built once per (backend,
/// version), then shared by every thread for the rest of the process.
pub struct FunctionTable {
    pub(crate) backend: &'static BackendDescriptor,
    pub(crate) version: Version,
    pub(crate) emulated: bool,
    /// Whether every op with a compositional fallback was given it in place of the backend's
    /// primary (see [`crate::state::with_backend_masked`]).
    pub(crate) masked: bool,
    pub(crate) unsupported: DTypeSet,
    pub(crate) slots: Slots,
    /// Indexed by [`Op::index`]; an array, not a `Vec`, so the per-call lookup of a constant
    /// op is one load at a fixed offset (no bounds check).
    pub(crate) sources: [Source; Op::COUNT],
    /// How custom ops are picked: natives where registered, compositions only (masked
    /// tables), or recorded (the tracer's tracing tables).
    pub(crate) custom_mode: CustomMode,
    /// What runs each custom op ([`crate::custom_op!`]), one entry per declaration in
    /// [`custom_registry::CUSTOM_OPS`] order: built at the first custom call on this table.
    pub(crate) custom: OnceLock<Box<[CustomEntry]>>,
}

impl FunctionTable {
    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name
    }

    /// The framework version the table was built for.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// Whether the version was asked for with `set_backend_to_specific_version` rather than
    /// detected.
    pub fn is_emulated(&self) -> bool {
        self.emulated
    }

    /// Whether the table serves every op that has a compositional fallback with that
    /// fallback, masking the backend's primary (see [`crate::state::with_backend_masked`]).
    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// Where the entry for `op` comes from.
    pub fn source(&self, op: Op) -> Source {
        self.sources[op.index()]
    }

    /// Dtypes this backend does not support at this version.
    pub fn unsupported_dtypes(&self) -> DTypeSet {
        self.unsupported
    }

    /// The coverage report of this table.
    pub fn report(&self) -> CoverageReport {
        CoverageReport {
            backend: self.backend.name,
            version: self.version.clone(),
            emulated: self.emulated,
            rows: Op::ALL.iter().map(|&op| (op, self.source(op))).collect(),
            custom: self
                .custom_entries()
                .iter()
                .map(|e| CustomRow {
                    name: e.op.name,
                    krate: e.op.krate,
                    source: match &e.pick {
                        CustomPick::Native(_, variant) => Source::Primary { variant },
                        CustomPick::Composition | CustomPick::Record => Source::Compositional,
                        CustomPick::Failed(_) => Source::Unsupported,
                    },
                })
                .collect(),
            unsupported_dtypes: self.unsupported.iter().collect(),
            origin: crate::plugin::origin(self.backend),
        }
    }

    /// Where the entry for the custom op `op` comes from (`Primary` for a native version,
    /// `Compositional` for its composition, `Unsupported` when its calls fail).
    pub fn custom_source(&self, op: &'static CustomOp) -> Source {
        match &self.custom_entry(op).pick {
            CustomPick::Native(_, variant) => Source::Primary { variant },
            CustomPick::Composition | CustomPick::Record => Source::Compositional,
            CustomPick::Failed(_) => Source::Unsupported,
        }
    }

    /// The side table of custom ops, built on first use.
    #[inline(always)]
    pub(crate) fn custom_entries(&self) -> &[CustomEntry] {
        match self.custom.get() {
            Some(entries) => entries,
            None => self.custom.get_or_init(|| {
                custom_registry::build_side_table(
                    self.backend.name,
                    &self.version,
                    self.custom_mode,
                )
            }),
        }
    }

    /// The entry of custom op `op`: found by the declaration's position in the slice, checked
    /// against the declaration itself.
    #[inline(always)]
    pub(crate) fn custom_entry(&self, op: &'static CustomOp) -> &CustomEntry {
        let entries = self.custom_entries();
        match entries.get(custom_registry::index_of(op)) {
            Some(e) if std::ptr::eq(e.op, op) => e,
            _ => custom_entry_slow(entries, op),
        }
    }

    /// Fails with [`Error::UnsupportedDType`] when `dtype` is unsupported here. Cheap: a
    /// mask test on the hot path, the message built only on failure.
    #[inline]
    pub(crate) fn check_dtype(&self, op: Op, dtype: DType) -> Result<()> {
        self.check_dtype_of(op.name(), dtype)
    }

    /// [`FunctionTable::check_dtype`] for an op named `op` (a custom op's name).
    #[inline]
    pub(crate) fn check_dtype_of(&self, op: &'static str, dtype: DType) -> Result<()> {
        if self.unsupported.contains(dtype) {
            return Err(self.dtype_error(op, dtype));
        }
        Ok(())
    }

    #[cold]
    fn dtype_error(&self, op: &'static str, dtype: DType) -> Error {
        Error::UnsupportedDType {
            op,
            dtype,
            backend: self.backend.name.to_string(),
            version: self.version.to_string(),
            supported: DType::ALL
                .iter()
                .filter(|d| !self.unsupported.contains(**d))
                .map(|d| d.to_string())
                .collect(),
        }
    }

    #[cold]
    pub(crate) fn unsupported_error(&self, op: Op) -> Error {
        Error::Unsupported {
            op: op.name(),
            backend: self.backend.name.to_string(),
            version: self.version.to_string(),
        }
    }
}

/// The entry of a declaration not where its address says (never expected: declarations are
/// the slice's elements); found by search.
#[cold]
#[inline(never)]
fn custom_entry_slow<'a>(entries: &'a [CustomEntry], op: &'static CustomOp) -> &'a CustomEntry {
    static MISSING: Mutex<Vec<&'static CustomEntry>> = Mutex::new(Vec::new());
    if let Some(e) = entries.iter().find(|e| std::ptr::eq(e.op, op)) {
        return e;
    }
    // A declaration outside the slice cannot be made with the macro; answer with an error
    // entry, one per such declaration.
    let mut missing = MISSING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = missing.iter().find(|e| std::ptr::eq(e.op, op)) {
        return e;
    }
    let e: &'static CustomEntry = Box::leak(Box::new(CustomEntry {
        op,
        pick: CustomPick::Failed(Error::Registration {
            backend: "(any)".to_string(),
            problems: vec![format!(
                "the custom op `{}` (crate `{}`) is not in the program's list of custom ops; \
                 declare it with `tensorswitch::custom_op!`",
                op.name, op.krate
            )],
        }),
    }));
    missing.push(e);
    e
}

impl fmt::Debug for FunctionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FunctionTable({} {})", self.backend.name, self.version)
    }
}

/// For each op of a table: primary (which variant), compositional or unsupported.
#[derive(Clone, Debug)]
pub struct CoverageReport {
    /// The backend.
    pub backend: &'static str,
    /// The version the table was built for.
    pub version: Version,
    /// Whether that version was emulated.
    pub emulated: bool,
    /// One row per op, in catalogue order.
    pub rows: Vec<(Op, Source)>,
    /// One row per custom op declared in the program ([`crate::custom_op!`]).
    pub custom: Vec<CustomRow>,
    /// Dtypes unsupported at this version.
    pub unsupported_dtypes: Vec<DType>,
    /// Where the backend comes from: compiled in, or loaded from a plugin (which file).
    pub origin: crate::plugin::Availability,
}

/// A custom op's row of a [`CoverageReport`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRow {
    /// The op's name.
    pub name: &'static str,
    /// The crate that declared it.
    pub krate: &'static str,
    /// Native version (`Primary`, with its registered name), composition (`Compositional`),
    /// or `Unsupported` when its calls fail (see [`crate::Error::CustomOpConflict`]).
    pub source: Source,
}

impl CoverageReport {
    /// The number of ops with the given kind of source.
    pub fn count(&self, pred: impl Fn(&Source) -> bool) -> usize {
        self.rows.iter().filter(|(_, s)| pred(s)).count()
    }
}

impl fmt::Display for CoverageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let primary = self.count(|s| matches!(s, Source::Primary { .. }));
        let composed = self.count(|s| matches!(s, Source::Compositional));
        let missing = self.count(|s| matches!(s, Source::Unsupported));
        writeln!(
            f,
            "backend {} {}{} ({}): {primary} primary, {composed} compositional, {missing} \
             unsupported",
            self.backend,
            self.version,
            if self.emulated { " (emulated)" } else { "" },
            self.origin
        )?;
        for (op, source) in &self.rows {
            writeln!(f, "  {:<18} {source}", op.name())?;
        }
        if !self.custom.is_empty() {
            writeln!(f, "  custom ops:")?;
            for row in &self.custom {
                writeln!(f, "  {:<18} {} [{}]", row.name, row.source, row.krate)?;
            }
        }
        let dtypes: Vec<_> = self
            .unsupported_dtypes
            .iter()
            .map(|d| d.to_string())
            .collect();
        write!(
            f,
            "  unsupported dtypes: {}",
            if dtypes.is_empty() {
                "none".to_string()
            } else {
                dtypes.join(", ")
            }
        )
    }
}

type CacheKey = (usize, Version, bool);
static CACHE: Mutex<Option<HashMap<CacheKey, &'static FunctionTable>>> = Mutex::new(None);

/// The table for `backend` at `version`, from the cache or built now. Tables are leaked on
/// purpose: there are a handful per process, and `&'static` lets the dispatch path hold them
/// without reference counting.
pub(crate) fn table_for(
    backend: &'static BackendDescriptor,
    version: &Version,
    emulated: bool,
    masked: bool,
) -> Result<&'static FunctionTable> {
    let key = (
        backend as *const BackendDescriptor as usize,
        version.clone(),
        masked,
    );
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some(t) = cache.get(&key) {
        return Ok(t);
    }
    let table: &'static FunctionTable =
        Box::leak(Box::new(build(backend, version, emulated, masked)?));
    cache.insert(key, table);
    Ok(table)
}

/// The detected framework version of a backend.
pub(crate) fn detected_version(backend: &BackendDescriptor) -> Result<Version> {
    let text = (backend.detect_version)().map_err(|reason| Error::BackendUnavailable {
        name: backend.name.to_string(),
        reason,
    })?;
    parse_framework_version(&text).map_err(|e| Error::BackendUnavailable {
        name: backend.name.to_string(),
        reason: format!("it reports the version `{text}`, which cannot be parsed: {e}"),
    })
}

/// The table for the version the backend detects, cached in the descriptor.
#[inline]
pub(crate) fn detected_table(
    backend: &'static BackendDescriptor,
) -> Result<&'static FunctionTable> {
    // In a plugin sharing blocks with its host, the host's descriptor of the backend stands
    // for the plugin's own (`plugin::serve::own_descriptor_of`; else `backend` itself).
    let build = || {
        let own = crate::plugin::serve::own_descriptor_of(backend);
        table_for(own, &detected_version(own)?, false, false)
    };
    let cached = match backend.detected_slot().get() {
        Some(cached) => cached,
        None => backend
            .detected_slot()
            .get_or_init(|| Ok(build()? as &'static (dyn Any + Send + Sync))),
    };
    match cached {
        // Only this function fills the slot, always with a `FunctionTable`; were it anything
        // else, the cache of tables gives the same table.
        Ok(any) => match any.downcast_ref::<FunctionTable>() {
            Some(table) => Ok(table),
            None => build(),
        },
        Err(e) => Err(e.clone()),
    }
}

impl Op {
    /// The catalogue's compositional fallback, if the op has one.
    pub fn fallback(self) -> Option<OpFn> {
        inventory::iter::<crate::registry::Fallback>
            .into_iter()
            .map(|f| f.0)
            .find(|f| f.op() == self)
    }
}

/// The primaries registered for a backend (compiled in, or read from its plugin).
fn primaries_of(backend: &str) -> impl Iterator<Item = &'static Primary> + '_ {
    inventory::iter::<Primary>
        .into_iter()
        .filter(move |p| p.backend == backend)
        .chain(crate::plugin::primaries(backend))
}

/// Checks every registration of a backend for every version: names that do not parse, names
/// whose op differs from the function's, and variants of one op whose ranges overlap. Tables
/// only see conflicts at their own version; this sees all of them.
pub fn validate_registrations(backend: &str) -> Result<()> {
    let mut problems = Vec::new();
    let mut seen: Vec<(&'static Primary, VersionRange)> = Vec::new();
    for p in primaries_of(backend) {
        match parse_registration(p) {
            Err(problem) => problems.push(problem),
            Ok(range) => {
                for (q, other) in &seen {
                    if q.func.op() == p.func.op() && other.overlaps(&range) {
                        problems.push(format!(
                            "`{}` ({range}) and `{}` ({other}) both cover some versions of `{}`",
                            p.name,
                            q.name,
                            p.func.op().name()
                        ));
                    }
                }
                seen.push((p, range));
            }
        }
    }
    for (range, _) in unsupported_entries(backend) {
        if let Err(e) = range {
            problems.push(e);
        }
    }
    problems.extend(custom_registry::validate(backend));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Registration {
            backend: backend.to_string(),
            problems,
        })
    }
}

fn parse_registration(p: &Primary) -> std::result::Result<VersionRange, String> {
    let variant = split_variant_name(p.name).map_err(|e| format!("`{}`: {e}", p.name))?;
    let op = p.func.op();
    if variant.op != op.ident() {
        return Err(format!(
            "`{}` is registered with a function for `{}`; the name must start with `{}`",
            p.name,
            op.name(),
            op.ident()
        ));
    }
    Ok(variant.range)
}

type UnsupportedEntry = (std::result::Result<VersionRange, String>, &'static [DType]);

fn unsupported_entries(backend: &str) -> Vec<UnsupportedEntry> {
    let Some(desc) = crate::plugin::descriptor(backend) else {
        return Vec::new();
    };
    desc.unsupported_dtypes
        .iter()
        .map(|(range, dtypes)| {
            let parsed = if *range == "all" {
                Ok(VersionRange::all())
            } else {
                VersionRange::parse_suffix(range).map_err(|e| {
                    format!("unsupported-dtype entry `{range}` is not a version range: {e}")
                })
            };
            (parsed, *dtypes)
        })
        .collect()
}

fn build(
    backend: &'static BackendDescriptor,
    version: &Version,
    emulated: bool,
    masked: bool,
) -> Result<FunctionTable> {
    let mut problems = Vec::new();
    let mut chosen: Vec<Option<&'static Primary>> = vec![None; Op::COUNT];
    for p in primaries_of(backend.name) {
        match parse_registration(p) {
            Err(problem) => problems.push(problem),
            Ok(range) if range.contains(version) => {
                let slot = &mut chosen[p.func.op().index()];
                if let Some(prev) = slot {
                    problems.push(format!(
                        "`{}` and `{}` both match version {version}; narrow one of the ranges",
                        prev.name, p.name
                    ));
                } else {
                    *slot = Some(p);
                }
            }
            Ok(_) => {}
        }
    }
    let mut unsupported = DTypeSet::EMPTY;
    for (range, dtypes) in unsupported_entries(backend.name) {
        match range {
            Ok(r) if r.contains(version) => unsupported = unsupported.union(DTypeSet::of(dtypes)),
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Registration {
            backend: backend.name.to_string(),
            problems,
        });
    }

    let mut slots = Slots::empty();
    let mut sources = [Source::Unsupported; Op::COUNT];
    for &op in Op::ALL {
        let fallback = op.fallback();
        let primary = chosen[op.index()].filter(|_| !(masked && fallback.is_some()));
        let (func, source): (Option<OpFn>, Source) = match primary {
            Some(p) => (Some(p.func), Source::Primary { variant: p.name }),
            None => match fallback {
                Some(f) => (Some(f), Source::Compositional),
                None => (None, Source::Unsupported),
            },
        };
        if let Some(f) = func {
            slots.set(f);
        }
        sources[op.index()] = source;
    }
    Ok(FunctionTable {
        backend,
        version: version.clone(),
        emulated,
        masked,
        unsupported,
        slots,
        sources,
        custom_mode: if masked {
            CustomMode::Compositions
        } else {
            CustomMode::Natives
        },
        custom: OnceLock::new(),
    })
}
