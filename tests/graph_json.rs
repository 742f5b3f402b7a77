//! Graphs as JSON (feature `serde`) on the ndarray backend: the layout, exact floats, and
//! every kind of invalid file refused on load with its own error. (Round trips of traced
//! programs on every backend: the conformance crate's `graphs_round_trip_through_json`, and
//! every case of its traced mode goes through JSON.)

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads as the list of inputs it is

use serde_json::{json, Value};
use tensorswitch::{self as ts, trace, trace_with_constants, DType, Error, Graph, Tensor};
use tensorswitch_ndarray as _;

fn nd<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("ndarray", f).unwrap()
}

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

/// `y = sum(x * w + arange(3), axis 1)`, with `x: float32[2,3]` and `w` a named constant.
fn sample() -> Graph {
    let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let w = t(&[0.5, -1.0, f32::NAN], &[3]);
    trace_with_constants(&[x], &[("w", &w)], |xs| {
        let a = ts::arange(0.0, 3.0, 1.0, DType::Float32)?;
        let y = ts::add(&ts::multiply(&xs[0], &w)?, &a)?;
        Ok(vec![ts::sum(&y, 1)?])
    })
    .unwrap()
}

fn sample_json() -> Value {
    serde_json::from_str(&sample().to_json().unwrap()).unwrap()
}

/// The error of loading `v`, which must be an invalid-file error.
fn refused(v: &Value) -> String {
    match Graph::from_json(&v.to_string()) {
        Err(Error::Trace { reason }) => {
            assert!(reason.starts_with("invalid graph file: "), "{reason}");
            reason
        }
        Err(other) => panic!("expected an invalid-file error, got {other:?}"),
        Ok(g) => panic!("loaded an invalid file as:\n{g}"),
    }
}

#[test]
fn the_file_holds_values_constants_nodes_and_outputs() {
    nd(|| {
        let v = sample_json();
        assert_eq!(v["format"], "tensorswitch.graph");
        assert_eq!(v["version"], 1);
        assert_eq!(v["backend"], "ndarray");
        assert_eq!(v["values"][0], json!({"dtype": "float32", "shape": [2, 3]}));
        assert_eq!(v["inputs"], json!([0]));
        // The NaN element is a string; the others numbers.
        assert_eq!(
            v["constants"][0],
            json!({"name": "w", "value": 1, "rebindable": true,
                   "data": {"float32": [0.5, -1.0, "nan"]}})
        );
        let ops: Vec<&str> = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["op"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["arange", "multiply", "add", "sum"]);
        assert_eq!(
            v["nodes"][3],
            json!({"op": "sum", "inputs": [4], "outputs": [5],
                   "args": {"reduce": {"axes": [1], "keepdims": false}}})
        );
        assert_eq!(v["outputs"], json!([5]));
    });
}

#[test]
fn a_graph_read_back_is_the_same_graph_and_runs_the_same() {
    nd(|| {
        let g = sample();
        let text = g.to_json().unwrap();
        let back = Graph::from_json(&text).unwrap();
        assert_eq!(back.to_string(), g.to_string());
        assert_eq!(back.to_json().unwrap(), text);
        // serde's traits give the same file.
        assert_eq!(serde_json::to_string(&g).unwrap(), text);
        let via_serde: Graph = serde_json::from_str(&text).unwrap();
        assert_eq!(via_serde.to_string(), g.to_string());

        let x = t(&[1.0, 0.0, 0.0, 2.0, 1.0, 0.0], &[2, 3]);
        let w = t(&[0.5, -1.0, 2.0], &[3]);
        let f = back.compile("ndarray").unwrap();
        // Row sums of x * w + [0, 1, 2], by hand: 0.5 + 0 + 0 + 3 = 3.5, 1 - 1 + 0 + 3 = 3.
        let y = f.run_with(&[x], &[("w", &w)]).unwrap();
        assert_eq!(y[0].to_vec::<f32>().unwrap(), [3.5, 3.0]);
    });
}

#[test]
fn floats_are_written_exactly_non_finite_ones_included() {
    nd(|| {
        let odd_nan = f64::from_bits(0x7ff8_0000_0000_0001);
        let values = [
            0.1,
            -0.0,
            f64::MIN_POSITIVE / 3.0,
            1e308,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            odd_nan,
        ];
        let c = Tensor::from_slice(&values, &[9]).unwrap();
        let x = Tensor::from_slice(&[1.0f64], &[1]).unwrap();
        let g = trace(&[x.clone()], |xs| Ok(vec![ts::multiply(&xs[0], &c)?])).unwrap();
        let text = g.to_json().unwrap();
        assert!(text.contains(r#"[0.1,-0.0,"#), "{text}");
        assert!(
            text.contains(r#""inf","-inf","nan","-nan","nan:0x7ff8000000000001"]"#),
            "{text}"
        );
        let back = Graph::from_json(&text).unwrap();
        let bits: Vec<u64> = back.constants()[0]
            .tensor
            .to_vec::<f64>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let want: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits, want);
        // A full() value and a var() correction are floats of the arguments.
        let g = trace(&[x], |xs| {
            let f = ts::full(&[1], f64::NEG_INFINITY, DType::Float64)?;
            Ok(vec![ts::maximum(&xs[0], &f)?])
        })
        .unwrap();
        let text = g.to_json().unwrap();
        assert!(text.contains(r#"{"float":"-inf"}"#), "{text}");
        assert_eq!(Graph::from_json(&text).unwrap().to_string(), g.to_string());
    });
}

#[test]
fn invalid_files_are_refused_with_what_is_wrong() {
    nd(|| {
        let e = refused(&json!("not a graph"));
        assert!(e.contains("expected struct GraphFile"), "{e}");
        assert!(Graph::from_json("{").is_err());

        let mut v = sample_json();
        v["format"] = json!("onnx");
        assert!(refused(&v).contains("`format` is `onnx`"));

        let mut v = sample_json();
        v["version"] = json!(2);
        assert!(refused(&v).contains("version 2 is not supported"));

        let mut v = sample_json();
        v["extra"] = json!(1);
        assert!(refused(&v).contains("unknown field `extra`"));

        let mut v = sample_json();
        v["values"][0]["dtype"] = json!("float128");
        assert!(refused(&v).contains("unknown dtype `float128`"));

        let mut v = sample_json();
        v["nodes"][0]["op"] = json!("frobnicate");
        assert!(refused(&v).contains("node 0: unknown op `frobnicate`"));

        let mut v = sample_json();
        v["nodes"][0]["op"] = json!("to_host");
        assert!(refused(&v).contains("`to_host` reads values"));

        // Wrong arity: `multiply` with one input.
        let mut v = sample_json();
        v["nodes"][1]["inputs"] = json!([0]);
        let e = refused(&v);
        assert!(
            e.contains("node 1 (`multiply`)") && e.contains("do not fit the op"),
            "{e}"
        );

        // Arguments of another kind: `sum` with none.
        let mut v = sample_json();
        v["nodes"][3]["args"] = json!("none");
        assert!(refused(&v).contains("node 3 (`sum`)"));

        let mut v = sample_json();
        v["nodes"][3]["args"] = json!({"reduce": {"axes": [2], "keepdims": false}});
        let e = refused(&v);
        assert!(
            e.contains("node 3 (`sum`): axes [2] must be sorted, unique and below"),
            "{e}"
        );

        let mut v = sample_json();
        v["nodes"][3]["args"] = json!({"bogus": 1});
        assert!(refused(&v).contains("unknown variant `bogus`"));

        // Value indices out of range, read before being defined, defined twice, never defined.
        let mut v = sample_json();
        v["nodes"][1]["inputs"] = json!([0, 99]);
        assert!(refused(&v).contains("node 1 (`multiply`) reads value %99"));

        let mut v = sample_json();
        v["nodes"][1]["inputs"] = json!([0, 5]);
        assert!(refused(&v).contains("reads value %5, which no input, constant or earlier"));

        let mut v = sample_json();
        v["nodes"][1]["outputs"] = json!([2]);
        assert!(refused(&v)
            .contains("an output of node 1 (`multiply`) is value %2, which is already defined"));

        let mut v = sample_json();
        v["values"]
            .as_array_mut()
            .unwrap()
            .push(json!({"dtype": "bool", "shape": []}));
        assert!(refused(&v).contains("value %6 is declared but no input, constant or node"));

        let mut v = sample_json();
        v["outputs"] = json!([7]);
        assert!(refused(&v).contains("output 0 is value %7, but the file declares 6 value(s)"));

        let mut v = sample_json();
        v["inputs"] = json!([1]);
        assert!(refused(&v).contains("constant `w` is value %1, which is already defined"));

        // Constants: element count and dtype against the declared value.
        let mut v = sample_json();
        v["constants"][0]["data"] = json!({"float32": [1.0, 2.0]});
        let e = refused(&v);
        assert!(
            e.contains("constant `w` is declared float32[3] (3 element(s)) but its data has 2"),
            "{e}"
        );

        let mut v = sample_json();
        v["constants"][0]["data"] = json!({"int32": [1, 2, 3]});
        assert!(refused(&v).contains("constant `w` is declared float32[3] but its data is int32"));

        let mut v = sample_json();
        v["constants"][0]["data"] = json!({"float32": [1.0, 1e300, 2.0]});
        assert!(refused(&v).contains("out of float32's range"));

        let mut v = sample_json();
        v["constants"][0]["data"] = json!({"float32": [1.0, "nan:0x1", 2.0]});
        assert!(refused(&v).contains("invalid value: string \"nan:0x1\""));

        let mut v = sample_json();
        v["constants"][0]["name"] = json!("");
        assert!(refused(&v).contains("constant name `` is empty or used twice"));

        // Declared types that the ops do not give.
        let mut v = sample_json();
        v["values"][5]["shape"] = json!([3]);
        let e = refused(&v);
        assert!(
            e.contains("node 3 (`sum`) gives float32[2] for %5, the file declares float32[3]"),
            "{e}"
        );

        let mut v = sample_json();
        v["values"][5]["dtype"] = json!("float64");
        assert!(refused(&v).contains("the file declares float64[2]"));

        // A shape declared larger than memory is refused before anything is allocated.
        let mut v = sample_json();
        v["values"][5]["shape"] = json!([usize::MAX, 2]);
        assert!(refused(&v).contains("value %5 (float32[18446744073709551615,2]) has more"));

        // Several results: as many outputs as the op gives.
        let m = t(&[2.0, 1.0, 1.0, 2.0], &[2, 2]);
        let g = trace(&[m], |xs| {
            Ok(vec![ts::linalg::qr(&xs[0], Default::default())?.r])
        })
        .unwrap();
        let mut v: Value = serde_json::from_str(&g.to_json().unwrap()).unwrap();
        v["nodes"][0]["outputs"] = json!([1]);
        assert!(refused(&v).contains("node 0 (`linalg.qr`) has 1 output(s); `linalg.qr` gives 2"));
    });
}

#[test]
fn indices_must_be_made_inside_and_in_range() {
    nd(|| {
        let x = t(&[1.0, 2.0, 3.0], &[3]);
        let g = trace(&[x], |xs| {
            let i = Tensor::from_slice(&[2i64, 0], &[2])?;
            Ok(vec![ts::take(&xs[0], &i, 0)?])
        })
        .unwrap();
        let text = g.to_json().unwrap();
        assert!(Graph::from_json(&text).is_ok());
        let v: Value = serde_json::from_str(&text).unwrap();
        // The indices given, then those the core checked and passed on.
        let ops: Vec<&str> = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["op"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["from_host", "from_host", "take"]);

        let mut bad = v.clone();
        bad["nodes"][1]["args"]["from_host"]["data"] = json!({"int64": [3, 0]});
        let e = refused(&bad);
        assert!(
            e.contains("node 2 (`take`): index 3 is out of range for a dimension of size 3"),
            "{e}"
        );

        let mut bad = v.clone();
        bad["nodes"][1]["args"]["from_host"]["data"] = json!({"int64": [-1, 0]});
        assert!(refused(&bad).contains("index -1 is out of range"));

        // Indices read from an input could be anything at run time.
        let mut bad = v.clone();
        bad["values"] = json!([{"dtype": "int64", "shape": [2]},
                               {"dtype": "float32", "shape": [3]},
                               {"dtype": "float32", "shape": [2]}]);
        bad["nodes"] = json!([{"op": "take", "inputs": [1, 0], "outputs": [2],
                               "args": {"axis": 0}}]);
        bad["inputs"] = json!([0, 1]);
        bad["outputs"] = json!([2]);
        let e = refused(&bad);
        assert!(
            e.contains("its indices %0 depend on an input or a constant"),
            "{e}"
        );

        // argwhere of an input: its row count could be anything at run time.
        let mut bad = v.clone();
        bad["values"] = json!([{"dtype": "float32", "shape": [3]},
                               {"dtype": "int64", "shape": [3, 1]}]);
        bad["nodes"] = json!([{"op": "argwhere", "inputs": [0], "outputs": [1],
                               "args": "none"}]);
        bad["inputs"] = json!([0]);
        bad["outputs"] = json!([1]);
        let e = refused(&bad);
        assert!(
            e.contains("node 0 (`argwhere`): its input depends on an input"),
            "{e}"
        );
    });
}

#[test]
fn a_graph_loads_onto_the_table_it_is_given_and_needs_its_backend() {
    nd(|| {
        let g = sample();
        let table = ts::current_backend().unwrap().table();
        let back = Graph::from_json_on(&g.to_json().unwrap(), table).unwrap();
        assert_eq!(back.backend(), "ndarray");
        let mut v = sample_json();
        v["backend"] = json!("no-such-backend");
        assert!(matches!(
            Graph::from_json(&v.to_string()),
            Err(Error::UnknownBackend { .. })
        ));
    });
}

/// A pool over an input with no rows (possible only by editing a file: tracing refuses it) is
/// refused on load, as `max_pool2d` refuses it when called: every window would lie in the
/// padding alone.
#[test]
fn a_pool_over_an_input_without_rows_is_refused_on_load() {
    nd(|| {
        let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[1, 1, 2, 4]);
        let win = ts::call::Pool2d {
            padding: [1, 1],
            ..ts::call::Pool2d::new([2, 2])
        };
        let g = trace(&[x], |xs| Ok(vec![ts::max_pool2d(&xs[0], win)?])).unwrap();
        let v: Value = serde_json::from_str(&g.to_json().unwrap()).unwrap();
        // The file as written loads.
        assert!(Graph::from_json(&v.to_string()).is_ok());
        for shape in [json!([1, 1, 0, 4]), json!([1, 1, 2, 0])] {
            let mut v = v.clone();
            v["values"][0]["shape"] = shape.clone();
            let e = refused(&v);
            assert!(
                e.contains("its window does not fit")
                    && e.contains("an input with rows and columns"),
                "{shape}: {e}"
            );
        }
    });
}
