//! Op calls as data (`OpCall`, `run`, `run_on`), the argument conversions and the method forms,
//! on the ndarray backend.

use tensorswitch::call::{AttrValue, ClipBound, NoAttrs};
use tensorswitch::{
    self as ts, Axes, Bound, DType, Error, Op, OpCall, Output, Reduction, Sorting, Statistic,
    Tensor,
};
use tensorswitch_ndarray as _;

fn t(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

fn values(x: &Tensor) -> Vec<f64> {
    ts::astype(x, DType::Float64).unwrap().to_vec().unwrap()
}

/// Attributes that make a valid call of each op on small inputs (the inputs are in
/// [`inputs_for`]).
fn sample_attrs(op: Op) -> Vec<(&'static str, AttrValue)> {
    use AttrValue::*;
    let list = |v: &[i64]| List(v.iter().map(|&i| Int(i)).collect());
    match op {
        Op::from_host => vec![
            ("data", Host(ts::HostData::Float64(vec![1.0, 2.0]))),
            ("shape", list(&[2])),
        ],
        Op::to_device => vec![("device", Str("cpu".into()))],
        Op::full => vec![
            ("shape", list(&[2])),
            ("value", Float(1.5)),
            ("dtype", Str("float32".into())),
        ],
        Op::zeros | Op::ones => vec![("shape", list(&[2, 1])), ("dtype", DType(ts::DType::Int32))],
        Op::arange => vec![
            ("start", Int(0)),
            ("stop", Int(5)),
            ("step", Int(2)),
            ("dtype", Str("int64".into())),
        ],
        Op::linspace => vec![
            ("start", Int(0)),
            ("stop", Int(1)),
            ("num", Int(3)),
            ("dtype", Str("float64".into())),
        ],
        Op::eye => vec![("n_rows", Int(2)), ("dtype", Str("float64".into()))],
        Op::clip => vec![("min", Float(0.0)), ("max", Input)],
        Op::vecdot | Op::softmax | Op::log_softmax | Op::expand_dims | Op::concat | Op::stack => {
            vec![("axis", Int(0))]
        }
        Op::tensordot => vec![("axes", Int(1))],
        Op::layer_norm => vec![("normalized_shape", list(&[2]))],
        Op::one_hot => vec![("num_classes", Int(3))],
        Op::conv2d => vec![("padding", Int(1)), ("groups", Int(1))],
        Op::max_pool2d | Op::avg_pool2d => vec![("kernel_size", list(&[2, 1]))],
        Op::sum | Op::mean | Op::prod | Op::max | Op::min | Op::logsumexp => {
            vec![("axes", list(&[0])), ("keepdims", Bool(true))]
        }
        Op::var | Op::std => vec![("axes", Int(1)), ("correction", Float(1.0))],
        Op::argmax | Op::argmin | Op::cumulative_sum => vec![("axis", Int(1))],
        Op::sort | Op::argsort => vec![("descending", Bool(true))],
        Op::reshape => vec![("shape", list(&[-1]))],
        Op::permute_dims | Op::flip => vec![("axes", list(&[1, 0]))],
        Op::squeeze => vec![("axes", None)],
        Op::broadcast_to => vec![("shape", list(&[3, 2, 2]))],
        Op::astype => vec![("dtype", Str("int8".into()))],
        Op::tril | Op::triu => vec![("k", Int(-1))],
        Op::moveaxis => vec![("source", Int(0)), ("destination", Int(-1))],
        Op::zeros_like | Op::ones_like => vec![("dtype", Str("uint8".into()))],
        Op::full_like => vec![("value", Float(1.5))],
        Op::empty => vec![("shape", list(&[3])), ("dtype", Str("int16".into()))],
        Op::roll => vec![("shift", list(&[1, -1])), ("axis", list(&[0, 1]))],
        Op::tile => vec![("reps", list(&[2, 1, 3]))],
        Op::repeat => vec![("repeats", Input), ("axis", Int(1))],
        Op::take | Op::take_along_axis => vec![("axis", Int(1))],
        Op::strided_slice => vec![("slices", List(vec![List(vec![None, Int(0), Int(-1)])]))],
        Op::searchsorted => vec![("side", Str("right".into()))],
        Op::linalg_cholesky => vec![("upper", Bool(true))],
        Op::linalg_qr => vec![("mode", Str("complete".into()))],
        Op::linalg_svd => vec![("full_matrices", Bool(false))],
        Op::linalg_pinv | Op::linalg_matrix_rank => vec![("rtol", Float(0.01))],
        Op::linalg_matrix_power => vec![("n", Int(-2))],
        Op::linalg_matrix_norm => vec![("keepdims", Bool(true)), ("ord", Str("nuc".into()))],
        Op::linalg_vector_norm => vec![
            ("axis", Int(0)),
            ("keepdims", Bool(false)),
            ("ord", Float(f64::INFINITY)),
        ],
        Op::linalg_trace | Op::linalg_diagonal => vec![("offset", Int(1))],
        Op::linalg_cross => vec![("axis", Int(0))],
        _ => vec![],
    }
}

/// Inputs that suit each op's sample call.
fn inputs_for(op: Op) -> Vec<Tensor> {
    let m = t(&[4.0, -1.0, 2.0, 3.0], &[2, 2]);
    match op {
        Op::from_host
        | Op::full
        | Op::zeros
        | Op::ones
        | Op::empty
        | Op::arange
        | Op::linspace
        | Op::eye => {
            vec![]
        }
        Op::where_ => vec![
            ts::greater(&m, &ts::zeros(&[], DType::Float64).unwrap()).unwrap(),
            m.clone(),
            ts::negative(&m).unwrap(),
        ],
        Op::clip => vec![m.clone(), ts::full(&[2], 2.5, DType::Float64).unwrap()],
        Op::logical_and | Op::logical_or | Op::logical_xor | Op::logical_not => {
            let b = ts::greater(&m, &ts::zeros(&[], DType::Float64).unwrap()).unwrap();
            if op == Op::logical_not {
                vec![b]
            } else {
                vec![b.clone(), ts::logical_not(&b).unwrap()]
            }
        }
        _ if op.name().starts_with("bitwise") => {
            let i = Tensor::from_slice(&[6i32, -1, 0, 9], &[2, 2]).unwrap();
            if op.kind() == "Binary" {
                vec![i.clone(), ts::negative(&i).unwrap()]
            } else {
                vec![i]
            }
        }
        _ if op.kind() == "Binary" => vec![m.clone(), t(&[1.0, 2.0, 3.0, 4.0], &[2, 2])],
        _ if op.kind() == "Unary" => vec![ts::abs(&m).unwrap()],
        Op::matmul | Op::vecdot | Op::tensordot | Op::concat | Op::stack => {
            vec![m.clone(), t(&[1.0, 0.0, 0.0, 1.0], &[2, 2])]
        }
        Op::squeeze => vec![t(&[1.0, 2.0], &[1, 2, 1])],
        Op::one_hot => vec![Tensor::from_slice(&[0i64, 2], &[2]).unwrap()],
        Op::conv2d => vec![
            t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]),
            t(&[1.0, -1.0, 0.5, 2.0], &[1, 1, 2, 2]),
        ],
        Op::max_pool2d | Op::avg_pool2d => vec![t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2])],
        Op::take => vec![m.clone(), Tensor::from_slice(&[1i64, -2, 0], &[3]).unwrap()],
        Op::take_along_axis => vec![m.clone(), Tensor::from_slice(&[1i64, 0], &[2, 1]).unwrap()],
        Op::searchsorted => vec![t(&[1.0, 2.0, 3.0], &[3]), m.clone()],
        Op::put | Op::put_add => vec![
            m.clone(),
            Tensor::from_slice(&[3i64, 0], &[2]).unwrap(),
            t(&[9.0], &[1]),
        ],
        Op::linalg_solve => vec![m.clone(), t(&[1.0, 2.0], &[2])],
        // symmetric positive definite
        Op::linalg_cholesky | Op::linalg_eigh | Op::linalg_eigvalsh => {
            vec![t(&[4.0, 1.0, 1.0, 3.0], &[2, 2])]
        }
        Op::linalg_outer => vec![t(&[1.0, 2.0], &[2]), t(&[3.0, 4.0, 5.0], &[3])],
        Op::linalg_cross => {
            let v = t(&[1.0, 0.0, 0.0, 0.0, 1.0, 0.0], &[3, 2]);
            vec![v.clone(), ts::flip(&v, 0).unwrap()]
        }
        Op::broadcast_to => vec![t(&[1.0, 2.0], &[2, 1])],
        Op::repeat => vec![m, Tensor::from_slice(&[2i64, 0], &[2]).unwrap()],
        _ => vec![m],
    }
}

#[test]
fn every_op_round_trips_through_its_attributes_and_runs_from_data() {
    for &op in Op::ALL {
        let call = OpCall::from_attrs(op, &sample_attrs(op))
            .unwrap_or_else(|e| panic!("{op}: building the call failed: {e}"));
        assert_eq!(call.op(), op);
        let named = call.attrs();
        let again = OpCall::from_attrs(op, &named).unwrap();
        assert_eq!(
            again, call,
            "{op}: attrs() -> from_attrs() changed the call"
        );
        let inputs = inputs_for(op);
        let refs: Vec<&Tensor> = inputs.iter().collect();
        match ts::run(&call, &refs) {
            Ok(_) => {}
            Err(e) => panic!("{op}: running {call} failed: {e}"),
        }
    }
}

#[test]
fn a_call_from_data_gives_what_the_public_function_gives() {
    let x = t(&[1.0, 5.0, -2.0, 4.0, 0.5, 3.0], &[2, 3]);
    let run = |call: OpCall, inputs: &[&Tensor]| -> Tensor {
        ts::run(&call, inputs).unwrap().into_tensor().unwrap()
    };
    let sum = run(OpCall::sum(Reduction::over(1).keepdims(true)), &[&x]);
    assert_eq!(sum.shape(), &[2, 1]);
    assert_eq!(values(&sum), vec![4.0, 7.5]); // 1 + 5 - 2, 4 + 0.5 + 3
    assert_eq!(
        values(&sum),
        values(&ts::sum(&x, Reduction::over(1).keepdims(true)).unwrap())
    );

    let sorted = run(OpCall::sort(Sorting::along(1).descending(true)), &[&x]);
    assert_eq!(values(&sorted), vec![5.0, 1.0, -2.0, 4.0, 3.0, 0.5]);

    let var = run(OpCall::var(Statistic::over(None).correction(1.0)), &[&x]);
    // mean 11.5 / 6; sample variance of the six values, by hand: 37.5 - 6 * mean^2, over 5.
    let mean = 11.5 / 6.0;
    let ss: f64 = [1.0, 5.0, -2.0, 4.0, 0.5, 3.0]
        .iter()
        .map(|v: &f64| (v - mean).powi(2))
        .sum();
    assert!((values(&var)[0] - ss / 5.0).abs() < 1e-12);

    let added = run(OpCall::add(NoAttrs), &[&x, &x]);
    assert_eq!(values(&added), vec![2.0, 10.0, -4.0, 8.0, 1.0, 6.0]);
}

#[test]
fn a_call_checks_its_inputs_and_its_attributes() {
    let x = t(&[1.0, 2.0], &[2]);
    let err = ts::run(&OpCall::add(NoAttrs), &[&x]).unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { op: "add", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("takes 2 tensor inputs, got 1"),
        "{err}"
    );

    let err = OpCall::from_attrs(Op::full, &[("shape", AttrValue::Int(3))]).unwrap_err();
    assert!(err.to_string().contains("attribute `shape`"), "{err}");
    let err = OpCall::from_attrs(Op::astype, &[]).unwrap_err();
    assert!(
        err.to_string().contains("attribute `dtype` is required"),
        "{err}"
    );
    let err = OpCall::from_attrs(Op::astype, &[("dtype", AttrValue::Str("float128".into()))])
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown dtype `float128`"),
        "{err}"
    );

    // The standard's defaults where it has them.
    let call = OpCall::from_attrs(Op::sort, &[]).unwrap();
    assert_eq!(call, OpCall::sort(Sorting::default()));
    assert_eq!(call.to_string(), "sort(axis=-1, descending=false)");
    let call = OpCall::from_attrs(Op::sum, &[]).unwrap();
    assert_eq!(call.to_string(), "sum(axes=None, keepdims=false)");

    // clip's tensor bounds are inputs after x.
    let call = OpCall::from_attrs(Op::clip, &[("max", AttrValue::Input)]).unwrap();
    assert_eq!(
        call,
        OpCall::clip(ts::call::Clip {
            min: ClipBound::None,
            max: ClipBound::Input
        })
    );
    let err = ts::run(&call, &[&x]).unwrap_err();
    assert!(err.to_string().contains("takes 2 tensor inputs"), "{err}");
    let both = OpCall::from_attrs(
        Op::clip,
        &[("min", AttrValue::Input), ("max", AttrValue::Input)],
    )
    .unwrap();
    let (lo, hi) = (t(&[1.5], &[1]), t(&[1.8], &[1]));
    let y = ts::run(&both, &[&x, &lo, &hi])
        .unwrap()
        .into_tensor()
        .unwrap();
    assert_eq!(values(&y), vec![1.5, 1.8]);
}

#[test]
fn run_on_uses_the_given_backend_whatever_the_stack_says() {
    let x = t(&[1.0, 2.0], &[2]);
    let ndarray = ts::with_backend("ndarray", ts::current_backend)
        .unwrap()
        .unwrap();
    let out = ts::run_on(ndarray, &OpCall::negative(NoAttrs), &[&x]).unwrap();
    let Output::Tensor(y) = out else {
        panic!("negative gave host data")
    };
    assert_eq!(values(&y), vec![-1.0, -2.0]);
    let host = ts::run_on(ndarray, &OpCall::to_host(NoAttrs), &[&x]).unwrap();
    assert!(matches!(host, Output::Host(ts::HostData::Float64(ref v)) if v == &[1.0, 2.0]));
    assert!(host.into_tensor().is_err());
}

#[test]
fn axes_are_said_one_way_everywhere() {
    let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    // Every spelling of "axis 1".
    let by: Vec<Tensor> = vec![
        ts::sum(&x, 1).unwrap(),
        ts::sum(&x, -1).unwrap(),
        ts::sum(&x, [1]).unwrap(),
        ts::sum(&x, &[1][..]).unwrap(),
        ts::sum(&x, vec![1isize]).unwrap(),
        ts::sum(&x, Some(1)).unwrap(),
        ts::sum(&x, Axes::one(1)).unwrap(),
    ];
    for s in &by {
        assert_eq!(values(s), vec![6.0, 15.0]);
    }
    assert_eq!(values(&ts::sum(&x, None).unwrap()), vec![21.0]);
    assert_eq!(values(&ts::sum(&x, [0, 1]).unwrap()), vec![21.0]);
    // The same type for one-axis ops, which refuse a list.
    assert_eq!(values(&ts::argmax(&x, 1).unwrap()), vec![2.0, 2.0]);
    assert_eq!(values(&ts::argmax(&x, None).unwrap()), vec![5.0]);
    let err = ts::argmax(&x, [0, 1]).unwrap_err();
    assert!(err.to_string().contains("takes one axis"), "{err}");
    let err = ts::softmax(&x, None).unwrap_err();
    assert!(err.to_string().contains("needs one axis"), "{err}");
    assert_eq!(
        ts::flip(&x, None).unwrap().to_vec::<f64>().unwrap(),
        vec![6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    );
    assert_eq!(ts::permute_dims(&x, None).unwrap().shape(), &[3, 2]);
    let y = t(&[1.0, 2.0], &[1, 2, 1]);
    assert_eq!(ts::squeeze(&y, None).unwrap().shape(), &[2]);
    assert_eq!(ts::squeeze(&y, 0).unwrap().shape(), &[2, 1]);
}

#[test]
fn scalars_of_any_element_type() {
    let x = t(&[-3.0, 0.5, 7.0], &[3]);
    assert_eq!(
        ts::clip(&x, 0, 5u8).unwrap().to_vec::<f64>().unwrap(),
        vec![0.0, 0.5, 5.0]
    );
    assert_eq!(
        ts::clip(&x, Bound::None, 1.0f32)
            .unwrap()
            .to_vec::<f64>()
            .unwrap(),
        vec![-3.0, 0.5, 1.0]
    );
    let hi = ts::full(&[3], 6.0, DType::Float64).unwrap();
    assert_eq!(
        ts::clip(&x, -1i64, &hi).unwrap().to_vec::<f64>().unwrap(),
        vec![-1.0, 0.5, 6.0]
    );
    let r = ts::arange(2u8, 11i64, 4, DType::Int64).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![2, 6, 10]);
    let err = ts::arange(0, i64::MAX, 1, DType::Int64).unwrap_err();
    assert!(err.to_string().contains("beyond 2^53"), "{err}");
    let l = ts::linspace(0, 1u32, 3, true, DType::Float32).unwrap();
    assert_eq!(l.to_vec::<f32>().unwrap(), vec![0.0, 0.5, 1.0]);
}

#[test]
fn methods_chain_like_the_free_functions() -> ts::Result<()> {
    let a = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let b = t(&[0.0, 1.0, 1.0, 0.0], &[2, 2]);
    // [[2, 1], [4, 3]] summed over axis 1.
    let s = a.matmul(&b)?.sum(1)?;
    assert_eq!(values(&s), vec![3.0, 7.0]);
    assert_eq!(values(&s), values(&ts::sum(&ts::matmul(&a, &b)?, 1)?));
    let v = a.subtract(&a)?;
    assert_eq!(values(&v), vec![0.0, 0.0, 0.0, 0.0]);
    assert_eq!(
        values(&a.var(Statistic::over(None).correction(1.0))?),
        vec![5.0 / 3.0]
    );
    assert_eq!(a.reshape([-1])?.shape(), &[4]);
    assert_eq!(
        values(&a.argsort(Sorting::along(0).descending(true))?),
        vec![1.0, 1.0, 0.0, 0.0]
    );
    Ok(())
}

#[test]
fn options_structs_and_their_conversions() -> ts::Result<()> {
    let x = t(&[3.0, 1.0, 2.0, 6.0, 5.0, 4.0], &[2, 3]);
    // usize and &Axes are axes too.
    assert_eq!(values(&ts::sum(&x, 1usize)?), vec![6.0, 15.0]);
    let ax = Axes::one(0);
    assert_eq!(values(&ts::sum(&x, &ax)?), vec![9.0, 6.0, 6.0]);
    // argmax with a Reduction keeps the reduced dimension.
    let k = ts::argmax(&x, Reduction::over(1).keepdims(true))?;
    assert_eq!(k.shape(), &[2, 1]);
    assert_eq!(values(&k), vec![0.0, 0.0]);
    // Statistic: axes, correction and keepdims, each from its builder or a plain axis.
    let v = ts::var(&x, Statistic::over(1).keepdims(true))?;
    assert_eq!(v.shape(), &[2, 1]);
    // Row variances (population): 2/3 for both rows.
    assert!(values(&v).iter().all(|&e| (e - 2.0 / 3.0).abs() < 1e-12));
    assert_eq!(values(&ts::var(&x, 0)?), vec![2.25, 4.0, 1.0]);
    assert_eq!(
        values(&ts::std(&x, Statistic::over(0).correction(1.0))?).len(),
        3
    );
    assert!(
        (values(&ts::std(&x, Statistic::over(0).correction(1.0))?)[0] - 4.5f64.sqrt()).abs()
            < 1e-12
    );
    for bad in [-1.0, f64::INFINITY, f64::NAN] {
        let err = ts::var(&x, Statistic::over(None).correction(bad)).unwrap_err();
        assert!(
            err.to_string()
                .contains("correction must be a finite number >= 0"),
            "{err}"
        );
    }
    // CumulativeSum: an axis, include_initial, and None only for 1-D.
    assert_eq!(
        values(&ts::cumulative_sum(&x, 1)?),
        vec![3.0, 4.0, 6.0, 6.0, 11.0, 15.0]
    );
    let c = ts::cumulative_sum(&x, ts::CumulativeSum::along(0).include_initial(true))?;
    assert_eq!(c.shape(), &[3, 3]);
    assert_eq!(
        values(&c),
        vec![0.0, 0.0, 0.0, 3.0, 1.0, 2.0, 9.0, 6.0, 6.0]
    );
    let row = t(&[1.0, 2.0, 3.0], &[3]);
    assert_eq!(
        values(&ts::cumulative_sum(&row, None)?),
        vec![1.0, 3.0, 6.0]
    );
    let err = ts::cumulative_sum(&x, None).unwrap_err();
    assert!(err.to_string().contains("axis is required"), "{err}");
    // Sorting from a plain axis sorts ascending.
    assert_eq!(
        values(&ts::sort(&x, 0)?),
        vec![3.0, 1.0, 2.0, 6.0, 5.0, 4.0]
    );
    assert_eq!(
        values(&ts::sort(&x, 1)?),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    assert_eq!(
        values(&ts::sort(&x, ts::Sorting::default())?),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    Ok(())
}

#[test]
fn attributes_print_and_read_as_written() {
    use AttrValue::*;
    assert_eq!(Axes::All.to_string(), "None");
    assert_eq!(Axes::one(-1).to_string(), "-1");
    assert_eq!(Axes::from([0, 2]).to_string(), "[0, 2]");
    assert_eq!(List(vec![Int(1), Int(2), Int(3)]).to_string(), "[1, 2, 3]");
    assert_eq!(List(vec![]).to_string(), "[]");
    assert_eq!(
        OpCall::softmax(ts::call::AxisAttr { axis: Axes::one(1) }).to_string(),
        "softmax(axis=1)"
    );
    assert_eq!(
        OpCall::concat(ts::call::AxisAttr {
            axis: Axes::from([0, 1])
        })
        .attrs(),
        vec![("axis", List(vec![Int(0), Int(1)]))]
    );

    let read = |op: Op, attrs: &[(&str, AttrValue)]| OpCall::from_attrs(op, attrs);
    // Integers, unsigned scalars that fit, and the errors of those that do not.
    let eye = read(
        Op::eye,
        &[
            ("n_rows", Int(3)),
            ("n_cols", Scalar(ts::Scalar::UInt(2))),
            ("k", Int(-1)),
            ("dtype", Str("int8".into())),
        ],
    )
    .unwrap();
    assert_eq!(
        eye,
        OpCall::eye(ts::call::Eye {
            n_rows: 3,
            n_cols: Some(2),
            k: -1,
            dtype: ts::DType::Int8
        })
    );
    let big = ts::Scalar::UInt(u64::MAX);
    let err = read(Op::tril, &[("k", Scalar(big))]).unwrap_err();
    assert!(
        err.to_string().contains("attribute `k` must be an integer"),
        "{err}"
    );
    let err = read(
        Op::eye,
        &[("n_rows", Int(-2)), ("dtype", Str("int8".into()))],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("attribute `n_rows` must be a non-negative integer"),
        "{err}"
    );
    let eye = read(
        Op::eye,
        &[
            ("n_rows", Int(2)),
            ("n_cols", None),
            ("dtype", Str("int8".into())),
        ],
    )
    .unwrap();
    assert_eq!(
        eye,
        OpCall::eye(ts::call::Eye {
            n_rows: 2,
            n_cols: Option::None,
            k: 0,
            dtype: ts::DType::Int8
        })
    );
    // Floats and bools.
    let var = read(Op::var, &[("correction", Int(1)), ("keepdims", Bool(true))]).unwrap();
    assert_eq!(
        var,
        OpCall::var(Statistic::over(Axes::All).correction(1.0).keepdims(true))
    );
    let std = read(Op::std, &[("correction", Float(0.5))]).unwrap();
    assert_eq!(std, OpCall::std(Statistic::over(Axes::All).correction(0.5)));
    assert_eq!(
        read(Op::std, &[]).unwrap(),
        OpCall::std(Statistic::default())
    );
    let err = read(Op::var, &[("keepdims", Int(1))]).unwrap_err();
    assert!(
        err.to_string()
            .contains("attribute `keepdims` must be a bool"),
        "{err}"
    );
    // Shapes: lists of sizes; a negative size is an error, huge ones are unsigned scalars.
    let full = read(
        Op::zeros,
        &[
            (
                "shape",
                List(vec![Int(2), Scalar(ts::Scalar::UInt(1 << 63))]),
            ),
            ("dtype", Str("bool".into())),
        ],
    )
    .unwrap();
    assert_eq!(
        full.attrs()[0].1,
        List(vec![Int(2), Scalar(ts::Scalar::UInt(1 << 63))])
    );
    let err = read(
        Op::zeros,
        &[
            ("shape", List(vec![Int(2), Int(-1)])),
            ("dtype", Str("bool".into())),
        ],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("attribute `shape` must be a list of sizes >= 0"),
        "{err}"
    );
    let reshape = read(Op::reshape, &[("shape", List(vec![Int(-1), Int(2)]))]).unwrap();
    assert_eq!(reshape, OpCall::reshape(ts::call::NewShape::from([-1, 2])));
    // tensordot: a count or a pair of axis lists.
    let pairs = read(
        Op::tensordot,
        &[("axes", List(vec![List(vec![Int(1)]), List(vec![Int(0)])]))],
    )
    .unwrap();
    assert_eq!(
        pairs,
        OpCall::tensordot(ts::TensordotAxes::Pairs(vec![1], vec![0]))
    );
    for bad in [
        Int(-1),
        List(vec![List(vec![Int(1)])]),
        List(vec![Int(1), Int(0), Int(2)]),
    ] {
        let err = read(Op::tensordot, &[("axes", bad)]).unwrap_err();
        assert!(
            err.to_string()
                .contains("a count >= 0 or a pair of axis lists"),
            "{err}"
        );
    }
}

/// The decompositions return several tensors: named fields from the public functions, and
/// `Output::Tensors` in the fields' order from data.
#[test]
fn decompositions_return_their_tensors_by_name_and_in_order() -> ts::Result<()> {
    use ts::linalg::{self, QrMode};
    let x = t(&[4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0], &[3, 3]);
    let svd = linalg::svd(&x, true)?;
    let out = ts::run(&OpCall::from_attrs(Op::linalg_svd, &[])?, &[&x])?;
    assert!(matches!(out, Output::Tensors(ref v) if v.len() == 3));
    let data = out.clone().into_tensors()?;
    assert_eq!(values(&data[1]), values(&svd.s));
    assert_eq!(values(&data[0]), values(&svd.u));
    assert_eq!(values(&data[2]), values(&svd.vh));
    assert!(matches!(
        out.into_tensor(),
        Err(Error::InvalidArgument { reason, .. }) if reason.contains("3 tensors")
    ));
    // x = u · diag(s) · vh
    let back = ts::matmul(
        &ts::multiply(&svd.u, &ts::expand_dims(&svd.s, 0)?)?,
        &svd.vh,
    )?;
    for (a, b) in values(&back).iter().zip(values(&x)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let qr = x.linalg_qr(QrMode::Reduced)?;
    let back = ts::matmul(&qr.q, &qr.r)?;
    for (a, b) in values(&back).iter().zip(values(&x)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let eigh = linalg::eigh(&x)?;
    let w = values(&eigh.eigenvalues);
    assert!(w[0] < w[1] && w[1] < w[2], "ascending: {w:?}");
    let slogdet = linalg::slogdet(&x)?;
    let det = values(&ts::linalg::det(&x)?)[0];
    assert_eq!(values(&slogdet.sign), vec![det.signum()]);
    assert!((values(&slogdet.logabsdet)[0] - det.abs().ln()).abs() < 1e-12);
    Ok(())
}
