#!/usr/bin/env bash
# Installs what the `mlx` backend (backends/mlx) needs on Linux and prints the environment its
# build reads:
#
#     eval "$(bash scripts/setup-mlx.sh)"          # MLX 0.32.2 (the only release that works)
#
# * MLX itself from PyPI's `mlx-cpu` wheel: its `mlx/` folder holds libmlx.so, the headers and
#   a CMake package. 0.32.2 is pinned because mlx-rs 0.33 pins mlx-sys 0.7.0, whose mlx-c 0.7.0
#   does not compile against 0.32.4.
# * The source of the `mlx-sys` 0.7.0 crate (for its mlx-c sources and headers), fetched with
#   cargo into the cargo registry, without building it: backends/mlx/mlx-sys-linux compiles
#   mlx-c from there against the wheel (mlx-sys's own build script is macOS-only).
# * Debian packages: cmake (mlx-c's build), libclang-14-dev (bindgen), libopenblas0-pthread
#   (put in place of the wheel's slow reference BLAS, see below). Installed with apt-get when
#   missing.
#
# Everything goes to ${TENSORSWITCH_DEPS:-$HOME/.cache/tensorswitch}/mlx-VERSION; a re-run finds
# mlx/lib/libmlx.so there and downloads nothing. stdout: only `export` lines; progress goes to
# stderr.
set -euo pipefail

version="${1:-0.32.2}"
mlx_sys_version="0.7.0"
root="${TENSORSWITCH_DEPS:-$HOME/.cache/tensorswitch}"
dest="$root/mlx-$version"
repo="$(cd "$(dirname "$0")/.." && pwd)"

log() { echo "setup-mlx: $*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
missing=()
command -v cmake > /dev/null || missing+=(cmake)
[ -e /usr/lib/llvm-14/lib/libclang.so ] || [ -n "${LIBCLANG_PATH:-}" ] || missing+=(libclang-14-dev)
openblas="/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
if [ "$(uname -m)" = x86_64 ] && [ ! -e "$openblas" ]; then
    missing+=(libopenblas0-pthread)
fi
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get > /dev/null || { log "please install: ${missing[*]}"; exit 1; }
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    log "installing ${missing[*]} with apt-get"
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

# --- the MLX wheel ---------------------------------------------------------------------------
if [ -f "$dest/mlx/lib/libmlx.so" ]; then
    log "MLX $version already installed in $dest"
else
    command -v python3 > /dev/null || { log "python3 (with pip) is needed"; exit 1; }
    mkdir -p "$root"
    tmp="$(mktemp -d "$root/.mlx-$version.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    links=()
    [ -d "$repo/.deps/wheels" ] && links=(--find-links "$repo/.deps/wheels")
    log "installing mlx-cpu==$version into $dest (the wheel is about 10 MB)"
    python3 -m pip install --quiet --root-user-action=ignore --no-deps --no-compile \
        --target "$tmp" "${links[@]}" "mlx-cpu==$version" >&2
    [ -f "$tmp/mlx/lib/libmlx.so" ] || { log "the wheel has no mlx/lib/libmlx.so"; exit 1; }
    rm -rf "$dest"
    mv "$tmp" "$dest"
    trap - EXIT
    log "done"
fi

# --- fast BLAS -------------------------------------------------------------------------------
# libmlx.so finds its BLAS and LAPACK through its rpath ($ORIGIN/../../mlx_cpu.libs), where the
# wheel ships slow reference builds (512x512 float32 matmul about 80 ms). Their names there are
# replaced by links to Debian's OpenBLAS (20-40x faster; libmlx.so asks for no symbol versions
# from them, so any BLAS/LAPACK with the standard symbols fits). The originals are kept as
# *.reference; TENSORSWITCH_MLX_REFERENCE_BLAS=1 puts them back.
ob_dir="$(dirname "$openblas")"
for lib in "$dest"/mlx_cpu.libs/libblas-*.so* "$dest"/mlx_cpu.libs/liblapack-*.so*; do
    case "$lib" in *.reference | *'*'*) continue ;; esac
    case "$(basename "$lib")" in libblas-*) fast="$ob_dir/libblas.so.3" ;; *) fast="$ob_dir/liblapack.so.3" ;; esac
    if [ "${TENSORSWITCH_MLX_REFERENCE_BLAS:-0}" = 1 ] || [ ! -e "$fast" ]; then
        [ -L "$lib" ] && [ -e "$lib.reference" ] && mv -f "$lib.reference" "$lib" && log "restored $(basename "$lib")"
    elif [ ! -L "$lib" ]; then
        mv "$lib" "$lib.reference"
        ln -s "$fast" "$lib"
        log "$(basename "$lib") -> $fast"
    fi
done

# --- the mlx-sys sources ---------------------------------------------------------------------
# A scratch package that depends on mlx-sys: `cargo fetch` downloads and unpacks it into the
# registry without running its build script, and `cargo metadata` says where it went.
src_file="$dest/mlx-sys-src"
src=""
[ -f "$src_file" ] && src="$(cat "$src_file")"
if [ -z "$src" ] || [ ! -f "$src/src/mlx-c/mlx/c/mlx.h" ]; then
    scratch="$dest/.fetch-mlx-sys"
    mkdir -p "$scratch/src"
    cat > "$scratch/Cargo.toml" << EOF
[package]
name = "fetch-mlx-sys"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
mlx-sys = { version = "=$mlx_sys_version", default-features = false }

[workspace]
EOF
    : > "$scratch/src/lib.rs"
    log "fetching the mlx-sys $mlx_sys_version crate (sources only)"
    cargo fetch --quiet --manifest-path "$scratch/Cargo.toml" >&2
    src="$(cargo metadata --quiet --format-version 1 --manifest-path "$scratch/Cargo.toml" |
        python3 -c 'import json, os, sys
m = json.load(sys.stdin)
p = next(p for p in m["packages"] if p["name"] == "mlx-sys")
print(os.path.dirname(p["manifest_path"]))')"
    [ -f "$src/src/mlx-c/mlx/c/mlx.h" ] || { log "no mlx-c sources in $src"; exit 1; }
    echo "$src" > "$src_file"
fi

echo "export MLX_DIR='$dest/mlx'"
echo "export MLX_SYS_SRC='$src'"
[ -z "${LIBCLANG_PATH:-}" ] && [ -d /usr/lib/llvm-14/lib ] && echo "export LIBCLANG_PATH=/usr/lib/llvm-14/lib"
echo "export LD_LIBRARY_PATH='$dest/mlx/lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
