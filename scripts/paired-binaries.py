#!/usr/bin/env python3
"""Paired timing of two builds of one benchmark program (e.g. the commit before a change and
after it), for ratios on a noisy machine: runs them in alternating order, round after round,
and prints the median of the per-round time ratios (second / first).

    scripts/paired-binaries.py OLD NEW --rounds 41 -- ts 3000000
    ENV: --env-new TS_DYNAMIC=0 sets a variable for the second binary only.

Both programs get the same arguments. Each run is timed by its CPU time (user + system, from
wait4), which includes process start-up: give them enough iterations (a second or so) that
start-up is small against the loop.
"""
import argparse
import os
import statistics
import subprocess


def run(binary, args, env):
    """The CPU time (user + system) the run took: unlike wall time, it does not count the
    time the process waited for a core on a shared machine."""
    proc = subprocess.Popen([binary, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{binary} failed: status {status}")
    return usage.ru_utime + usage.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=41)
    p.add_argument("--env-new", action="append", default=[])
    p.add_argument("args", nargs="*")
    a = p.parse_intermixed_args()
    env_new = dict(os.environ)
    env_new.update(kv.split("=", 1) for kv in a.env_new)
    ratios = []
    for i in range(a.rounds):
        if i % 2 == 0:
            old = run(a.old, a.args, os.environ)
            new = run(a.new, a.args, env_new)
        else:
            new = run(a.new, a.args, env_new)
            old = run(a.old, a.args, os.environ)
        ratios.append(new / old)
    q = statistics.quantiles(ratios, n=4)
    print(f"median ratio {statistics.median(ratios):.3f} (quartiles {q[0]:.3f} .. {q[2]:.3f}, {a.rounds} rounds)")


if __name__ == "__main__":
    main()
