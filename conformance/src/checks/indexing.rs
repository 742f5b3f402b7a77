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

fn run_table(backend: &str, masked: bool) {
    let doc = Json::parse(TABLE).expect("cases/indexing.json parses");
    let cases = doc
        .get("cases")
        .and_then(Json::as_arr)
        .expect("a case list");
    assert!(cases.len() > 50, "only {} index cases", cases.len());
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
        "{} of {} index expressions failed on {backend}{}:\n  {}",
        failures.len(),
        cases.len(),
        if masked { " (fallbacks)" } else { "" },
        failures.join("\n  ")
    );
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
    let doc = Json::parse(UNIQUE).expect("cases/unique.json parses");
    let cases = doc
        .get("cases")
        .and_then(Json::as_arr)
        .expect("a case list");
    assert!(cases.len() >= 10, "only {} unique cases", cases.len());
    let run = || {
        cases
            .iter()
            .filter_map(|c| {
                let id = c.get("id").and_then(Json::as_str).unwrap_or("?");
                check_unique(c)
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
        "{} of {} unique cases failed on {backend}{}:\n  {}",
        failures.len(),
        cases.len(),
        if masked { " (fallbacks)" } else { "" },
        failures.join("\n  ")
    );
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
