//! What the tests of the emitters share (this crate's, the torch backend's): the golden models,
//! deterministic data, result comparison and the random-program generator of the differential
//! tests. Not part of the API.

use tensorswitch as ts;
use tensorswitch::trace::Graph;
use tensorswitch::{DType, HostData, Reduction, Result, Statistic, Tensor};

/// Deterministic pseudo-random numbers (SplitMix64): the same on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A float in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }

    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `n` float32 values in `[-scale, scale)`.
pub fn f32s(rng: &mut Rng, n: usize, scale: f64) -> Vec<f32> {
    (0..n).map(|_| rng.uniform(-scale, scale) as f32).collect()
}

/// A model of the golden files: inputs, named constants and the function.
pub struct Model {
    /// The golden files' stem.
    pub name: &'static str,
    /// The inputs.
    pub inputs: Vec<Tensor>,
    /// The named constants (weights).
    pub constants: Vec<(&'static str, Tensor)>,
    /// The function, of the inputs and the constants.
    pub f: fn(&[Tensor], &[Tensor]) -> Result<Vec<Tensor>>,
}

impl Model {
    /// The model traced on the inputs' backend.
    pub fn trace(&self) -> Result<Graph> {
        let named: Vec<(&str, &Tensor)> = self.constants.iter().map(|(n, t)| (*n, t)).collect();
        let consts: Vec<Tensor> = self.constants.iter().map(|c| c.1.clone()).collect();
        let f = self.f;
        ts::trace_with_constants(&self.inputs, &named, move |xs| f(xs, &consts))
    }

    /// The model run eagerly.
    pub fn eager(&self) -> Result<Vec<Tensor>> {
        let consts: Vec<Tensor> = self.constants.iter().map(|c| c.1.clone()).collect();
        (self.f)(&self.inputs, &consts)
    }
}

/// The golden models, on the current backend: the MLP, an attention block, a statistic.
pub fn models() -> Result<Vec<Model>> {
    let mut rng = Rng::new(14);
    let mut t = |shape: &[usize], scale: f64| {
        let n = shape.iter().product();
        Tensor::from_slice(&f32s(&mut rng, n, scale), shape)
    };
    Ok(vec![
        Model {
            name: "mlp",
            inputs: vec![t(&[64, 256], 1.0)?],
            constants: vec![
                ("w1", t(&[256, 64], 0.1)?),
                ("b1", t(&[64], 0.1)?),
                ("w2", t(&[64, 10], 0.3)?),
                ("b2", t(&[10], 0.1)?),
            ],
            f: mlp,
        },
        Model {
            name: "attention",
            inputs: vec![t(&[8, 16], 1.0)?],
            constants: vec![("wk", t(&[16, 16], 0.3)?), ("wv", t(&[16, 16], 0.3)?)],
            f: attention,
        },
        Model {
            name: "statistic",
            inputs: vec![t(&[32, 12], 10.0)?],
            constants: vec![],
            f: statistic,
        },
    ])
}

/// `softmax(tanh(x @ w1 + b1) @ w2 + b2)` over the last axis.
fn mlp(xs: &[Tensor], c: &[Tensor]) -> Result<Vec<Tensor>> {
    let h = ts::tanh(&ts::add(&ts::matmul(&xs[0], &c[0])?, &c[1])?)?;
    Ok(vec![ts::softmax(
        &ts::add(&ts::matmul(&h, &c[2])?, &c[3])?,
        -1,
    )?])
}

/// Self-attention of a sequence `x[8,16]`: `softmax((x) (x wk)^T / 4) (x wv)`, with a causal
/// mask made inside (creation ops and `where`).
fn attention(xs: &[Tensor], c: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let k = ts::matmul(x, &c[0])?;
    let v = ts::matmul(x, &c[1])?;
    let scale = Tensor::from_slice(&[0.25f32], &[])?;
    let scores = ts::multiply(&ts::matmul(x, &ts::matrix_transpose(&k)?)?, &scale)?;
    let n = x.shape()[0];
    let causal: Vec<bool> = (0..n * n).map(|i| i % n <= i / n).collect();
    let mask = Tensor::from_slice(&causal, &[n, n])?;
    let minus = Tensor::from_slice(&[-1.0e9f32], &[])?;
    let scores = ts::where_(&mask, &scores, &minus)?;
    Ok(vec![ts::matmul(&ts::softmax(&scores, -1)?, &v)?])
}

/// Column statistics of `x[32,12]`: standardised values, their per-row maximum and its index,
/// how many exceed 1 per column, a variance with correction 1, an integer floor division and
/// remainder of the values, and the rounded means.
fn statistic(xs: &[Tensor], _: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let mean = ts::mean(x, Reduction::over(0).keepdims(true))?;
    let std = ts::std(x, Statistic::over(0).correction(1.0).keepdims(true))?;
    let z = ts::divide(&ts::subtract(x, &mean)?, &std)?;
    let top = ts::max(&z, Reduction::over(1))?;
    let at = ts::argmax(&z, Reduction::over(1))?;
    let one = Tensor::from_slice(&[1.0f32], &[])?;
    let count = ts::count_nonzero(&ts::greater(&z, &one)?, Reduction::over(0))?;
    let var = ts::var(x, Statistic::over(vec![0isize, 1]).correction(1.0))?;
    let ints = ts::astype(x, DType::Int32)?;
    let three = Tensor::from_slice(&[-3i32], &[])?;
    let q = ts::sum(&ts::floor_divide(&ints, &three)?, Reduction::over(1))?;
    let r = ts::prod(&ts::remainder(&ints, &three)?, Reduction::over(0))?;
    let rounded = ts::round(&ts::multiply(&mean, &Tensor::from_slice(&[2.0f32], &[])?)?)?;
    let any = ts::any(&ts::less(&z, &ts::negative(&one)?)?, Reduction::over(None))?;
    Ok(vec![top, at, count, var, q, r, rounded, any])
}

/// Whether `got` equals `want`: dtype, shape, and the elements (exactly for integers and bools;
/// floats within `rtol`/`atol`, NaN equal to NaN, infinities of the same sign equal).
pub fn compare(
    got: &Tensor,
    want: &Tensor,
    rtol: f64,
    atol: f64,
) -> std::result::Result<(), String> {
    if got.dtype() != want.dtype() || got.shape() != want.shape() {
        return Err(format!(
            "got {}{:?}, expected {}{:?}",
            got.dtype(),
            got.shape(),
            want.dtype(),
            want.shape()
        ));
    }
    let (g, w) = (
        got.to_host().map_err(|e| e.to_string())?,
        want.to_host().map_err(|e| e.to_string())?,
    );
    compare_host(&g, &w, rtol, atol)
}

/// [`compare`] of host data.
pub fn compare_host(
    g: &HostData,
    w: &HostData,
    rtol: f64,
    atol: f64,
) -> std::result::Result<(), String> {
    if g.dtype() != w.dtype() || g.len() != w.len() {
        return Err(format!(
            "got {} {} values, expected {} {}",
            g.len(),
            g.dtype(),
            w.len(),
            w.dtype()
        ));
    }
    let as_f64 = |h: &HostData| -> Vec<f64> {
        match h {
            HostData::Float32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            HostData::Float64(v) => v.clone(),
            _ => Vec::new(),
        }
    };
    if g.dtype().is_float() {
        for (i, (a, b)) in as_f64(g).iter().zip(as_f64(w)).enumerate() {
            let same =
                (a.is_nan() && b.is_nan()) || a == &b || (a - b).abs() <= atol + rtol * b.abs();
            if !same {
                return Err(format!("element {i}: got {a}, expected {b}"));
            }
        }
        Ok(())
    } else if g == w {
        Ok(())
    } else {
        Err(format!("got {g:?}, expected {w:?}"))
    }
}
