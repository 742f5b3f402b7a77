//! The table of NumPy index expressions (`cases/indexing.json`, written by
//! `gen/indexing.py`), run through [`Tensor::index`] and [`Tensor::at`] on the backend's own
//! table and on its fallbacks (every op with a compositional fallback served by it).

use crate::exec::{host_data, Values};
use crate::json::Json;
use crate::variant_name;
use tensorswitch::{self as ts, IndexItem, SliceSpec, Tensor};

const TABLE: &str = include_str!("../../cases/indexing.json");

fn tensor(spec: &Json) -> Result<Tensor, String> {
    let (h, shape) = host_data(spec)?;
    ts::from_host(h, &shape).map_err(|e| format!("creating an input failed: {e}"))
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
                check(c).err().map(|e| format!("{id}: {e}"))
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
