//! SplitMix64, the small deterministic generator the randomized tests draw their cases from
//! (included with `#[path]`, as `memory_limit.rs` is).

#![allow(dead_code)]

/// SplitMix64 over `(seed, index)`: every case is reproducible on its own.
pub struct Rng(u64);

impl Rng {
    /// The generator of case `index` of a campaign seeded with `seed`.
    pub fn new(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next();
        r
    }
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// One of `xs` (not empty).
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    /// true with probability `percent`/100
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}
