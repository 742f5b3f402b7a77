//! The tracer on each backend: programs traced, compiled and run give what eager execution of
//! the same program gives on the same backend (bit for bit: the same slots run with the same
//! arguments), on the backend's own table, on its masked table (fallbacks), and for graphs
//! traced on ndarray and compiled for this backend.
use tensorswitch::{self as ts, DType, HostData, Result, Statistic, Tensor};

type Program = fn(&[Tensor]) -> Result<Vec<Tensor>>;

fn t<T: ts::Element>(data: &[T], shape: &[usize]) -> Result<Tensor> {
    Tensor::from_slice(data, shape)
}

fn elementwise(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let (x, y) = (&xs[0], &xs[1]);
    let a = ts::add(&ts::exp(x)?, &ts::multiply(y, &ts::sin(x)?)?)?;
    let b = ts::divide(&ts::subtract(&a, y)?, &ts::sqrt(&ts::abs(y)?)?)?;
    let c = ts::maximum(&ts::tanh(&b)?, &ts::negative(x)?)?;
    let d = ts::where_(&ts::greater(x, y)?, &c, &ts::square(&b)?)?;
    Ok(vec![
        d,
        ts::clip(&a, -1.0f32, 2.0f32)?,
        ts::logaddexp(x, y)?,
    ])
}

fn promotion_and_broadcasting(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let (x, i, row) = (&xs[0], &xs[2], &xs[3]);
    // float32 + int32: a cast node; [2,3] + [3]: broadcast inside the slot.
    Ok(vec![
        ts::add(x, i)?,
        ts::multiply(x, row)?,
        ts::less(i, &ts::floor(x)?)?,
    ])
}

fn reductions(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    Ok(vec![
        ts::sum(x, -1)?,
        ts::mean(x, None)?,
        ts::max(x, ts::Reduction::over(0).keepdims(true))?,
        ts::var(x, Statistic::from(1).correction(1.0))?,
        ts::argmax(x, 1)?,
        ts::cumulative_sum(x, 1)?,
        ts::softmax(x, -1)?,
        ts::sort(x, -1)?,
        ts::prod(&xs[2], 0)?,
    ])
}

fn linear_algebra(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let (x, m) = (&xs[0], &xs[4]);
    let xt = ts::matrix_transpose(x)?;
    Ok(vec![
        ts::matmul(x, m)?,
        ts::matmul(&xt, x)?,
        ts::tensordot(x, m, 1)?,
        ts::vecdot(x, x, -1)?,
    ])
}

fn manipulation(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let r = ts::reshape(x, [3, 2])?;
    Ok(vec![
        ts::permute_dims(&r, [1, 0])?,
        ts::concat(&[x.clone(), x.clone()], 0)?,
        ts::stack(&[x.clone(), ts::flip(x, 1)?], -1)?,
        ts::squeeze(&ts::expand_dims(x, 0)?, 0)?,
        ts::broadcast_to(&xs[3], &[4, 3])?,
        ts::roll(x, 1, 1)?,
        ts::tile(x, &[2, 1])?,
        ts::repeat(x, 2usize, 0)?,
        ts::tril(x, 0)?,
        ts::astype(x, DType::Float64)?,
    ])
}

fn creation(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let z = ts::zeros(&[2, 3], DType::Float32)?;
    let o = ts::ones_like(x, None)?;
    let a = ts::reshape(&ts::arange(0.0, 6.0, 1.0, DType::Float32)?, [2, 3])?;
    let l = ts::linspace(0.0, 1.0, 3, true, DType::Float32)?;
    let e = ts::eye(2, Some(3), 0, DType::Float32)?;
    let f = ts::full(&[2, 3], 0.5f32, DType::Float32)?;
    let h = t(&[1.0f32, -1.0, 2.0], &[3])?;
    let s = [&z, &o, &a, &e, &f]
        .iter()
        .try_fold(x.clone(), |acc, y| ts::add(&acc, y))?;
    Ok(vec![ts::multiply(&ts::add(&s, &l)?, &h)?])
}

fn decompositions(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    // A symmetric positive-definite matrix from the inputs: m^T m + I.
    let m = &xs[4];
    let spd = ts::add(
        &ts::matmul(&ts::matrix_transpose(m)?, m)?,
        &ts::eye(2, None, 0, DType::Float32)?,
    )?;
    let qr = ts::linalg::qr(m, Default::default())?;
    let svd = ts::linalg::svd(m, false)?;
    let eigh = ts::linalg::eigh(&spd)?;
    let slogdet = ts::linalg::slogdet(&spd)?;
    Ok(vec![
        qr.q,
        qr.r,
        svd.u,
        svd.s,
        svd.vh,
        eigh.eigenvalues,
        eigh.eigenvectors,
        slogdet.sign,
        slogdet.logabsdet,
    ])
}

const PROGRAMS: [(&str, Program); 7] = [
    ("elementwise", elementwise),
    ("promotion_and_broadcasting", promotion_and_broadcasting),
    ("reductions", reductions),
    ("linear_algebra", linear_algebra),
    ("manipulation", manipulation),
    ("creation", creation),
    ("decompositions", decompositions),
];

/// The inputs of every program: x float32[2,3], y float32[2,3], i int32[2,3], row float32[3],
/// m float32[3,2].
fn inputs() -> Result<Vec<Tensor>> {
    Ok(vec![
        t(&[0.5f32, -1.25, 2.0, 0.0, 3.5, -0.75], &[2, 3])?,
        t(&[1.5f32, 0.25, -2.0, 4.0, -0.5, 1.0], &[2, 3])?,
        t(&[1i32, -2, 3, 0, 5, -1], &[2, 3])?,
        t(&[2.0f32, -1.0, 0.5], &[3])?,
        t(&[1.0f32, 0.0, -1.0, 2.0, 0.5, 0.25], &[3, 2])?,
    ])
}

fn host(xs: &[Tensor]) -> Vec<HostData> {
    xs.iter()
        .map(|x| {
            // Half-precision results have no host type; these programs make none.
            x.to_host().unwrap()
        })
        .collect()
}

/// Traces, compiles and runs every program on the current thread's backend and compares with
/// eager execution there.
fn traced_matches_eager_here() {
    for (name, program) in PROGRAMS {
        let xs = inputs().unwrap();
        let eager = host(&program(&xs).unwrap());
        let graph = ts::trace(&xs, program).unwrap_or_else(|e| panic!("{name}: {e}"));
        let backend = graph.backend();
        let compiled = graph
            .compile_on(ts::current_backend().unwrap().table())
            .unwrap();
        let first = host(&compiled.run(&xs).unwrap());
        assert_eq!(first, eager, "{name} on {backend}:\n{graph}");
        // A second run (no state kept between runs) and the optimised graph agree too.
        assert_eq!(
            host(&compiled.run(&xs).unwrap()),
            eager,
            "{name}, second run"
        );
        let optimised = graph.fold_constants().unwrap().cse().dce();
        let compiled = optimised
            .compile_on(ts::current_backend().unwrap().table())
            .unwrap();
        assert_eq!(
            host(&compiled.run(&xs).unwrap()),
            eager,
            "{name}, folded, cse+dce"
        );
    }
}

pub fn traced_graphs_run_as_eager(backend: &str) {
    ts::with_backend(backend, traced_matches_eager_here).unwrap();
}

pub fn traced_graphs_run_as_eager_on_fallbacks(backend: &str) {
    ts::with_backend_masked(backend, traced_matches_eager_here).unwrap();
}

/// A graph traced on ndarray, compiled for this backend, gives what eager execution gives
/// here (constants and creation nodes included).
pub fn graphs_traced_on_ndarray_replay_here(backend: &str) {
    for (name, program) in PROGRAMS {
        let on_nd = ts::with_backend("ndarray", inputs).unwrap().unwrap();
        let weight = ts::with_backend("ndarray", || t(&[0.5f32, 2.0, -1.0], &[3]))
            .unwrap()
            .unwrap();
        let graph = ts::with_backend("ndarray", || {
            ts::trace(&on_nd, |xs| {
                let mut out = program(xs)?;
                out.push(ts::multiply(&xs[3], &weight)?);
                Ok(out)
            })
        })
        .unwrap()
        .unwrap();
        assert_eq!(graph.backend(), "ndarray");
        let compiled = graph.compile(backend).unwrap();
        assert_eq!(compiled.backend(), backend);
        ts::with_backend(backend, || {
            let xs = inputs().unwrap();
            let w = t(&[0.5f32, 2.0, -1.0], &[3]).unwrap();
            let mut eager = program(&xs).unwrap();
            eager.push(ts::multiply(&xs[3], &w).unwrap());
            let got = compiled.run(&xs).unwrap();
            assert_eq!(host(&got), host(&eager), "{name} replayed on {backend}");
        })
        .unwrap();
    }
}

/// A tensor of this backend captured by a function traced on ndarray is refused by dispatch,
/// as in eager code (nothing to check on ndarray itself).
pub fn foreign_tensors_are_refused_while_tracing(backend: &str) {
    if backend == "ndarray" {
        return;
    }
    let here = ts::with_backend(backend, || t(&[1.0f32, 2.0], &[2]))
        .unwrap()
        .unwrap();
    let e = ts::with_backend("ndarray", || {
        let x = t(&[1.0f32, 2.0], &[2]).unwrap();
        ts::trace(&[x], |xs| Ok(vec![ts::add(&xs[0], &here)?]))
    })
    .unwrap()
    .unwrap_err();
    assert!(matches!(e, ts::Error::ForeignTensor { .. }), "{e:?}");
}

/// Every program's graph, and its optimised form, written as JSON and read back: the same
/// graph (its JSON and its printout), and it runs to what eager execution gives.
pub fn graphs_round_trip_through_json(backend: &str) {
    ts::with_backend(backend, || {
        let table = ts::current_backend().unwrap().table();
        for (name, program) in PROGRAMS {
            let xs = inputs().unwrap();
            let eager = host(&program(&xs).unwrap());
            let traced = ts::trace(&xs, program).unwrap();
            let optimised = traced.fold_constants().unwrap().cse().dce();
            for graph in [traced, optimised] {
                let text = graph.to_json().unwrap();
                let back = ts::Graph::from_json(&text)
                    .unwrap_or_else(|e| panic!("{name} on {backend}: {e}\n{text}"));
                assert_eq!(back.to_json().unwrap(), text, "{name} on {backend}");
                assert_eq!(back.to_string(), graph.to_string(), "{name} on {backend}");
                let got = host(&back.compile_on(table).unwrap().run(&xs).unwrap());
                assert_eq!(got, eager, "{name} on {backend}, read back from JSON");
            }
        }
    })
    .unwrap();
}
