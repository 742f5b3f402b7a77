"""The cases of the group `linalg`: matmul, matrix_transpose, vecdot, tensordot, linalg.inv and
linalg.det."""

from .common import *  # noqa: F401,F403

# Cases repeated with strided inputs (common.add_strided): the first two of each op with a
# 2+-D tensor input.
STRIDED = [
    "matmul/float32/2d",
    "matmul/float64/2d",
    "matrix_transpose/float32/2d",
    "matrix_transpose/int64/3d",
    "vecdot/float32/default_axis",
    "vecdot/float64/axis0",
    "tensordot/float32/count2",
    "tensordot/float64/count1",
    "linalg.inv/float32/2x2",
    "linalg.inv/float64/2x2",
    "linalg.det/float32/2x2",
    "linalg.det/float64/2x2",
]

# ----- linear algebra ------------------------------------------------------------------------

def matmul_case(name, a, b, tol="linalg"):
    a, b = resolve(f"matmul/{name}", a, b)
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
        x = resolve(f"matrix_transpose/{name}", x)
        exp = np.swapaxes(x, -1, -2)
        add_case(f"matrix_transpose/{name}", "matrix_transpose", [T(x)], {}, exp)
    add_case("matrix_transpose/float32/1d", "matrix_transpose", [T(rand("float32", (3,)))], {},
             err("InvalidShape"))

    def vecdot_case(name, a, b, axis=-1):
        a, b = resolve(f"vecdot/{name}", a, b)
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
        a, b = resolve(f"tensordot/{name}", a, b)
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




def gen_larger_inputs():
    # sizes past the small-array paths: blocking in matmul
    matmul_case("float32/17x33_33x9", rand("float32", (17, 33), -1, 1), rand("float32", (33, 9), -1, 1))
    matmul_case("float64/batched_5x8x7_7x6", rand("float64", (5, 8, 7), -1, 1), rand("float64", (7, 6), -1, 1))
    # linear algebra of empty matrices: det of a 0x0 matrix is 1 (the empty product)
    for op, fn in [("linalg.det", np.linalg.det), ("linalg.inv", np.linalg.inv)]:
        for name, x in [("float64/0x0", np.zeros((0, 0))), ("float64/empty_batch", np.zeros((0, 2, 2)))]:
            add_case(f"{op}/{name}", op, [T(x)], {}, fn(x), "linalg")


# ----- larger matrices -----------------------------------------------------------------------

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


def generate():
    gen_linalg()
    gen_larger_inputs()
    gen_larger_matrices()
    add_strided(STRIDED)
