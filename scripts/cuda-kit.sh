#!/usr/bin/env bash
# Builds a kit for checking the torch backend on a CUDA machine that has no Rust toolchain
# (the GPU machine lent to sessions has libtorch only inside its Python's torch):
#
#     bash scripts/cuda-kit.sh [2.11.0]    # here: builds cuda-kit/ (ignored by git)
#     bash cuda-kit/run.sh                 # there: conformance on cuda:0, device tests, bench
#
# The test and bench binaries are linked against PyPI's torch wheel of that release (default
# 2.11.0, tch 0.24: the GPU machine's torch) in release mode, and run there against that
# machine's torch/lib, which has the CUDA libraries. run.sh writes the logs to $OUT when it
# is set (the device tool brings that folder back), else to cuda-kit/logs.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-2.11.0}"
kit=cuda-kit
rm -rf "$kit"
mkdir -p "$kit"

# The executables cargo reports for the torch backend's tests and bench.
bash scripts/test-torch.sh "$version" -- test --release -p tensorswitch-tch --no-run \
    --message-format=json-render-diagnostics > "$kit/build.json"
bash scripts/test-torch.sh "$version" -- bench -p tensorswitch-tch --bench torch --no-run \
    --message-format=json-render-diagnostics >> "$kit/build.json"
python3 - "$kit" <<'PY'
import json, shutil, sys, os
kit = sys.argv[1]
wanted = {"conformance", "backend", "sharing", "variants", "torch"}
for line in open(os.path.join(kit, "build.json")):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    exe = m.get("executable")
    name = (m.get("target") or {}).get("name")
    if exe and name in wanted:
        shutil.copy(exe, os.path.join(kit, name))
        print("kit:", name, "<-", exe, file=sys.stderr)
PY
rm "$kit/build.json"

cat > "$kit/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the kit on a CUDA machine. Needs python3 with a torch whose version matches the kit's.
set -uo pipefail
kit="$(cd "$(dirname "$0")" && pwd)"
logs="${OUT:-$kit/logs}"
mkdir -p "$logs"
# TORCH_LIB overrides the lookup (a libtorch outside Python, or a machine without CUDA).
if [ -z "${TORCH_LIB:-}" ]; then
    TORCH_LIB="$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "(no GPU)")' > "$logs/machine.txt" 2>&1
fi
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv >> "$logs/machine.txt" 2>&1
cat "$logs/machine.txt"
status=0
run() { # name, then the command; keeps going after a failure
    local name="$1"; shift
    echo "== $name"
    "$@" > "$logs/$name.log" 2>&1 && echo "   ok" || { echo "   FAILED (see $name.log)"; status=1; }
    tail -n 5 "$logs/$name.log"
}
run backend "$kit/backend" --test-threads 1
run conformance-cuda env TENSORSWITCH_TEST_DEVICE=cuda:0 "$kit/conformance" --nocapture
run sharing "$kit/sharing"
run variants "$kit/variants"
run bench "$kit/torch" --bench
exit $status
RUN
chmod +x "$kit/run.sh"
du -sh "$kit"
