#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting, lints, every test of every crate in the
# workspace (unit, integration, conformance, doc tests, and each benchmark run once as a test).
# Installs nothing today: the ndarray backend is pure Rust and cargo fetches the crates.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test (unit, integration, conformance, examples, benches as tests)"
cargo test --workspace --all-targets

echo "== cargo test --doc"
cargo test --workspace --doc

echo "== the tour runs"
cargo run --quiet --example tour > /dev/null
