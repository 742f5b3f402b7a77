#!/usr/bin/env python3
"""Generates conformance/cases/<group>.json, the data of the shared conformance suite.

    python3 conformance/gen_cases.py        (from the workspace root; NumPy >= 2.1)

Every expected value is computed here, independently of tensorswitch, with NumPy: in float64
(or with the exact integer operation) from the inputs converted to the dtype tensorswitch
computes in, then converted to the result dtype tensorswitch documents. Where tensorswitch's
result dtype equals NumPy's own for the same call, the script asserts that it does
(`settle`); where the two differ, the case names the rule of tensorswitch that explains the
difference (`DIFFERENCES`), so every disagreement with NumPy is written down here.

The output is deterministic (fixed seed, stable formatting): rerunning the script on an
unchanged file with the same NumPy version (recorded in the output) reproduces the files byte
for byte.

Case format (one JSON object per line inside {"cases": [...]}):
    {"id": "add/float32/broadcast", "op": "add", "group": "elementwise",
     "args": [...], "kwargs": {...},
     "expected": {"dtype": "float32", "shape": [2, 3], "data": [...]}  or  {"error": [names]},
     "rtol": 1e-6, "atol": 0}
Tensors are {"tensor": {"dtype": ..., "shape": [...], "data": [flat, row-major]}}, optionally
with "view": "transpose" | "flip" (the data is physical; the harness reverses the axes or flips
every axis to get the logical input, so strided backends see non-contiguous views); floats
that JSON cannot hold are the strings "nan", "inf", "-inf". float32 values are written in
their shortest round-trip form (parse them as f32).
"""

import math
import zlib
import os
import sys
import warnings

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
SEED = 20250101
rng = np.random.default_rng(SEED)

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
    return {"tensor": encode(a)}


# ---------------------------------------------------------------------------------------------
# cases

GROUPS = {
    "creation": ["from_host", "to_host", "to_device", "full", "zeros", "ones", "arange", "linspace", "eye"],
    "elementwise": [
        "add", "subtract", "multiply", "divide", "pow", "maximum", "minimum", "negative",
        "abs", "exp", "log", "log1p", "expm1", "sqrt", "square", "sin", "cos", "tanh",
        "floor", "ceil", "round", "sign", "equal", "not_equal", "less", "less_equal",
        "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
        "logical_not", "where", "clip",
    ],
    "linalg": ["matmul", "matrix_transpose", "vecdot", "tensordot", "linalg.inv", "linalg.det"],
    "reductions": [
        "sum", "mean", "prod", "max", "min", "var", "std", "argmax", "argmin",
        "cumulative_sum", "sort", "argsort", "softmax",
    ],
    "manipulation": [
        "reshape", "permute_dims", "expand_dims", "squeeze", "flip", "broadcast_to", "concat",
        "stack", "astype", "tril", "triu",
    ],
}
GROUP_OF = {op: g for g, ops in GROUPS.items() for op in ops}

# Tolerances by result dtype and kind of computation (rtol, atol).
TOL = {
    "exact": {"float32": (1e-6, 0.0), "float64": (1e-12, 0.0)},
    "transcendental": {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-14)},
    "reduction": {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    "linalg": {"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-12)},
}

CASES = []
IDS = set()


def add_case(cid, op, args, kwargs, expected, tol="exact", rtol=None, atol=None):
    assert cid not in IDS, f"duplicate id {cid}"
    assert cid.split("/")[0] == op.replace("linalg.", "linalg_") or cid.startswith(op), cid
    IDS.add(cid)
    if isinstance(expected, dict) and "error" in expected:
        group, r, a = "errors", 0.0, 0.0
    else:
        group = GROUP_OF[op]
        expected = np.asarray(expected)
        d = expected.dtype.name
        r, a = TOL[tol].get(d, (0.0, 0.0))
        expected = encode(expected)
    if rtol is not None:
        r = rtol
    if atol is not None:
        a = atol
    CASES.append({
        "id": cid, "op": op, "group": group, "args": args, "kwargs": kwargs,
        "expected": expected, "rtol": r, "atol": a,
    })


def err(name):
    """The one error variant a case expects (every backend must give the same)."""
    return {"error": [name]}


def arr(values, dtype):
    return np.array(values, dtype=dtype)


def rand(dtype, shape, lo=-4.0, hi=4.0):
    """Random values of `dtype`, small enough for JSON and exact in every dtype."""
    k = kind(dtype)
    if k == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if k == "float":
        return rng.uniform(lo, hi, size=shape).round(3).astype(dtype)
    if k == "unsigned":
        lo = max(lo, 0)
    return rng.integers(int(lo), int(hi) + 1, size=shape).astype(dtype)


def f64(x):
    return np.asarray(x).astype(np.float64)


ERRSTATE = np.errstate(all="ignore")
ERRSTATE.__enter__()
warnings.filterwarnings("ignore", category=RuntimeWarning)  # empty means, ddof >= N: NaN wanted

# ----- creation and host transfer ------------------------------------------------------------


def gen_roundtrip():
    samples = {
        "bool": arr([True, False, True, True, False, False], "bool"),
        "int8": arr([-128, -1, 0, 1, 127, 42], "int8"),
        "int16": arr([-32768, -1, 0, 1, 32767, 1234], "int16"),
        "int32": arr([-2**31, -1, 0, 1, 2**31 - 1, 123456], "int32"),
        "int64": arr([-2**63, -1, 0, 1, 2**63 - 1, 2**53 + 1], "int64"),
        "uint8": arr([0, 1, 127, 128, 255, 42], "uint8"),
        "uint16": arr([0, 1, 32768, 65535, 7, 42], "uint16"),
        "uint32": arr([0, 1, 2**31, 2**32 - 1, 7, 42], "uint32"),
        "uint64": arr([0, 1, 2**63, 2**64 - 1, 2**53 + 1, 42], "uint64"),
        "float32": arr([0.0, -0.0, 1.5, -3.25e-5, np.nan, np.inf, -np.inf, 3.4028235e38,
                        1e-45, 0.1], "float32"),
        "float64": arr([0.0, -0.0, 1.5, -3.25e-5, np.nan, np.inf, -np.inf, 1.7976931348623157e308,
                        5e-324, 0.1], "float64"),
    }
    for d, a in samples.items():
        shape = (2, 5) if a.size == 10 else (2, 3)
        a = a.reshape(shape)
        add_case(f"from_host/{d}/roundtrip", "from_host", [T(a)], {}, a)
        add_case(f"to_host/{d}/roundtrip", "to_host", [T(a)], {}, a)
    for d in ["float32", "int64", "bool"]:
        z = rand(d, ())
        add_case(f"from_host/{d}/0d", "from_host", [T(z)], {}, z)
        e = np.zeros((0, 3), dtype=d)
        add_case(f"from_host/{d}/empty", "from_host", [T(e)], {}, e)
    a = rand("float64", (2, 3, 4))
    add_case("to_host/float64/3d", "to_host", [T(a)], {}, a)
    e = np.zeros((3, 0), dtype="uint16")
    add_case("to_host/uint16/empty", "to_host", [T(e)], {}, e)


def gen_to_device():
    # Every backend has the CPU, so moving a CPU tensor to "cpu" is the identity; a device no
    # machine has (cuda:7 is past the GPUs of any test machine) is an error, never a panic.
    for d in ["float32", "int64", "bool", "uint8"]:
        a = rand(d, (2, 3))
        add_case(f"to_device/{d}/cpu", "to_device", [T(a)], {"device": "cpu"}, a)
    add_case("to_device/float32/missing", "to_device", [T(rand("float32", (2,)))],
             {"device": "cuda:7"}, err("Device"))


def gen_full():
    def full_case(name, shape, value, dtype):
        if isinstance(value, float) and not math.isfinite(value):
            jv = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        else:
            jv = value
        exp = np.broadcast_to(scalar_as(value, dtype), shape).copy()
        plain = (isinstance(value, (int, float)) and not isinstance(value, bool)
                 and kind(dtype) != "bool" and math.isfinite(value)
                 and (kind(dtype) == "float" or float(value).is_integer())
                 and (kind(dtype) == "float" or INT_RANGE[dtype][0] <= value <= INT_RANGE[dtype][1]))
        if plain:
            ref = np.full(shape, value, dtype=dtype)
            settle(ref.dtype, dtype, what=name)
            assert np.array_equal(ref, exp, equal_nan=True), name
        else:
            DIFF_USED.add("rust_as_casts")
        add_case(f"full/{dtype}/{name}", "full", [],
                 {"shape": list(shape), "value": jv, "dtype": dtype}, exp)

    full_case("int_value", (2, 3), 7, "float32")
    full_case("float_value", (3,), 2.5, "float64")
    full_case("float_truncates", (3,), 2.9, "int32")
    full_case("negative_float_truncates", (2,), -2.9, "int16")
    full_case("negative_int_wraps", (2, 2), -1, "uint8")
    full_case("int_300_wraps", (2,), 300, "uint8")
    full_case("float_saturates", (2,), 300.5, "uint8")
    full_case("nan_to_zero", (2,), float("nan"), "int32")
    full_case("nan", (2,), float("nan"), "float32")
    full_case("inf", (1, 2), float("inf"), "float64")
    full_case("zero_is_false", (2,), 0.0, "bool")
    full_case("half_is_true", (2,), 0.5, "bool")
    full_case("true", (2, 2), True, "float64")
    full_case("bool_true", (3,), True, "bool")
    full_case("0d", (), 3.25, "float64")
    full_case("empty", (0, 4), 5, "int64")
    full_case("big", (2,), 2**62 + 1, "int64")
    full_case("max", (2,), 2**64 - 1, "uint64")
    full_case("int", (2, 3), -5, "int8")
    full_case("uint", (2,), 65535, "uint16")
    full_case("int", (3, 1), 123456, "int32")
    full_case("uint", (2,), 4000000000, "uint32")
    full_case("uint_max_wraps", (2,), 2**64 - 1, "int8")
    full_case("negative_int", (2,), -1, "float32")
    full_case("big_int_rounds", (1,), 2**60 + 1, "float64")


def gen_zeros_ones():
    for op, fn in [("zeros", np.zeros), ("ones", np.ones)]:
        for d, shape in [("float32", (2, 3)), ("float64", (4,)), ("int32", (2, 2, 2)),
                         ("uint8", (3,)), ("int64", ()), ("bool", (2, 3)), ("int8", (0, 3)),
                         ("uint64", (1, 2))]:
            exp = fn(shape, dtype=d)
            settle(exp.dtype, d, what=op)
            add_case(f"{op}/{d}/{'x'.join(map(str, shape)) or '0d'}", op, [],
                     {"shape": list(shape), "dtype": d}, exp)


def gen_arange():
    def case(name, start, stop, step, dtype):
        n = max(math.ceil((stop - start) / step), 0)
        vals = np.array([start + i * step for i in range(n)], dtype=np.float64)
        exp = rust_as(vals, dtype)
        if kind(dtype) == "float" or (float(start).is_integer() and float(step).is_integer()):
            ref = np.arange(start, stop, step, dtype=dtype)
            settle(ref.dtype, dtype, what=name)
            assert ref.shape == exp.shape and np.allclose(ref, exp), name
        else:
            DIFF_USED.add("rust_as_casts")
        add_case(f"arange/{dtype}/{name}", "arange", [],
                 {"start": start, "stop": stop, "step": step, "dtype": dtype}, exp)

    case("basic", 0, 5, 1, "int64")
    case("negative_step", 5, 0, -1, "int32")
    case("fraction_step", 0.0, 1.0, 0.25, "float32")
    case("negative_fraction_step", 2.5, -1.0, -0.5, "float64")
    case("empty", 1, 1, 1, "int64")
    case("empty_wrong_direction", 0.0, 3.0, -1.0, "float32")
    case("float_start_truncates", 0.5, 3.0, 1.0, "int32")
    case("step3", 0, 10, 3, "uint8")
    case("non_integer_count", 0.0, 1.0, 0.3, "float64")
    case("negative_values", -3, 3, 2, "int8")
    add_case("arange/float64/zero_step", "arange", [],
             {"start": 0.0, "stop": 1.0, "step": 0.0, "dtype": "float64"}, err("InvalidArgument"))


def gen_linspace():
    def case(name, start, stop, num, endpoint, dtype):
        ref = np.linspace(start, stop, num, endpoint=endpoint, dtype=np.float64)
        exp = rust_as(ref, dtype)
        if kind(dtype) == "float":
            settle(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype).dtype, dtype)
        else:
            DIFF_USED.add("rust_as_casts")
        add_case(f"linspace/{dtype}/{name}", "linspace", [],
                 {"start": start, "stop": stop, "num": num, "endpoint": endpoint,
                  "dtype": dtype}, exp)

    case("endpoint", 0.0, 1.0, 5, True, "float64")
    case("no_endpoint", 0.0, 1.0, 5, False, "float64")
    case("endpoint", -2.0, 3.0, 7, True, "float32")
    case("descending", 3.0, -1.0, 5, True, "float32")
    case("num0", 0.0, 1.0, 0, True, "float64")
    case("num0_no_endpoint", 0.0, 1.0, 0, False, "float32")
    # NumPy (and torch): a single point is `start`, also with endpoint=True.
    case("num1", 2.0, 5.0, 1, True, "float64")
    case("num1_no_endpoint", 2.0, 5.0, 1, False, "float64")
    case("ints_truncate", 0.0, 10.0, 4, True, "int32")
    case("uint8", 0.0, 255.0, 6, True, "uint8")


def gen_eye():
    for name, n, m, k, d in [("square", 3, None, 0, "float32"), ("wide_k1", 3, 4, 1, "int32"),
                             ("tall_km1", 4, 3, -1, "float64"), ("k_out_of_range", 2, 2, 5, "bool"),
                             ("k_negative_far", 3, 2, -3, "uint8"), ("empty", 0, None, 0, "float64"),
                             ("one_col_k2", 4, 3, 2, "int64")]:
        exp = np.eye(n, m, k, dtype=d)
        settle(exp.dtype, d)
        add_case(f"eye/{d}/{name}", "eye", [], {"n_rows": n, "n_cols": m, "k": k, "dtype": d}, exp)


# ----- elementwise ---------------------------------------------------------------------------

ARITH = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
         "pow": np.power, "maximum": np.maximum, "minimum": np.minimum}
COMPARE = {"equal": np.equal, "not_equal": np.not_equal, "less": np.less,
           "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal}
LOGICAL = {"logical_and": np.logical_and, "logical_or": np.logical_or,
           "logical_xor": np.logical_xor}


def binary_expected(op, a, b):
    """(expected array, documented difference or None) or an error dict, by our rules."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return err("ShapeMismatch"), None
    da, db = a.dtype.name, b.dtype.name
    if op in LOGICAL:
        return LOGICAL[op](a != 0, b != 0), None
    d = promote(da, db)
    if d is None:
        return err("NoPromotion"), None
    if op in COMPARE:
        return COMPARE[op](a.astype(d), b.astype(d)), mixed(da, db)
    if op == "divide":
        out = to_float(d)
        v = np.divide(f64(a.astype(out)), f64(b.astype(out))).astype(out)
        return v, (floated(d) or mixed(da, db))
    if d == "bool":
        return err("InvalidDType"), None
    a2, b2 = a.astype(d), b.astype(d)
    fn = ARITH[op]
    if kind(d) == "float":
        return fn(f64(a2), f64(b2)).astype(d), mixed(da, db)
    if op == "pow" and (b2 < 0).any():
        return err("InvalidArgument"), None
    return fn(a2, b2), None


def binary_case(op, name, a, b, tol="exact", **kw):
    exp, diff = binary_expected(op, a, b)
    if not isinstance(exp, dict):
        npf = {**ARITH, **COMPARE, **LOGICAL}[op]
        settle(npf(a, b).dtype, exp.dtype.name, diff, what=f"{op}/{name}")
    add_case(f"{op}/{name}", op, [T(a), T(b)], {}, exp, tol, **kw)


def gen_arithmetic():
    for op in ARITH:
        tol = "transcendental" if op == "pow" else "exact"
        for d in ["float32", "float64", "int32", "uint8", "int64", "int16"]:
            if op == "pow":
                if kind(d) == "float":
                    a = rand(d, (2, 3), 0.1, 3.0)
                    b = rand(d, (2, 3), -2.0, 2.0)
                else:
                    a = rand(d, (2, 3), -3 if kind(d) == "signed" else 0, 3)
                    b = rand(d, (2, 3), 0, 3)
            elif op == "divide" and kind(d) != "float":
                a = rand(d, (2, 3), -20, 20)
                b = rand(d, (2, 3), 1, 7)
            else:
                a = rand(d, (2, 3), -20, 20)
                b = rand(d, (2, 3), -20, 20)
            binary_case(op, f"{d}/basic", a, b, tol)
        # broadcasting
        d = "float32"
        lo = 0.5 if op == "pow" else -5
        binary_case(op, f"{d}/broadcast_2x1x3_4x1", rand(d, (2, 1, 3), lo, 3), rand(d, (4, 1), -2, 2), tol)
        binary_case(op, "float64/broadcast_0d", rand("float64", (), lo, 3), rand("float64", (2, 2), 1, 2), tol)
        binary_case(op, "int32/broadcast_row",
                    rand("int32", (2, 3), 0 if op == "pow" else -9, 4), rand("int32", (3,), 1, 3))
        binary_case(op, "float32/empty", np.zeros((0, 3), "float32"), rand("float32", (1, 3), 1, 2))
        binary_case(op, "float64/0d", rand("float64", (), 1, 3), rand("float64", (), 1, 2), tol)

    # overflow wraps
    binary_case("add", "int8/overflow_wraps", arr([127, -128, 100, 1], "int8"), arr([1, -1, 100, 1], "int8"))
    binary_case("subtract", "uint8/underflow_wraps", arr([0, 5, 255], "uint8"), arr([1, 10, 0], "uint8"))
    binary_case("multiply", "int16/overflow_wraps", arr([300, -300, 2], "int16"), arr([300, 300, 3], "int16"))
    binary_case("add", "int64/overflow_wraps", arr([2**63 - 1, -2**63], "int64"), arr([1, -1], "int64"))
    binary_case("add", "uint64/overflow_wraps", arr([2**64 - 1, 2**63], "uint64"), arr([1, 2**63], "uint64"))
    binary_case("multiply", "uint32/overflow_wraps", arr([65536, 4000000000], "uint32"), arr([65536, 2], "uint32"))
    binary_case("subtract", "int32/overflow_wraps", arr([-2**31, 0], "int32"), arr([1, -2**31], "int32"))
    binary_case("add", "uint16/overflow_wraps", arr([65535, 40000], "uint16"), arr([1, 40000], "uint16"))

    # promotion
    binary_case("add", "int8_uint8/promotes_to_int16", arr([-1, 127, -128], "int8"), arr([255, 255, 1], "uint8"))
    binary_case("add", "int32_float32/promotes_to_float32", arr([16777217, -3, 7], "int32"),
                arr([0.5, 0.25, -1.5], "float32"))
    binary_case("add", "bool_int8/promotes_to_int8", arr([True, False, True], "bool"), arr([127, -5, 3], "int8"))
    binary_case("multiply", "uint16_int16/promotes_to_int32", arr([65535, 2, 3], "uint16"), arr([2, -3, 4], "int16"))
    binary_case("subtract", "int64_float32/promotes_to_float32", arr([10, -7, 2**40], "int64"),
                arr([0.5, 1.5, 1.0], "float32"))
    binary_case("add", "float32_float64/promotes_to_float64", arr([0.1, 1.5], "float32"), arr([0.2, -2.5], "float64"))
    binary_case("add", "bool_float32/promotes_to_float32", arr([True, False], "bool"), arr([0.5, 0.5], "float32"))
    binary_case("maximum", "int8_uint8/promotes_to_int16", arr([-1, 100], "int8"), arr([200, 3], "uint8"))
    binary_case("add", "uint8_int64/promotes_to_int64", arr([200, 255], "uint8"), arr([-300, 1], "int64"))
    binary_case("add", "int32_uint32/promotes_to_int64", arr([-1, 5], "int32"), arr([2**32 - 1, 5], "uint32"))
    binary_case("add", "uint8_uint32/promotes_to_uint32", arr([255, 1], "uint8"), arr([2**32 - 2, 9], "uint32"))
    binary_case("multiply", "int16_float64/promotes_to_float64", arr([-300, 7], "int16"), arr([0.5, 0.125], "float64"))
    binary_case("divide", "int8_uint8/float32", arr([-7, 100], "int8"), arr([2, 3], "uint8"))
    binary_case("divide", "bool/float32", arr([True, False, True], "bool"), arr([True, True, False], "bool"))
    binary_case("pow", "int32_float32/promotes_to_float32", arr([2, 3, 4], "int32"), arr([0.5, -1.0, 2.0], "float32"))

    # division by zero, float specials, NaN in maximum/minimum
    binary_case("divide", "float32/by_zero", arr([1.0, -1.0, 0.0, np.nan], "float32"), arr([0.0, 0.0, 0.0, 0.0], "float32"))
    binary_case("divide", "int32/by_zero_is_float", arr([1, -1, 0, 7], "int32"), arr([0, 0, 0, 2], "int32"))
    binary_case("divide", "int32/rounding", arr([7, -7, 1, 2**24 + 1], "int32"), arr([3, 3, 3, 1], "int32"))
    binary_case("maximum", "float32/nan", arr([np.nan, 1.0, np.nan, -np.inf], "float32"),
                arr([1.0, np.nan, np.nan, 2.0], "float32"))
    binary_case("minimum", "float64/nan", arr([np.nan, 1.0, np.nan, np.inf], "float64"),
                arr([1.0, np.nan, np.nan, 2.0], "float64"))
    binary_case("maximum", "uint8/basic_extremes", arr([0, 255, 7], "uint8"), arr([255, 0, 7], "uint8"))
    binary_case("minimum", "int8/basic_extremes", arr([-128, 127, 7], "int8"), arr([127, -128, -7], "int8"))
    binary_case("add", "float32/inf", arr([np.inf, np.inf, 1.0], "float32"), arr([-np.inf, 1.0, np.nan], "float32"))
    binary_case("pow", "float64/specials", arr([0.0, 2.0, -8.0, -2.0, 1.0, np.nan, 4.0], "float64"),
                arr([0.0, -1.0, 1.0 / 3.0, 3.0, np.nan, 0.0, 0.5], "float64"), "transcendental")
    binary_case("pow", "float32/specials", arr([0.0, 0.0, -2.0, 10.0], "float32"),
                arr([-1.0, 2.0, 2.0, -2.0], "float32"), "transcendental")
    binary_case("pow", "int32/zero_exponent", arr([0, -5, 7], "int32"), arr([0, 0, 0], "int32"))
    binary_case("pow", "uint8/basic_powers", arr([2, 3, 15], "uint8"), arr([7, 5, 2], "uint8"))
    binary_case("pow", "int8/negative_bases", arr([-2, -3, -1], "int8"), arr([3, 3, 7], "int8"))

    # errors
    binary_case("add", "bool/not_numeric", arr([True], "bool"), arr([False], "bool"))
    for op in ("subtract", "multiply", "pow", "maximum", "minimum"):
        binary_case(op, "bool/not_numeric", arr([True], "bool"), arr([False], "bool"))
    binary_case("add", "int64_uint64/no_promotion", arr([1], "int64"), arr([1], "uint64"))
    binary_case("multiply", "int8_uint64/no_promotion", arr([1], "int8"), arr([1], "uint64"))
    binary_case("add", "float32/broadcast_mismatch", rand("float32", (2, 3)), rand("float32", (3, 2)))
    binary_case("pow", "int32/negative_exponent", arr([2, 3], "int32"), arr([-1, 2], "int32"))


UNARY_FLOAT = {"exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1,
               "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh}
UNARY_NUMERIC = {"negative": np.negative, "abs": np.abs, "square": np.square, "sign": np.sign}
UNARY_ROUND = {"floor": np.floor, "ceil": np.ceil, "round": np.round}


def unary_case(op, name, x, tol="transcendental", **kw):
    d = x.dtype.name
    if op in UNARY_FLOAT:
        out = to_float(d)
        exp = UNARY_FLOAT[op](f64(x.astype(out))).astype(out)
        settle(UNARY_FLOAT[op](x).dtype, out, floated(d), what=f"{op}/{name}")
    elif op in UNARY_NUMERIC:
        if d == "bool":
            exp = err("InvalidDType")
        else:
            exp = UNARY_NUMERIC[op](x) if kind(d) != "float" else UNARY_NUMERIC[op](f64(x)).astype(d)
            settle(UNARY_NUMERIC[op](x).dtype, d, what=f"{op}/{name}")
    elif op in UNARY_ROUND:
        if d == "bool":
            exp = err("InvalidDType")
        else:
            # integers are returned unchanged; np.round rounds halfway cases to even
            exp = x.copy() if kind(d) != "float" else UNARY_ROUND[op](f64(x)).astype(d)
            settle(UNARY_ROUND[op](x).dtype, d, what=f"{op}/{name}")
    elif op == "logical_not":
        exp = np.logical_not(x != 0)
        settle(np.logical_not(x).dtype, "bool")
    else:
        raise KeyError(op)
    add_case(f"{op}/{name}", op, [T(x)], {}, exp, tol, **kw)


def gen_unary():
    for op in UNARY_FLOAT:
        lo, hi = {"log": (0.05, 5.0), "sqrt": (0.0, 9.0), "log1p": (-0.9, 5.0)}.get(op, (-3.0, 3.0))
        for d in FLOATS:
            unary_case(op, f"{d}/basic", rand(d, (2, 3), lo, hi))
        unary_case(op, "int32/to_float32", arr([0, 1, 2, 3, 5], "int32") if op in ("log", "sqrt", "log1p")
                   else arr([-3, -1, 0, 1, 2], "int32"))
        unary_case(op, "uint8/to_float32", arr([0, 1, 4, 9, 200], "uint8") if op != "exp"
                   else arr([0, 1, 4, 9, 20], "uint8"))
        unary_case(op, "bool/to_float32", arr([True, False], "bool"))
        unary_case(op, "float32/0d", rand("float32", (), max(lo, 0.5), hi))
        unary_case(op, "float64/empty", np.zeros((2, 0), "float64"))
    specials = {
        "exp": [0.0, 1.0, -1.0, 88.0, 89.0, -np.inf, np.inf, np.nan, -100.0],
        "log": [1.0, np.e, 0.0, -0.0, -1.0, np.inf, np.nan, 1e-30],
        "log1p": [0.0, -1.0, -2.0, 1e10, np.inf, np.nan, -0.5, 1e-7],
        "expm1": [0.0, -50.0, 100.0, -np.inf, np.inf, np.nan, 1.0, -1e-7],
        "sqrt": [0.0, -0.0, 4.0, 2.0, -1.0, np.inf, np.nan, 1e-30],
        "sin": [0.0, np.pi / 2, np.inf, np.nan, -np.pi / 6, 100.0],
        "cos": [0.0, np.pi, np.inf, np.nan, np.pi / 3, 100.0],
        "tanh": [0.0, 20.0, -20.0, np.inf, -np.inf, np.nan, 0.5],
    }
    for op, vals in specials.items():
        for d in FLOATS:
            unary_case(op, f"{d}/specials", arr(vals, d))
    # accuracy for tiny arguments (the point of expm1 and log1p): relative error 1e-6
    tiny = [1e-10, -1e-10, 1e-8, -3e-7, 1e-20, 5e-5]
    for op in ("expm1", "log1p"):
        unary_case(op, "float32/tiny", arr(tiny, "float32"), rtol=1e-6, atol=0.0)
        unary_case(op, "float64/tiny", arr(tiny, "float64"), rtol=1e-12, atol=0.0)

    for op in UNARY_NUMERIC:
        for d in ["float32", "float64", "int32", "int64"]:
            unary_case(op, f"{d}/basic", rand(d, (2, 3), -9, 9), "exact")
        unary_case(op, "int8/extremes_wrap", arr([-128, -127, -1, 0, 1, 127, 12], "int8"), "exact")
        unary_case(op, "uint8/extremes_wrap", arr([0, 1, 2, 16, 255], "uint8"), "exact")
        unary_case(op, "float64/specials", arr([-0.0, 0.0, -2.5, np.inf, -np.inf, np.nan], "float64"), "exact")
        unary_case(op, "float32/0d", arr(-1.5, "float32"), "exact")
        unary_case(op, "int16/empty", np.zeros((0,), "int16"), "exact")
        unary_case(op, "bool/invalid", arr([True, False], "bool"), "exact")
    unary_case("square", "float32/specials", arr([1e20, -1e-30, 3.0, np.nan], "float32"), "exact")
    unary_case("sign", "uint16/basic", arr([0, 7, 65535], "uint16"), "exact")

    halves = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 2.4, 2.6, -2.6, -0.0, 0.49999997,
              8388609.0, 1e20, np.nan, np.inf, -np.inf]
    for op in UNARY_ROUND:
        for d in FLOATS:
            unary_case(op, f"{d}/halves_and_specials", arr(halves, d), "exact")
            unary_case(op, f"{d}/random", rand(d, (2, 3), -9, 9), "exact")
        unary_case(op, "int32/unchanged", arr([-3, 0, 7, 2**31 - 1], "int32"), "exact")
        unary_case(op, "uint8/unchanged", arr([0, 255, 7], "uint8"), "exact")
        unary_case(op, "float32/0d", arr(-2.5, "float32"), "exact")
        unary_case(op, "bool/invalid", arr([True], "bool"), "exact")

    for name, x in [("bool/basic", arr([True, False, True], "bool")),
                    ("int32/nonzero_is_true", arr([0, -1, 2, 0], "int32")),
                    ("float64/nan_is_true", arr([0.0, -0.0, np.nan, 0.5, np.inf], "float64")),
                    ("uint8/broadcast_shape", rand("uint8", (2, 1, 3), 0, 2)),
                    ("bool/0d", arr(True, "bool")), ("float32/empty", np.zeros((0, 2), "float32"))]:
        unary_case("logical_not", name, x, "exact")


def gen_compare_logic():
    fl = arr([1.0, np.nan, 2.0, -0.0, np.inf, 3.0], "float32")
    fr = arr([1.0, np.nan, 3.0, 0.0, np.inf, np.nan], "float32")
    for op in COMPARE:
        binary_case(op, "float32/nan_ties", fl, fr)
        binary_case(op, "float64/random", rand("float64", (2, 3), -2, 2).round(0), rand("float64", (2, 3), -2, 2).round(0))
        binary_case(op, "int32/ties", rand("int32", (2, 3), 0, 2), rand("int32", (2, 3), 0, 2))
        binary_case(op, "uint8/extremes", arr([0, 255, 7, 128], "uint8"), arr([255, 0, 7, 127], "uint8"))
        binary_case(op, "int8_uint8/promoted_to_int16", arr([-1, 127, 0], "int8"), arr([255, 127, 0], "uint8"))
        # int32 with float32 compares in float32: 16777217 becomes 16777216 (NumPy: float64)
        binary_case(op, "int32_float32/compared_in_float32", arr([16777217, 3, -2], "int32"),
                    arr([16777216.0, 3.5, -2.0], "float32"))
        binary_case(op, "bool/basic", arr([True, True, False, False], "bool"), arr([True, False, True, False], "bool"))
        binary_case(op, "float32/broadcast", rand("float32", (2, 1, 3), -1, 1).round(0), rand("float32", (4, 1), -1, 1).round(0))
        binary_case(op, "int64/0d_with_vector", arr(2, "int64"), arr([1, 2, 3], "int64"))
        binary_case(op, "float64/empty", np.zeros((0,), "float64"), np.zeros((1,), "float64"))
    binary_case("less", "int8_uint64/no_promotion", arr([1], "int8"), arr([1], "uint64"))
    binary_case("equal", "float32/broadcast_mismatch", rand("float32", (3,)), rand("float32", (4,)))

    tl = arr([True, True, False, False], "bool")
    tr = arr([True, False, True, False], "bool")
    for op in LOGICAL:
        binary_case(op, "bool/truth_table", tl, tr)
        binary_case(op, "float32/nonzero_and_nan_are_true", arr([0.0, -0.0, np.nan, 2.5, 0.0, 1.0], "float32"),
                    arr([0.0, 1.0, 1.0, 0.0, np.nan, -1.0], "float32"))
        binary_case(op, "int8/nonzero_is_true", arr([0, 1, -128, 5], "int8"), arr([0, 0, 3, 5], "int8"))
        binary_case(op, "bool_int32/broadcast", rand("bool", (2, 1)), arr([0, 2, 0, -1], "int32"))
        binary_case(op, "uint64_int64/no_promotion_needed", arr([0, 2**64 - 1], "uint64"), arr([3, 0], "int64"))
        binary_case(op, "bool/0d", arr(True, "bool"), arr(False, "bool"))
        binary_case(op, "float64_uint8/mixed", arr([0.0, np.nan, 0.5, 0.0], "float64"), arr([0, 0, 7, 255], "uint8"))
    binary_case("logical_and", "bool/broadcast_mismatch", rand("bool", (2,)), rand("bool", (3,)))


def where_case(name, c, x, y):
    try:
        s = np.broadcast_shapes(x.shape, y.shape)
        np.broadcast_shapes(c.shape, s)
    except ValueError:
        add_case(f"where/{name}", "where", [T(c), T(x), T(y)], {}, err("ShapeMismatch"))
        return
    d = promote(x.dtype.name, y.dtype.name)
    if d is None:
        add_case(f"where/{name}", "where", [T(c), T(x), T(y)], {}, err("NoPromotion"))
        return
    exp = np.where(c != 0, x.astype(d), y.astype(d))
    settle(np.where(c, x, y).dtype, d, mixed(x.dtype.name, y.dtype.name), what=name)
    add_case(f"where/{name}", "where", [T(c), T(x), T(y)], {}, exp)


def gen_where():
    where_case("float32/basic", rand("bool", (2, 3)), rand("float32", (2, 3)), rand("float32", (2, 3)))
    where_case("int32_float32/broadcast_promotes_to_float32", rand("bool", (2, 1)),
               rand("int32", (1, 3), -9, 9), rand("float32", (2, 3)))
    where_case("int8_uint8/promotes_to_int16", rand("bool", (4,)), arr([-1, -128, 5, 6], "int8"),
               arr([255, 0, 200, 1], "uint8"))
    where_case("float64/int_condition", arr([0, 3, -1, 0], "int32"), arr([np.nan, 1.0, 2.0, 3.0], "float64"),
               arr(-1.0, "float64"))
    where_case("float64/float_condition_nan_is_true", arr([0.0, np.nan, 0.5], "float64"),
               arr([1.0, 2.0, 3.0], "float64"), arr([-1.0, -2.0, -3.0], "float64"))
    where_case("bool/values", rand("bool", (3, 1)), rand("bool", (1, 2)), rand("bool", (3, 2)))
    where_case("uint16/0d_condition", arr(False, "bool"), rand("uint16", (2, 2), 0, 99), rand("uint16", (2, 2), 0, 99))
    where_case("float32/empty", np.zeros((0, 3), "bool"), rand("float32", (1, 3)), rand("float32", (3,)))
    where_case("float32/broadcast_mismatch", rand("bool", (2, 3)), rand("float32", (3, 2)), rand("float32", (2, 3)))
    where_case("int64_uint64/no_promotion", rand("bool", (2,)), arr([1, 2], "int64"), arr([1, 2], "uint64"))


def clip_case(name, x, lo, hi, **kw):
    """lo/hi: arrays (tensor bounds), Python numbers (clip_scalar) or None."""
    d = x.dtype.name
    enc = (lambda v: T(v) if isinstance(v, np.ndarray) else v)
    args = {"min": enc(lo), "max": enc(hi)}
    if d == "bool":
        add_case(f"clip/{name}", "clip", [T(x)], args, err("InvalidDType"))
        return
    for b in (lo, hi):
        if isinstance(b, np.ndarray):
            try:
                ok = np.broadcast_shapes(b.shape, x.shape) == x.shape
            except ValueError:
                ok = False
            if not ok:
                add_case(f"clip/{name}", "clip", [T(x)], args, err("ShapeMismatch"))
                return
    # bounds are converted to x's dtype (Rust `as` for numbers and tensors alike)
    conv = (lambda b: None if b is None else (rust_as(b, d) if isinstance(b, np.ndarray) else scalar_as(b, d)))
    clo, chi = conv(lo), conv(hi)
    y = x.copy()
    if clo is not None:
        y = np.maximum(y, clo)
    if chi is not None:
        y = np.minimum(y, chi)  # where min > max the result is max
    settle(y.dtype, d)
    if isinstance(lo, float) or isinstance(hi, float):
        DIFF_USED.add("rust_as_casts")
    add_case(f"clip/{name}", "clip", [T(x)], args, y.astype(d))


def gen_clip():
    clip_case("float32/tensor_bounds", rand("float32", (2, 3)), rand("float32", (3,), -2, -1), arr(1.0, "float32"))
    clip_case("float64/min_only", rand("float64", (2, 3)), arr(0.0, "float64"), None)
    clip_case("float64/max_only", rand("float64", (2, 3)), None, rand("float64", (2, 1), -1, 1))
    clip_case("float32/min_greater_than_max", rand("float32", (4,)), arr(2.0, "float32"), arr(-1.0, "float32"))
    clip_case("float32/nan_stays", arr([np.nan, -5.0, 5.0, 0.5], "float32"), arr(-1.0, "float32"), arr(1.0, "float32"))
    clip_case("int32/float_bounds_truncate", arr([-5, -1, 0, 1, 2, 5], "int32"),
              arr(-1.7, "float32"), arr([2.9, 2.9, 2.9, 2.9, 2.9, 0.5], "float64"))
    clip_case("uint8/int_bounds", arr([0, 10, 100, 255], "uint8"), arr([5, 5, 5, 5], "int64"), arr(200, "int16"))
    clip_case("int8/broadcast_bounds", rand("int8", (2, 3), -9, 9), arr([[-2], [0]], "int8"), arr([1, 5, 9], "int8"))
    clip_case("float64/scalar_bounds", rand("float64", (2, 3), -2, 2), -0.5, 0.5)
    clip_case("int32/scalar_bounds_truncate", arr([-5, -1, 0, 1, 2, 5], "int32"), -1.5, 2.9)
    clip_case("float32/scalar_max_only", rand("float32", (5,), -2, 2), None, 0.25)
    clip_case("uint16/scalar_min_only", arr([0, 3, 60000], "uint16"), 4, None)
    clip_case("float32/0d", arr(3.5, "float32"), arr(0.0, "float32"), arr(1.0, "float32"))
    clip_case("float32/no_bounds", rand("float32", (3,)), None, None)
    clip_case("int64/empty", np.zeros((0, 2), "int64"), arr(0, "int64"), arr(1, "int64"))
    clip_case("float32/bound_does_not_broadcast_to_x", rand("float32", (3,)), rand("float32", (2, 3)), None)
    clip_case("bool/invalid", arr([True, False], "bool"), None, None)


# ----- linear algebra ------------------------------------------------------------------------

def matmul_case(name, a, b, tol="linalg"):
    d = promote(a.dtype.name, b.dtype.name)
    args = [T(a), T(b)]
    if d is None:
        return add_case(f"matmul/{name}", "matmul", args, {}, err("NoPromotion"))
    if d == "bool":
        return add_case(f"matmul/{name}", "matmul", args, {}, err("InvalidDType"))
    if a.ndim == 0 or b.ndim == 0:
        return add_case(f"matmul/{name}", "matmul", args, {}, err("ShapeMismatch"))
    try:
        ref = np.matmul(a, b)
    except ValueError:
        return add_case(f"matmul/{name}", "matmul", args, {}, err("ShapeMismatch"))
    settle(ref.dtype, d, mixed(a.dtype.name, b.dtype.name), what=name)
    if kind(d) == "float":
        exp = np.matmul(f64(a.astype(d)), f64(b.astype(d))).astype(d)
    else:
        exp = np.matmul(a.astype(d), b.astype(d))
    add_case(f"matmul/{name}", "matmul", args, {}, exp, tol)


def gen_linalg():
    matmul_case("float32/2d", rand("float32", (2, 3)), rand("float32", (3, 4)))
    matmul_case("float64/2d", rand("float64", (3, 3)), rand("float64", (3, 2)))
    matmul_case("float32/1d_2d", rand("float32", (3,)), rand("float32", (3, 4)))
    matmul_case("float64/2d_1d", rand("float64", (2, 3)), rand("float64", (3,)))
    matmul_case("float64/1d_1d_is_0d", rand("float64", (4,)), rand("float64", (4,)))
    matmul_case("float32/batched_broadcast", rand("float32", (2, 1, 2, 3)), rand("float32", (3, 3, 2)))
    matmul_case("float64/batched_1d", rand("float64", (2, 3, 4)), rand("float64", (4,)))
    matmul_case("float64/1d_batched", rand("float64", (3,)), rand("float64", (2, 3, 2)))
    matmul_case("int32/2d", rand("int32", (2, 3), -9, 9), rand("int32", (3, 2), -9, 9))
    matmul_case("int64/batched", rand("int64", (2, 2, 2), -9, 9), rand("int64", (2, 2), -9, 9))
    matmul_case("uint8/2d", rand("uint8", (2, 2), 0, 9), rand("uint8", (2, 3), 0, 9))
    matmul_case("int32_float32/promotes_to_float32", rand("int32", (2, 3), -9, 9), rand("float32", (3, 2)))
    matmul_case("float32/empty_inner", np.zeros((2, 0), "float32"), np.zeros((0, 3), "float32"))
    matmul_case("float32/inner_mismatch", rand("float32", (2, 3)), rand("float32", (4, 2)))
    matmul_case("float32/1d_inner_mismatch", rand("float32", (3,)), rand("float32", (4,)))
    matmul_case("float32/0d", arr(1.0, "float32"), rand("float32", (2,)))
    matmul_case("float32/batch_mismatch", rand("float32", (2, 2, 2)), rand("float32", (3, 2, 2)))
    matmul_case("bool/invalid", rand("bool", (2, 2)), rand("bool", (2, 2)))

    for name, x in [("float32/2d", rand("float32", (2, 3))), ("int64/3d", rand("int64", (2, 3, 4), -9, 9)),
                    ("bool/4d", rand("bool", (2, 1, 2, 3))), ("uint8/square", rand("uint8", (3, 3), 0, 99)),
                    ("float64/empty", np.zeros((2, 0), "float64"))]:
        exp = np.swapaxes(x, -1, -2)
        add_case(f"matrix_transpose/{name}", "matrix_transpose", [T(x)], {}, exp)
    add_case("matrix_transpose/float32/1d", "matrix_transpose", [T(rand("float32", (3,)))], {},
             err("InvalidShape"))

    def vecdot_case(name, a, b, axis=-1):
        d = promote(a.dtype.name, b.dtype.name)
        kw = {"axis": axis}
        args = [T(a), T(b)]
        try:
            s = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return add_case(f"vecdot/{name}", "vecdot", args, kw, err("ShapeMismatch"))
        if not -len(s) <= axis < len(s):
            return add_case(f"vecdot/{name}", "vecdot", args, kw, err("AxisOutOfRange"))
        ax = axis % len(s)

        def size_in(t):
            off = len(s) - t.ndim
            return t.shape[ax - off] if ax >= off else None
        if size_in(a) != size_in(b):
            return add_case(f"vecdot/{name}", "vecdot", args, kw, err("ShapeMismatch"))
        ref = np.vecdot(a, b, axis=axis)
        settle(ref.dtype, d, mixed(a.dtype.name, b.dtype.name), what=name)
        if kind(d) == "float":
            exp = np.vecdot(f64(a.astype(d)), f64(b.astype(d)), axis=axis).astype(d)
        else:
            exp = np.vecdot(a.astype(d), b.astype(d), axis=axis)
        add_case(f"vecdot/{name}", "vecdot", args, kw, exp, "linalg")

    vecdot_case("float32/default_axis", rand("float32", (3, 4)), rand("float32", (3, 4)))
    vecdot_case("float64/axis0", rand("float64", (3, 2)), rand("float64", (3, 2)), 0)
    vecdot_case("float32/broadcast", rand("float32", (2, 1, 3)), rand("float32", (4, 3)))
    vecdot_case("float64/broadcast_axis_minus2", rand("float64", (2, 3, 1)), rand("float64", (3, 4)), -2)
    vecdot_case("int32/1d_is_0d", rand("int32", (5,), -9, 9), rand("int32", (5,), -9, 9))
    vecdot_case("int16_float32/promotes_to_float32", rand("int16", (2, 3), -9, 9), rand("float32", (2, 3)))
    vecdot_case("uint8/axis0", rand("uint8", (3, 2), 0, 9), rand("uint8", (3, 1), 0, 9), 0)
    vecdot_case("int64/3d", rand("int64", (2, 2, 3), -9, 9), rand("int64", (2, 2, 3), -9, 9))
    vecdot_case("float32/axis_size_mismatch", rand("float32", (2, 3)), rand("float32", (2, 1)))
    vecdot_case("float32/axis_out_of_range", rand("float32", (2, 3)), rand("float32", (2, 3)), 2)

    def tensordot_case(name, a, b, axes):
        d = promote(a.dtype.name, b.dtype.name)
        kw = {"axes": axes}
        args = [T(a), T(b)]
        np_axes = axes if isinstance(axes, int) else (axes[0], axes[1])
        try:
            ref = np.tensordot(a, b, np_axes)
        except (ValueError, IndexError):
            return add_case(f"tensordot/{name}", "tensordot", args, kw, err("ShapeMismatch"))
        settle(ref.dtype, d, mixed(a.dtype.name, b.dtype.name), what=name)
        if kind(d) == "float":
            exp = np.tensordot(f64(a.astype(d)), f64(b.astype(d)), np_axes).astype(d)
        else:
            exp = np.tensordot(a.astype(d), b.astype(d), np_axes)
        add_case(f"tensordot/{name}", "tensordot", args, kw, exp, "linalg")

    tensordot_case("float32/count2", rand("float32", (2, 3, 4)), rand("float32", (3, 4, 2)), 2)
    tensordot_case("float64/count1", rand("float64", (2, 3)), rand("float64", (3, 4)), 1)
    tensordot_case("float64/count0_outer", rand("float64", (2,)), rand("float64", (3,)), 0)
    tensordot_case("float32/pairs", rand("float32", (3, 4, 5)), rand("float32", (4, 3, 2)), [[1, 0], [0, 1]])
    tensordot_case("float64/negative_pairs", rand("float64", (2, 3)), rand("float64", (4, 3)), [[-1], [-1]])
    tensordot_case("int32/pairs", rand("int32", (2, 3), -9, 9), rand("int32", (2, 3), -9, 9), [[0, 1], [0, 1]])
    tensordot_case("uint16/count1", rand("uint16", (2, 3), 0, 9), rand("uint16", (3, 2), 0, 9), 1)
    tensordot_case("int64_float64/promotes", rand("int64", (3, 2), -9, 9), rand("float64", (3, 2)), [[0], [0]])
    tensordot_case("float32/size_mismatch", rand("float32", (2, 3)), rand("float32", (4, 2)), [[1], [0]])

    well = {
        "2x2": np.array([[4.0, 7.0], [2.0, 6.0]]),
        "3x3": np.array([[3.0, 0.5, -1.0], [1.0, 4.0, 0.25], [-0.5, 2.0, 5.0]]),
    }
    batched = np.stack([well["3x3"], well["3x3"].T + np.eye(3), np.eye(3) * 2.0])
    for op, fn in [("linalg.inv", np.linalg.inv), ("linalg.det", np.linalg.det)]:
        for n, m in well.items():
            for d in FLOATS:
                x = m.astype(d)
                ref = fn(x)
                settle(ref.dtype, d, what=op)
                add_case(f"{op}/{d}/{n}", op, [T(x)], {}, fn(f64(x)).astype(d), "linalg")
        for d in FLOATS:
            x = batched.astype(d)
            add_case(f"{op}/{d}/batched", op, [T(x)], {}, fn(f64(x)).astype(d), "linalg")
        for d in ("int32", "uint8"):
            xi = np.array([[2, 1], [7, 4]], dtype=d)
            settle(fn(xi).dtype, "float32", floated(d), what=op)
            add_case(f"{op}/{d}/to_float32", op, [T(xi)], {}, fn(f64(xi)).astype("float32"), "linalg")
        add_case(f"{op}/float64/1x1", op, [T(arr([[4.0]], "float64"))], {},
                 fn(np.array([[4.0]])), "linalg")
        add_case(f"{op}/float64/not_square", op, [T(rand("float64", (2, 3)))], {}, err("InvalidShape"))
        add_case(f"{op}/float64/1d", op, [T(rand("float64", (3,)))], {}, err("InvalidShape"))
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    add_case("linalg.det/float64/singular_is_zero", "linalg.det", [T(sing)], {}, np.float64(0.0), "linalg")
    add_case("linalg.inv/float64/singular", "linalg.inv", [T(sing)], {},
             err("InvalidArgument"))


# ----- reductions ----------------------------------------------------------------------------

def norm_axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise IndexError
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise KeyError
    return tuple(sorted(out))


def reduce_case(op, name, x, axes=None, keepdims=False, correction=None):
    d = x.dtype.name
    kw = {"axes": None if axes is None else list(axes), "keepdims": keepdims}
    if correction is not None:
        kw["correction"] = correction
    cid = f"{op}/{name}"
    try:
        ax = norm_axes(axes, x.ndim)
    except IndexError:
        return add_case(cid, op, [T(x)], kw, err("AxisOutOfRange"))
    except KeyError:
        return add_case(cid, op, [T(x)], kw, err("InvalidArgument"))
    if op in ("max", "min") and any(x.shape[a] == 0 for a in ax):
        return add_case(cid, op, [T(x)], kw, err("InvalidArgument"))
    if op in ("sum", "prod"):
        out = accumulator(d)
        fn = np.sum if op == "sum" else np.prod
        if kind(out) == "float":
            exp = fn(f64(x), axis=ax, keepdims=keepdims).astype(out)
        else:
            exp = fn(x.astype(out), axis=ax, keepdims=keepdims)
        settle(fn(x, axis=ax, keepdims=keepdims).dtype, out, what=cid)
    elif op in ("max", "min"):
        fn = np.max if op == "max" else np.min
        exp = fn(x, axis=ax, keepdims=keepdims)
        settle(exp.dtype, d, what=cid)
    elif op == "mean":
        out = to_float(d)
        exp = np.mean(f64(x.astype(out)), axis=ax, keepdims=keepdims).astype(out)
        settle(np.mean(x, axis=ax, keepdims=keepdims).dtype, out, floated(d), what=cid)
    elif op in ("var", "std"):
        out = to_float(d)
        fn = np.var if op == "var" else np.std
        exp = fn(f64(x.astype(out)), axis=ax, keepdims=keepdims, ddof=correction).astype(out)
        settle(fn(x, axis=ax, keepdims=keepdims, ddof=correction).dtype, out, floated(d), what=cid)
    else:
        raise KeyError(op)
    add_case(cid, op, [T(x)], kw, np.asarray(exp), "reduction")


# sort / argsort: stable; NaN last ascending, first descending (NumPy has no descending sort,
# so the order comes from Python's stable `sorted` with a NaN-aware key)


def sort_key(desc):
    def key(v):
        if isinstance(v, float) and math.isnan(v):
            return (0, 0) if desc else (1, 0)
        return (1, -v) if desc else (0, v)
    return key


def sort_case(op, name, x, axis=-1, descending=False):
    kw = {"axis": axis, "descending": descending}
    cid = f"{op}/{name}"
    if x.ndim == 0:
        return add_case(cid, op, [T(x)], kw, err("InvalidShape"))
    if not -x.ndim <= axis < x.ndim:
        return add_case(cid, op, [T(x)], kw, err("AxisOutOfRange"))
    moved = np.moveaxis(x, axis, -1)
    idx = np.empty(moved.shape, dtype=np.int64)
    for pos in np.ndindex(moved.shape[:-1]):
        row = [(v.item() if kind(x.dtype.name) != "bool" else int(v)) for v in moved[pos]]
        order = sorted(range(len(row)), key=lambda i: sort_key(descending)(row[i]))
        idx[pos] = order
    idx = np.moveaxis(idx, -1, axis)
    if op == "argsort":
        if not descending:
            ref = np.argsort(x, axis=axis, stable=True)
            settle(ref.dtype, "int64", what=cid)
            assert np.array_equal(ref, idx), cid
        add_case(cid, op, [T(x)], kw, idx)
    else:
        exp = np.take_along_axis(x, idx, axis=axis)
        if not descending:
            assert np.array_equal(np.sort(x, axis=axis, stable=True), exp, equal_nan=True), cid
        add_case(cid, op, [T(x)], kw, exp)


def gen_reductions():
    for op in ["sum", "prod", "mean", "max", "min"]:
        x3 = rand("float32", (2, 3, 4), -2, 2) if op != "prod" else rand("float32", (2, 3, 4), 0.5, 1.5)
        reduce_case(op, "float32/all", x3)
        reduce_case(op, "float32/axis0", x3, [0])
        reduce_case(op, "float32/axis_minus1", x3, [-1])
        reduce_case(op, "float32/axes_0_2", x3, [0, 2])
        reduce_case(op, "float32/axes_negative_unsorted", x3, [-1, 0])
        reduce_case(op, "float32/keepdims_all", x3, None, True)
        reduce_case(op, "float32/keepdims_axis1", x3, [1], True)
        x2 = rand("float64", (3, 4), -2, 2)
        reduce_case(op, "float64/all", x2)
        reduce_case(op, "float64/axis1", x2, [1])
        reduce_case(op, "float64/0d", arr(2.5, "float64"))
        reduce_case(op, "int8/all", rand("int8", (3, 4), -9, 9))
        reduce_case(op, "int8/axis0", arr([[100, 100, -128], [100, 100, -128]], "int8"), [0])
        reduce_case(op, "uint8/axis1", rand("uint8", (3, 4), 0, 200 if op != "prod" else 9), [1])
        reduce_case(op, "int32/keepdims", rand("int32", (2, 3), -9, 9), [1], True)
        reduce_case(op, "uint32/all", rand("uint32", (5,), 0, 9))
        reduce_case(op, "float32/axis_out_of_range", x3, [3])
        reduce_case(op, "float32/repeated_axis", x3, [0, -3])
        reduce_case(op, "float32/empty_other_axis", np.zeros((0, 3), "float32"), [1])
    for op in ["sum", "prod", "mean"]:
        reduce_case(op, "float32/empty_all", np.zeros((0, 3), "float32"))
        reduce_case(op, "float64/empty_axis0", np.zeros((0, 3), "float64"), [0])
        reduce_case(op, "bool/all", arr([True, True, False, True], "bool"))
        reduce_case(op, "float32/no_axes", rand("float32", (2, 3)), [])
    reduce_case("sum", "int64/empty_all", np.zeros((2, 0), "int64"))
    reduce_case("sum", "int64/wraps", arr([2**63 - 1, 1], "int64"))
    reduce_case("prod", "int64/wraps", arr([2**62, 4], "int64"))
    reduce_case("sum", "uint64/wraps", arr([2**64 - 1, 2], "uint64"))
    reduce_case("sum", "float32/nan", arr([1.0, np.nan, 2.0], "float32"))
    for op in ["max", "min"]:
        reduce_case(op, "float32/nan_propagates", arr([[1.0, np.nan, 3.0], [4.0, 5.0, -np.inf]], "float32"))
        reduce_case(op, "float64/nan_propagates_axis1", arr([[1.0, np.nan, 3.0], [4.0, 5.0, -np.inf]], "float64"), [1])
        reduce_case(op, "int64/extremes", arr([-2**63, 2**63 - 1, 0], "int64"))
        reduce_case(op, "bool/all", arr([False, True, False], "bool"))
        reduce_case(op, "float32/empty_all", np.zeros((0, 3), "float32"))
        reduce_case(op, "float32/empty_axis", np.zeros((0, 3), "float32"), [0])
    for op in ["var", "std"]:
        x = rand("float32", (3, 4), -2, 2)
        for c in (0.0, 1.0):
            reduce_case(op, f"float32/all_correction{int(c)}", x, None, False, c)
            reduce_case(op, f"float32/axis0_correction{int(c)}", x, [0], False, c)
            reduce_case(op, f"float64/axis_minus1_keepdims_correction{int(c)}", rand("float64", (2, 3, 4)), [-1], True, c)
        reduce_case(op, "float64/axes_0_2_correction1", rand("float64", (2, 3, 4)), [0, 2], False, 1.0)
        reduce_case(op, "float64/fractional_correction", rand("float64", (6,)), None, False, 1.5)
        reduce_case(op, "int32/to_float32", arr([1, 2, 3, 4, 10], "int32"), None, False, 1.0)
        reduce_case(op, "uint8/axis1_to_float32", rand("uint8", (2, 4), 0, 255), [1], False, 0.0)
        reduce_case(op, "bool/to_float32", arr([True, False, True, True], "bool"), None, False, 0.0)
        reduce_case(op, "float32/empty_nan", np.zeros((0,), "float32"), None, False, 0.0)
        reduce_case(op, "float64/constant_is_zero", arr([3.0, 3.0, 3.0], "float64"), None, False, 0.0)
        reduce_case(op, "float64/single_element_correction1_is_nan", arr([3.0], "float64"), None, False, 1.0)
        reduce_case(op, "float64/large_offset", arr([1e8 + 1, 1e8 + 2, 1e8 + 3], "float64"), None, False, 0.0)
        reduce_case(op, "float32/axis_out_of_range", x, [-3], False, 1.0)
        add_case(f"{op}/float32/negative_correction", op, [T(x)],
                 {"axes": None, "keepdims": False, "correction": -1.0}, err("InvalidArgument"))

    # argmax / argmin
    def arg_case(op, name, x, axis=None, keepdims=False):
        kw = {"axis": axis, "keepdims": keepdims}
        fn = np.argmax if op == "argmax" else np.argmin
        if axis is not None and not -x.ndim <= axis < max(x.ndim, 1):
            return add_case(f"{op}/{name}", op, [T(x)], kw, err("AxisOutOfRange"))
        if (x.size == 0) if axis is None else (x.shape[axis] == 0):
            return add_case(f"{op}/{name}", op, [T(x)], kw, err("InvalidArgument"))
        exp = fn(x, axis=axis, keepdims=keepdims)  # first occurrence; NaN counts as the extreme
        settle(np.asarray(exp).dtype, "int64", what=name)
        add_case(f"{op}/{name}", op, [T(x)], kw, np.asarray(exp, dtype="int64"))

    for op in ["argmax", "argmin"]:
        x = rand("float32", (3, 4), -9, 9)
        arg_case(op, "float32/flattened", x)
        arg_case(op, "float32/axis0", x, 0)
        arg_case(op, "float32/axis_minus1_keepdims", x, -1, True)
        arg_case(op, "float32/flattened_keepdims", x, None, True)
        arg_case(op, "int32/ties_first", arr([[1, 5, 5, 0], [0, 0, -3, -3]], "int32"), 1)
        arg_case(op, "int32/ties_first_flat", arr([2, 7, 7, 2, -1, -1], "int32"))
        arg_case(op, "float64/nan_first", arr([1.0, np.nan, 9.0, np.nan], "float64"))
        arg_case(op, "float64/nan_axis", arr([[1.0, np.nan], [np.nan, 2.0], [3.0, 4.0]], "float64"), 1)
        arg_case(op, "uint8/3d_axis1", rand("uint8", (2, 3, 2), 0, 255), 1)
        arg_case(op, "bool/flattened", arr([False, True, True, False], "bool"))
        arg_case(op, "int64/0d", arr(5, "int64"))
        arg_case(op, "float32/empty", np.zeros((0,), "float32"))
        arg_case(op, "float32/empty_axis", np.zeros((2, 0), "float32"), 1)
        arg_case(op, "float32/axis_out_of_range", x, 2)

    # cumulative_sum
    def cs_case(name, x, axis=None, include_initial=False):
        kw = {"axis": axis, "include_initial": include_initial}
        cid = f"cumulative_sum/{name}"
        d = x.dtype.name
        out = accumulator(d)
        xx = x.reshape(1) if x.ndim == 0 else x
        if axis is None and xx.ndim != 1:
            return add_case(cid, "cumulative_sum", [T(x)], kw, err("InvalidArgument"))
        if axis is not None and not -xx.ndim <= axis < xx.ndim:
            return add_case(cid, "cumulative_sum", [T(x)], kw, err("AxisOutOfRange"))
        ax = 0 if axis is None else axis
        ref = np.cumulative_sum(xx, axis=ax, include_initial=include_initial)
        settle(ref.dtype, out, what=cid)
        if kind(out) == "float":
            exp = np.cumulative_sum(f64(xx), axis=ax, include_initial=include_initial).astype(out)
        else:
            exp = np.cumulative_sum(xx.astype(out), axis=ax, include_initial=include_initial)
        add_case(cid, "cumulative_sum", [T(x)], kw, exp, "reduction")

    cs_case("float32/1d", rand("float32", (6,)))
    cs_case("float32/1d_include_initial", rand("float32", (5,)), None, True)
    cs_case("float64/axis0", rand("float64", (3, 4)), 0)
    cs_case("float64/axis_minus1_include_initial", rand("float64", (3, 4)), -1, True)
    cs_case("int8/widens_to_int64", arr([100, 100, 100, -128], "int8"))
    cs_case("uint8/widens_to_uint64", arr([[200, 200], [100, 255]], "uint8"), 0)
    cs_case("bool/to_int64", arr([True, False, True, True], "bool"), None, True)
    cs_case("int32/3d_axis1", rand("int32", (2, 3, 2), -9, 9), 1)
    cs_case("float32/0d", arr(2.5, "float32"))
    cs_case("int16/0d_include_initial", arr(-7, "int16"), None, True)
    cs_case("float32/empty", np.zeros((0,), "float32"), None, True)
    cs_case("float32/empty_axis1", np.zeros((2, 0), "float32"), 1)
    cs_case("float32/2d_needs_axis", rand("float32", (2, 2)))
    cs_case("float32/axis_out_of_range", rand("float32", (2, 2)), 2)

    for op in ["sort", "argsort"]:
        for desc in (False, True):
            sfx = "descending" if desc else "ascending"
            sort_case(op, f"float32/ties_nan_{sfx}", arr([3.0, np.nan, 1.0, 3.0, -2.0, np.nan, 1.0, 0.0], "float32"),
                      -1, desc)
            sort_case(op, f"float64/2d_axis0_{sfx}", rand("float64", (4, 3), -2, 2).round(0), 0, desc)
            sort_case(op, f"int32/2d_axis_minus1_ties_{sfx}", rand("int32", (3, 5), 0, 3), -1, desc)
            sort_case(op, f"uint8/3d_axis1_{sfx}", rand("uint8", (2, 4, 2), 0, 3), 1, desc)
            sort_case(op, f"int64/extremes_{sfx}", arr([0, -2**63, 2**63 - 1, -1, 0], "int64"), 0, desc)
            sort_case(op, f"bool/{sfx}", arr([True, False, True, False], "bool"), 0, desc)
        sort_case(op, "float32/signed_zero_and_inf", arr([np.inf, -0.0, 0.0, -np.inf, 1e-30], "float32"))
        sort_case(op, "float32/empty", np.zeros((0,), "float32"))
        sort_case(op, "float64/0d", arr(1.0, "float64"))
        sort_case(op, "float64/axis_out_of_range", rand("float64", (2, 2)), 2)

    # softmax
    def softmax_case(name, x, axis, tol="transcendental"):
        d = x.dtype.name
        out = to_float(d)
        cid = f"softmax/{name}"
        nd = max(x.ndim, 1)
        if not -nd <= axis < nd:
            return add_case(cid, "softmax", [T(x)], {"axis": axis}, err("AxisOutOfRange"))
        xf = f64(x.astype(out))
        if x.ndim == 0:
            exp = np.ones((), dtype=out)
        else:
            m = np.max(xf, axis=axis, keepdims=True) if xf.shape[axis] else 0.0
            e = np.exp(xf - m)
            exp = (e / np.sum(e, axis=axis, keepdims=True)).astype(out)
        if kind(d) != "float":
            DIFF_USED.add("float_only_ops")
        add_case(cid, "softmax", [T(x)], {"axis": axis}, exp, tol)

    softmax_case("float32/last_axis", rand("float32", (2, 5), -3, 3), -1)
    softmax_case("float32/axis0", rand("float32", (3, 4), -3, 3), 0)
    softmax_case("float64/3d_axis1", rand("float64", (2, 3, 4), -3, 3), 1)
    softmax_case("float64/large_values_stable", arr([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]], "float64"), 1)
    softmax_case("float32/large_values_stable", arr([100.0, 101.0, 89.0], "float32"), 0)
    softmax_case("int32/to_float32", arr([1, 2, 3], "int32"), 0)
    softmax_case("uint8/to_float32", arr([[0, 255], [3, 3]], "uint8"), -1)
    softmax_case("bool/to_float32", arr([True, False, False], "bool"), 0)
    softmax_case("float64/nan_row", arr([[np.nan, 1.0], [1.0, 2.0]], "float64"), -1)
    softmax_case("float64/neg_inf_is_zero", arr([-np.inf, 0.0, 0.0], "float64"), 0)
    softmax_case("float32/0d_is_one", arr(5.0, "float32"), 0)
    softmax_case("float32/empty_axis", np.zeros((2, 0), "float32"), 1)
    softmax_case("float32/axis_out_of_range", rand("float32", (2, 2)), 2)


# ----- shape manipulation --------------------------------------------------------------------

def gen_manipulation():
    x = rand("float32", (2, 3, 4))

    def reshape_case(name, x, shape, expected=None):
        kw = {"shape": list(shape)}
        cid = f"reshape/{name}"
        if expected is not None:
            return add_case(cid, "reshape", [T(x)], kw, expected)
        add_case(cid, "reshape", [T(x)], kw, x.reshape(shape))

    reshape_case("float32/infer_last", x, (4, -1))
    reshape_case("float32/infer_first", x, (-1, 2, 3))
    reshape_case("float32/flatten", x, (-1,))
    reshape_case("int64/2d_to_1d", rand("int64", (2, 3), -9, 9), (6,))
    reshape_case("bool/to_3d", rand("bool", (6,)), (1, 2, 3))
    reshape_case("uint8/0d_to_1", arr(7, "uint8"), (1,))
    reshape_case("float64/1_to_0d", arr([7.5], "float64"), ())
    reshape_case("float64/0d_infer", arr(7.5, "float64"), (-1,))
    reshape_case("float32/empty", np.zeros((0, 3), "float32"), (3, 0, 2))
    reshape_case("float32/same_shape", rand("float32", (2, 2)), (2, 2))
    reshape_case("float32/wrong_size", x, (5, 5), err("InvalidShape"))
    reshape_case("float32/two_minus_one", x, (-1, -1), err("InvalidShape"))
    reshape_case("float32/infer_not_divisible", x, (5, -1), err("InvalidShape"))
    reshape_case("float32/negative_size", x, (-2, 12), err("InvalidShape"))
    reshape_case("float32/infer_with_zero", np.zeros((0, 3), "float32"), (0, -1), err("InvalidShape"))

    def permute_case(name, x, axes, expected=None):
        add_case(f"permute_dims/{name}", "permute_dims", [T(x)], {"axes": list(axes)},
                 expected if expected is not None else np.transpose(x, axes))

    permute_case("float32/3d", x, (2, 0, 1))
    permute_case("float32/negative_axes", x, (-1, 0, 1))
    permute_case("int32/identity", rand("int32", (2, 3), -9, 9), (0, 1))
    permute_case("bool/2d", rand("bool", (2, 3)), (1, 0))
    permute_case("uint16/4d", rand("uint16", (1, 2, 3, 2), 0, 99), (3, 1, 0, 2))
    permute_case("float64/0d", arr(1.5, "float64"), ())
    permute_case("float32/empty", np.zeros((2, 0, 3), "float32"), (2, 1, 0))
    permute_case("float32/not_a_permutation", x, (0, 0, 1), err("InvalidArgument"))
    permute_case("float32/wrong_count", x, (0, 1), err("InvalidArgument"))
    permute_case("float32/axis_out_of_range", x, (0, 1, 3), err("AxisOutOfRange"))

    for name, t, axis in [("float32/axis0", rand("float32", (2, 3)), 0), ("float32/axis_minus1", rand("float32", (2, 3)), -1),
                          ("int8/axis_minus2", rand("int8", (2, 3), -9, 9), -2), ("float64/middle", rand("float64", (2, 3)), 1),
                          ("bool/0d", arr(True, "bool"), 0), ("uint8/0d_minus1", arr(3, "uint8"), -1),
                          ("float32/empty", np.zeros((0,), "float32"), 1)]:
        add_case(f"expand_dims/{name}", "expand_dims", [T(t)], {"axis": axis}, np.expand_dims(t, axis))
    add_case("expand_dims/float32/axis_out_of_range", "expand_dims", [T(rand("float32", (2, 3)))],
             {"axis": 3}, err("AxisOutOfRange"))
    add_case("expand_dims/float32/negative_axis_out_of_range", "expand_dims", [T(rand("float32", (2, 3)))],
             {"axis": -4}, err("AxisOutOfRange"))

    s = rand("float32", (1, 3, 1))
    for name, t, axes in [("float32/axis0", s, [0]), ("float32/both", s, [0, 2]), ("float32/negative", s, [-1]),
                          ("int64/to_0d", arr([[5]], "int64"), [0, 1]), ("bool/none", rand("bool", (2, 1)), []),
                          ("float32/empty", np.zeros((0, 1), "float32"), [1]),
                          ("uint8/middle", rand("uint8", (2, 1, 2), 0, 9), [1]),
                          ("float64/0d_none", arr(2.5, "float64"), []),
                          ("int32/negative_pair", rand("int32", (1, 1, 2), -9, 9), [-3, -2])]:
        add_case(f"squeeze/{name}", "squeeze", [T(t)], {"axes": axes}, np.squeeze(t, tuple(axes)))
    add_case("squeeze/float32/not_size_1", "squeeze", [T(s)], {"axes": [1]}, err("InvalidArgument"))
    add_case("squeeze/float32/repeated_axis", "squeeze", [T(s)], {"axes": [0, -3]}, err("InvalidArgument"))
    add_case("squeeze/float32/axis_out_of_range", "squeeze", [T(s)], {"axes": [3]}, err("AxisOutOfRange"))

    for name, t, axes in [("float32/all", x, None), ("float32/axis0", x, [0]), ("float32/axis_minus1", x, [-1]),
                          ("float32/axes_0_2", x, [0, 2]), ("int32/2d_all", rand("int32", (2, 3), -9, 9), None),
                          ("bool/1d", rand("bool", (5,)), [0]), ("float64/0d", arr(2.0, "float64"), None),
                          ("uint8/empty_axis", np.zeros((2, 0), "uint8"), [1])]:
        exp = np.flip(t, axis=None if axes is None else tuple(axes))
        add_case(f"flip/{name}", "flip", [T(t)], {"axes": axes}, exp)
    add_case("flip/float32/repeated_axis", "flip", [T(x)], {"axes": [1, 1]}, err("InvalidArgument"))
    add_case("flip/float32/axis_out_of_range", "flip", [T(x)], {"axes": [3]}, err("AxisOutOfRange"))

    for name, t, shape in [("float32/row_to_2d", rand("float32", (3,)), (2, 3)),
                           ("int32/column", rand("int32", (2, 1), -9, 9), (4, 2, 3)),
                           ("float64/0d", arr(1.5, "float64"), (2, 2)),
                           ("bool/same_ndim", rand("bool", (1, 3)), (2, 3)),
                           ("uint8/to_empty", rand("uint8", (1, 3), 0, 9), (0, 3)),
                           ("float32/same_shape", rand("float32", (2, 2)), (2, 2))]:
        add_case(f"broadcast_to/{name}", "broadcast_to", [T(t)], {"shape": list(shape)},
                 np.broadcast_to(t, shape).copy())
    add_case("broadcast_to/float32/incompatible", "broadcast_to", [T(rand("float32", (3,)))],
             {"shape": [4]}, err("ShapeMismatch"))
    add_case("broadcast_to/float32/fewer_dims", "broadcast_to", [T(rand("float32", (2, 3)))],
             {"shape": [3]}, err("ShapeMismatch"))

    def join_case(op, name, ts, axis):
        cid = f"{op}/{name}"
        args = [[T(t) for t in ts]]
        kw = {"axis": axis}
        if not ts:
            return add_case(cid, op, args, kw, err("InvalidArgument"))
        d = ts[0].dtype.name
        for t in ts[1:]:
            d = promote(d, t.dtype.name) if d else None
        if d is None:
            return add_case(cid, op, args, kw, err("NoPromotion"))
        try:
            if op == "concat":
                if axis is not None and ts[0].ndim == 0:
                    return add_case(cid, op, args, kw, err("InvalidShape"))
                if axis is not None and not -ts[0].ndim <= axis < ts[0].ndim:
                    return add_case(cid, op, args, kw, err("AxisOutOfRange"))
                ref = np.concat(ts, axis=axis)
                exp = np.concat([t.astype(d) for t in ts], axis=axis)
            else:
                if not -(ts[0].ndim + 1) <= axis <= ts[0].ndim:
                    return add_case(cid, op, args, kw, err("AxisOutOfRange"))
                ref = np.stack(ts, axis=axis)
                exp = np.stack([t.astype(d) for t in ts], axis=axis)
        except ValueError:
            return add_case(cid, op, args, kw, err("ShapeMismatch"))
        settle(ref.dtype, d, mixed(*(t.dtype.name for t in ts)), what=cid)
        add_case(cid, op, args, kw, exp)

    join_case("concat", "float32/axis0", [rand("float32", (2, 3)), rand("float32", (1, 3))], 0)
    join_case("concat", "float32/axis1", [rand("float32", (2, 3)), rand("float32", (2, 1)), rand("float32", (2, 2))], 1)
    join_case("concat", "int32/axis_minus1", [rand("int32", (2, 2, 1), -9, 9), rand("int32", (2, 2, 3), -9, 9)], -1)
    join_case("concat", "float64/none_flattens", [rand("float64", (2, 2)), rand("float64", (3,)), arr(1.0, "float64")], None)
    join_case("concat", "int8_float32/promotes", [rand("int8", (2,), -9, 9), rand("float32", (3,))], 0)
    join_case("concat", "int32_float32/promotes_to_float32", [arr([16777217, 1], "int32"), rand("float32", (1,))], 0)
    join_case("concat", "uint8_int8/promotes_to_int16", [arr([255, 0], "uint8"), arr([-1], "int8")], 0)
    join_case("concat", "bool_int64/promotes_to_int64", [arr([True, False], "bool"), arr([7], "int64")], None)
    join_case("concat", "float32/single", [rand("float32", (2, 2))], 1)
    join_case("concat", "float32/with_empty", [np.zeros((0, 2), "float32"), rand("float32", (2, 2))], 0)
    join_case("concat", "float32/shape_mismatch", [rand("float32", (2, 3)), rand("float32", (2, 2))], 0)
    join_case("concat", "float32/ndim_mismatch", [rand("float32", (2, 3)), rand("float32", (3,))], 0)
    join_case("concat", "float32/0d_with_axis", [arr(1.0, "float32"), arr(2.0, "float32")], 0)
    join_case("concat", "float32/axis_out_of_range", [rand("float32", (2,)), rand("float32", (2,))], 1)
    join_case("concat", "int64_uint64/no_promotion", [arr([1], "int64"), arr([1], "uint64")], 0)
    join_case("concat", "float32/no_tensors", [], 0)
    join_case("stack", "float32/axis0", [rand("float32", (2, 3)), rand("float32", (2, 3))], 0)
    join_case("stack", "float32/axis_minus1", [rand("float32", (2, 3)), rand("float32", (2, 3)), rand("float32", (2, 3))], -1)
    join_case("stack", "int32/axis1", [rand("int32", (2, 2), -9, 9), rand("int32", (2, 2), -9, 9)], 1)
    join_case("stack", "float64/0d", [arr(1.0, "float64"), arr(2.0, "float64")], 0)
    join_case("stack", "uint8_float32/promotes", [rand("uint8", (2,), 0, 9), rand("float32", (2,))], -2)
    join_case("stack", "bool/axis_minus2", [rand("bool", (3, 2)), rand("bool", (3, 2))], -2)
    join_case("stack", "float32/shape_mismatch", [rand("float32", (2, 3)), rand("float32", (3, 2))], 0)
    join_case("stack", "float32/no_tensors", [], 0)
    join_case("stack", "int64_uint64/no_promotion", [arr([1], "int64"), arr([1], "uint64")], 0)
    join_case("stack", "float32/axis_out_of_range", [rand("float32", (2,)), rand("float32", (2,))], 2)

    # astype: Rust `as` rules
    def astype_case(name, t, dst):
        exp = rust_as(t, dst)
        src = t.dtype.name
        if kind(src) == "float" and kind(dst) not in ("float", "bool"):
            DIFF_USED.add("rust_as_casts")
        else:
            ref = t.astype(dst)
            assert np.array_equal(ref, exp, equal_nan=True), (name, ref, exp)
        add_case(f"astype/{name}", "astype", [T(t)], {"dtype": dst}, exp)

    fl = arr([-2.7, -0.5, 0.0, 0.5, 2.7, 1e10, -1e10, np.nan, np.inf, -np.inf], "float32")
    astype_case("float32_int32/truncates_saturates", fl, "int32")
    astype_case("float32_int8/saturates", fl, "int8")
    astype_case("float64_uint8/saturates", fl.astype("float64"), "uint8")
    astype_case("float64_int64/truncates", arr([-2.9, 2.9, 9.3e18, -9.3e18, 2.0**53], "float64"), "int64")
    astype_case("float64_uint64/truncates", arr([-2.9, 2.9, 1.9e19, 2.0**63], "float64"), "uint64")
    astype_case("float32_bool/nonzero", arr([0.0, -0.0, 0.1, np.nan, -np.inf], "float32"), "bool")
    astype_case("int32_bool/nonzero", arr([0, 1, -1, 256], "int32"), "bool")
    astype_case("bool_float32", arr([True, False], "bool"), "float32")
    astype_case("bool_int16", arr([True, False], "bool"), "int16")
    astype_case("bool_uint8", arr([[True], [False]], "bool"), "uint8")
    astype_case("int32_int8/wraps", arr([300, -129, 127, -128, 255], "int32"), "int8")
    astype_case("int8_uint8/wraps", arr([-1, -128, 127, 0], "int8"), "uint8")
    astype_case("uint16_int16/wraps", arr([65535, 32768, 7], "uint16"), "int16")
    astype_case("int64_uint32/wraps", arr([-1, 2**32 + 5, 42], "int64"), "uint32")
    astype_case("uint64_float32/rounds", arr([2**64 - 1, 2**24 + 1, 3], "uint64"), "float32")
    astype_case("int64_float64/rounds", arr([2**53 + 1, -2**63, 5], "int64"), "float64")
    astype_case("float64_float32/rounds", arr([0.1, 1e40, -1e-50, np.nan, 3.0], "float64"), "float32")
    astype_case("float32_float64/exact", arr([0.1, -np.inf, 3.0], "float32"), "float64")
    astype_case("uint8_int64/widens", arr([0, 255], "uint8"), "int64")
    astype_case("float32_float32/same", rand("float32", (2, 2)), "float32")
    astype_case("int16_float32/0d", arr(-300, "int16"), "float32")
    astype_case("float64_int32/empty", np.zeros((0, 2), "float64"), "int32")

    # tril / triu
    m2 = rand("float32", (3, 4))
    m3 = rand("int32", (2, 3, 3), -9, 9)
    for op, fn in [("tril", np.tril), ("triu", np.triu)]:
        for k in (-1, 0, 1):
            add_case(f"{op}/float32/2d_k{k}", op, [T(m2)], {"k": k}, fn(m2, k))
            add_case(f"{op}/int32/3d_k{k}", op, [T(m3)], {"k": k}, fn(m3, k))
        for name, t, k in [("float64/tall_k2", rand("float64", (4, 2)), 2),
                           ("bool/k0", rand("bool", (3, 3)), 0),
                           ("uint8/k_far_negative", rand("uint8", (3, 3), 0, 9), -5),
                           ("int64/wide_k_far_positive", rand("int64", (2, 4), -9, 9), 7)]:
            add_case(f"{op}/{name}", op, [T(t)], {"k": k}, fn(t, k))
        add_case(f"{op}/float32/empty", op, [T(np.zeros((0, 3), "float32"))], {"k": 0}, np.zeros((0, 3), "float32"))
        add_case(f"{op}/float32/1d", op, [T(rand("float32", (3,)))], {"k": 0}, err("InvalidShape"))
        add_case(f"{op}/float32/0d", op, [T(arr(1.0, "float32"))], {"k": 0}, err("InvalidShape"))


# ----- larger inputs and further edge cases --------------------------------------------------

def gen_extra():
    # sizes past the small-array paths: blocking in matmul, pairwise sums, stable sorts
    big = rng.uniform(0.0, 1.0, size=(1024,)).round(4).astype("float32")
    for op in ("sum", "mean", "var"):
        reduce_case(op, "float32/1024_elements", big, None, False, 1.0 if op == "var" else None)
    reduce_case("sum", "float32/rows_of_256", big.reshape(4, 256), [1])
    reduce_case("max", "float64/1024_elements", big.astype("float64").reshape(32, 32), [0])
    matmul_case("float32/17x33_33x9", rand("float32", (17, 33), -1, 1), rand("float32", (33, 9), -1, 1))
    matmul_case("float64/batched_5x8x7_7x6", rand("float64", (5, 8, 7), -1, 1), rand("float64", (7, 6), -1, 1))
    ties = rng.integers(0, 4, size=(2, 40)).astype("int32")
    for op in ("sort", "argsort"):
        for desc in (False, True):
            sort_case(op, f"int32/40_ties_{'descending' if desc else 'ascending'}", ties, -1, desc)
    binary_case("add", "float32/broadcast_3x1x5_4x1", rand("float32", (3, 1, 5)), rand("float32", (4, 1)))
    # linear algebra of empty matrices: det of a 0x0 matrix is 1 (the empty product)
    for op, fn in [("linalg.det", np.linalg.det), ("linalg.inv", np.linalg.inv)]:
        for name, x in [("float64/0x0", np.zeros((0, 0))), ("float64/empty_batch", np.zeros((0, 2, 2)))]:
            add_case(f"{op}/{name}", op, [T(x)], {}, fn(x), "linalg")


# ----- strided inputs ------------------------------------------------------------------------

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


def gen_views():
    """Repeats the first cases of every op that takes tensors with strided inputs."""
    per_op = {}
    for c in list(CASES):
        if c["op"] in ("from_host", "to_host") or per_op.get(c["op"], 0) >= 2:
            continue
        args = as_view(c["args"])
        kwargs = {k: as_view(v) for k, v in c["kwargs"].items()}
        if args == c["args"] and kwargs == c["kwargs"]:
            continue
        if not any(d.get("tensor", {}).get("view") == "transpose"
                   for d in (args[0] if isinstance(args[0], list) else args)):
            continue  # only cases with a transposed 2+-D input
        per_op[c["op"]] = per_op.get(c["op"], 0) + 1
        cid = c["id"] + "/strided_input"
        assert cid not in IDS
        IDS.add(cid)
        CASES.append({**c, "id": cid, "args": args, "kwargs": kwargs})


# ----- absurd sizes and larger matrices ------------------------------------------------------
# Added after every other group, each case with random inputs drawn from a generator seeded by
# its own id, so these cases change no earlier case's data.

USIZE_MAX = 2**64 - 1
I64_MAX = 2**63 - 1


def own_rng(cid):
    return np.random.default_rng(zlib.crc32(cid.encode()))


def gen_absurd_sizes():
    # Shapes no allocation can address are refused before dispatch (src/alloc.rs), on every
    # backend: the element count overflows, the bytes exceed isize::MAX, or a dimension does
    # not fit the frameworks' int64 sizes (even with zero elements).
    for name, shape, d in [("overflowing_count", [2**62, 2**62], "int32"),
                           ("usize_max", [USIZE_MAX], "int64"),
                           ("over_isize_bytes", [2**62], "float32")]:
        add_case(f"zeros/{d}/{name}", "zeros", [], {"shape": shape, "dtype": d}, err("InvalidShape"))
    add_case("full/int32/dimension_over_i64", "full", [],
             {"shape": [USIZE_MAX, 0], "value": 1, "dtype": "int32"}, err("InvalidShape"))
    one = np.ones((1,), "float32")
    add_case("broadcast_to/float32/usize_max", "broadcast_to", [T(one)], {"shape": [USIZE_MAX]},
             err("InvalidShape"))
    add_case("broadcast_to/float32/i64_max_plus_one", "broadcast_to", [T(one)], {"shape": [I64_MAX + 1]},
             err("InvalidShape"))
    # Representable but larger than any machine: 16 TiB, 1 TB, 4 TiB. A clean OutOfMemory,
    # never an abort.
    add_case("zeros/float32/16_tib", "zeros", [], {"shape": [2**42], "dtype": "float32"},
             err("OutOfMemory"))
    add_case("arange/int8/1e12_elements", "arange", [],
             {"start": 0.0, "stop": 1e12, "step": 1.0, "dtype": "int8"}, err("OutOfMemory"))
    add_case("linspace/float32/2_pow_40", "linspace", [],
             {"start": 0.0, "stop": 1.0, "num": 2**40, "endpoint": True, "dtype": "float32"},
             err("OutOfMemory"))
    # A zero-size result with a huge dimension needs no memory at all.
    add_case("eye/bool/2_pow_36_by_0", "eye", [],
             {"n_rows": 2**36, "n_cols": 0, "k": 0, "dtype": "bool"}, np.zeros((2**36, 0), "bool"))


def gen_larger_matrices():
    # det and inv above 3x3, where frameworks switch algorithms (MLX computes det from
    # exp(logabsdet) there): float64 must stay float64-accurate.
    for n in (4, 5, 6, 8):
        for d in ("float32", "float64"):
            cid = f"linalg.det/{d}/{n}x{n}"
            r = own_rng(cid)
            x = (r.uniform(-1, 1, size=(n, n)) + n * np.eye(n)).round(3).astype(d)
            add_case(cid, "linalg.det", [T(x)], {}, np.linalg.det(f64(x)).astype(d), "linalg")
            cid = f"linalg.inv/{d}/{n}x{n}"
            r = own_rng(cid)
            x = (r.uniform(-1, 1, size=(n, n)) + n * np.eye(n)).round(3).astype(d)
            add_case(cid, "linalg.inv", [T(x)], {}, np.linalg.inv(f64(x)).astype(d), "linalg")
    diag = np.diag([100.0, 1.0, 1.0, 1.0])
    add_case("linalg.det/float64/diag_100_1_1_1", "linalg.det", [T(diag)], {}, np.float64(100.0),
             "exact")
    cid = "linalg.det/float64/batched_2x5x5"
    r = own_rng(cid)
    x = (r.uniform(-1, 1, size=(2, 5, 5)) + 5 * np.eye(5)).round(3)
    add_case(cid, "linalg.det", [T(x)], {}, np.linalg.det(x), "linalg")
    # A permutation matrix: det is the permutation's sign, exactly.
    perm = np.eye(5)[[1, 0, 3, 4, 2]]
    add_case("linalg.det/float64/permutation_5x5", "linalg.det", [T(perm)], {}, np.float64(-1.0),
             "exact")


# ---------------------------------------------------------------------------------------------


def main():
    gen_roundtrip()
    gen_to_device()
    gen_full()
    gen_zeros_ones()
    gen_arange()
    gen_linspace()
    gen_eye()
    gen_arithmetic()
    gen_unary()
    gen_compare_logic()
    gen_where()
    gen_clip()
    gen_linalg()
    gen_reductions()
    gen_manipulation()
    gen_extra()
    gen_views()
    gen_absurd_sizes()
    gen_larger_matrices()

    ops = {c["op"] for c in CASES if "error" not in c["expected"]}
    every = {op for g in GROUPS.values() for op in g}
    assert ops == every, f"ops without value cases: {sorted(every - ops)}"
    unused = set(DIFFERENCES) - DIFF_USED
    assert not unused, f"documented differences never exercised: {unused}"

    os.makedirs(OUT, exist_ok=True)
    for group in list(GROUPS) + ["errors"]:
        lines = [dump(c) for c in CASES if c["group"] == group]
        text = '{"group":"%s","seed":%d,"generator":"conformance/gen_cases.py","numpy":"%s","cases":[\n%s\n]}\n' % (
            group, SEED, np.__version__, ",\n".join(lines))
        path = os.path.join(OUT, group + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {len(lines)} cases ({len(text)} bytes) to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
