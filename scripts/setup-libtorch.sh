#!/usr/bin/env bash
# Installs libtorch for the `torch` backend (backends/tch) from PyPI's torch wheel and prints
# the environment the build needs:
#
#     eval "$(bash scripts/setup-libtorch.sh)"          # libtorch 2.13.0
#     eval "$(bash scripts/setup-libtorch.sh 2.11.0)"   # another version
#
# The wheel's torch/ folder is a complete libtorch (headers, lib/, CXX11 ABI). Its libraries
# also need the CUDA runtime and CUPTI at load time even on CPU, so the two nvidia wheels that
# ship libcudart and libcupti are installed next to it (the pins come from the torch wheel's
# own metadata). Everything goes to ${TENSORSWITCH_DEPS:-$HOME/.cache/tensorswitch}/torch-VERSION;
# a re-run finds torch/lib/libtorch.so there and downloads nothing.
#
# stdout: only `export` lines. Progress goes to stderr.
set -euo pipefail

version="${1:-2.13.0}"
root="${TENSORSWITCH_DEPS:-$HOME/.cache/tensorswitch}"
dest="$root/torch-$version"
repo="$(cd "$(dirname "$0")/.." && pwd)"

log() { echo "setup-libtorch: $*" >&2; }

# The folders holding the CUDA runtime libraries (nvidia/cu13/lib for CUDA 13 wheels,
# nvidia/<pkg>/lib for the CUDA 12 ones), as a colon-separated list.
nvidia_lib_dirs() {
    local dirs=() d
    for d in "$dest"/nvidia/*/lib; do
        [ -d "$d" ] && dirs+=("$d")
    done
    local IFS=:
    echo "${dirs[*]:-}"
}

if [ -f "$dest/torch/lib/libtorch.so" ]; then
    log "libtorch $version already installed in $dest"
else
    command -v python3 > /dev/null || { log "python3 (with pip) is needed"; exit 1; }
    mkdir -p "$root"
    tmp="$(mktemp -d "$root/.torch-$version.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    # Wheels already downloaded into the checkout (.deps/wheels) are used without a download.
    links=()
    [ -d "$repo/.deps/wheels" ] && links=(--find-links "$repo/.deps/wheels")
    pip() { python3 -m pip install --quiet --root-user-action=ignore --no-deps --no-compile --target "$tmp" "${links[@]}" "$@" >&2; }

    log "installing torch==$version into $dest (the wheel is about 530 MB)"
    pip "torch==$version"

    # --no-deps skips extras, so name the runtime wheels themselves. The CUDA 13 wheels (2.11,
    # 2.13) depend on cuda-toolkit[cudart,cupti,...]==X, whose extras pin nvidia-cuda-runtime
    # and nvidia-cuda-cupti; CUDA 12 wheels pin nvidia-cuda-runtime-cu12 and friends directly.
    meta="$(echo "$tmp"/torch-*.dist-info/METADATA)"
    toolkit="$(sed -n 's/^Requires-Dist: cuda-toolkit\[[^]]*\]==\([0-9.]*\).*/\1/p' "$meta" | head -n1)"
    direct="$(sed -n 's/^Requires-Dist: \(nvidia-cuda-\(runtime\|cupti\)-cu[0-9]*==[0-9.]*\).*/\1/p' "$meta")"
    if [ -n "$toolkit" ]; then
        log "resolving the CUDA runtime wheels of cuda-toolkit==$toolkit"
        ctdir="$tmp/.cuda-toolkit"
        python3 -m pip download --quiet --no-deps -d "$ctdir" "cuda-toolkit==$toolkit" >&2
        ctmeta="$(python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())' "$ctdir"/cuda_toolkit-*.whl)"
        pins="$(sed -n "s/^Requires-Dist: \(nvidia-cuda-\(runtime\|cupti\)==[0-9.*]*\).*extra == '\(cudart\|cupti\)'.*/\1/p" <<< "$ctmeta")"
        rm -rf "$ctdir"
    else
        pins="$direct"
    fi
    if [ -n "$pins" ]; then
        log "installing $(echo $pins)"
        # shellcheck disable=SC2086 # one argument per pin
        pip $pins
    else
        log "torch==$version names no CUDA runtime wheels; installing torch alone"
    fi

    [ -f "$tmp/torch/lib/libtorch.so" ] || { log "the wheel has no torch/lib/libtorch.so"; exit 1; }
    rm -rf "$dest"
    mv "$tmp" "$dest"
    trap - EXIT
    log "done"
fi

libs="$dest/torch/lib"
extra="$(nvidia_lib_dirs)"
[ -n "$extra" ] && libs="$libs:$extra"
echo "export LIBTORCH='$dest/torch'"
# The wheel is built with the C++11 ABI; torch-sys must compile its shim the same way.
echo "export LIBTORCH_CXX11_ABI=1"
echo "export LD_LIBRARY_PATH='$libs'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
