"""The cases of the group `creation`: host transfer, to_device and the creation functions."""

from .common import *  # noqa: F401,F403

# Cases repeated with strided inputs (common.add_strided): the first two of each op with a
# 2+-D tensor input.
STRIDED = [
    "zeros_like/float32/same_dtype",
    "zeros_like/float64/to_bool",
    "ones_like/float32/same_dtype",
    "ones_like/float64/to_bool",
    "empty_like/float32/same_dtype",
    "empty_like/float64/to_bool",
    "full_like/float32/same_dtype",
    "full_like/float64/to_int8",
    "to_device/float32/cpu",
    "to_device/int64/cpu",
]

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
        z = resolve(f"from_host/{d}/0d", rand(d, ()))
        add_case(f"from_host/{d}/0d", "from_host", [T(z)], {}, z)
        e = np.zeros((0, 3), dtype=d)
        add_case(f"from_host/{d}/empty", "from_host", [T(e)], {}, e)
    a = resolve("to_host/float64/3d", rand("float64", (2, 3, 4)))
    add_case("to_host/float64/3d", "to_host", [T(a)], {}, a)
    e = np.zeros((3, 0), dtype="uint16")
    add_case("to_host/uint16/empty", "to_host", [T(e)], {}, e)


def gen_to_device():
    # Every backend has the CPU, so moving a CPU tensor to "cpu" is the identity (a device no
    # machine has: errors.py).
    for d in ["float32", "int64", "bool", "uint8"]:
        cid = f"to_device/{d}/cpu"
        a = resolve(cid, rand(d, (2, 3)))
        add_case(cid, "to_device", [T(a)], {"device": "cpu"}, a)


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


def gen_like():
    for op, fn in [("zeros_like", np.zeros_like), ("ones_like", np.ones_like),
                   ("empty_like", np.zeros_like)]:
        def like_case(name, x, dtype=None):
            x = resolve(f"{op}/{name}", x)
            exp = fn(x, dtype=dtype)
            settle(exp.dtype, dtype or x.dtype.name, what=f"{op}/{name}")
            add_case(f"{op}/{name}", op, [T(x)], {"dtype": dtype}, exp)
        like_case("float32/same_dtype", rand("float32", (2, 3)))
        like_case("int16/to_float64", rand("int16", (3,), -9, 9), "float64")
        like_case("float64/to_bool", rand("float64", (2, 2)), "bool")
        like_case("uint8/0d", arr(7, "uint8"))
        like_case("int32/empty", np.zeros((0, 2), "int32"), "int8")


def gen_full_like_and_empty():
    def full_like_case(name, x, value, dtype=None):
        x = resolve(f"full_like/{name}", x)
        out = dtype or x.dtype.name
        exp = np.broadcast_to(scalar_as(value, out), x.shape).copy()
        add_case(f"full_like/{name}", "full_like", [T(x)], {"value": value, "dtype": dtype}, exp)
    full_like_case("float32/same_dtype", rand("float32", (2, 3)), 2.5)
    full_like_case("int16/float_value_truncates", rand("int16", (3,), -9, 9), -2.7)
    full_like_case("float64/to_int8", rand("float64", (2, 2)), 7, "int8")
    full_like_case("uint8/to_bool", arr([1, 2], "uint8"), 0, "bool")
    full_like_case("int32/empty", np.zeros((0, 2), "int32"), 5)
    # `empty` is documented to fill zeros
    for d, shape in [("float32", (2, 3)), ("int64", ()), ("bool", (0, 2)), ("uint8", (3,))]:
        add_case(f"empty/{d}/{'x'.join(map(str, shape)) or '0d'}", "empty", [],
                 {"shape": list(shape), "dtype": d}, np.zeros(shape, dtype=d))


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




def generate():
    gen_roundtrip()
    gen_to_device()
    gen_full()
    gen_zeros_ones()
    gen_like()
    gen_full_like_and_empty()
    gen_arange()
    gen_linspace()
    gen_eye()
    add_strided(STRIDED)
