//! Random numbers that are the same on every backend.
//!
//! Every sampler takes an explicit [`Key`] (as JAX's `jax.random` does): the same key, shape
//! and dtype give bit-identical samples on ndarray, torch and MLX, because the samples are
//! computed here, in the core, from a counter-based generator, and handed to the backend with
//! [`from_host`](crate::from_host) (float16 and bfloat16 as float32 values the dtype holds
//! exactly, then [`astype`](crate::astype), which is exact). The framework's own generator is
//! never used. Keys are values: a sampler does not advance them; derive new ones with
//! [`Key::split`] and [`Key::fold_in`].
//!
//! The generator is Philox-4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
//! as easy as 1, 2, 3", SC 2011): a keyed bijection of 128-bit counters. The `n`-th block of a
//! key's stream is `philox(counter = [n mod 2³², n / 2³², 0, 0], key)`, four 32-bit words.
//! Split and fold-in use the same function with the counter's last word set to a domain tag
//! (1 and 2), so derived keys never come from the words a sampler reads.
//!
//! How words become samples (the definition the tests check):
//!
//! * [`uniform`]: float32 from one word (`(w >> 8) · 2⁻²⁴`), float64 from two (53 bits), then
//!   `low + u · (high - low)` computed in float64 and rounded to the dtype; float16 and
//!   bfloat16 are the float32 sample rounded to nearest (ties to even). A sample that rounds
//!   to `high` becomes the largest value of the dtype below it, so every sample is in
//!   `[low, high)` (with `low` and `high` as the dtype rounds them).
//! * [`normal`]: Box–Muller in float64 on one block per two samples (`u₁ ∈ (0, 1]`,
//!   `u₂ ∈ [0, 1)`, 53 bits each; `r = √(-2 ln u₁)`, samples `r cos 2πu₂`, `r sin 2πu₂`),
//!   rounded to float32 or float64; float16 and bfloat16 are the float32 sample rounded.
//!   The samples are identical across backends; across machines they depend on the platform's
//!   `ln`, `sin` and `cos` in their last bit.
//! * [`integers`]: two words per sample make `x` (64 bits); the sample is
//!   `low + ⌊x · (high - low) / 2⁶⁴⌋`, whatever the dtype (so int8 and int64 samples of one
//!   range agree). Each value's probability is off by at most `(high - low) / 2⁶⁴` relative.
//! * [`bernoulli`]: two words per sample make `u ∈ [0, 1)` (53 bits); the sample is `u < p`.
//! * [`permutation`]: Fisher–Yates, the `k`-th swap drawing its index as [`integers`] draws
//!   its `k`-th sample.

use crate::dtype::{DType, HostData};
use crate::error::{Error, Result};
use crate::state::TableGuard;
use crate::tensor::Tensor;

// ----- Philox-4x32-10

const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

#[inline(always)]
fn philox_round(c: [u32; 4], k: [u32; 2]) -> [u32; 4] {
    let (hi0, lo0) = mulhilo(PHILOX_M0, c[0]);
    let (hi1, lo1) = mulhilo(PHILOX_M1, c[2]);
    [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0]
}

/// Philox-4x32 with `rounds` rounds: the block of `counter` under `key`. Philox-4x32-10
/// (`rounds = 10`) is what the samplers use; other round counts are for the published test
/// vectors.
pub fn philox4x32(rounds: u32, counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for r in 0..rounds {
        if r > 0 {
            k = [k[0].wrapping_add(PHILOX_W0), k[1].wrapping_add(PHILOX_W1)];
        }
        c = philox_round(c, k);
    }
    c
}

#[inline(always)]
fn philox10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    philox4x32(10, counter, key)
}

/// The domain tags in the counter's last word.
const TAG_SAMPLES: u32 = 0;
const TAG_SPLIT: u32 = 1;
const TAG_FOLD_IN: u32 = 2;

// ----- keys

/// A key of the generator: two 32-bit words, Philox-4x32's key. Samplers read a key without
/// changing it; the same key gives the same samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key([u32; 2]);

impl Key {
    /// The key of a seed (its low word first).
    pub const fn new(seed: u64) -> Key {
        Key([seed as u32, (seed >> 32) as u32])
    }

    /// The key of two words, as [`Key::words`] gives them.
    pub const fn from_words(words: [u32; 2]) -> Key {
        Key(words)
    }

    /// The key's two words.
    pub const fn words(self) -> [u32; 2] {
        self.0
    }

    /// `n` new keys, each the first two words of the block of counter `[i, i >> 32, 0, 1]`
    /// under this key: streams that are independent of each other and of this key's own.
    pub fn split(self, n: usize) -> Vec<Key> {
        (0..n as u64)
            .map(|i| {
                let b = philox10([i as u32, (i >> 32) as u32, 0, TAG_SPLIT], self.0);
                Key([b[0], b[1]])
            })
            .collect()
    }

    /// Two new keys: `split(2)` without the vector.
    pub fn split2(self) -> [Key; 2] {
        let b0 = philox10([0, 0, 0, TAG_SPLIT], self.0);
        let b1 = philox10([1, 0, 0, TAG_SPLIT], self.0);
        [Key([b0[0], b0[1]]), Key([b1[0], b1[1]])]
    }

    /// A new key that depends on this key and on `data` (a step number, a layer's index):
    /// the first two words of the block of counter `[data, data >> 32, 0, 2]`.
    pub fn fold_in(self, data: u64) -> Key {
        let b = philox10([data as u32, (data >> 32) as u32, 0, TAG_FOLD_IN], self.0);
        Key([b[0], b[1]])
    }

    /// The block `n` of this key's stream.
    #[inline(always)]
    fn block(self, n: u64) -> [u32; 4] {
        philox10([n as u32, (n >> 32) as u32, 0, TAG_SAMPLES], self.0)
    }

    /// The first `n` words of this key's stream (block 0's four words, then block 1's, …).
    pub fn words_of_stream(self, n: usize) -> Vec<u32> {
        let mut out = Vec::with_capacity(n);
        let mut b = 0u64;
        while out.len() < n {
            let w = self.block(b);
            let take = (n - out.len()).min(4);
            out.extend_from_slice(&w[..take]);
            b += 1;
        }
        out
    }
}

// ----- word conversions

const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;
const TWO_POW_M53: f64 = 1.0 / 9_007_199_254_740_992.0;

#[inline(always)]
fn u64_of(hi: u32, lo: u32) -> u64 {
    (u64::from(hi) << 32) | u64::from(lo)
}

/// `[0, 1)` with 53 random bits.
#[inline(always)]
fn unit53(hi: u32, lo: u32) -> f64 {
    (u64_of(hi, lo) >> 11) as f64 * TWO_POW_M53
}

/// `(0, 1]` with 53 random bits.
#[inline(always)]
fn unit53_open_low(hi: u32, lo: u32) -> f64 {
    ((u64_of(hi, lo) >> 11) + 1) as f64 * TWO_POW_M53
}

/// `x` (finite or not) rounded to nearest, ties to even, to a binary format with `mant` bits
/// of fraction, smallest normal exponent `emin` and largest finite value `max`; the result is a
/// float32 that format holds exactly. Used for float16 (`10, -14, 65504`) and bfloat16
/// (`7, -126, f32::MAX rounded`).
fn round_to_format(x: f32, mant: i32, emin: i32, max: f32) -> f32 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let v = f64::from(x);
    // The exponent of |x| (x is a finite, non-zero float32, so this is exact).
    let e = v.abs().log2().floor() as i32;
    // log2 may land one off at exact powers of two; correct it.
    let e = if 2f64.powi(e) > v.abs() {
        e - 1
    } else if 2f64.powi(e + 1) <= v.abs() {
        e + 1
    } else {
        e
    };
    let ulp = 2f64.powi(e.max(emin) - mant);
    let r = (v / ulp).round_ties_even() * ulp;
    if r.abs() > f64::from(max) {
        return f32::INFINITY.copysign(x);
    }
    r as f32
}

const F16: (i32, i32, f32) = (10, -14, 65504.0);
// bfloat16's largest finite value: 0x7F7F in its bits, (2 - 2⁻⁷) · 2¹²⁷.
const BF16: (i32, i32, f32) = (7, -126, 3.389_531_4e38);

/// float32 rounded to float16 (nearest, ties to even), as a float32.
pub fn round_to_f16(x: f32) -> f32 {
    round_to_format(x, F16.0, F16.1, F16.2)
}

/// float32 rounded to bfloat16 (nearest, ties to even), as a float32.
pub fn round_to_bf16(x: f32) -> f32 {
    round_to_format(x, BF16.0, BF16.1, BF16.2)
}

/// The largest value of the format below `x` (a value the format holds, finite, > -max).
fn below_in_format(x: f32, dtype: DType) -> f32 {
    match dtype {
        DType::Float64 => unreachable!("float64 samples are not rounded"),
        DType::Float32 => f32_below(x),
        _ => {
            // Step down float32 by float32 until the format's rounding moves below x: the
            // format's spacing is at most 2^16 float32 steps, so this ends quickly; instead,
            // compute the spacing directly.
            let (mant, emin, _) = if dtype == DType::Float16 { F16 } else { BF16 };
            let below = f32_below(x);
            let v = f64::from(below);
            let a = if v == 0.0 { f64::MIN_POSITIVE } else { v.abs() };
            let e = (a.log2().floor() as i32).max(emin);
            let ulp = 2f64.powi(e - mant);
            // The largest multiple of ulp at or below `below`, which is < x.
            ((v / ulp).floor() * ulp) as f32
        }
    }
}

fn f32_below(x: f32) -> f32 {
    if x == 0.0 {
        return -f32::from_bits(1);
    }
    let b = x.to_bits();
    if x > 0.0 {
        f32::from_bits(b - 1)
    } else {
        f32::from_bits(b + 1)
    }
}

/// Rounds a float32 sample to `dtype` (float32, float16 or bfloat16).
#[inline]
fn round_f32_to(x: f32, dtype: DType) -> f32 {
    match dtype {
        DType::Float16 => round_to_f16(x),
        DType::BFloat16 => round_to_bf16(x),
        _ => x,
    }
}

// ----- argument checks

fn shape_count(op: &'static str, shape: &[usize], dtype: DType) -> Result<usize> {
    crate::alloc::check_result(op, shape, dtype)
}

fn float_dtype(op: &'static str, dtype: DType) -> Result<()> {
    if dtype.is_float() {
        Ok(())
    } else {
        Err(Error::InvalidDType {
            op,
            dtype,
            expected: "a float dtype (float16, bfloat16, float32 or float64)",
        })
    }
}

/// The backend the samples go to, checked for the dtype before any sample is computed.
fn pinned(op: &'static str, dtype: DType) -> Result<TableGuard> {
    let table = crate::state::resolve(op, &[])?;
    if table.unsupported_dtypes().contains(dtype) {
        return Err(Error::UnsupportedDType {
            op,
            dtype,
            backend: table.backend_name().to_string(),
            version: table.version().to_string(),
            supported: DType::ALL
                .iter()
                .filter(|d| !table.unsupported_dtypes().contains(**d))
                .map(|d| d.to_string())
                .collect(),
        });
    }
    Ok(TableGuard::new(table))
}

/// A float tensor from float32 values the dtype holds exactly, or float64 values.
fn float_tensor(data: HostData, shape: &[usize], dtype: DType) -> Result<Tensor> {
    let t = crate::from_host(data, shape)?;
    match dtype {
        DType::Float16 | DType::BFloat16 => crate::astype(&t, dtype),
        _ => Ok(t),
    }
}

// ----- samplers

/// Samples of the standard normal distribution (mean 0, variance 1) in a float dtype, on the
/// active backend. See the [module docs](self) for how they are computed.
pub fn normal(key: &Key, shape: &[usize], dtype: DType) -> Result<Tensor> {
    const OP: &str = "random.normal";
    float_dtype(OP, dtype)?;
    let n = shape_count(OP, shape, dtype)?;
    let _pin = pinned(OP, dtype)?;
    let data = if dtype == DType::Float64 {
        let mut v = crate::alloc::try_with_capacity::<f64>(OP, n)?;
        normal_pairs(*key, n, |z| v.push(z));
        HostData::Float64(v)
    } else {
        let mut v = crate::alloc::try_with_capacity::<f32>(OP, n)?;
        normal_pairs(*key, n, |z| v.push(round_f32_to(z as f32, dtype)));
        HostData::Float32(v)
    };
    float_tensor(data, shape, dtype)
}

/// Calls `emit` with the first `n` normal samples of `key`'s stream, in float64.
#[inline(always)]
fn normal_pairs(key: Key, n: usize, mut emit: impl FnMut(f64)) {
    let tau = std::f64::consts::TAU;
    let mut i = 0usize;
    let mut b = 0u64;
    while i < n {
        let w = key.block(b);
        let u1 = unit53_open_low(w[0], w[1]);
        let u2 = unit53(w[2], w[3]);
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (tau * u2).sin_cos();
        emit(r * c);
        if i + 1 < n {
            emit(r * s);
        }
        i += 2;
        b += 1;
    }
}

/// Samples of the uniform distribution on `[low, high)` in a float dtype, on the active
/// backend. `low` and `high` must be finite in the dtype, and `low < high` after both are
/// rounded to it.
pub fn uniform(key: &Key, shape: &[usize], low: f64, high: f64, dtype: DType) -> Result<Tensor> {
    const OP: &str = "random.uniform";
    float_dtype(OP, dtype)?;
    let bounds = |reason: String| Error::InvalidArgument { op: OP, reason };
    let (lo, hi) = if dtype == DType::Float64 {
        (low, high)
    } else {
        let r = |x: f64| round_f32_to(x as f32, dtype);
        (f64::from(r(low)), f64::from(r(high)))
    };
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(bounds(format!(
            "low ({low}) and high ({high}) must be finite in {dtype}; give bounds the dtype holds"
        )));
    }
    if lo >= hi {
        return Err(bounds(format!(
            "low ({low}) must be below high ({high}){}; the samples are in [low, high)",
            if low < high {
                format!(" after rounding to {dtype} (both round to {lo})")
            } else {
                String::new()
            }
        )));
    }
    let n = shape_count(OP, shape, dtype)?;
    let _pin = pinned(OP, dtype)?;
    let span = hi - lo;
    // The affine map, in float64; when the span overflows, the convex combination instead.
    let map = move |u: f64| {
        if span.is_finite() {
            lo + u * span
        } else {
            lo * (1.0 - u) + hi * u
        }
    };
    let data = if dtype == DType::Float64 {
        let mut v = crate::alloc::try_with_capacity::<f64>(OP, n)?;
        stream_pairs(*key, n, |a, b| {
            let x = map(unit53(a, b));
            v.push(if x >= hi { f64_below(hi) } else { x.max(lo) });
        });
        HostData::Float64(v)
    } else {
        let (lo32, hi32) = (lo as f32, hi as f32);
        let top = below_in_format(hi32, dtype);
        let mut v = crate::alloc::try_with_capacity::<f32>(OP, n)?;
        stream_words(*key, n, |w| {
            let u = f64::from((w >> 8) as f32 * TWO_POW_M24);
            let x = round_f32_to(map(u) as f32, dtype);
            v.push(if x >= hi32 { top } else { x.max(lo32) });
        });
        HostData::Float32(v)
    };
    float_tensor(data, shape, dtype)
}

fn f64_below(x: f64) -> f64 {
    let b = x.to_bits();
    if x == 0.0 {
        -f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(b - 1)
    } else {
        f64::from_bits(b + 1)
    }
}

/// Calls `emit` with each of the first `n` words of `key`'s stream.
#[inline(always)]
fn stream_words(key: Key, n: usize, mut emit: impl FnMut(u32)) {
    let full = n / 4;
    for b in 0..full as u64 {
        let w = key.block(b);
        emit(w[0]);
        emit(w[1]);
        emit(w[2]);
        emit(w[3]);
    }
    let rest = n - full * 4;
    if rest > 0 {
        let w = key.block(full as u64);
        for &x in &w[..rest] {
            emit(x);
        }
    }
}

/// Calls `emit` with the first `n` pairs of words of `key`'s stream (words `2i`, `2i + 1`).
#[inline(always)]
fn stream_pairs(key: Key, n: usize, mut emit: impl FnMut(u32, u32)) {
    let full = n / 2;
    for b in 0..full as u64 {
        let w = key.block(b);
        emit(w[0], w[1]);
        emit(w[2], w[3]);
    }
    if n % 2 == 1 {
        let w = key.block(full as u64);
        emit(w[0], w[1]);
    }
}

/// The offset `⌊x · span / 2⁶⁴⌋` of a 64-bit word `x` into `0..span` (`span ≤ 2⁶⁴`).
#[inline(always)]
fn scale64(x: u64, span: u128) -> u128 {
    (u128::from(x) * span) >> 64
}

/// Integers drawn uniformly from `low..high` (`high` excluded) in an integer dtype, on the
/// active backend. Both bounds must fit the dtype (`high` up to its largest value plus one),
/// and `low < high`.
pub fn integers(key: &Key, shape: &[usize], low: i128, high: i128, dtype: DType) -> Result<Tensor> {
    const OP: &str = "random.integers";
    if !dtype.is_integer() {
        return Err(Error::InvalidDType {
            op: OP,
            dtype,
            expected: "an integer dtype (int8 to int64, uint8 to uint64)",
        });
    }
    let (min, max) = int_range(dtype);
    if low >= high {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!(
                "low ({low}) must be below high ({high}); the samples are in low..high, high excluded"
            ),
        });
    }
    if low < min || high > max + 1 {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!(
                "the range {low}..{high} does not fit {dtype}, whose values are {min}..={max}; use a wider dtype or a narrower range"
            ),
        });
    }
    let n = shape_count(OP, shape, dtype)?;
    let _pin = pinned(OP, dtype)?;
    // high - low ≤ 2⁶⁴: both fit one 64-bit dtype's range plus one.
    let span = (high - low) as u128;
    let mut offsets = crate::alloc::try_with_capacity::<u64>(OP, n)?;
    stream_pairs(*key, n, |a, b| {
        offsets.push(scale64(u64_of(a, b), span) as u64);
    });
    let data = int_host(dtype, low, offsets);
    crate::from_host(data, shape)
}

/// The smallest and largest value of an integer dtype.
fn int_range(dtype: DType) -> (i128, i128) {
    match dtype {
        DType::Int8 => (i8::MIN.into(), i8::MAX.into()),
        DType::Int16 => (i16::MIN.into(), i16::MAX.into()),
        DType::Int32 => (i32::MIN.into(), i32::MAX.into()),
        DType::Int64 => (i64::MIN.into(), i64::MAX.into()),
        DType::UInt8 => (0, u8::MAX.into()),
        DType::UInt16 => (0, u16::MAX.into()),
        DType::UInt32 => (0, u32::MAX.into()),
        _ => (0, u64::MAX.into()),
    }
}

/// `low + offset` for each offset, in `dtype` (every value fits: the range was checked).
fn int_host(dtype: DType, low: i128, offsets: Vec<u64>) -> HostData {
    macro_rules! conv {
        ($variant:ident, $t:ty) => {
            HostData::$variant(
                offsets
                    .into_iter()
                    .map(|o| (low + i128::from(o)) as $t)
                    .collect(),
            )
        };
    }
    match dtype {
        DType::Int8 => conv!(Int8, i8),
        DType::Int16 => conv!(Int16, i16),
        DType::Int32 => conv!(Int32, i32),
        DType::Int64 => conv!(Int64, i64),
        DType::UInt8 => conv!(UInt8, u8),
        DType::UInt16 => conv!(UInt16, u16),
        DType::UInt32 => conv!(UInt32, u32),
        _ => conv!(UInt64, u64),
    }
}

/// A bool tensor whose elements are true with probability `p` (in `[0, 1]`), on the active
/// backend.
pub fn bernoulli(key: &Key, p: f64, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "random.bernoulli";
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!("the probability p ({p}) must be in [0, 1]"),
        });
    }
    let n = shape_count(OP, shape, DType::Bool)?;
    let _pin = pinned(OP, DType::Bool)?;
    let mut v = crate::alloc::try_with_capacity::<bool>(OP, n)?;
    stream_pairs(*key, n, |a, b| v.push(unit53(a, b) < p));
    crate::from_host(HostData::Bool(v), shape)
}

/// A random permutation of `0..n` as a 1-D int64 tensor, on the active backend (Fisher–Yates;
/// every order is equally likely up to the bias of [`integers`]). Apply it to a tensor with
/// [`take`](crate::take).
pub fn permutation(key: &Key, n: usize) -> Result<Tensor> {
    const OP: &str = "random.permutation";
    if i64::try_from(n).is_err() {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!("n ({n}) must fit int64, the dtype of the result"),
        });
    }
    shape_count(OP, &[n], DType::Int64)?;
    let _pin = pinned(OP, DType::Int64)?;
    let mut v = crate::alloc::try_with_capacity::<i64>(OP, n)?;
    v.extend(0..n as i64);
    if n > 1 {
        // Swap k (k = 0, 1, …) puts a draw from 0..=i at i = n - 1 - k.
        let mut k = 0usize;
        stream_pairs(*key, n - 1, |a, b| {
            let i = n - 1 - k;
            let j = scale64(u64_of(a, b), (i + 1) as u128) as usize;
            v.swap(i, j);
            k += 1;
        });
    }
    crate::from_host(HostData::Int64(v), &[n])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Random123's known-answer vectors (kat_vectors), Philox-4x32 with 10 rounds: counter
    // (4 words), key (2 words), result (4 words).
    #[test]
    fn philox4x32_10_known_answers() {
        let kat: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
            (
                [0; 4],
                [0; 2],
                [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
            ),
            (
                [u32::MAX; 4],
                [u32::MAX; 2],
                [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
            ),
            (
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0],
                [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
            ),
        ];
        for (ctr, key, want) in kat {
            assert_eq!(
                philox4x32(10, ctr, key),
                want,
                "counter {ctr:x?} key {key:x?}"
            );
        }
    }

    // The same file's 7-round vector for the pi digits.
    #[test]
    fn philox4x32_7_known_answer() {
        let got = philox4x32(
            7,
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
        );
        assert_eq!(got, [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a]);
    }

    #[test]
    fn the_stream_is_the_blocks_in_counter_order() {
        let k = Key::from_words([0xa4093822, 0x299f31d0]);
        let w = k.words_of_stream(9);
        assert_eq!(&w[..4], &philox4x32(10, [0, 0, 0, 0], k.words()));
        assert_eq!(&w[4..8], &philox4x32(10, [1, 0, 0, 0], k.words()));
        assert_eq!(w[8], philox4x32(10, [2, 0, 0, 0], k.words())[0]);
    }

    // float16 values by hand: 1 + 2⁻¹⁰ is the float16 after 1; halfway between is a tie that
    // goes to the even 1; 65504 is the largest finite; 65520 is halfway to 65536 and rounds
    // to infinity; 2⁻²⁴ is the smallest subnormal and 2⁻²⁵ a tie that rounds to 0.
    #[test]
    fn float16_rounding_by_hand() {
        let ulp = 2f32.powi(-10);
        assert_eq!(round_to_f16(1.0 + ulp), 1.0 + ulp);
        assert_eq!(round_to_f16(1.0 + ulp / 2.0), 1.0);
        assert_eq!(round_to_f16(1.0 + 1.5 * ulp), 1.0 + 2.0 * ulp);
        assert_eq!(round_to_f16(1.0 + 0.6 * ulp), 1.0 + ulp);
        assert_eq!(round_to_f16(65504.0), 65504.0);
        assert_eq!(round_to_f16(65519.0), 65504.0);
        assert_eq!(round_to_f16(65520.0), f32::INFINITY);
        assert_eq!(round_to_f16(-65520.0), f32::NEG_INFINITY);
        assert_eq!(round_to_f16(2f32.powi(-24)), 2f32.powi(-24));
        assert_eq!(round_to_f16(2f32.powi(-25)), 0.0);
        assert_eq!(round_to_f16(1.5 * 2f32.powi(-25)), 2f32.powi(-24));
        assert_eq!(round_to_f16(0.1), 0.099_975_586);
        assert_eq!(round_to_f16(-3.0), -3.0);
    }

    // bfloat16 keeps float32's exponent and 7 fraction bits: rounding is on the top 16 bits.
    #[test]
    fn bfloat16_rounding_by_hand() {
        let ulp = 2f32.powi(-7);
        assert_eq!(round_to_bf16(1.0 + ulp / 2.0), 1.0);
        assert_eq!(round_to_bf16(1.0 + 1.5 * ulp), 1.0 + 2.0 * ulp);
        assert_eq!(round_to_bf16(0.1), f32::from_bits(0x3DCD_0000));
        assert_eq!(round_to_bf16(f32::MAX), f32::INFINITY);
        assert_eq!(round_to_bf16(3.389_531_4e38), f32::from_bits(0x7F7F_0000));
    }

    #[test]
    fn below_in_format_is_the_previous_representable() {
        assert_eq!(below_in_format(1.0, DType::Float16), 1.0 - 2f32.powi(-11));
        assert_eq!(below_in_format(1.0, DType::BFloat16), 1.0 - 2f32.powi(-8));
        assert_eq!(below_in_format(1.0, DType::Float32), 1.0 - 2f32.powi(-24));
        assert_eq!(below_in_format(0.0, DType::Float16), -(2f32.powi(-24)));
        assert_eq!(below_in_format(-1.0, DType::Float16), -1.0 - 2f32.powi(-10));
    }
}
