"""The cases of the group `elementwise`: arithmetic, unary functions, comparisons, logic, where
and clip."""

from .common import *  # noqa: F401,F403

# Cases repeated with strided inputs (common.add_strided): the first two of each op with a
# 2+-D tensor input.
STRIDED = [
    "add/float32/basic",
    "add/float64/basic",
    "subtract/float32/basic",
    "subtract/float64/basic",
    "multiply/float32/basic",
    "multiply/float64/basic",
    "divide/float32/basic",
    "divide/float64/basic",
    "pow/float32/basic",
    "pow/float64/basic",
    "maximum/float32/basic",
    "maximum/float64/basic",
    "minimum/float32/basic",
    "minimum/float64/basic",
    "logaddexp/float32/basic",
    "logaddexp/float64/basic",
    "positive/float32/basic",
    "positive/float64/basic",
    "trunc/float32/random",
    "trunc/float64/random",
    "isnan/float32/random",
    "isnan/float64/random",
    "isinf/float32/random",
    "isinf/float64/random",
    "isfinite/float32/random",
    "isfinite/float64/random",
    "bitwise_left_shift/int8/basic",
    "bitwise_right_shift/int8/basic",
    "signbit/float32/random",
    "floor_divide/float32/basic",
    "remainder/int16/signs",
    "copysign/float64/basic",
    "signbit/float64/random",
    "bitwise_and/int8/basic",
    "bitwise_and/uint8/basic",
    "bitwise_or/int8/basic",
    "bitwise_or/uint8/basic",
    "bitwise_xor/int8/basic",
    "bitwise_xor/uint8/basic",
    "bitwise_invert/int8/basic",
    "exp/float32/basic",
    "exp/float64/basic",
    "log/float32/basic",
    "log/float64/basic",
    "log1p/float32/basic",
    "log1p/float64/basic",
    "expm1/float32/basic",
    "expm1/float64/basic",
    "sqrt/float32/basic",
    "sqrt/float64/basic",
    "sin/float32/basic",
    "sin/float64/basic",
    "cos/float32/basic",
    "cos/float64/basic",
    "tanh/float32/basic",
    "tanh/float64/basic",
    "tan/float32/basic",
    "tan/float64/basic",
    "sinh/float32/basic",
    "sinh/float64/basic",
    "cosh/float32/basic",
    "cosh/float64/basic",
    "asin/float32/basic",
    "asin/float64/basic",
    "acos/float32/basic",
    "acos/float64/basic",
    "atan/float32/basic",
    "atan/float64/basic",
    "asinh/float32/basic",
    "asinh/float64/basic",
    "acosh/float32/basic",
    "acosh/float64/basic",
    "atanh/float32/basic",
    "atanh/float64/basic",
    "log2/float32/basic",
    "log2/float64/basic",
    "log10/float32/basic",
    "log10/float64/basic",
    "atan2/float32/basic",
    "atan2/float64/basic",
    "hypot/float32/basic",
    "hypot/float64/basic",
    "negative/float32/basic",
    "negative/float64/basic",
    "abs/float32/basic",
    "abs/float64/basic",
    "square/float32/basic",
    "square/float64/basic",
    "sign/float32/basic",
    "sign/float64/basic",
    "floor/float32/random",
    "floor/float64/random",
    "ceil/float32/random",
    "ceil/float64/random",
    "round/float32/random",
    "round/float64/random",
    "logical_not/uint8/broadcast_shape",
    "equal/float64/random",
    "equal/int32/ties",
    "not_equal/float64/random",
    "not_equal/int32/ties",
    "less/float64/random",
    "less/int32/ties",
    "less_equal/float64/random",
    "less_equal/int32/ties",
    "greater/float64/random",
    "greater/int32/ties",
    "greater_equal/float64/random",
    "greater_equal/int32/ties",
    "logical_and/bool_int32/broadcast",
    "logical_or/bool_int32/broadcast",
    "logical_xor/bool_int32/broadcast",
    "where/float32/basic",
    "where/int32_float32/broadcast_promotes_to_float32",
    "clip/float32/tensor_bounds",
    "clip/float64/min_only",
]

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
    a, b = resolve(f"{op}/{name}", a, b)
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

    # division by zero, float specials, NaN in maximum/minimum (never ties of -0.0 and +0.0)
    DIFF_USED.add("zero_sign_extremum")
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
    # past the small-array paths
    binary_case("add", "float32/broadcast_3x1x5_4x1", rand("float32", (3, 1, 5)), rand("float32", (4, 1)))


UNARY_FLOAT = {"exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1,
               "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
               "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "asin": np.arcsin,
               "acos": np.arccos, "atan": np.arctan, "asinh": np.arcsinh, "acosh": np.arccosh,
               "atanh": np.arctanh, "log2": np.log2, "log10": np.log10}
UNARY_NUMERIC = {"negative": np.negative, "abs": np.abs, "square": np.square, "sign": np.sign,
                 "positive": np.positive}
UNARY_ROUND = {"floor": np.floor, "ceil": np.ceil, "round": np.round, "trunc": np.trunc}
PREDICATES = {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite, "signbit": np.signbit}


def unary_case(op, name, x, tol="transcendental", **kw):
    x = resolve(f"{op}/{name}", x)
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
        lo, hi = {"log": (0.05, 5.0), "sqrt": (0.0, 9.0), "log1p": (-0.9, 5.0), "tan": (-1.5, 1.5),
                  "asin": (-0.99, 0.99), "acos": (-0.99, 0.99), "atanh": (-0.99, 0.99),
                  "acosh": (1.0, 5.0), "log2": (0.05, 5.0), "log10": (0.05, 5.0)}.get(op, (-3.0, 3.0))
        for d in FLOATS:
            unary_case(op, f"{d}/basic", rand(d, (2, 3), lo, hi))
        unary_case(op, "int32/to_float32", arr([0, 1, 2, 3, 5], "int32") if op in ("log", "sqrt", "log1p", "log2", "log10")
                   else arr([-3, -1, 0, 1, 2], "int32"))
        unary_case(op, "uint8/to_float32", arr([0, 1, 4, 9, 200], "uint8") if op not in ("exp", "sinh", "cosh")
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
        "tan": [0.0, -0.0, np.pi / 4, -np.pi / 3, 1.5, 100.0, np.inf, np.nan],
        "sinh": [0.0, -0.0, 1e-8, -1e-8, 1.0, 20.0, -25.0, 88.0, 89.0, 710.0, -np.inf, np.inf, np.nan],
        "cosh": [0.0, 1.0, -1.0, 20.0, -25.0, 89.0, 710.0, 711.0, np.inf, -np.inf, np.nan],
        "asin": [0.0, -0.0, 1e-8, 0.5, 1.0, -1.0, 1.5, -2.0, np.inf, np.nan],
        "acos": [0.0, 0.5, 1.0, -1.0, 1.5, -2.0, np.inf, np.nan],
        "atan": [0.0, -0.0, 1e-8, 1.0, -1.0, 1e10, np.inf, -np.inf, np.nan],
        "asinh": [0.0, -0.0, 1e-8, -1e-8, 1.0, -1.0, 1e10, -1e30, np.inf, -np.inf, np.nan],
        "acosh": [1.0, 1.5, 2.0, 0.5, -1.0, 1e10, 1e30, np.inf, -np.inf, np.nan],
        "atanh": [0.0, -0.0, 1e-8, -1e-8, 0.5, -0.5, 0.999, -0.999, 1.0, -1.0, 2.0, -2.0, np.inf, np.nan],
        "log2": [1.0, 2.0, 8.0, 0.5, 3.0, 0.0, -0.0, -1.0, 1e-30, np.inf, np.nan],
        "log10": [1.0, 10.0, 1000.0, 0.1, 2.0, 0.0, -1.0, 1e-30, np.inf, np.nan],
    }
    for op, vals in specials.items():
        for d in FLOATS:
            unary_case(op, f"{d}/specials", arr(vals, d))
    # accuracy for tiny arguments (the point of expm1 and log1p, and where naive formulas
    # of the odd functions cancel): relative error 1e-6
    tiny = [1e-10, -1e-10, 1e-8, -3e-7, 1e-20, 5e-5]
    for op in ("expm1", "log1p", "tan", "sinh", "asin", "atan", "asinh", "atanh"):
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
    c, x, y = resolve(f"where/{name}", c, x, y)
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
    x, lo, hi = resolve(f"clip/{name}", x, lo, hi)
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




def logaddexp_case(name, a, b):
    a, b = resolve(f"logaddexp/{name}", a, b)
    d = promote(a.dtype.name, b.dtype.name)
    out = to_float(d)
    exp = np.logaddexp(f64(a.astype(out)), f64(b.astype(out))).astype(out)
    settle(np.logaddexp(a, b).dtype, out, floated(d) or mixed(a.dtype.name, b.dtype.name),
           what=f"logaddexp/{name}")
    add_case(f"logaddexp/{name}", "logaddexp", [T(a), T(b)], {}, exp, "transcendental")


def gen_logaddexp():
    for d in ("float32", "float64"):
        logaddexp_case(f"{d}/basic", rand(d, (3, 4)), rand(d, (3, 4)))
    logaddexp_case("float64/broadcast", rand("float64", (2, 1, 3)), rand("float64", (4, 1)))
    logaddexp_case("float32/large_without_overflow",
                   arr([100.0, -100.0, 88.0, 1e4], "float32"), arr([100.0, -101.0, 89.5, 1e4], "float32"))
    logaddexp_case("float64/infinities_and_nan",
                   arr([-np.inf, np.inf, -np.inf, np.nan, 0.0, np.inf, 2.5], "float64"),
                   arr([-np.inf, np.inf, 3.0, 1.0, -np.inf, -np.inf, 2.5], "float64"))
    logaddexp_case("int32/float32", arr([0, 1, -3], "int32"), arr([0, 2, 5], "int32"))


FLOAT_BINARY = {"atan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign}
# Rounded like the other transcendental functions, except copysign, which is exact.
FLOAT_BINARY_TOL = {"atan2": "transcendental", "hypot": "transcendental", "copysign": "exact"}


def float_binary_case(op, name, a, b):
    """Computed in float64 from the inputs in the (float) dtype the op computes in."""
    a, b = resolve(f"{op}/{name}", a, b)
    d, exp = promoted(a, b)
    if exp is None:
        out = to_float(d)
        exp = FLOAT_BINARY[op](f64(a.astype(out)), f64(b.astype(out))).astype(out)
        settle(FLOAT_BINARY[op](a, b).dtype, out, floated(d) or mixed(a.dtype.name, b.dtype.name),
               what=f"{op}/{name}")
    add_case(f"{op}/{name}", op, [T(a), T(b)], {}, exp, FLOAT_BINARY_TOL[op])


def gen_float_binary():
    for op in ("atan2", "hypot"):
        for d in ("float32", "float64"):
            float_binary_case(op, f"{d}/basic", rand(d, (3, 4)), rand(d, (3, 4)))
        float_binary_case(op, "float64/broadcast", rand("float64", (2, 1, 3)), rand("float64", (4, 1)))
        float_binary_case(op, "int32/float32", arr([0, 1, -3, 4], "int32"), arr([1, 0, -2, -3], "int32"))
        float_binary_case(op, "float32/0d", arr(1.5, "float32"), arr(-2.0, "float32"))
        float_binary_case(op, "float64/empty", np.zeros((0, 2), "float64"), np.zeros((0, 2), "float64"))
    float_binary_case("atan2", "float64/quadrants_and_zeros",
                      arr([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 1.0, -1.0, 0.0, 3.0], "float64"),
                      arr([0.0, 0.0, -0.0, -0.0, 0.0, 0.0, -1.0, -1.0, -2.0, 4.0], "float64"))
    for d in ("float32", "float64"):
        float_binary_case("atan2", f"{d}/infinities_and_nan",
                          arr([np.inf, np.inf, -np.inf, 1.0, 1.0, np.nan, 1.0, np.inf], d),
                          arr([np.inf, -np.inf, 1.0, np.inf, -np.inf, 1.0, np.nan, np.nan], d))
        float_binary_case("hypot", f"{d}/infinities_and_nan",
                          arr([np.inf, np.nan, -np.inf, np.nan, 1.0, 0.0], d),
                          arr([np.nan, np.inf, 2.0, 1.0, -np.inf, 0.0], d))
    float_binary_case("hypot", "float64/without_overflow_or_underflow",
                      arr([1e200, 1e-200, 3.0, 0.0, -5.0, 1e300], "float64"),
                      arr([1e200, 1e-200, 4.0, -0.0, 12.0, 1.0], "float64"))
    float_binary_case("hypot", "float32/without_overflow_or_underflow",
                      arr([1e30, 1e-30, 3.0, 0.0, -5.0, 3e38], "float32"),
                      arr([1e30, 1e-30, 4.0, -0.0, 12.0, 3e38], "float32"))


def predicate_case(op, name, x):
    x = resolve(f"{op}/{name}", x)
    if x.dtype.name == "bool":
        exp = err("InvalidDType")
    else:
        exp = PREDICATES[op](x)
        settle(exp.dtype, "bool", what=f"{op}/{name}")
    add_case(f"{op}/{name}", op, [T(x)], {}, exp, "exact")


def gen_predicates():
    specials = [0.0, -0.0, 1.5, np.nan, np.inf, -np.inf, -3.0, 1e30]
    DIFF_USED.add("nan_sign")  # the NaNs below are inputs: their sign is data
    for op in PREDICATES:
        for d in FLOATS:
            predicate_case(op, f"{d}/random", rand(d, (2, 3)))
            predicate_case(op, f"{d}/specials", arr(specials, d))
        predicate_case(op, "float64/beyond_float32", arr([1e300, -1e300, 1e-300, 3.4e38], "float64"))
        predicate_case(op, "int32/integers", arr([0, -5, 2**31 - 1], "int32"))
        predicate_case(op, "uint8/integers", arr([0, 255], "uint8"))
        predicate_case(op, "float32/0d", arr(np.inf, "float32"))
        predicate_case(op, "float32/empty", np.zeros((0, 3), "float32"))
        predicate_case(op, "bool/invalid", arr([True], "bool"))


BITWISE = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor}


def bitwise_case(op, name, a, b=None):
    cid = f"{op}/{name}"
    if b is None:
        a = resolve(cid, a)
        args = [T(a)]
        if a.dtype.name != "bool" and kind(a.dtype.name) == "float":
            exp = err("InvalidDType")
        else:
            exp = np.invert(a)
            settle(exp.dtype, a.dtype.name, what=cid)
    else:
        a, b = resolve(cid, a, b)
        args = [T(a), T(b)]
        exp = integer_binary(cid, BITWISE[op], a, b, bool_ok=True)
    add_case(cid, op, args, {}, exp, "exact")


def promoted(a, b):
    """(the dtype a binary op on `a` and `b` computes in, None), or (None, the error case):
    shapes that do not broadcast, dtypes without a common one."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return None, err("ShapeMismatch")
    d = promote(a.dtype.name, b.dtype.name)
    if d is None:
        return None, err("NoPromotion")
    return d, None


def integer_binary(cid, f, a, b, bool_ok, check=None):
    """The expected result of a binary op on integers (and bools if `bool_ok`), promoted:
    an error for shapes that do not broadcast, dtypes without a promotion and other dtypes.
    `check(dtype)` asserts what the case's inputs must satisfy for the promoted dtype."""
    d, error = promoted(a, b)
    if error is not None:
        return error
    if kind(d) == "float" or (d == "bool" and not bool_ok):
        return err("InvalidDType")
    if check:
        check(d)
    settle(f(a, b).dtype, d, what=cid)
    return f(a.astype(d), b.astype(d))


def gen_bitwise():
    for op in BITWISE:
        bitwise_case(op, "int8/basic", rand("int8", (2, 3), -99, 99), rand("int8", (2, 3), -99, 99))
        bitwise_case(op, "uint8/basic", rand("uint8", (2, 3), 0, 255), rand("uint8", (2, 3), 0, 255))
        bitwise_case(op, "int32/broadcast", rand("int32", (2, 1, 3), -1000, 1000), rand("int32", (4, 1), -1000, 1000))
        bitwise_case(op, "int64/extremes", arr([-2**63, 2**63 - 1, -1, 0], "int64"), arr([-1, -1, 2**62, 5], "int64"))
        bitwise_case(op, "uint16/basic", arr([0, 65535, 4660], "uint16"), arr([65535, 255, 3855], "uint16"))
        bitwise_case(op, "bool/basic", arr([True, True, False, False], "bool"), arr([True, False, True, False], "bool"))
        bitwise_case(op, "int8_int16/promotes", arr([-1, 6, 100], "int8"), arr([255, 3, -300], "int16"))
        bitwise_case(op, "float32/invalid", rand("float32", (3,)), rand("float32", (3,)))
    bitwise_case("bitwise_invert", "int8/basic", rand("int8", (2, 3), -99, 99))
    bitwise_case("bitwise_invert", "uint8/basic", arr([0, 1, 255, 170], "uint8"))
    bitwise_case("bitwise_invert", "int64/extremes", arr([-2**63, 2**63 - 1, 0, -1], "int64"))
    bitwise_case("bitwise_invert", "uint32/basic", arr([0, 2**32 - 1, 12345], "uint32"))
    bitwise_case("bitwise_invert", "bool/basic", arr([True, False], "bool"))
    bitwise_case("bitwise_invert", "int16/empty", np.zeros((0, 2), "int16"))
    bitwise_case("bitwise_invert", "float64/invalid", rand("float64", (2,)))


SHIFTS = {"bitwise_left_shift": np.left_shift, "bitwise_right_shift": np.right_shift}


def shift_case(op, name, a, b):
    """Shift counts are drawn (or written) in [0, width of the result dtype): the standard
    leaves negative shifts and shifts of the whole width or more to the implementation."""
    cid = f"{op}/{name}"
    a, b = resolve(cid, a, b)

    def in_range(d):
        width = np.iinfo(d).bits
        assert ((b >= 0) & (b < width)).all(), f"{cid}: shift counts outside [0, {width})"

    exp = integer_binary(cid, SHIFTS[op], a, b, bool_ok=False, check=in_range)
    add_case(cid, op, [T(a), T(b)], {}, exp, "exact")


def gen_shifts():
    for op in SHIFTS:
        shift_case(op, "int8/basic", rand("int8", (2, 3), -128, 127), rand("int8", (2, 3), 0, 7))
        shift_case(op, "uint8/basic", rand("uint8", (2, 3), 0, 255), rand("uint8", (2, 3), 0, 7))
        shift_case(op, "int32/broadcast", rand("int32", (2, 1, 3), -100000, 100000), rand("int32", (4, 1), 0, 31))
        shift_case(op, "int64/extremes", arr([-2**63, 2**63 - 1, -1, 1, -5, 12345], "int64"),
                   arr([0, 63, 63, 63, 1, 10], "int64"))
        shift_case(op, "int16/sign_and_overflow", arr([-32768, -1, 16384, 255, -3, 0], "int16"),
                   arr([1, 15, 1, 8, 2, 15], "int16"))
        shift_case(op, "uint16/basic", arr([0, 65535, 4660, 1], "uint16"), arr([3, 15, 4, 15], "uint16"))
        shift_case(op, "uint32/high_bit", arr([2**32 - 1, 1, 2**31], "uint32"), arr([31, 31, 1], "uint32"))
        shift_case(op, "int8_int16/promotes", arr([-1, 6, 100], "int8"), arr([15, 3, 9], "int16"))
        shift_case(op, "int32/0d", arr(-7, "int32"), arr(2, "int32"))
        shift_case(op, "int16/empty", np.zeros((0, 2), "int16"), np.zeros((0, 2), "int16"))
        shift_case(op, "bool/invalid", arr([True, False], "bool"), arr([True, True], "bool"))
        shift_case(op, "float32/invalid", rand("float32", (3,)), arr([1, 2, 0], "float32"))


# ----- issue 12: floor_divide, remainder, copysign ------------------------------------------

DIVMOD = {"floor_divide": np.floor_divide, "remainder": np.remainder}


def divmod_case(op, name, a, b):
    """Computed by NumPy in the promoted dtype itself (its float algorithm is the one the
    backends follow). Integer division by zero is 0 in NumPy, the behaviour tensorswitch pins;
    NumPy warns, which is silenced here."""
    cid = f"{op}/{name}"
    a, b = resolve(cid, a, b)
    d, exp = promoted(a, b)
    if exp is None and d == "bool":
        exp = err("InvalidDType")
    elif exp is None:
        with np.errstate(all="ignore"):
            exp = DIVMOD[op](a.astype(d), b.astype(d))
            settle(DIVMOD[op](a, b).dtype, d, mixed(a.dtype.name, b.dtype.name), what=cid)
    add_case(cid, op, [T(a), T(b)], {}, exp, "exact")


def gen_divmod():
    for op in DIVMOD:
        for d in ("float32", "float64"):
            divmod_case(op, f"{d}/basic", rand(d, (2, 3), -20, 20), rand(d, (2, 3), 0.5, 6))
            divmod_case(op, f"{d}/signs", arr([7.5, -7.5, 7.5, -7.5, 6.0, -6.0, 0.0, -0.0], d),
                        arr([2.0, 2.0, -2.0, -2.0, -3.0, 3.0, 5.0, -5.0], d))
            divmod_case(op, f"{d}/by_zero_and_specials",
                        arr([1.0, -1.0, 0.0, np.nan, np.inf, -np.inf, 5.0, -5.0, 5.0, 3.0], d),
                        arr([0.0, 0.0, 0.0, 2.0, 3.0, 3.0, np.inf, np.inf, -np.inf, np.nan], d))
        divmod_case(op, "float64/rounding_of_the_quotient", arr([1.0, 0.3, -1.0, 1e300, 7.0, 2.5], "float64"),
                    arr([0.1, 0.1, 0.1, 3.0, 0.7, 0.5], "float64"))
        for d in ("int8", "int16", "int32", "int64"):
            divmod_case(op, f"{d}/signs", rand(d, (2, 3), -100, 100), arr([[7, -7, 3], [-3, 1, -1]], d))
        for d in ("uint8", "uint16", "uint32", "uint64"):
            divmod_case(op, f"{d}/basic", rand(d, (2, 3), 0, 200), rand(d, (2, 3), 1, 9))
        divmod_case(op, "int8/extremes", arr([-128, -128, 127, -128, 127, -1], "int8"),
                    arr([-1, 1, -1, 127, -128, -128], "int8"))
        divmod_case(op, "int64/extremes", arr([-2**63, -2**63, 2**63 - 1, -7], "int64"),
                    arr([-1, 2, -2**63, 2**63 - 1], "int64"))
        divmod_case(op, "int32/by_zero_is_zero", arr([5, -5, 0, 7], "int32"), arr([0, 0, 0, 2], "int32"))
        divmod_case(op, "uint8/by_zero_is_zero", arr([5, 255, 0], "uint8"), arr([0, 0, 0], "uint8"))
        divmod_case(op, "int16/broadcast", rand("int16", (2, 1, 3), -500, 500), arr([[3], [-4]], "int16"))
        divmod_case(op, "float32/broadcast_0d", rand("float32", (2, 2), -9, 9), arr(-2.5, "float32"))
        divmod_case(op, "int8_uint8/promotes_to_int16", arr([-7, 100, -128], "int8"), arr([2, 200, 255], "uint8"))
        divmod_case(op, "int32_float32/promotes", arr([7, -7, 9], "int32"), arr([2.0, 2.0, -0.5], "float32"))
        divmod_case(op, "int32/0d", arr(-7, "int32"), arr(2, "int32"))
        divmod_case(op, "float64/empty", np.zeros((0, 2), "float64"), np.zeros((0, 2), "float64"))
        divmod_case(op, "bool/invalid", arr([True, False], "bool"), arr([True, True], "bool"))
        divmod_case(op, "int64_uint64/no_promotion", arr([1], "int64"), arr([1], "uint64"))


def gen_copysign():
    for d in ("float32", "float64"):
        float_binary_case("copysign", f"{d}/basic", rand(d, (3, 4)), rand(d, (3, 4)))
        float_binary_case("copysign", f"{d}/specials",
                          arr([1.0, 1.0, -2.0, np.inf, -np.inf, np.nan, 0.0, -0.0, 3.0], d),
                          arr([-0.0, 0.0, 0.0, -1.0, 1.0, -1.0, -np.inf, np.inf, -1.0], d))
    float_binary_case("copysign", "float64/broadcast", rand("float64", (2, 1, 3)), rand("float64", (4, 1)))
    float_binary_case("copysign", "int32/float32", arr([0, 1, -3, 4], "int32"), arr([-1, 0, 2, -3], "int32"))
    float_binary_case("copysign", "bool/float32", arr([True, False, True], "bool"), arr([False, True, True], "bool"))
    float_binary_case("copysign", "float32/0d", arr(1.5, "float32"), arr(-2.0, "float32"))
    float_binary_case("copysign", "float64/empty", np.zeros((0, 2), "float64"), np.zeros((0, 2), "float64"))
    float_binary_case("copysign", "float32/broadcast_mismatch", rand("float32", (2, 3)), rand("float32", (3, 2)))


def generate():
    gen_arithmetic()
    gen_bitwise()
    gen_shifts()
    gen_divmod()
    gen_copysign()
    gen_logaddexp()
    gen_float_binary()
    gen_predicates()
    gen_unary()
    gen_compare_logic()
    gen_where()
    gen_clip()
    add_strided(STRIDED)
