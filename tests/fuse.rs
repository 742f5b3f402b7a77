//! Fusion of elementwise chains in compiled graphs on ndarray: what fuses, and that fused runs
//! give exactly what unfused runs and eager execution give (bit for bit: the fused kernels
//! apply the slots' own per-element functions), with broadcasting, promotion casts, values
//! read several times, outputs in the middle of a chain, strided inputs and results larger
//! than one block.

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads as the list of inputs it is

use tensorswitch::{self as ts, trace, DType, Op, Result, Tensor};
use tensorswitch_ndarray as tnd;

fn nd<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("ndarray", f).unwrap()
}

fn table() -> &'static ts::FunctionTable {
    ts::current_backend().unwrap().table()
}

/// The values, with their dtype and shape, as text: `Debug` tells -0.0 from 0.0 and prints
/// every NaN alike, which is what "the same result" means here.
fn text(xs: &[Tensor]) -> Vec<String> {
    xs.iter()
        .map(|x| format!("{} {:?} {:?}", x.dtype(), x.shape(), x.to_host().unwrap()))
        .collect()
}

/// Runs `f` eagerly, traced then compiled with fusion, and without; checks the three agree,
/// and returns the fused compiled graph.
fn check(inputs: &[Tensor], f: fn(&[Tensor]) -> Result<Vec<Tensor>>) -> ts::Compiled {
    let eager = text(&f(inputs).unwrap());
    let g = trace(inputs, f).unwrap();
    let fused = g.compile_on(table()).unwrap();
    let unfused = g.compile_unfused(table()).unwrap();
    assert_eq!(unfused.fused_steps(), 0);
    assert_eq!(text(&unfused.run(inputs).unwrap()), eager, "unfused\n{g}");
    assert_eq!(text(&fused.run(inputs).unwrap()), eager, "fused\n{g}");
    // Nothing is kept between runs.
    assert_eq!(text(&fused.run(inputs).unwrap()), eager, "second run");
    fused
}

fn f32s(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

#[test]
fn a_chain_is_one_step_and_gives_the_eager_results() {
    nd(|| {
        let x = f32s(&[-1.5, -0.25, 0.0, 0.5, 1.0, 2.75], &[2, 3]);
        let y = f32s(&[0.5, -2.0, 3.0, 1.5, -0.5, 0.25], &[2, 3]);
        let c = check(&[x, y], |xs| {
            let (x, y) = (&xs[0], &xs[1]);
            let a = ts::add(x, y)?;
            let b = ts::tanh(&ts::multiply(&a, x)?)?;
            Ok(vec![ts::subtract(&b, y)?])
        });
        assert_eq!((c.fused_steps(), c.fused_nodes()), (1, 4));
    });
}

#[test]
fn the_fused_chain_matches_a_hand_computation() {
    // (x + y) * x - y for x = [1, 2, -3], y = [0.5, -1, 2]: [0.5 * 1 ... ] by hand:
    // x + y = [1.5, 1, -1]; * x = [1.5, 2, 3]; - y = [1, 3, 1].
    nd(|| {
        let xs = [f32s(&[1.0, 2.0, -3.0], &[3]), f32s(&[0.5, -1.0, 2.0], &[3])];
        let g = trace(&xs, |xs| {
            let a = ts::multiply(&ts::add(&xs[0], &xs[1])?, &xs[0])?;
            Ok(vec![ts::subtract(&a, &xs[1])?])
        })
        .unwrap();
        let c = g.compile("ndarray").unwrap();
        assert_eq!(c.fused_nodes(), 3);
        let out = c.run(&xs).unwrap()[0].to_vec::<f32>().unwrap();
        assert_eq!(out, [1.0, 3.0, 1.0]);
    });
}

#[test]
fn broadcasting_casts_shared_values_and_outputs_inside_the_chain() {
    nd(|| {
        let x = f32s(&[0.5, -1.25, 2.0, 0.0, 3.5, -0.75], &[2, 3]);
        let i = Tensor::from_slice(&[1i32, -2, 3], &[3]).unwrap();
        let col = f32s(&[2.0, -0.5], &[2, 1]);
        let s = Tensor::from_slice(&[1.5f64], &[]).unwrap();
        let c = check(&[x, i, col, s], |xs| {
            let (x, i, col, s) = (&xs[0], &xs[1], &xs[2], &xs[3]);
            // int32 [3] promotes to float32 (an astype node of shape [3]) and broadcasts.
            let a = ts::add(x, i)?;
            let b = ts::multiply(&a, col)?;
            // `b` is read three times, and returned from the middle of the chain.
            let m = ts::maximum(&b, &ts::exp(&ts::negative(&b)?)?)?;
            let w = ts::where_(&ts::less(&b, &m)?, &m, &b)?;
            // float32 with a float64 scalar: the chain continues in float64.
            let d = ts::divide(&w, s)?;
            Ok(vec![b, ts::sqrt(&ts::abs(&d)?)?, ts::isnan(&d)?])
        });
        // The cast has shape [3], the rest [2, 3]: one chain of nine nodes.
        assert_eq!(c.fused_steps(), 1);
        assert!(c.fused_nodes() >= 9, "{c:?}");
    });
}

#[test]
fn strided_inputs_and_results_of_several_blocks() {
    nd(|| {
        // 3 x 700 = 2100 elements: blocks end inside rows.
        let (r, n) = (3usize, 700usize);
        let v: Vec<f32> = (0..r * n).map(|k| (k as f32 * 0.37).sin() * 3.0).collect();
        let x = f32s(&v, &[r, n]);
        // A strided input: the transpose of an [n, r] array (Fortran order), as a tensor.
        let t = ndarray::Array2::from_shape_fn((n, r), |(a, b)| (a * r + b) as f32 * 0.01 - 5.0)
            .reversed_axes()
            .into_dyn();
        assert!(!t.is_standard_layout());
        let t = tnd::from_ndarray(t);
        let row = f32s(&(0..n).map(|k| k as f32 / 100.0).collect::<Vec<_>>(), &[n]);
        let col = f32s(&[1.0, -2.0, 0.5], &[r, 1]);
        let c = check(&[x, t, row, col], |xs| {
            let a = ts::add(&xs[0], &xs[1])?;
            let b = ts::multiply(&ts::subtract(&a, &xs[2])?, &xs[3])?;
            Ok(vec![ts::tanh(&b)?, ts::floor(&b)?])
        });
        assert_eq!((c.fused_steps(), c.fused_nodes()), (1, 5));
    });
}

#[test]
fn other_nodes_in_between_do_not_split_a_chain_and_values_they_read_come_out() {
    nd(|| {
        let x = f32s(&[1.0, -2.0, 3.0, 0.5, -0.5, 2.0], &[2, 3]);
        let c = check(&[x], |xs| {
            let x = &xs[0];
            let a = ts::exp(x)?;
            // A reduction of the input (not of the chain) in between.
            let s = ts::sum(x, -1)?;
            let b = ts::multiply(&a, x)?;
            // A reduction of a chain value: the chain ends before it and writes `b`.
            let t = ts::sum(&b, None)?;
            let d = ts::add(&b, &t)?;
            Ok(vec![s, ts::negative(&d)?])
        });
        // {exp, multiply}, then {add, negative} after the sum of `b`.
        assert_eq!((c.fused_steps(), c.fused_nodes()), (2, 4));
    });
}

#[test]
fn empty_and_zero_dimensional_chains() {
    nd(|| {
        let e = f32s(&[], &[0, 3]);
        let c = check(&[e], |xs| Ok(vec![ts::exp(&ts::negative(&xs[0])?)?]));
        assert_eq!(c.fused_nodes(), 2);
        let s = f32s(&[0.75], &[]);
        let c = check(&[s], |xs| Ok(vec![ts::exp(&ts::negative(&xs[0])?)?]));
        assert_eq!(c.fused_nodes(), 2);
    });
}

#[test]
fn fallbacks_and_masked_tables_are_not_fused() {
    // `square` and `clip` are compositional on ndarray: nodes of their own.
    nd(|| {
        let x = f32s(&[1.0, -2.0, 3.0], &[3]);
        let c = check(&[x.clone()], |xs| {
            Ok(vec![ts::square(&ts::negative(&xs[0])?)?])
        });
        assert_eq!(c.fused_nodes(), 0);
    });
    ts::with_backend_masked("ndarray", || {
        let x = f32s(&[1.0, -2.0, 3.0], &[3]);
        let c = check(&[x], |xs| Ok(vec![ts::tanh(&ts::exp(&xs[0])?)?]));
        // tanh and exp have no fallback, so they stay primaries and fuse.
        assert_eq!(c.fused_nodes(), 2);
    })
    .unwrap();
}

/// Inputs of every dtype the elementwise ops take, with awkward values (zeros, negatives,
/// values out of some ops' domains, large values).
fn values(dtype: DType, shape: &[usize], salt: f64) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let base = [
        -3.5, -1.0, -0.5, 0.0, 0.25, 1.0, 2.0, 7.0, 100.0, -0.0, 0.5, 3.0,
    ];
    let v: Vec<f64> = (0..n)
        .map(|k| base[(k * 5 + (salt as usize)) % base.len()] + salt * 0.1)
        .collect();
    if dtype == DType::Bool {
        let b: Vec<bool> = v.iter().map(|&x| x > 0.3).collect();
        return Tensor::from_slice(&b, shape);
    }
    ts::astype(&Tensor::from_slice(&v, shape)?, dtype)
}

/// `x` through two ops that give it back unchanged (so the op under test is inside a chain).
fn twice(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        ts::logical_not(&ts::logical_not(x)?)
    } else {
        ts::negative(&ts::negative(x)?)
    }
}

#[test]
fn every_elementwise_op_fuses_as_its_slot_computes() {
    nd(|| {
        let dtypes = [
            DType::Float32,
            DType::Float64,
            DType::Int32,
            DType::Int8,
            DType::UInt8,
            DType::UInt64,
            DType::Bool,
        ];
        let mut fused = 0;
        for &op in Op::ALL {
            let arity = match op.kind() {
                "Unary" => 1,
                "Binary" => 2,
                _ => continue,
            };
            let call = ts::OpCall::from_attrs(op, &[]).unwrap();
            for &dtype in &dtypes {
                // y [4] broadcasts against x [3, 4] inside the chain.
                let inputs = [
                    values(dtype, &[3, 4], 0.0).unwrap(),
                    values(dtype, &[4], 1.0).unwrap(),
                ];
                let program = |xs: &[Tensor]| -> Result<Vec<Tensor>> {
                    let y = twice(&xs[1])?;
                    let x = twice(&xs[0])?;
                    let ins: Vec<&Tensor> = [&x, &y][..arity].to_vec();
                    match ts::run(&call, &ins)? {
                        ts::Output::Tensor(t) => Ok(vec![t]),
                        _ => unreachable!("an elementwise op gives a tensor"),
                    }
                };
                let Ok(eager) = program(&inputs) else {
                    continue; // a dtype the op does not take
                };
                let g = trace(&inputs, program).unwrap();
                let c = g.compile_on(table()).unwrap();
                let got = c.run(&inputs).unwrap();
                assert_eq!(text(&got), text(&eager), "{} on {dtype}\n{g}", op.name());
                if c.fused_nodes() >= 3 {
                    fused += 1;
                }
            }
        }
        // Most (op, dtype) pairs fuse the op itself with its inputs' chains.
        assert!(fused > 100, "only {fused} fused");
    });
}
