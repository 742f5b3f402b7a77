#!/usr/bin/env python3
"""Generates conformance/cases/<group>.json, the data of the conformance suite.

    python3 conformance/gen_cases.py        (from the workspace root; NumPy >= 2.1)

The generator is split by op group: gen/creation.py, gen/elementwise.py, gen/linalg.py,
gen/reductions.py, gen/manipulation.py and gen/errors.py write the cases, gen/common.py holds
what they share (tensorswitch's dtype rules, the documented differences from NumPy, the JSON
encoding). Each case goes to the file of its group: cases/<group>.json, where a case that
expects an error is of the group `errors` (whichever module wrote it; most error cases are
written next to the value cases of their op, by the same rules).

Every expected value is computed here, independently of tensorswitch, with NumPy: in float64
(or with the exact integer operation) from the inputs converted to the dtype tensorswitch
computes in, then converted to the result dtype tensorswitch documents. Where tensorswitch's
result dtype equals NumPy's own for the same call, the script asserts that it does
(`settle`); where the two differ, the case names the rule of tensorswitch that explains the
difference (`DIFFERENCES` in gen/common.py), so every disagreement with NumPy is written down
here.

The output is stable: every case's random inputs are drawn from a generator seeded by its own
id (`numpy.random.default_rng(zlib.crc32(id))`, see gen/common.py), so adding, removing or
reordering a case changes no other case, and the formatting is fixed: rerunning the script with
the same NumPy version (recorded in every file) reproduces the files byte for byte, on any
machine. Which cases are repeated with strided inputs is an explicit list per group
(`STRIDED`), for the same reason.

Case format (one JSON object per line inside {"cases": [...]}):
    {"id": "add/float32/broadcast", "op": "add", "group": "elementwise",
     "args": [...], "kwargs": {...},
     "expected": {"dtype": "float32", "shape": [2, 3], "data": [...]}  or  {"error": [names]},
     "rtol": 1e-6, "atol": 0}
A case of an op with several results (linalg.qr, svd, eigh, slogdet) checks one of them,
named by "output": its index in the standard's order (q, r; u, s, vh; eigenvalues,
eigenvectors; sign, logabsdet); the harness and gen/linalg.py make the decompositions'
signs canonical the same way before comparing (conformance/src/exec.rs, canonical_signs).
Tensors are {"tensor": {"dtype": ..., "shape": [...], "data": [flat, row-major]}}, optionally
with "view": "transpose" | "flip" (the data is physical; the harness reverses the axes or flips
every axis to get the logical input, so strided backends see non-contiguous views); floats
that JSON cannot hold are the strings "nan", "inf", "-inf". float32 values are written in
their shortest round-trip form (parse them as f32).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import common, creation, elementwise, linalg, manipulation, reductions, errors  # noqa: E402
from gen import indexing, searching  # noqa: E402
from gen import nn  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
MODULES = [creation, elementwise, linalg, reductions, manipulation, errors]
FILES = ["creation", "elementwise", "linalg", "reductions", "manipulation", "errors"]
# Modules whose cases belong to one of the groups above (after that group's own cases in its
# file); gen/indexing.py also writes cases/indexing.json, the table of index expressions.
EXTRA = [(indexing, "manipulation"), (searching, "reductions"), (nn, "elementwise")]


def main():
    for m, group in zip(MODULES, FILES):
        common.CURRENT["group"] = group
        m.generate()
    for m, group in EXTRA:
        common.CURRENT["group"] = group
        m.generate()
    cases = common.CASES

    common.check_draws()
    common.check_strided()
    unused = set(common.DIFFERENCES) - common.DIFF_USED
    assert not unused, f"documented differences never exercised: {unused}"
    assert {c["group"] for c in cases} == set(FILES)

    os.makedirs(OUT, exist_ok=True)
    for group in FILES:
        lines = [common.dump(c) for c in cases if c["group"] == group]
        text = ('{"group":"%s","generator":"conformance/gen_cases.py","numpy":"%s",'
                '"rng":"numpy.random.default_rng(zlib.crc32(id))","cases":[\n%s\n]}\n'
                % (group, np.__version__, ",\n".join(lines)))
        path = os.path.join(OUT, group + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {len(lines)} cases ({len(text)} bytes) to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
