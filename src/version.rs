//! Framework-version ranges for versioned backend functions.
//!
//! Backends may register one op in several variants, named as in Ivy:
//!
//! ```text
//! <op>                          every version
//! <op>_v_<V>_and_above          lower bound only
//! <op>_v_<V>_and_below          upper bound only
//! <op>_v_<V>_to_<V>             both bounds
//! <V> = N | NpN | NpNpN         N a decimal number: `1p12` = 1.12, `2p1p3` = 2.1.3
//! ```
//!
//! # Rules
//!
//! * **Bounds are inclusive.** A lower bound written with fewer than three components is padded
//!   with zeros: `1p12_and_above` means `>= 1.12.0`. An upper bound written with fewer
//!   components covers everything under it: `1p12_and_below` contains 1.12.0 and 1.12.99 but
//!   not 1.13.0; `1_and_below` contains 1.99.3 but not 2.0.0; `1p12p3_and_below` contains
//!   1.12.3 but not 1.12.4. `A_to_B` is `>= A` and `<= B` with the same two rules, so
//!   `1p8_to_1p12` contains 1.12.5 (Ivy excluded it; we deliberately include it).
//! * **A `_to_` range must not be empty**: its lower bound may not exceed its upper bound.
//! * **Components are canonical decimals**: no leading zeros (`1p01` is ambiguous between 1.01
//!   and 1.1; `0` alone is fine), no empty components (`1pp2`, `p1`, `1p`), at most three.
//! * **Pre-releases and build metadata are ignored for membership**: a version is compared by
//!   `(major, minor, patch)` only, so 2.1.0-rc1 counts as 2.1.0 (a release candidate of 2.1
//!   has 2.1's API) and 2.11.0+cu130 as 2.11.0.
//! * **Names contain at most one `_v_`** (op names never contain it), and the op before it
//!   must not be empty. Any other shape is an error naming the whole name and the grammar.
//! * [`VersionRange::overlaps`] is exact: it is true iff some release `major.minor.patch` lies
//!   in both ranges. Internally a range is an inclusive pair of `(u64, u64, u64)` triples, an
//!   uncapped upper component being `u64::MAX`, so both tests are plain tuple comparisons.
//!
//! # Framework versions
//!
//! [`parse_framework_version`] turns what a framework reports (`torch.__version__`,
//! `tf.__version__`, ...) into a [`semver::Version`], after trimming surrounding whitespace:
//!
//! * 1 to 3 release components, padded with zeros: `0.17` → 0.17.0, `2` → 2.0.0. More than
//!   three, empty components and leading zeros are errors.
//! * PEP 440 suffixes become semver pre-release identifiers: `2.1.0a0` → 2.1.0-a0, `2.1.0b2`
//!   → 2.1.0-b2, `2.1.0rc1` → 2.1.0-rc1, `2.1.0.dev20260101` → 2.1.0-dev20260101,
//!   `2.1.0rc1.dev3` → 2.1.0-rc1.dev3. A post release `2.1.0.post1` becomes build metadata
//!   (2.1.0+post1): it has its release's API, and build metadata never affects membership.
//! * A semver pre-release is kept as is: `2.1.0-alpha.1`.
//! * Build metadata / PEP 440 local versions are **kept**: `2.11.0+cu130` → 2.11.0+cu130.
//!   They are informative in messages and ranges ignore them anyway.
//! * A leading `v` (`v1.2`) is **rejected**: no Python framework reports one, so it signals
//!   that the text did not come from a framework.

use semver::{BuildMetadata, Prerelease, Version};
use std::fmt;

/// The grammar of a variant name, quoted in errors.
const NAME_GRAMMAR: &str = "expected `<op>`, `<op>_v_<V>_and_above`, `<op>_v_<V>_and_below` or \
     `<op>_v_<V>_to_<V>`, where <V> is 1 to 3 decimal numbers joined by `p` (e.g. `1p12`)";

/// The grammar of a version suffix, quoted in errors.
const SUFFIX_GRAMMAR: &str = "expected `<V>_and_above`, `<V>_and_below` or `<V>_to_<V>`, \
     where <V> is 1 to 3 decimal numbers joined by `p` (e.g. `1p12`)";

/// The accepted framework-version forms, quoted in errors.
const FRAMEWORK_GRAMMAR: &str = "expected 1 to 3 dot-separated numbers with an optional \
     PEP 440 or semver suffix, e.g. `2.13.0`, `0.17`, `2.1.0rc1`, `2.1.0-alpha.1`, `2.11.0+cu130`";

/// Why a variant name, a version suffix or a framework version could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionError {
    /// A backend function name that is not `<op>` or `<op>_v_<suffix>`.
    InvalidVariantName {
        /// The whole offending name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A version suffix given to [`VersionRange::parse_suffix`] on its own.
    InvalidVersionSuffix {
        /// The offending suffix.
        suffix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A version string reported by a framework.
    InvalidFrameworkVersion {
        /// The offending text, as given (untrimmed).
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidVariantName { name, reason } => {
                write!(f, "invalid variant name `{name}`: {reason}; {NAME_GRAMMAR}")
            }
            Self::InvalidVersionSuffix { suffix, reason } => {
                write!(
                    f,
                    "invalid version suffix `{suffix}`: {reason}; {SUFFIX_GRAMMAR}"
                )
            }
            Self::InvalidFrameworkVersion { text, reason } => {
                write!(
                    f,
                    "invalid framework version {text:?}: {reason}; {FRAMEWORK_GRAMMAR}"
                )
            }
        }
    }
}

impl std::error::Error for VersionError {}

/// A `(major, minor, patch)` triple.
type Triple = (u64, u64, u64);

const MIN: Triple = (0, 0, 0);
const MAX: Triple = (u64::MAX, u64::MAX, u64::MAX);

/// A set of framework versions: every version whose `(major, minor, patch)` lies between two
/// inclusive bounds. Two ranges are equal iff they contain the same versions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// Inclusive lower bound; `MIN` when unbounded.
    lo: Triple,
    /// Inclusive upper bound; `u64::MAX` components mean "any".
    hi: Triple,
}

impl VersionRange {
    /// The range of every version (an unversioned function).
    pub fn all() -> Self {
        Self { lo: MIN, hi: MAX }
    }

    /// Parses the part of a variant name after `_v_`: `1p12_and_above`, `0p16_and_below`,
    /// `1p8_to_1p12`.
    pub fn parse_suffix(suffix: &str) -> Result<Self, VersionError> {
        parse_suffix_reason(suffix).map_err(|reason| VersionError::InvalidVersionSuffix {
            suffix: suffix.to_owned(),
            reason,
        })
    }

    /// Whether `v` is in the range, judged by `(major, minor, patch)` alone: pre-release and
    /// build metadata are ignored.
    pub fn contains(&self, v: &Version) -> bool {
        let t = (v.major, v.minor, v.patch);
        self.lo <= t && t <= self.hi
    }

    /// Whether some release version is in both ranges. Exact because both bounds are inclusive
    /// integer triples: the intersection is `[max lo, min hi]`, non-empty iff ordered.
    pub fn overlaps(&self, other: &VersionRange) -> bool {
        self.lo.max(other.lo) <= self.hi.min(other.hi)
    }
}

impl fmt::Display for VersionRange {
    /// `all versions`, `>=1.12`, `<=1.12.*`, `1.8 to 1.12.*`; a `*` stands for any number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lo = || {
            let (a, b, c) = self.lo;
            // Lower bounds are zero-padded, so a zero patch can be left out unambiguously.
            if c == 0 {
                format!("{a}.{b}")
            } else {
                format!("{a}.{b}.{c}")
            }
        };
        let hi = || match self.hi {
            (a, u64::MAX, u64::MAX) => format!("{a}.*"),
            (a, b, u64::MAX) => format!("{a}.{b}.*"),
            (a, b, c) => format!("{a}.{b}.{c}"),
        };
        match (self.lo == MIN, self.hi == MAX) {
            (true, true) => f.write_str("all versions"),
            (false, true) => write!(f, ">={}", lo()),
            (true, false) => write!(f, "<={}", hi()),
            (false, false) => write!(f, "{} to {}", lo(), hi()),
        }
    }
}

/// A backend function name split into its op and the versions it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantName<'a> {
    /// The op name, e.g. `linalg_inv`.
    pub op: &'a str,
    /// The framework versions the variant serves ([`VersionRange::all`] when unversioned).
    pub range: VersionRange,
}

/// Splits `add_v_1p12_and_above` into op `add` and range `>=1.12`; a name without `_v_`
/// (`add`) serves all versions.
pub fn split_variant_name(name: &str) -> Result<VariantName<'_>, VersionError> {
    let err = |reason: String| VersionError::InvalidVariantName {
        name: name.to_owned(),
        reason,
    };
    let mut parts = name.splitn(3, "_v_");
    let op = parts.next().unwrap_or_default();
    let (suffix, extra) = (parts.next(), parts.next());
    if extra.is_some() {
        return Err(err("it contains `_v_` more than once".into()));
    }
    if op.is_empty() {
        return Err(err("the op name is empty".into()));
    }
    let range = match suffix {
        None => VersionRange::all(),
        Some(s) => parse_suffix_reason(s).map_err(err)?,
    };
    Ok(VariantName { op, range })
}

/// [`VersionRange::parse_suffix`] with the error as a bare reason, so that callers can say
/// whether a name or a suffix was wrong.
fn parse_suffix_reason(suffix: &str) -> Result<VersionRange, String> {
    if suffix.is_empty() {
        return Err("the version suffix is empty".into());
    }
    if let Some(v) = suffix.strip_suffix("_and_above") {
        return Ok(VersionRange {
            lo: pad(&parse_components(v, "lower")?, 0),
            hi: MAX,
        });
    }
    if let Some(v) = suffix.strip_suffix("_and_below") {
        return Ok(VersionRange {
            lo: MIN,
            hi: pad(&parse_components(v, "upper")?, u64::MAX),
        });
    }
    if let Some((a, b)) = suffix.split_once("_to_") {
        if b.contains("_to_") {
            return Err(format!("`{suffix}` contains `_to_` more than once"));
        }
        let lo = pad(&parse_components(a, "lower")?, 0);
        let hi = pad(&parse_components(b, "upper")?, u64::MAX);
        if lo > hi {
            return Err(format!(
                "the lower bound `{a}` is above the upper bound `{b}`"
            ));
        }
        return Ok(VersionRange { lo, hi });
    }
    Err(format!(
        "`{suffix}` does not end in `_and_above` or `_and_below` and has no `_to_`"
    ))
}

/// Parses `1p12`-style text into 1 to 3 numbers; `which` names the bound for messages.
fn parse_components(text: &str, which: &str) -> Result<Vec<u64>, String> {
    if text.is_empty() {
        return Err(format!("the {which} bound version is empty"));
    }
    let parts: Vec<&str> = text.split('p').collect();
    if parts.len() > 3 {
        return Err(format!(
            "the {which} bound `{text}` has {} components; at most 3 are allowed",
            parts.len()
        ));
    }
    parts
        .iter()
        .map(|p| parse_number(p).map_err(|why| format!("the {which} bound `{text}` {why}")))
        .collect()
}

/// Parses one canonical decimal component; the error completes a sentence about its version.
fn parse_number(p: &str) -> Result<u64, String> {
    if p.is_empty() {
        return Err("has an empty component".into());
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "has a component `{p}` that is not a decimal number"
        ));
    }
    if p.len() > 1 && p.starts_with('0') {
        let fixed = match p.trim_start_matches('0') {
            "" => "0",
            t => t,
        };
        return Err(format!(
            "has a component `{p}` with a leading zero, which is ambiguous (write `{fixed}`)"
        ));
    }
    p.parse()
        .map_err(|_| format!("has a component `{p}` too large for 64 bits"))
}

/// Pads 1 to 3 components to a triple with `fill`.
fn pad(c: &[u64], fill: u64) -> Triple {
    let at = |i: usize| c.get(i).copied().unwrap_or(fill);
    (at(0), at(1), at(2))
}

/// Parses a version string reported by a framework; see the module docs for the accepted
/// forms. Build metadata is kept.
pub fn parse_framework_version(text: &str) -> Result<Version, VersionError> {
    parse_framework_reason(text.trim()).map_err(|reason| VersionError::InvalidFrameworkVersion {
        text: text.to_owned(),
        reason,
    })
}

fn parse_framework_reason(s: &str) -> Result<Version, String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.starts_with(['v', 'V']) {
        return Err("a leading `v` is not accepted".into());
    }
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("it does not start with a number".into());
    }
    // Release: numbers joined by dots, stopping at a dot not followed by a digit (`.dev1`).
    let mut release = Vec::new();
    let mut rest = s;
    loop {
        let n = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        release.push(parse_number(&rest[..n]).map_err(|why| format!("the release {why}"))?);
        rest = &rest[n..];
        match rest.strip_prefix('.') {
            Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
            Some(r) if r.is_empty() || r.starts_with('.') => {
                return Err("the release has an empty component".into())
            }
            _ => break,
        }
    }
    if release.len() > 3 {
        return Err(format!(
            "the release has {} components; at most 3 are allowed",
            release.len()
        ));
    }
    let (rest, local) = match rest.split_once('+') {
        Some((r, "")) => return Err(format!("`{r}+` has empty build metadata")),
        Some((r, l)) => (r, Some(l)),
        None => (rest, None),
    };
    let mut pre = Vec::new();
    let mut build = Vec::new();
    if let Some(p) = rest.strip_prefix('-') {
        if p.is_empty() {
            return Err("the pre-release after `-` is empty".into());
        }
        pre.push(p); // a semver pre-release, validated below
    } else {
        // PEP 440 in canonical order, each part optional: (a|b|rc)N, .postN, .devN.
        let mut rest = rest;
        for tag in ["rc", "a", "b"] {
            if let Some(id) = take_tag(&mut rest, tag)? {
                pre.push(id);
                break;
            }
        }
        // A post release has its release's API: keep it where membership ignores it.
        build.extend(take_tag(&mut rest, ".post")?);
        pre.extend(take_tag(&mut rest, ".dev")?);
        if !rest.is_empty() {
            return Err(format!("unexpected trailing `{rest}`"));
        }
    }
    build.extend(local);
    let (pre, build) = (pre.join("."), build.join("."));
    let (major, minor, patch) = pad(&release, 0);
    Ok(Version {
        major,
        minor,
        patch,
        pre: Prerelease::new(&pre).map_err(|e| format!("pre-release `{pre}`: {e}"))?,
        build: BuildMetadata::new(&build).map_err(|e| format!("build metadata `{build}`: {e}"))?,
    })
}

/// Takes `tag` and the number after it off the front of `rest`, returning them without a
/// leading dot (`.dev5` gives `dev5`); `None` when `rest` does not start with `tag`.
fn take_tag<'a>(rest: &mut &'a str, tag: &str) -> Result<Option<&'a str>, String> {
    let Some(r) = rest.strip_prefix(tag) else {
        return Ok(None);
    };
    let n = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
    if n == 0 {
        return Err(format!("`{tag}` is not followed by a number"));
    }
    let id = &rest[usize::from(tag.starts_with('.'))..tag.len() + n];
    *rest = &r[n..];
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn r(suffix: &str) -> VersionRange {
        VersionRange::parse_suffix(suffix).unwrap()
    }

    /// The message of a failed name split.
    fn name_err(name: &str) -> String {
        split_variant_name(name).unwrap_err().to_string()
    }

    #[test]
    fn lower_bounds_are_zero_padded() {
        let above = r("1p12_and_above");
        assert!(above.contains(&v("1.12.0")));
        assert!(above.contains(&v("1.13.0")));
        assert!(above.contains(&v("7.0.0")));
        assert!(!above.contains(&v("1.11.99")));
        assert_eq!(above, r("1p12p0_and_above"));
        assert!(r("2_and_above").contains(&v("2.0.0")));
        assert!(!r("2_and_above").contains(&v("1.99.99")));
    }

    #[test]
    fn upper_bounds_cover_everything_under_them() {
        let below = r("1p12_and_below");
        assert!(below.contains(&v("1.12.0")));
        assert!(below.contains(&v("1.12.5")));
        assert!(below.contains(&v("1.12.99")));
        assert!(below.contains(&v("0.1.0")));
        assert!(!below.contains(&v("1.13.0")));
        assert!(r("1_and_below").contains(&v("1.99.3")));
        assert!(!r("1_and_below").contains(&v("2.0.0")));
        assert!(r("1p12p3_and_below").contains(&v("1.12.3")));
        assert!(!r("1p12p3_and_below").contains(&v("1.12.4")));
        assert!(r("0p16_and_below").contains(&v("0.16.2")));
        assert!(!r("0p16_and_below").contains(&v("0.17.0")));
        // Extreme components are ordinary numbers.
        let big = format!("{}_and_below", u64::MAX);
        assert!(r(&big).contains(&v("18446744073709551615.18446744073709551615.1")));
    }

    #[test]
    fn to_ranges_are_inclusive_on_both_ends() {
        let to = r("1p8_to_1p12");
        assert!(to.contains(&v("1.8.0")));
        assert!(to.contains(&v("1.10.3")));
        assert!(to.contains(&v("1.12.5"))); // Ivy excluded this one.
        assert!(!to.contains(&v("1.7.9")));
        assert!(!to.contains(&v("1.13.0")));
        // A single-minor range and a single-version range.
        assert!(r("1p12_to_1p12").contains(&v("1.12.7")));
        assert!(!r("1p12_to_1p12").contains(&v("1.13.0")));
        assert!(r("1p12p3_to_1p12p3").contains(&v("1.12.3")));
        assert!(!r("1p12p3_to_1p12p3").contains(&v("1.12.4")));
        // A lower bound inside the upper bound's minor is not "above" it.
        assert!(r("1p12p5_to_1p12").contains(&v("1.12.9")));
    }

    #[test]
    fn all_contains_everything() {
        assert!(VersionRange::all().contains(&v("0.0.0")));
        assert!(VersionRange::all().contains(&v("999.0.1-rc1")));
        assert_eq!(r("0_and_above"), VersionRange::all());
    }

    #[test]
    fn inverted_to_range_is_an_error() {
        let e = VersionRange::parse_suffix("1p13_to_1p12").unwrap_err();
        assert!(
            e.to_string()
                .contains("`1p13` is above the upper bound `1p12`"),
            "{e}"
        );
        assert!(VersionRange::parse_suffix("1p12p1_to_1p12p0").is_err());
        assert!(VersionRange::parse_suffix("2_to_1p99").is_err());
    }

    #[test]
    fn components_must_be_canonical() {
        let e = VersionRange::parse_suffix("1p01_and_above").unwrap_err();
        assert!(e.to_string().contains("leading zero"), "{e}");
        assert!(e.to_string().contains("ambiguous"), "{e}");
        assert!(VersionRange::parse_suffix("01p2_and_below").is_err());
        assert!(VersionRange::parse_suffix("1p00_and_below").is_err());
        assert!(r("0p0_and_above").contains(&v("0.0.0")));
        let e = VersionRange::parse_suffix("1p2p3p4_and_above").unwrap_err();
        assert!(e.to_string().contains("4 components"), "{e}");
        for bad in [
            "1pp2_and_above",
            "p1_and_above",
            "1p_and_below",
            "1p8_to_p2",
        ] {
            let e = VersionRange::parse_suffix(bad).unwrap_err();
            assert!(e.to_string().contains("empty component"), "{bad}: {e}");
        }
        assert!(VersionRange::parse_suffix("99999999999999999999_and_above").is_err());
    }

    #[test]
    fn pre_releases_and_build_metadata_count_as_their_release() {
        assert!(r("2p1_and_above").contains(&v("2.1.0-alpha")));
        assert!(!r("2p0_and_below").contains(&v("2.1.0-alpha")));
        assert!(r("2p0_and_below").contains(&v("2.0.3-rc.1")));
        assert!(r("2p11_and_above").contains(&v("2.11.0+cu130")));
        assert!(!r("2p10_and_below").contains(&v("2.11.0+cu130")));
        assert!(r("1p8_to_1p12").contains(&v("1.12.0-rc1+cpu")));
    }

    #[test]
    fn split_names() {
        let n = split_variant_name("add_v_1p12_and_above").unwrap();
        assert_eq!(n.op, "add");
        assert_eq!(n.range, r("1p12_and_above"));
        let n = split_variant_name("add").unwrap();
        assert_eq!((n.op, n.range), ("add", VersionRange::all()));
        let n = split_variant_name("linalg_inv_v_0p16_to_0p17").unwrap();
        assert_eq!(n.op, "linalg_inv");
        assert!(n.range.contains(&v("0.17.4")));
        assert!(!n.range.contains(&v("0.15.0")));
        // `_v` without a trailing underscore is part of an op name.
        assert_eq!(split_variant_name("solve_v").unwrap().op, "solve_v");
    }

    #[test]
    fn malformed_names_are_errors_naming_the_whole_name() {
        for name in [
            "add_v_1p12_and_abov",
            "add_v_1p12",
            "add_v_",
            "add_v_1.12_and_above",
            "add_v_1p12_and_above_extra",
            "_v_1p12_and_above",
            "add_v_1p12_to_",
            "add_v__to_1p12",
            "add_v_1p12_v_1p13_and_above",
            "add_v_and_above",
            "add_v_1p8_to_1p9_to_2",
            "",
        ] {
            let e = name_err(name);
            assert!(e.contains(&format!("`{name}`")), "{e}");
            assert!(e.contains("<op>_v_<V>_and_above"), "{e}");
        }
        assert!(name_err("_v_1p12_and_above").contains("op name is empty"));
        assert!(name_err("add_v_1p12_v_1p13_and_above").contains("more than once"));
        assert!(name_err("add_v_1.12_and_above").contains("`1.12` has a component"));
        assert!(name_err("add_v_1p12_to_").contains("upper bound version is empty"));
        assert!(name_err("add_v_").contains("suffix is empty"));
        assert!(name_err("add_v_1p8_to_1p9_to_2").contains("`_to_` more than once"));
        assert!(matches!(
            split_variant_name("add_v_1p12"),
            Err(VersionError::InvalidVariantName { .. })
        ));
        assert!(matches!(
            VersionRange::parse_suffix("1p12"),
            Err(VersionError::InvalidVersionSuffix { .. })
        ));
    }

    #[test]
    fn display_is_unambiguous() {
        assert_eq!(VersionRange::all().to_string(), "all versions");
        assert_eq!(r("1p12_and_above").to_string(), ">=1.12");
        assert_eq!(r("1p12p3_and_above").to_string(), ">=1.12.3");
        assert_eq!(r("1_and_above").to_string(), ">=1.0");
        assert_eq!(r("1p12_and_below").to_string(), "<=1.12.*");
        assert_eq!(r("1_and_below").to_string(), "<=1.*");
        assert_eq!(r("1p12p3_and_below").to_string(), "<=1.12.3");
        assert_eq!(r("1p8_to_1p12").to_string(), "1.8 to 1.12.*");
        assert_eq!(r("0p16_to_0p17p2").to_string(), "0.16 to 0.17.2");
    }

    #[test]
    fn overlaps_is_exact() {
        let ov = |a: &str, b: &str| {
            let (a, b) = (r(a), r(b));
            assert_eq!(a.overlaps(&b), b.overlaps(&a), "not symmetric");
            a.overlaps(&b)
        };
        assert!(!ov("1p12_and_below", "1p13_and_above"));
        assert!(ov("1p12_and_below", "1p12p5_and_above")); // both contain 1.12.5
        assert!(ov("1p12_and_below", "1p12_and_above")); // both contain 1.12.x
        assert!(!ov("1p12p3_and_below", "1p12p4_and_above"));
        assert!(ov("1p12p3_and_below", "1p12p3_and_above"));
        assert!(!ov("1_and_below", "2_and_above"));
        assert!(ov("1p8_to_1p12", "1p12_to_1p14"));
        assert!(!ov("1p8_to_1p11", "1p12_to_1p14"));
        assert!(ov("1p8_to_1p14", "1p10_to_1p11")); // nested
        assert!(ov("0p1_and_below", "0p1_and_below"));
        assert!(VersionRange::all().overlaps(&r("3p2p1_to_3p2p1")));
    }

    #[test]
    fn framework_versions() {
        let p = |s: &str| parse_framework_version(s).unwrap();
        assert_eq!(p("2.13.0"), v("2.13.0"));
        assert_eq!(p("2.11.0+cu130"), v("2.11.0+cu130"));
        assert_eq!(p("0.17"), v("0.17.0"));
        assert_eq!(p("2"), v("2.0.0"));
        assert_eq!(p("2.1.0a0"), v("2.1.0-a0"));
        assert_eq!(p("2.1.0rc1"), v("2.1.0-rc1"));
        assert_eq!(p("2.1.0b2"), v("2.1.0-b2"));
        assert_eq!(p("2.1.0.dev20260101"), v("2.1.0-dev20260101"));
        assert_eq!(p("2.1.0rc1.dev3"), v("2.1.0-rc1.dev3"));
        assert_eq!(p("2.1.0.post1"), v("2.1.0+post1"));
        assert_eq!(p("2.6.0.dev20240101+cpu"), v("2.6.0-dev20240101+cpu"));
        assert_eq!(p("2.1.0-alpha.1"), v("2.1.0-alpha.1"));
        assert_eq!(p("2.1-rc.1"), v("2.1.0-rc.1"));
        assert_eq!(p("  1.9.1\n"), v("1.9.1"));
        assert_eq!(p("0.0.0"), v("0.0.0"));
    }

    #[test]
    fn framework_garbage_is_an_error_quoting_the_input() {
        for bad in [
            "",
            "  ",
            "abc",
            "1..2",
            "1.2.3.4",
            "v1.2",
            "1.2.",
            ".1",
            "1.02",
            "2.1.0rc",
            "2.1.0rc1a2",
            "2.1.0-",
            "2.1.0+",
            "2.1.0 x",
            "2.1.0.rc1",
            "2.1.0-01",
            "1.2+a_b",
        ] {
            let e = parse_framework_version(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
            assert!(matches!(e, VersionError::InvalidFrameworkVersion { .. }));
        }
        let msg = |s: &str| parse_framework_version(s).unwrap_err().to_string();
        assert!(msg("1.2.3.4").contains("4 components"));
        assert!(msg("v1.2").contains("leading `v`"));
        assert!(msg("1..2").contains("empty component"));
        assert!(msg("1.02").contains("leading zero"));
        assert!(msg("2.1.0rc").contains("`rc` is not followed by a number"));
        assert!(msg("2.1.0rc1a2").contains("unexpected trailing `a2`"));
    }

    #[test]
    fn parsed_framework_versions_fall_in_ranges() {
        let p = |s: &str| parse_framework_version(s).unwrap();
        assert!(r("2p1_and_above").contains(&p("2.1.0rc1")));
        assert!(!r("2p0_and_below").contains(&p("2.1.0.dev20260101")));
        assert!(r("2p11_to_2p11").contains(&p("2.11.0+cu130")));
        assert!(r("0p17_and_above").contains(&p("0.17")));
    }
}
