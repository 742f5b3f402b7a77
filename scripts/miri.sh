#!/usr/bin/env bash
# Runs the tests that exercise tensorswitch's unsafe code under Miri (nightly toolchain with
# the miri component): the tensor handle and its block cache (tensor/handle.rs), the inline shape
# storage (tensor/dims.rs), dynamic tensors' read sections, registry and in-place conversion
# (tensor/live.rs, the handle's forwarding; tests/dynamic.rs with ops running on eight threads
# during switches), the lock-free stack top read on every dispatch (state.rs), and the
# zero-copy memory sharing of to_backend (SharedHost, ndarray's lending and borrowing, the
# test backend's borrowing import), ndarray's results built without stride validation as
# indexing uses them (tests/indexing.rs), and ndarray's contiguous-vector slices (`buf::vector`, which `buf::flat` calls). Not part of scripts/test.sh: Miri needs a nightly toolchain
# that CI machines may not be able to fetch.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo +nightly miri test -p tensorswitch --lib "$@" -- handle:: dims:: live::
# Choosing a backend looks for a tensorswitch.toml in the working directory (src/config.rs),
# which Miri's isolation refuses, so isolation is off for these tests. tests/variants.rs is
# not among them: building a table at an emulated version reads the custom-op registry,
# linkme's `__start_`/`__stop_` section symbols, which Miri does not support.
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-disable-isolation" cargo +nightly miri test -p tensorswitch --test state --test conversion --test dynamic --test indexing "$@"
# matmul starts gemm's rayon pool, whose crossbeam-epoch breaks Miri's default Stacked Borrows
# rules in its own code (a retag in its list of participants); Tree Borrows accepts it, and
# still checks this backend's borrowed views and `buf::vector`'s slices.
# The pool's threads live until the process exits, which Miri reports as an error after the
# tests have passed; -Zmiri-ignore-leaks lets them (and turns off the leak check for this file).
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-tree-borrows -Zmiri-ignore-leaks" cargo +nightly miri test -p tensorswitch-ndarray --test borrow "$@"
cargo +nightly miri test -p tensorswitch-ndarray --lib "$@" -- buf::
# The ndarray backend's ops (the unchecked result construction on the elementwise hot path,
# strided and F-ordered inputs). Miri makes float functions imprecise by an ulp on purpose;
# the ops tests compare `exp` across layouts exactly, so floats are made deterministic here.
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-deterministic-floats" cargo +nightly miri test -p tensorswitch-ndarray --test ops "$@"
