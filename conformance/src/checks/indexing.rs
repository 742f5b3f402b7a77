//! The table of NumPy index expressions (`cases/indexing.json`, written by
//! `gen/indexing.py`), run through [`Tensor::index`] and [`Tensor::at`] on the backend's own
//! table and on its fallbacks (every op with a compositional fallback served by it).

use crate::exec::{host_data, Values};
use crate::json::Json;
use crate::variant_name;
use tensorswitch::{self as ts, IndexItem, SliceSpec, Tensor};

const TABLE: &str = include_str!("../../cases/indexing.json");

/// What `check` returns for a case whose input has a dtype the backend declares unsupported
/// (torch has no uint16/32/64): the case is skipped, as the op suite skips such cases.
const SKIP: &str = "skip: input dtype unsupported by the backend";

fn tensor(spec: &Json) -> Result<Tensor, String> {
    let (h, shape) = host_data(spec)?;
    ts::from_host(h, &shape).map_err(|e| match e {
        ts::Error::UnsupportedDType { .. } => SKIP.to_string(),
        e => format!("creating an input failed: {e}"),
    })
}

fn bound(v: &Json) -> Result<Option<i64>, String> {
    if v.is_null() {
        Ok(None)
    } else {
        v.parse_num::<i64>()
            .map(Some)
            .ok_or_else(|| format!("bad slice bound {v}"))
    }
}

fn item(v: &Json) -> Result<IndexItem, String> {
    if v.is_null() {
        return Ok(IndexItem::NewAxis);
    }
    if v.as_str() == Some("...") {
        return Ok(IndexItem::Ellipsis);
    }
    if let Some(s) = v.get("slice").and_then(Json::as_arr) {
        let step = s[2].parse_num::<i64>().ok_or("bad slice step")?;
        return Ok(IndexItem::Slice(SliceSpec::new(
            bound(&s[0])?,
            bound(&s[1])?,
            step,
        )));
    }
    if let Some(spec) = v.get("tensor") {
        return Ok(IndexItem::Tensor(tensor(spec)?));
    }
    v.parse_num::<i64>()
        .map(IndexItem::Int)
        .ok_or_else(|| format!("bad index item {v}"))
}

/// Runs one case; `Err` says what differed.
fn check(case: &Json) -> Result<(), String> {
    let x = tensor(case.get("x").ok_or("no x")?)?;
    let index: Vec<IndexItem> = case
        .get("index")
        .and_then(Json::as_arr)
        .ok_or("no index")?
        .iter()
        .map(item)
        .collect::<Result<_, _>>()?;
    let got = match case.get("update").and_then(Json::as_str) {
        None => x.index(&index),
        Some(how) => {
            let values = tensor(case.get("values").ok_or("no values")?)?;
            match how {
                "set" => x.at(&index).set(&values),
                "add" => x.at(&index).add(&values),
                other => return Err(format!("unknown update {other}")),
            }
        }
    };
    let expected = case.get("expected").ok_or("no expected")?;
    match (expected.get("error"), got) {
        (Some(names), Err(e)) => {
            let want = names.as_arr().and_then(|n| n[0].as_str()).unwrap_or("?");
            let name = variant_name(&e);
            if name == want {
                Ok(())
            } else {
                Err(format!("expected error {want}, got {name}: {e}"))
            }
        }
        (Some(names), Ok(t)) => Err(format!(
            "expected error {names}, got a {} tensor of shape {:?}",
            t.dtype(),
            t.shape()
        )),
        (None, Err(e)) => Err(format!("failed: {e}")),
        (None, Ok(t)) => {
            let (want, shape) = host_data(expected)?;
            if t.dtype() != want.dtype() || t.shape() != shape.as_slice() {
                return Err(format!(
                    "expected {} {shape:?}, got {} {:?}",
                    want.dtype(),
                    t.dtype(),
                    t.shape()
                ));
            }
            let h = t.to_host().map_err(|e| format!("to_host failed: {e}"))?;
            Values::of(&want).compare(&Values::of(&h), 0.0, 0.0)
        }
    }
}

/// Runs `check` on every case of the JSON file `text` (at least `min` of them) on `backend`,
/// on its primaries or (`masked`) its fallbacks, and fails listing every failed case.
fn run_cases(
    backend: &str,
    masked: bool,
    text: &str,
    what: &str,
    min: usize,
    check: fn(&Json) -> Result<(), String>,
) {
    let doc = Json::parse(text).unwrap_or_else(|e| panic!("the {what} cases parse: {e}"));
    let cases = doc
        .get("cases")
        .and_then(Json::as_arr)
        .expect("a case list");
    assert!(cases.len() >= min, "only {} {what} cases", cases.len());
    let run = || {
        cases
            .iter()
            .filter_map(|c| {
                let id = c.get("id").and_then(Json::as_str).unwrap_or("?");
                check(c)
                    .err()
                    .filter(|e| e != SKIP)
                    .map(|e| format!("{id}: {e}"))
            })
            .collect::<Vec<_>>()
    };
    let failures = if masked {
        ts::with_backend_masked(backend, run)
    } else {
        ts::with_backend(backend, run)
    }
    .unwrap_or_else(|e| panic!("cannot run on {backend}: {e}"));
    assert!(
        failures.is_empty(),
        "{} of {} {what} cases failed on {backend}{}:\n  {}",
        failures.len(),
        cases.len(),
        if masked { " (fallbacks)" } else { "" },
        failures.join("\n  ")
    );
}

fn run_table(backend: &str, masked: bool) {
    run_cases(backend, masked, TABLE, "index expression", 51, check);
}

pub fn index_expressions(backend: &str) {
    run_table(backend, false);
}

pub fn index_expressions_on_fallbacks(backend: &str) {
    run_table(backend, true);
}

const UNIQUE: &str = include_str!("../../cases/unique.json");

/// `got` against the `{"dtype", "shape", "data"}` in `case[key]`, exactly.
fn same(case: &Json, key: &str, got: &Tensor) -> Result<(), String> {
    let (want, shape) = host_data(case.get(key).ok_or_else(|| format!("no {key}"))?)?;
    if got.dtype() != want.dtype() || got.shape() != shape.as_slice() {
        return Err(format!(
            "{key}: expected {} {shape:?}, got {} {:?}",
            want.dtype(),
            got.dtype(),
            got.shape()
        ));
    }
    let h = got
        .to_host()
        .map_err(|e| format!("{key}: to_host failed: {e}"))?;
    Values::of(&want)
        .compare(&Values::of(&h), 0.0, 0.0)
        .map_err(|e| format!("{key}: {e}"))
}

/// The four set functions on one case.
fn check_unique(case: &Json) -> Result<(), String> {
    let x = tensor(case.get("x").ok_or("no x")?)?;
    let fail = |what: &str, e: ts::Error| format!("{what} failed: {e}");
    let all = ts::unique_all(&x).map_err(|e| fail("unique_all", e))?;
    same(case, "values", &all.values)?;
    same(case, "indices", &all.indices)?;
    same(case, "inverse_indices", &all.inverse_indices)?;
    same(case, "counts", &all.counts)?;
    let counts = ts::unique_counts(&x).map_err(|e| fail("unique_counts", e))?;
    same(case, "values", &counts.values)?;
    same(case, "counts", &counts.counts)?;
    let inverse = ts::unique_inverse(&x).map_err(|e| fail("unique_inverse", e))?;
    same(case, "values", &inverse.values)?;
    same(case, "inverse_indices", &inverse.inverse_indices)?;
    let values = ts::unique_values(&x).map_err(|e| fail("unique_values", e))?;
    same(case, "values", &values)
}

fn run_unique(backend: &str, masked: bool) {
    run_cases(backend, masked, UNIQUE, "unique", 10, check_unique);
}

pub fn unique_functions(backend: &str) {
    run_unique(backend, false);
}

pub fn unique_functions_on_fallbacks(backend: &str) {
    run_unique(backend, true);
}

/// `nonzero` splits argwhere's columns: one int64 tensor per dimension, hand-derived.
pub fn nonzero_splits_the_coordinates(backend: &str) {
    ts::with_backend(backend, || {
        let x = Tensor::from_slice(&[0.0f32, 2.0, 0.0, f32::NAN, -1.0, 0.0], &[2, 3]).unwrap();
        let parts = ts::nonzero(&x).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].to_vec::<i64>().unwrap(), [0, 1, 1]);
        assert_eq!(parts[1].to_vec::<i64>().unwrap(), [1, 0, 1]);
        let none = ts::nonzero(&Tensor::from_slice(&[0u8; 4], &[4]).unwrap()).unwrap();
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].shape(), &[0]);
        assert!(matches!(
            ts::nonzero(&Tensor::scalar(1i32).unwrap()),
            Err(ts::Error::InvalidShape { .. })
        ));
    })
    .unwrap();
}

/// A small deterministic generator (xorshift64*), so every backend draws the same indices.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// An integer in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

/// A random index into a tensor of `shape`: mostly valid, sometimes out of range, with a wrong
/// mask shape, too many items or a step of 0.
fn random_index(r: &mut Draws, shape: &[usize]) -> Result<Vec<IndexItem>, String> {
    let mut items = Vec::new();
    let mut d = 0usize;
    let count = r.below(shape.len() as u64 + 2);
    let size = |d: usize| shape.get(d).copied().unwrap_or(1) as i64;
    for _ in 0..count {
        let n = size(d);
        let item = match r.below(10) {
            0 | 1 => IndexItem::Int(r.int(-n - 1, n)),
            2..=4 => {
                let bound = |r: &mut Draws| (r.below(3) > 0).then(|| r.int(-n - 2, n + 2));
                let step = [1, 1, 2, 3, -1, -1, -2, -3, 0][r.below(9) as usize];
                IndexItem::Slice(SliceSpec::new(bound(r), bound(r), step))
            }
            5 => IndexItem::NewAxis,
            6 => IndexItem::Ellipsis,
            7 | 8 => {
                let len = r.below(4) as usize;
                let v: Vec<i64> = (0..len).map(|_| r.int(-n - 1, n)).collect();
                IndexItem::Tensor(Tensor::from_slice(&v, &[len]).map_err(|e| e.to_string())?)
            }
            _ => {
                let k = 1 + r.below(2) as usize;
                let mut ms: Vec<usize> = (d..d + k).map(|i| size(i) as usize).collect();
                if r.below(8) == 0 {
                    ms[0] += 1;
                }
                let m: usize = ms.iter().product();
                let v: Vec<bool> = (0..m).map(|_| r.below(2) == 1).collect();
                d += k - 1;
                IndexItem::Tensor(Tensor::from_slice(&v, &ms).map_err(|e| e.to_string())?)
            }
        };
        if !matches!(item, IndexItem::NewAxis | IndexItem::Ellipsis) {
            d += 1;
        }
        items.push(item);
    }
    Ok(items)
}

/// Random indices on random small tensors: each gives a tensor or an error about the
/// arguments (never `Backend`, never a panic), and writing what an index reads back where it
/// read it (`x.at(i).set(&x.index(i))`, and adding zeros) gives `x` again, repeated positions
/// included.
fn random_round_trips(backend: &str, masked: bool) {
    let run = || -> Result<(usize, usize), String> {
        let mut r = Draws(0x9e37_79b9_7f4a_7c15);
        let (mut ok, mut refused) = (0, 0);
        for case in 0..400 {
            let ndim = r.below(4) as usize;
            let shape: Vec<usize> = (0..ndim).map(|_| r.below(4) as usize).collect();
            let n: usize = shape.iter().product();
            let values: Vec<i64> = (0..n as i64).map(|v| v * 7 - 11).collect();
            let x = Tensor::from_slice(&values, &shape).map_err(|e| e.to_string())?;
            let index = random_index(&mut r, &shape)?;
            let what = format!("case {case}: x of shape {shape:?}, index {index:?}");
            match x.index(&index) {
                Err(e @ ts::Error::Backend { .. }) => return Err(format!("{what}: {e}")),
                Err(_) => refused += 1,
                Ok(y) => {
                    ok += 1;
                    let back = x
                        .at(&index)
                        .set(&y)
                        .map_err(|e| format!("{what}: set failed: {e}"))?;
                    let same = |t: &Tensor| -> Result<bool, String> {
                        Ok(t.shape() == x.shape()
                            && t.to_vec::<i64>().map_err(|e| e.to_string())? == values)
                    };
                    if !same(&back)? {
                        return Err(format!("{what}: writing x[index] back changed x"));
                    }
                    let zeros = ts::zeros_like(&y, None).map_err(|e| e.to_string())?;
                    let added = x
                        .at(&index)
                        .add(&zeros)
                        .map_err(|e| format!("{what}: add failed: {e}"))?;
                    if !same(&added)? {
                        return Err(format!("{what}: adding zeros changed x"));
                    }
                }
            }
        }
        Ok((ok, refused))
    };
    let result = if masked {
        ts::with_backend_masked(backend, run)
    } else {
        ts::with_backend(backend, run)
    }
    .unwrap_or_else(|e| panic!("cannot run on {backend}: {e}"));
    match result {
        Ok((ok, refused)) => {
            // Both outcomes must be exercised for the check to mean something.
            assert!(ok > 100 && refused > 50, "{ok} indexed, {refused} refused");
        }
        Err(e) => panic!(
            "on {backend}{}: {e}",
            if masked { " (fallbacks)" } else { "" }
        ),
    }
}

pub fn random_indices_round_trip(backend: &str) {
    random_round_trips(backend, false);
}

pub fn random_indices_round_trip_on_fallbacks(backend: &str) {
    random_round_trips(backend, true);
}
