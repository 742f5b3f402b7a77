"""Reference number: what Ivy's dynamic backend conversion costs per live tensor.

`ivy.set_backend(name, dynamic=True)` first swaps ivy's namespace to the new backend, then
walks `gc.get_objects()` for every ivy.Array / ivy.Container whose backend differs from the
new one and whose `dynamic_backend` flag is set, and replaces each one's `.data` with a
native array of the new backend (through DLPack, or through NumPy when DLPack fails).

This times that call numpy -> torch and torch -> numpy with N live float32 arrays and with
none (the fixed cost), and reports (t(N) - t(0)) / N per tensor.

    cd /tmp && /work/ivy-venv/bin/python /work/main/benches/ivy/dynamic_switch.py [--reps 7]

See README.md beside this file for the environment (versions matter: see the caveats there).
"""

import sys

# torch 2.13 imports cuda.bindings when present (optionally; it falls back without it). Its
# Cython 3.2 types have a metatype whose `__module__` is a descriptor, not a str, and Ivy's
# gc scan (`"ivy" in type(obj).__module__`) raises TypeError on them. Hide the package.
sys.modules["cuda.bindings"] = None

import argparse
import gc
import statistics
import time

import numpy as np
import torch

import ivy
from ivy.utils.backend import handler

KIB = 1024


def ptr(native):
    return native.data_ptr() if isinstance(native, torch.Tensor) else native.ctypes.data


def switch(to, dynamic=True):
    """Time one converting switch; then trim ivy's backend stack to depth 1 (untimed).

    set_backend pushes onto a stack and never pops, and each call pops and re-pushes the
    whole stack, so back-and-forth switching would get slower with every call. Dropping the
    older entries keeps every timed call in the same state as a plain first switch.
    """
    t0 = time.perf_counter()
    ivy.set_backend(to, dynamic=dynamic)
    dt = time.perf_counter() - t0
    del handler.backend_stack[:-1]
    return dt


def run(n_floats, count, reps):
    """Median seconds of the switch to torch and back to numpy, and memory sharing."""
    ivy.set_backend("numpy")
    del handler.backend_stack[:-1]
    arrays = [ivy.array(np.random.rand(n_floats).astype(np.float32)) for _ in range(count)]
    assert all(x.dynamic_backend for x in arrays)
    times = {"numpy->torch": [], "torch->numpy": []}
    shared = {}
    for _ in range(reps):
        for to, native, key in (("torch", torch.Tensor, "numpy->torch"),
                                ("numpy", np.ndarray, "torch->numpy")):
            before = [ptr(x.data) for x in arrays]
            times[key].append(switch(to))
            assert all(type(x.data) is native for x in arrays), f"not moved to {to}"
            after = [ptr(x.data) for x in arrays]
            shared[key] = sum(a == b for a, b in zip(before, after))
    del arrays
    gc.collect()
    return {k: statistics.median(v) for k, v in times.items()}, shared


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1000, help="live arrays at 1 KiB and 1 MiB")
    p.add_argument("--n16", type=int, default=200, help="live arrays at 16 MiB")
    p.add_argument("--reps", type=int, default=7)
    a = p.parse_args()

    print(f"python {sys.version.split()[0]}, ivy {ivy.__version__}, numpy {np.__version__}, "
          f"torch {torch.__version__}, torch threads {torch.get_num_threads()}")
    run(256, 10, 2)  # warm-up: imports and caches both backends
    base, _ = run(256, 0, a.reps)
    plain = statistics.median(switch(to, dynamic=False) for _ in range(a.reps)
                              for to in ("torch", "numpy"))
    print(f"gc-tracked objects: {len(gc.get_objects())}; "
          f"set_backend without dynamic: {plain * 1e3:.2f} ms")
    print(f"t(0): numpy->torch {base['numpy->torch'] * 1e3:.2f} ms, "
          f"torch->numpy {base['torch->numpy'] * 1e3:.2f} ms")
    print("| size | N | direction | median switch (s) | per tensor (us) | memory shared |")
    print("|---|---|---|---|---|---|")
    for label, n_floats, count in (("1 KiB", KIB // 4, a.n), ("1 MiB", KIB * KIB // 4, a.n),
                                   ("16 MiB", 16 * KIB * KIB // 4, a.n16)):
        t, shared = run(n_floats, count, a.reps)
        per = {k: (t[k] - base[k]) / count * 1e6 for k in t}
        for k in t:
            print(f"| {label} | {count} | {k} | {t[k]:.4f} | {per[k]:.1f} | "
                  f"{shared[k]}/{count} |")
        print(f"| {label} | {count} | mean | {statistics.mean(t.values()):.4f} | "
              f"{statistics.mean(per.values()):.1f} | |")


if __name__ == "__main__":
    main()
