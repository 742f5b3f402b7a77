//! `tensorswitch::random` on the ndarray backend: the distributions (moments and
//! Kolmogorov–Smirnov statistics of large samples against bounds derived by hand), the
//! independence of split and folded keys, the samplers' definitions, and the errors. That the
//! samples are the same bits on every backend is checked by the conformance suite
//! (conformance/src/checks/random.rs), on each backend.

use tensorswitch::random::{self, Key};
use tensorswitch::{self as ts, DType, Error};
use tensorswitch_ndarray as _;

const N: usize = 200_000;

fn f64s(x: &ts::Tensor) -> Vec<f64> {
    match x.dtype() {
        DType::Float64 => x.to_vec::<f64>().unwrap(),
        _ => ts::astype(x, DType::Float64)
            .unwrap()
            .to_vec::<f64>()
            .unwrap(),
    }
}

/// Mean, variance, skewness and excess kurtosis.
fn moments(v: &[f64]) -> (f64, f64, f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let m = |k: i32| v.iter().map(|x| (x - mean).powi(k)).sum::<f64>() / n;
    let var = m(2);
    (mean, var, m(3) / var.powf(1.5), m(4) / (var * var) - 3.0)
}

/// `erf` by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, far below the KS
/// bounds used here).
fn erf(x: f64) -> f64 {
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    s * (1.0 - poly * (-x * x).exp())
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

/// The Kolmogorov–Smirnov statistic `sup |F_n(x) - F(x)|` of a sample.
fn ks(mut v: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// The KS critical value at level `alpha` for `n` samples, from the asymptotic Kolmogorov
/// distribution: `P(√n D > c) ≈ 2 exp(-2c²)`, so `c = √(-ln(α/2) / 2)` (1.949 for α = 0.001).
fn ks_critical(n: usize, alpha: f64) -> f64 {
    (-(alpha / 2.0).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

#[test]
fn ks_critical_value_matches_the_tables() {
    // Published tables: 1.36/√n at α = 0.05, 1.63/√n at α = 0.01, 1.95/√n at α = 0.001.
    for (alpha, c) in [(0.05, 1.358), (0.01, 1.628), (0.001, 1.949)] {
        assert!((ks_critical(1, alpha) - c).abs() < 1e-3, "{alpha}");
    }
}

#[test]
fn normal_moments_and_ks_for_each_dtype() {
    let n = N as f64;
    for (i, dtype) in [DType::Float64, DType::Float32].into_iter().enumerate() {
        let v = f64s(&random::normal(&Key::new(1 + i as u64), &[N], dtype).unwrap());
        assert_eq!(v.len(), N);
        let (mean, var, skew, kurt) = moments(&v);
        // Five standard errors: 1/√n, √(2/n), √(6/n), √(24/n).
        assert!(mean.abs() < 5.0 / n.sqrt(), "{dtype} mean {mean}");
        assert!(
            (var - 1.0).abs() < 5.0 * (2.0 / n).sqrt(),
            "{dtype} var {var}"
        );
        assert!(
            skew.abs() < 5.0 * (6.0 / n).sqrt(),
            "{dtype} skewness {skew}"
        );
        assert!(
            kurt.abs() < 5.0 * (24.0 / n).sqrt(),
            "{dtype} kurtosis {kurt}"
        );
        let d = ks(v, normal_cdf);
        assert!(d < ks_critical(N, 0.001), "{dtype} KS {d}");
    }
}

#[test]
fn uniform_moments_and_ks() {
    let (lo, hi) = (-3.0, 5.0);
    for (i, dtype) in [DType::Float64, DType::Float32].into_iter().enumerate() {
        let v = f64s(&random::uniform(&Key::new(10 + i as u64), &[N], lo, hi, dtype).unwrap());
        assert!(v.iter().all(|x| (lo..hi).contains(x)), "{dtype}");
        let (mean, var, _, _) = moments(&v);
        let sd = (hi - lo) / 12f64.sqrt();
        assert!(
            (mean - 1.0).abs() < 5.0 * sd / (N as f64).sqrt(),
            "{dtype} mean {mean}"
        );
        // Var of (x - μ)² for a uniform: (b-a)⁴/80 - ((b-a)²/12)².
        let w = hi - lo;
        let sd_var = ((w.powi(4) / 80.0 - (w * w / 12.0).powi(2)) / N as f64).sqrt();
        assert!((var - sd * sd).abs() < 5.0 * sd_var, "{dtype} var {var}");
        let d = ks(v, |x| ((x - lo) / (hi - lo)).clamp(0.0, 1.0));
        assert!(d < ks_critical(N, 0.001), "{dtype} KS {d}");
    }
}

#[test]
fn uniform_float32_is_the_word_top_24_bits() {
    // The definition: u = (w >> 8) · 2⁻²⁴, then low + u (high - low).
    let key = Key::new(5);
    let words = key.words_of_stream(10);
    let x = random::uniform(&key, &[10], 0.0, 1.0, DType::Float32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for (w, x) in words.iter().zip(&x) {
        assert_eq!(*x, (w >> 8) as f32 / 16_777_216.0);
    }
}

#[test]
fn integers_are_uniform_over_the_range_and_agree_across_dtypes() {
    let key = Key::new(3);
    let x = random::integers(&key, &[N], -4, 6, DType::Int64)
        .unwrap()
        .to_vec::<i64>()
        .unwrap();
    let mut counts = [0usize; 10];
    for v in &x {
        assert!((-4..6).contains(v));
        counts[(v + 4) as usize] += 1;
    }
    // Each count is binomial(N, 1/10): five standard deviations.
    let sd = (N as f64 * 0.1 * 0.9).sqrt();
    for c in counts {
        assert!((c as f64 - N as f64 / 10.0).abs() < 5.0 * sd, "{counts:?}");
    }
    // The same range in int8 gives the same values.
    let y = random::integers(&key, &[N], -4, 6, DType::Int8)
        .unwrap()
        .to_vec::<i8>()
        .unwrap();
    assert!(x.iter().zip(&y).all(|(a, b)| *a == i64::from(*b)));
    // Extremes of a dtype are reachable: uint8 over all its values hits 0 and 255.
    let z = random::integers(&key, &[4096], 0, 256, DType::UInt8)
        .unwrap()
        .to_vec::<u8>()
        .unwrap();
    assert!(z.contains(&0) && z.contains(&255));
}

#[test]
fn bernoulli_frequency() {
    for p in [0.0, 0.25, 0.9, 1.0] {
        let x = random::bernoulli(&Key::new(8), p, &[N])
            .unwrap()
            .to_vec::<bool>()
            .unwrap();
        let k = x.iter().filter(|b| **b).count() as f64;
        let sd = (N as f64 * p * (1.0 - p)).sqrt();
        assert!((k - N as f64 * p).abs() <= 5.0 * sd, "p {p}: {k}");
    }
}

#[test]
fn permutations_hold_every_index_once_and_are_uniform() {
    let p = random::permutation(&Key::new(1), 1000)
        .unwrap()
        .to_vec::<i64>()
        .unwrap();
    let mut sorted = p.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
    assert_ne!(p, sorted);
    // Over many keys, each of the 6 orders of 3 elements comes up about equally often.
    let trials = 6000;
    let mut counts = std::collections::HashMap::new();
    for k in Key::new(2).split(trials) {
        let p = random::permutation(&k, 3).unwrap().to_vec::<i64>().unwrap();
        *counts.entry(p).or_insert(0usize) += 1;
    }
    assert_eq!(counts.len(), 6);
    let sd = (trials as f64 / 6.0 * (5.0 / 6.0)).sqrt();
    for c in counts.values() {
        assert!(
            (*c as f64 - trials as f64 / 6.0).abs() < 5.0 * sd,
            "{counts:?}"
        );
    }
    assert_eq!(random::permutation(&Key::new(1), 0).unwrap().shape(), &[0]);
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (
        a.iter().sum::<f64>() / a.len() as f64,
        b.iter().sum::<f64>() / b.len() as f64,
    );
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn split_and_folded_keys_give_independent_streams() {
    let parent = Key::new(42);
    let kids = parent.split(4);
    let [a, b] = parent.split2();
    assert_eq!([a, b], [kids[0], kids[1]]);
    let mut keys = kids.clone();
    keys.push(parent);
    keys.push(parent.fold_in(0));
    keys.push(parent.fold_in(1));
    keys.push(kids[0].fold_in(0));
    let n = 50_000;
    let streams: Vec<Vec<f64>> = keys
        .iter()
        .map(|k| f64s(&random::normal(k, &[n], DType::Float64).unwrap()))
        .collect();
    for i in 0..keys.len() {
        // Each derived stream is itself standard normal.
        let d = ks(streams[i].clone(), normal_cdf);
        assert!(d < ks_critical(n, 0.001), "key {i}: KS {d}");
        for j in 0..i {
            assert_ne!(keys[i], keys[j], "keys {i} and {j}");
            // No shared prefix of words, and no correlation beyond five standard errors.
            let (wi, wj) = (keys[i].words_of_stream(8), keys[j].words_of_stream(8));
            assert!(wi.iter().zip(&wj).all(|(x, y)| x != y), "keys {i}, {j}");
            let r = correlation(&streams[i], &streams[j]);
            assert!(r.abs() < 5.0 / (n as f64).sqrt(), "keys {i}, {j}: r = {r}");
            // Nor shifted copies: the stream of i against j's shifted by one sample.
            let r1 = correlation(&streams[i][1..], &streams[j][..n - 1]);
            assert!(
                r1.abs() < 5.0 / (n as f64).sqrt(),
                "keys {i}, {j}: lag-1 r = {r1}"
            );
        }
    }
    // Keys are values: sampling does not advance them.
    let k = Key::new(9);
    let x = random::normal(&k, &[5], DType::Float32).unwrap();
    let y = random::normal(&k, &[5], DType::Float32).unwrap();
    assert_eq!(x.to_vec::<f32>().unwrap(), y.to_vec::<f32>().unwrap());
}

#[test]
fn shapes_follow_the_argument() {
    let k = Key::new(0);
    let x = random::normal(&k, &[2, 3, 4], DType::Float32).unwrap();
    assert_eq!(
        (x.shape(), x.dtype()),
        (&[2usize, 3, 4][..], DType::Float32)
    );
    assert_eq!(
        random::normal(&k, &[], DType::Float64).unwrap().shape(),
        &[] as &[usize]
    );
    assert_eq!(
        random::uniform(&k, &[0, 3], 0.0, 1.0, DType::Float32)
            .unwrap()
            .size(),
        0
    );
    // A prefix of a larger sample is the smaller sample (the stream is read in order).
    let big = random::normal(&k, &[7], DType::Float64)
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    let small = random::normal(&k, &[3], DType::Float64)
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    assert_eq!(&big[..3], &small[..]);
}

#[test]
fn errors_say_what_was_wrong() {
    let k = Key::new(0);
    let invalid_dtype = |e: Error| matches!(e, Error::InvalidDType { .. });
    let invalid_arg = |e: Error| matches!(e, Error::InvalidArgument { .. });
    assert!(invalid_dtype(
        random::normal(&k, &[2], DType::Int32).unwrap_err()
    ));
    assert!(invalid_dtype(
        random::uniform(&k, &[2], 0.0, 1.0, DType::Bool).unwrap_err()
    ));
    assert!(invalid_dtype(
        random::integers(&k, &[2], 0, 4, DType::Float32).unwrap_err()
    ));
    assert!(invalid_dtype(
        random::integers(&k, &[2], 0, 2, DType::Bool).unwrap_err()
    ));
    // low >= high
    let e = random::uniform(&k, &[2], 1.0, 1.0, DType::Float32).unwrap_err();
    assert!(e.to_string().contains("must be below high"), "{e}");
    assert!(invalid_arg(
        random::uniform(&k, &[2], 2.0, 1.0, DType::Float64).unwrap_err()
    ));
    assert!(invalid_arg(
        random::integers(&k, &[2], 5, 5, DType::Int32).unwrap_err()
    ));
    // Bounds distinct only before rounding to the dtype.
    let e = random::uniform(&k, &[2], 1.0, 1.0 + 1e-12, DType::Float32).unwrap_err();
    assert!(e.to_string().contains("after rounding"), "{e}");
    // Non-finite bounds, and bounds beyond the dtype.
    assert!(invalid_arg(
        random::uniform(&k, &[2], 0.0, f64::INFINITY, DType::Float64).unwrap_err()
    ));
    assert!(invalid_arg(
        random::uniform(&k, &[2], f64::NAN, 1.0, DType::Float64).unwrap_err()
    ));
    assert!(invalid_arg(
        random::uniform(&k, &[2], 0.0, 1e39, DType::Float32).unwrap_err()
    ));
    let e = random::integers(&k, &[2], 0, 257, DType::UInt8).unwrap_err();
    assert!(e.to_string().contains("does not fit uint8"), "{e}");
    assert!(invalid_arg(
        random::integers(&k, &[2], -1, 3, DType::UInt32).unwrap_err()
    ));
    assert!(invalid_arg(
        random::integers(&k, &[2], -129, 0, DType::Int8).unwrap_err()
    ));
    // Probabilities outside [0, 1].
    for p in [-0.1, 1.5, f64::NAN] {
        assert!(
            invalid_arg(random::bernoulli(&k, p, &[2]).unwrap_err()),
            "{p}"
        );
    }
    // Shapes no allocation can hold, before any sample is drawn.
    let e = random::normal(&k, &[usize::MAX, 2], DType::Float32).unwrap_err();
    assert!(matches!(e, Error::InvalidShape { .. }), "{e}");
    let e = random::permutation(&k, usize::MAX).unwrap_err();
    assert!(invalid_arg(e));
    // A dtype the backend lacks: ndarray has no float16.
    let e = random::normal(&k, &[2], DType::Float16).unwrap_err();
    assert!(matches!(e, Error::UnsupportedDType { .. }), "{e}");
}
