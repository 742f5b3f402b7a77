#!/usr/bin/env bash
# Installs NumPy from PyPI for the transpiler's differential tests (transpile/, random programs
# emitted as NumPy and run with it) and prints the environment they read:
#
#     eval "$(bash scripts/setup-numpy.sh)"          # NumPy 2.4.6, the conformance data's
#     eval "$(bash scripts/setup-numpy.sh 2.3.5)"    # another version
#
# The wheel goes to ${TENSORSWITCH_DEPS:-$HOME/.cache/tensorswitch}/numpy-VERSION (pip
# --target, nothing installed system-wide); a re-run finds it there and downloads nothing.
# TS_REQUIRE_NUMPY=1 makes the differential tests fail, not skip, when NumPy cannot be imported.
#
# stdout: only `export` lines. Progress goes to stderr.
set -euo pipefail

version="${1:-2.4.6}"
root="${TENSORSWITCH_DEPS:-$HOME/.cache/tensorswitch}"
dest="$root/numpy-$version"

log() { echo "setup-numpy: $*" >&2; }

command -v python3 > /dev/null || { log "python3 (with pip) is needed"; exit 1; }
if [ -d "$dest/numpy" ] && PYTHONPATH="$dest" python3 -c "import numpy, sys; sys.exit(numpy.__version__ != '$version' or not numpy.__file__.startswith('$dest'))" 2> /dev/null; then
    log "numpy $version already installed in $dest"
else
    mkdir -p "$root"
    tmp="$(mktemp -d "$root/.numpy-$version.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    log "installing numpy==$version into $dest"
    python3 -m pip install --quiet --root-user-action=ignore --no-deps --no-compile \
        --target "$tmp" "numpy==$version" >&2
    rm -rf "$dest"
    mv "$tmp" "$dest"
    trap - EXIT
fi
echo "export TS_PYTHON=\"$(command -v python3)\""
echo "export TS_NUMPY_PATH=\"$dest\""
echo "export TS_REQUIRE_NUMPY=1"
