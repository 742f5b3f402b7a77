#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting, lints, every test of every crate in the
# workspace (unit, integration, conformance on every backend, doc tests, each benchmark run
# once as a test), the API docs without a broken link, the tour, the torch backend against
# both supported libtorch releases, and the mlx backend and its plugin (their own workspace,
# backends/mlx) with round trips to ndarray and torch.
# Installs what it needs by itself: libtorch comes from PyPI's torch wheels
# (scripts/setup-libtorch.sh), MLX from PyPI's mlx-cpu wheel plus a few Debian packages
# (scripts/setup-mlx.sh), NumPy for the transpiler's differential tests from PyPI
# (scripts/setup-numpy.sh), all cached in ~/.cache/tensorswitch; cargo fetches the crates.
set -euo pipefail
cd "$(dirname "$0")/.."

# Disk: the suite builds three target folders (the workspace, backends/mlx, libtorch 2.11).
# With full debug info and incremental caches they took 21 GB and filled a CI machine's disk;
# line tables keep file:line in backtraces, and a one-off build gains nothing from incremental
# caches. Both can be overridden from the environment.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"

# Every cargo test run's output also goes to this log, so the last line can count them all.
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== libtorch 2.13.0 for the torch backend"
eval "$(bash scripts/setup-libtorch.sh 2.13.0)"

echo "== NumPy 2.4.6 for the transpiler's differential tests"
eval "$(bash scripts/setup-numpy.sh)"

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test (unit, integration, conformance, examples, benches as tests)"
cargo test --workspace --all-targets 2>&1 | tee -a "$log"

echo "== cargo test --doc"
cargo test --workspace --doc 2>&1 | tee -a "$log"

echo "== cargo doc (broken intra-doc links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

echo "== the tour runs"
cargo run --quiet --example tour > /dev/null

echo "== the tensorswitch command with torch compiled in (cargo feature torch)"
cargo run --quiet -p tensorswitch-cli --features torch -- check --backend torch | tail -n 1

echo "== MLX 0.32.2 for the mlx backend"
eval "$(bash scripts/setup-mlx.sh)"

echo "== the mlx backend and its plugin: fmt, clippy, tests (the torch backend linked for round trips)"
# One cargo run for both packages (and one feature set), so MLX's C bindings build once; the
# plugin's tests load the cdylib it builds, from a binary that does not link MLX.
mlx=(--manifest-path backends/mlx/Cargo.toml -p tensorswitch-mlx -p tensorswitch-mlx-plugin)
cargo fmt "${mlx[@]}" -- --check
CARGO_TARGET_DIR=target/mlx cargo clippy "${mlx[@]}" --all-targets --features tensorswitch-mlx/torch -- -D warnings
CARGO_TARGET_DIR=target/mlx cargo test "${mlx[@]}" --all-targets --features tensorswitch-mlx/torch 2>&1 | tee -a "$log"

echo "== the torch backend against libtorch 2.11.0 (tch 0.24)"
bash scripts/test-torch.sh 2.11.0 2>&1 | tee -a "$log"

# One closing line for the whole suite (cargo prints one per test binary).
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tensorswitch: %d passed, %d failed\n", passed, failed }' "$log"
echo "tensorswitch: build folders take $(du -sh target 2>/dev/null | cut -f1)"
