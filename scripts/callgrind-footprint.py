#!/usr/bin/env python3
"""Per-call instructions and code footprint, by function, from two callgrind runs.

Usage:
    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=A.out PROG ... N1
    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=B.out PROG ... N2
    scripts/callgrind-footprint.py A.out B.out N2-N1 [ANOTHER_A ANOTHER_B]

Each function's cost is the difference between the two runs divided by the difference of
their iteration counts, so start-up cancels out. "lines" is the number of distinct 64-byte
lines of code the function executes per call (an instruction executed at least half a time per
call counts): the code a call has to bring into the instruction cache. With a second pair of
runs (of another mode of the same program) it prints the functions whose cost or lines differ
between the two, first pair first.
"""

import collections
import re
import sys


def parse(path):
    """(function, instruction address) -> self cost, from a callgrind file with instr positions."""
    cost = collections.Counter()
    names = {}
    current = None
    after_calls = False
    last = 0
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line)
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if m.group(1) == "fn":
                    current = names.get(m.group(2))
                continue
            if line.startswith("calls="):
                after_calls = True
                continue
            m = re.match(r"^(0x[0-9a-f]+|\+\d+|-\d+|\*)\s+\S+\s+(\d+)", line)
            if not m:
                continue
            pos = m.group(1)
            if pos.startswith("0x"):
                last = int(pos, 16)
            elif pos.startswith("+"):
                last += int(pos[1:])
            elif pos.startswith("-"):
                last -= int(pos[1:])
            if after_calls:
                # The cost line of a call is the callee's inclusive cost, not this function's.
                after_calls = False
                continue
            if current is not None:
                cost[(current, last)] += int(m.group(2))
    return cost


def per_call(a_path, b_path, n):
    a, b = parse(a_path), parse(b_path)
    funcs = collections.defaultdict(lambda: [0.0, set()])
    for key, value in b.items():
        v = (value - a.get(key, 0)) / n
        if v >= 0.5:
            funcs[key[0]][0] += v
            funcs[key[0]][1].add(key[1] >> 6)
    return {f: (c, len(lines)) for f, (c, lines) in funcs.items()}


def main():
    if len(sys.argv) not in (4, 6):
        sys.exit(__doc__)
    n = float(sys.argv[3])
    first = per_call(sys.argv[1], sys.argv[2], n)
    total = lambda d: (sum(c for c, _ in d.values()), sum(l for _, l in d.values()))
    if len(sys.argv) == 4:
        for f, (c, l) in sorted(first.items(), key=lambda x: -x[1][1]):
            print(f"{l:5d} lines {c:8.1f} instr  {f[:110]}")
        print("total: %.0f instructions, %d lines" % total(first))
        return
    second = per_call(sys.argv[4], sys.argv[5], n)
    print("first:  %.0f instructions, %d lines" % total(first))
    print("second: %.0f instructions, %d lines" % total(second))
    rows = []
    for f in set(first) | set(second):
        (c1, l1), (c2, l2) = first.get(f, (0, 0)), second.get(f, (0, 0))
        if l1 != l2 or abs(c1 - c2) > 2:
            rows.append((l2 - l1, c2 - c1, l1, l2, c1, c2, f))
    for dl, dc, l1, l2, c1, c2, f in sorted(rows, reverse=True):
        print(f"lines {l1:4d} -> {l2:4d}  instr {c1:7.1f} -> {c2:7.1f}  {f[:100]}")


if __name__ == "__main__":
    main()
