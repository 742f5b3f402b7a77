#!/usr/bin/env bash
# Runs the torch backend's tests (conformance suite included) against one libtorch release:
#
#     bash scripts/test-torch.sh 2.13.0    # tch 0.26, the version Cargo.lock pins
#     bash scripts/test-torch.sh 2.11.0    # tch 0.24, the libtorch of the GPU test machine
#     bash scripts/test-torch.sh 2.11.0 -- bench -p tensorswitch-tch --no-run
#                                          # any cargo command instead of the tests
#
# Only one tch can be linked per build (each torch-sys claims the native library `torch`), so
# the libtorch release is chosen by which tch the lockfile resolves: tensorswitch-tch accepts
# tch 0.24 to 0.26. For a release other than the pinned one this script resolves its tch in a
# temporary change of Cargo.lock (restored on exit) and builds into its own target folder,
# so the main build is not thrown away. Users do the same in their own project with
# `cargo update -p tch --precise 0.24.0`.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-2.13.0}"
shift || true
if [ "${1:-}" = "--" ]; then
    shift
    command=("$@")
else
    command=(test -p tensorswitch-tch)
fi
case "$version" in
    2.13.*) tch=0.26.0 ;;
    2.11.*) tch=0.24.0 ;;
    *)
        echo "test-torch: libtorch $version is not supported; use 2.13.x (tch 0.26) or 2.11.x (tch 0.24)" >&2
        exit 2
        ;;
esac

eval "$(bash scripts/setup-libtorch.sh "$version")"

locked=$(awk '/^name = "tch"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if [ "$locked" = "$tch" ]; then
    echo "== torch backend, libtorch $version (tch $tch)" >&2
    cargo "${command[@]}"
    exit 0
fi

backup=$(mktemp)
cp Cargo.lock "$backup"
trap 'cp "$backup" Cargo.lock; rm -f "$backup"' EXIT
echo "== torch backend, libtorch $version (tch $tch instead of the pinned $locked)" >&2
cargo update --quiet -p tch --precise "$tch"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/torch-$version" cargo "${command[@]}"
