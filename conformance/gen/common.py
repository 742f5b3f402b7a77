"""What every group's generator shares: tensorswitch's dtype rules written out independently,
the documented differences from NumPy, Rust `as` conversions, the JSON encoding, the case
list and the per-case random inputs.

Random inputs (`rand`) are not drawn where they are written: `rand` returns a `Draw`, a
description of the values, and the case that uses it draws them (`resolve`) from a generator
seeded by the case's own id, `numpy.random.default_rng(zlib.crc32(id))`. So a case's data
depends only on its id and its own code: adding, removing or reordering other cases changes
nothing else, and the same NumPy gives the same bytes on any machine. `add_case` refuses a
case that still holds an undrawn `Draw`, and `check_draws` that any id drew values without
becoming a case.
"""

import math
import warnings
import zlib

import numpy as np

# ---------------------------------------------------------------------------------------------
# dtypes and tensorswitch's rules (src/dtype.rs, src/ops/mod.rs), written out independently

SIGNED = ["int8", "int16", "int32", "int64"]
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float32", "float64"]
ALL_DTYPES = ["bool"] + SIGNED + UNSIGNED + FLOATS  # float16/bfloat16 have no host type
NP = {d: np.dtype(d) for d in ALL_DTYPES}
DEFAULT_FLOAT = "float32"


def kind(d):
    if d == "bool":
        return "bool"
    if d in SIGNED:
        return "signed"
    if d in UNSIGNED:
        return "unsigned"
    return "float"


def bits(d):
    return np.dtype(d).itemsize * 8


def promote(a, b):
    """tensorswitch's promotion table (dtype.rs); None where there is no common dtype."""
    if a == b:
        return a
    ka, kb = kind(a), kind(b)
    if ka == "bool":
        return b
    if kb == "bool":
        return a
    if ka == "float" and kb == "float":
        return "float64" if "float64" in (a, b) else "float32"
    # integer ⊕ float → the float dtype (NumPy would pick a float wide enough for the integer)
    if ka == "float":
        return a
    if kb == "float":
        return b
    if ka == kb:
        return a if bits(a) >= bits(b) else b
    s, u = (a, b) if ka == "signed" else (b, a)
    need = bits(u) * 2 if bits(u) >= bits(s) else bits(s)
    return {8: "int8", 16: "int16", 32: "int32", 64: "int64"}.get(need)


def to_float(d):
    """The dtype a float-only op computes in: floats keep theirs, the rest become float32."""
    return d if kind(d) == "float" else DEFAULT_FLOAT


def accumulator(d):
    """sum/prod/cumulative_sum: signed ints and bool → int64, unsigned → uint64."""
    k = kind(d)
    if k in ("bool", "signed"):
        return "int64"
    if k == "unsigned":
        return "uint64"
    return d


# Every way in which tensorswitch's result dtype (or value) deliberately differs from NumPy's.
# A case whose NumPy dtype differs from ours must name one of these; `settle` asserts it.
DIFFERENCES = {
    "int_float_promotion": "integer ⊕ float → the float dtype (int32+float32 → float32; "
    "NumPy widens to float64)",
    "float_only_ops": "float-only ops (divide, exp, log, sqrt, sin, mean, var, std, softmax, "
    "linalg.inv/det, …) turn integer and bool inputs into float32, DEFAULT_FLOAT "
    "(NumPy: float64, or float16 for 8-bit and bool inputs)",
    "rust_as_casts": "astype/full/arange/linspace and clip's bounds convert with Rust `as` "
    "rules: float→int truncates toward zero and saturates, NaN → 0; int→int wraps; "
    "to bool is `!= 0` (NumPy: undefined or an error for out-of-range values)",
    # Found by the transpiler's differential tests (transpile/, random programs against NumPy).
    "nan_sign": "the sign bit of a NaN an operation makes (x % 0, 0/0, inf - inf, min/max of "
    "such a NaN, …) is not specified (IEEE 754 leaves it to the implementation): Rust on x86 "
    "and libtorch give -NaN where NumPy's loops may give +NaN, so signbit of a computed NaN "
    "may differ; the cases give signbit NaNs as inputs only, whose sign is data",
    "zero_sign_extremum": "maximum/minimum/clip and the max/min reductions of -0.0 and +0.0 "
    "may return either zero (the standard leaves the order of signed zeros to the "
    "implementation): the ndarray backend keeps the first, NumPy 2 returns +0.0 from maximum "
    "and -0.0 from minimum and its reductions depend on the loop; only sign-reading ops "
    "(signbit, copysign, atan2, 1/x) tell, and the cases compare -0.0 equal to +0.0",
}
DIFF_USED = set()


def mixed(*dtypes):
    """The documented difference for a call mixing integer (or bool) and float inputs."""
    ks = {kind(d) for d in dtypes}
    return "int_float_promotion" if "float" in ks and ks & {"signed", "unsigned"} else None


def floated(d):
    """The documented difference for a float-only op given a non-float input."""
    return "float_only_ops" if kind(d) != "float" else None


def settle(np_result_dtype, ours, diff=None, what=""):
    """Asserts that NumPy's result dtype equals ours, or that the difference is documented."""
    got = np.dtype(np_result_dtype).name
    if got == ours:
        return
    assert diff in DIFFERENCES, (
        f"{what}: NumPy gives {got}, tensorswitch {ours}, and no documented rule explains it"
    )
    DIFF_USED.add(diff)


# ---------------------------------------------------------------------------------------------
# Rust `as` conversions (the documented rule of astype, full, arange, linspace, clip bounds)

INT_RANGE = {d: (int(np.iinfo(d).min), int(np.iinfo(d).max)) for d in SIGNED + UNSIGNED}


def rust_as(x, dst):
    """Converts an array with Rust `as` rules."""
    x = np.asarray(x)
    src = x.dtype.name
    if dst == "bool":
        return x != 0  # NaN != 0: true
    if src == "bool":
        return x.astype(np.uint8).astype(dst)
    if kind(dst) == "float":
        return x.astype(dst)  # round to nearest, overflow to ±inf (same as NumPy)
    lo, hi = INT_RANGE[dst]
    if kind(src) == "float":
        out = []
        for v in x.reshape(-1).tolist():
            if math.isnan(v):
                out.append(0)
            elif math.isinf(v):
                out.append(hi if v > 0 else lo)
            else:
                out.append(min(max(int(v), lo), hi))  # int() truncates toward zero
        return np.array(out, dtype=dst).reshape(x.shape)
    # integer → integer: keep the low bits (two's complement)
    out = []
    for v in x.reshape(-1).tolist():
        v = int(v) & ((1 << bits(dst)) - 1)
        if kind(dst) == "signed" and v > hi:
            v -= 1 << bits(dst)
        out.append(v)
    return np.array(out, dtype=dst).reshape(x.shape)


def scalar_as(value, dst):
    """A Rust scalar (`full`, `clip_scalar`) converted with `as` rules."""
    if isinstance(value, bool):
        return rust_as(np.array(value), dst)
    if isinstance(value, int):
        if dst == "bool":
            return np.array(value != 0)
        if kind(dst) == "float":
            return np.array(float(value)).astype(dst) if abs(value) < 2**53 else np.array(value, dtype=dst)
        return rust_as(np.array(value, dtype=np.int64 if value < 2**63 else np.uint64), dst)
    return rust_as(np.array(float(value)), dst)


# ---------------------------------------------------------------------------------------------
# JSON writing: floats in shortest round-trip form for their dtype

class Raw:
    def __init__(self, text):
        self.text = text


def fnum(v, dtype):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dtype == "float32":
        return Raw(str(np.float32(v)))
    return Raw(repr(v))


def dump(v):
    if isinstance(v, Raw):
        return v.text
    if v is None:
        return "null"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, float):
        assert math.isfinite(v), v
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(dump(str(k)) + ":" + dump(x) for k, x in v.items()) + "}"
    raise TypeError(type(v))


def encode(a):
    a = np.asarray(a)
    d = a.dtype.name
    assert d in ALL_DTYPES, d
    flat = a.reshape(-1).tolist()
    if d == "bool":
        data = [bool(x) for x in flat]
    elif kind(d) == "float":
        data = [fnum(x, d) for x in flat]
    else:
        data = [int(x) for x in flat]
    return {"dtype": d, "shape": list(a.shape), "data": data}


def T(a):
    """A tensor argument. A `Draw` stays undrawn until `add_case` resolves it for its case."""
    if isinstance(a, Draw):
        return {"tensor": a}
    return {"tensor": encode(a)}


# ---------------------------------------------------------------------------------------------
# cases

# The group the module being run writes (set by gen_cases.py): a case's group is its module's,
# or `errors` for a case that expects an error. Which ops exist is the catalogue's business: the
# suite's `covers_every_op` test checks that every op of the catalogue has value cases.
CURRENT = {"group": None}

# Tolerances by result dtype and kind of computation (rtol, atol).
TOL = {
    "exact": {"float32": (1e-6, 0.0), "float64": (1e-12, 0.0)},
    "transcendental": {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-14)},
    "reduction": {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    "linalg": {"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-12)},
}

CASES = []
IDS = set()


def add_case(cid, op, args, kwargs, expected, tol="exact", rtol=None, atol=None, output=None):
    assert cid not in IDS, f"duplicate id {cid}"
    assert cid.split("/")[0] == op.replace("linalg.", "linalg_") or cid.startswith(op), cid
    args, kwargs = resolve_args(cid, args), {k: resolve_args(cid, v) for k, v in kwargs.items()}
    assert not isinstance(expected, Draw), f"{cid}: resolve the inputs before computing the expected value"
    IDS.add(cid)
    if isinstance(expected, dict) and "error" in expected:
        group, r, a = "errors", 0.0, 0.0
    else:
        group = CURRENT["group"]
        expected = np.asarray(expected)
        d = expected.dtype.name
        r, a = TOL[tol].get(d, (0.0, 0.0))
        expected = encode(expected)
    if rtol is not None:
        r = rtol
    if atol is not None:
        a = atol
    case = {
        "id": cid, "op": op, "group": group, "args": args, "kwargs": kwargs,
        "expected": expected, "rtol": r, "atol": a,
    }
    if output is not None:
        # which tensor of a decomposition the case checks (after conformance/src/exec.rs's
        # canonical_signs)
        case["output"] = output
    CASES.append(case)


def err(name):
    """The one error variant a case expects (every backend must give the same)."""
    return {"error": [name]}


def arr(values, dtype):
    return np.array(values, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# random inputs, drawn per case

RNGS = {}


def own_rng(cid):
    """The random generator of case `cid`, seeded by its id alone; one stream per case, so
    every draw of a case continues the same stream."""
    if cid not in RNGS:
        RNGS[cid] = np.random.default_rng(zlib.crc32(cid.encode()))
    return RNGS[cid]


class Draw:
    """Random values, drawn when a case resolves them (`resolve`) from its own generator.
    `round`, `reshape` and `astype` on a Draw apply to the values once drawn."""

    def __init__(self, sample, post=()):
        self.sample = sample  # rng -> array
        self.post = post

    def _then(self, method, *args):
        return Draw(self.sample, self.post + ((method, args),))

    def round(self, *args):
        return self._then("round", *args)

    def reshape(self, *args):
        return self._then("reshape", *args)

    def astype(self, *args):
        return self._then("astype", *args)

    def __array__(self, *args, **kwargs):
        raise TypeError("a Draw has no values until a case resolves it (resolve(cid, ...))")

    def draw(self, rng):
        a = self.sample(rng)
        for method, args in self.post:
            a = getattr(a, method)(*args)
        return a


def rand(dtype, shape, lo=-4.0, hi=4.0):
    """Random values of `dtype`, small enough for JSON and exact in every dtype (a `Draw`)."""
    k = kind(dtype)
    if k == "bool":
        return Draw(lambda r: r.integers(0, 2, size=shape).astype(bool))
    if k == "float":
        return Draw(lambda r: r.uniform(lo, hi, size=shape).round(3).astype(dtype))
    if k == "unsigned":
        lo = max(lo, 0)
    return Draw(lambda r: r.integers(int(lo), int(hi) + 1, size=shape).astype(dtype))


def resolve(cid, *xs):
    """The values of `xs` for case `cid`: every Draw (also inside lists) drawn, in order, from
    the case's own generator; anything else as it is. One value for one argument, else a
    tuple."""
    def one(x):
        if isinstance(x, Draw):
            return x.draw(own_rng(cid))
        if isinstance(x, list):
            return [one(v) for v in x]
        return x
    out = tuple(one(x) for x in xs)
    return out[0] if len(out) == 1 else out


def resolve_args(cid, v):
    """Case arguments with every undrawn tensor (`T(Draw)`) drawn for case `cid`."""
    if isinstance(v, list):
        return [resolve_args(cid, x) for x in v]
    if isinstance(v, dict) and isinstance(v.get("tensor"), Draw):
        return T(resolve(cid, v["tensor"]))
    return v


def check_draws():
    """Every id that drew random values is a case (so no values were drawn under a wrong id)."""
    stray = set(RNGS) - IDS
    assert not stray, f"values drawn for ids that are not cases: {sorted(stray)}"


def f64(x):
    return np.asarray(x).astype(np.float64)


ERRSTATE = np.errstate(all="ignore")
ERRSTATE.__enter__()
warnings.filterwarnings("ignore", category=RuntimeWarning)  # empty means, ddof >= N: NaN wanted


# ---------------------------------------------------------------------------------------------
# strided inputs

def as_view(arg):
    """The same logical tensor, given as physical data plus a view the harness applies:
    "transpose" (permute_dims with the axes reversed) for 2+ dimensions, "flip" (all axes)
    for 1. Backends with strided views (ndarray) then see non-contiguous or negative-stride
    inputs."""
    if isinstance(arg, list):
        return [as_view(a) for a in arg]
    if not (isinstance(arg, dict) and "tensor" in arg):
        return arg
    spec = arg["tensor"]
    shape, data = spec["shape"], spec["data"]
    n = int(np.prod(shape)) if shape else 1
    if len(shape) >= 2 and n > 1:
        idx = np.arange(n).reshape(shape).transpose().reshape(-1)
        return {"tensor": {**spec, "shape": shape[::-1], "data": [data[i] for i in idx],
                           "view": "transpose"}}
    if len(shape) == 1 and n > 1:
        return {"tensor": {**spec, "data": data[::-1], "view": "flip"}}
    return arg


def has_transposed(args):
    """Whether the (viewed) arguments include a transposed 2+-D input."""
    return any(d.get("tensor", {}).get("view") == "transpose"
               for d in (args[0] if args and isinstance(args[0], list) else args))


def add_strided(ids):
    """Repeats the cases `ids` with strided inputs (`as_view`), as `<id>/strided_input`. Each
    must have a 2+-D tensor input, so the repeat has a transposed one. The list is explicit
    (each group's STRIDED) so that adding a case never changes which cases are repeated."""
    by_id = {c["id"]: c for c in CASES}
    for base in ids:
        c = by_id[base]
        args = as_view(c["args"])
        kwargs = {k: as_view(v) for k, v in c["kwargs"].items()}
        assert has_transposed(args), f"{base}: no 2+-D tensor input to give as a strided view"
        cid = base + "/strided_input"
        assert cid not in IDS, cid
        IDS.add(cid)
        CASES.append({**c, "id": cid, "args": args, "kwargs": kwargs})


def check_strided():
    """Every op that takes a 2+-D tensor in some case has a case with strided inputs."""
    eligible = {c["op"] for c in CASES
                if c["op"] not in ("from_host", "to_host") and has_transposed(as_view(c["args"]))}
    strided = {c["op"] for c in CASES if c["id"].endswith("/strided_input")}
    assert eligible <= strided, f"ops without a strided-input case: {sorted(eligible - strided)}"
