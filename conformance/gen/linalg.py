"""The cases of the group `linalg`: matmul, matrix_transpose, vecdot, tensordot, and the linalg
extension (inv, det, solve, cholesky, qr, svd, svdvals, eigh, eigvalsh, slogdet, pinv,
matrix_rank, matrix_power, matrix_norm, vector_norm, outer, trace, diagonal, cross)."""

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


# ----- the rest of the linalg extension ------------------------------------------------------

# Strided repeats of the extension's cases (one or two per op with a 2+-D input).
STRIDED_EXT = [
    "linalg_outer/float32/2d",
    "linalg_trace/float32/2d",
    "linalg_diagonal/float32/3x4",
    "linalg_diagonal/int64/batched_offset1",
    "linalg_cross/float32/2d",
    "linalg_vector_norm/float32/all",
    "linalg_vector_norm/float64/axis1_keepdims",
    "linalg_matrix_power/float64/n3",
    "linalg_solve/float64/matrix",
    "linalg_slogdet/float64/3x3/sign",
    "linalg_slogdet/float64/3x3/logabsdet",
    "linalg_cholesky/float64/3x3",
    "linalg_qr/float64/4x3/q",
    "linalg_qr/float64/4x3/r",
    "linalg_svd/float64/4x3/u",
    "linalg_svd/float64/4x3/s",
    "linalg_svd/float64/4x3/vh",
    "linalg_svdvals/float32/3x4",
    "linalg_eigh/float64/3x3/eigenvalues",
    "linalg_eigh/float64/3x3/eigenvectors",
    "linalg_eigvalsh/float64/4x4",
    "linalg_pinv/float64/3x2",
    "linalg_matrix_rank/float64/deficient",
    "linalg_matrix_norm/float64/fro",
]

# float32 decompositions: LAPACK's float32 results differ from the float64 reference by a few
# float32 ulps of the matrix's norm, so small components get an absolute tolerance.
DECOMP_F32 = {"rtol": 1e-4, "atol": 1e-4}


def tol_for(d):
    return DECOMP_F32 if d == "float32" else {}


def canonical(op, outs):
    """NumPy's decomposition with the signs made canonical, exactly as
    conformance/src/exec.rs's canonical_signs does to tensorswitch's: r's diagonal >= 0 (qr),
    u's columns (svd) and eigenvectors (eigh) with their first component within 0.1 % of the
    largest magnitude positive (vh's rows follow u's columns; a complete q's and a full vh's
    extra vectors by the same rule on their own)."""
    def rule(v):
        big = np.abs(v).max() if v.size else 0.0
        for x in v:
            if abs(x) >= big * 0.999 and x != 0:
                return -1.0 if x < 0 else 1.0
        return 1.0
    outs = [np.array(o, dtype=np.float64, copy=True) for o in outs]
    if op == "linalg.qr":
        q, r = outs
        m, qc = q.shape[-2:]
        rr, n = r.shape[-2:]
        for b in np.ndindex(q.shape[:-2]):
            for i in range(qc):
                if i < min(rr, n):
                    sg = -1.0 if r[b][i, i] < 0 else 1.0
                else:
                    sg = rule(q[b][:, i])
                q[b][:, i] *= sg
                if i < rr:
                    r[b][i, :] *= sg
        return [q, r]
    if op == "linalg.svd":
        u, s, vh = outs
        m, uc = u.shape[-2:]
        vr, n = vh.shape[-2:]
        k = min(m, n)
        for b in np.ndindex(u.shape[:-2]):
            for i in range(uc):
                sg = rule(u[b][:, i])
                u[b][:, i] *= sg
                if i < k:
                    vh[b][i, :] *= sg
            for i in range(k, vr):
                vh[b][i, :] *= rule(vh[b][i, :])
        return [u, s, vh]
    if op == "linalg.eigh":
        w, v = outs
        n = v.shape[-1]
        for b in np.ndindex(v.shape[:-2]):
            for i in range(n):
                v[b][:, i] *= rule(v[b][:, i])
        return [w, v]
    return outs


def gen_linalg_extension():
    # outer
    def outer_case(name, a, b):
        cid = f"linalg_outer/{name}"
        a, b = resolve(cid, a, b)
        d = promote(a.dtype.name, b.dtype.name)
        args = [T(a), T(b)]
        if d == "bool":
            return add_case(cid, "linalg.outer", args, {}, err("InvalidDType"))
        if a.ndim != 1 or b.ndim != 1:
            return add_case(cid, "linalg.outer", args, {}, err("ShapeMismatch"))
        ref = np.linalg.outer(a, b)
        settle(ref.dtype, d, mixed(a.dtype.name, b.dtype.name), what=cid)
        add_case(cid, "linalg.outer", args, {}, np.outer(a.astype(d), b.astype(d)), "linalg")

    outer_case("float32/basic", rand("float32", (3,)), rand("float32", (4,)))
    outer_case("float64/basic", rand("float64", (2,)), rand("float64", (5,)))
    outer_case("int32/basic", rand("int32", (3,), -9, 9), rand("int32", (2,), -9, 9))
    outer_case("uint8/basic", rand("uint8", (3,), 0, 9), rand("uint8", (3,), 0, 9))
    outer_case("int16_float32/promotes", rand("int16", (2,), -9, 9), rand("float32", (3,)))
    outer_case("float32/empty", np.zeros((0,), "float32"), rand("float32", (3,)))
    outer_case("bool/invalid", rand("bool", (2,)), rand("bool", (2,)))
    outer_case("float32/2d", rand("float32", (2, 2)), rand("float32", (2,)))

    # diagonal and trace
    def diag_case(op, name, x, offset=0):
        cid = f"{op.replace('.', '_')}/{name}"
        x = resolve(cid, x)
        args, kw = [T(x)], {"offset": offset}
        if x.ndim < 2:
            return add_case(cid, op, args, kw, err("InvalidShape"))
        if op == "linalg.trace":
            if x.dtype.name == "bool":
                return add_case(cid, op, args, kw, err("InvalidDType"))
            d = accumulator(x.dtype.name)
            ref = np.linalg.trace(x, offset=offset)
            settle(ref.dtype, d, what=cid)
            exp = np.linalg.trace(f64(x) if kind(d) == "float" else x.astype(d),
                                  offset=offset).astype(d)
            return add_case(cid, op, args, kw, exp, "reduction")
        add_case(cid, op, args, kw, np.linalg.diagonal(x, offset=offset).copy())

    diag_case("linalg.diagonal", "float32/3x4", rand("float32", (3, 4)))
    diag_case("linalg.diagonal", "float32/3x4_offset1", rand("float32", (3, 4)), 1)
    diag_case("linalg.diagonal", "float64/4x3_offset_minus2", rand("float64", (4, 3)), -2)
    diag_case("linalg.diagonal", "int64/batched_offset1", rand("int64", (2, 3, 3), -9, 9), 1)
    diag_case("linalg.diagonal", "uint8/3x3", rand("uint8", (3, 3), 0, 250))
    diag_case("linalg.diagonal", "int8/negative", rand("int8", (3, 3), -128, 127), -1)
    diag_case("linalg.diagonal", "bool/2x3", rand("bool", (2, 3)))
    diag_case("linalg.diagonal", "float32/offset_beyond", rand("float32", (2, 3)), 5)
    diag_case("linalg.diagonal", "float32/offset_below", rand("float32", (2, 3)), -7)
    diag_case("linalg.diagonal", "float32/1d", rand("float32", (3,)))
    diag_case("linalg.trace", "float32/2d", rand("float32", (3, 3)))
    diag_case("linalg.trace", "float64/batched_offset1", rand("float64", (2, 3, 4)), 1)
    diag_case("linalg.trace", "float64/offset_minus1", rand("float64", (3, 3)), -1)
    diag_case("linalg.trace", "int32/to_int64", rand("int32", (3, 3), -9, 9))
    diag_case("linalg.trace", "int64/offset_beyond", rand("int64", (2, 2), -9, 9), 3)
    diag_case("linalg.trace", "bool/invalid", rand("bool", (2, 2)))
    diag_case("linalg.trace", "float32/1d", rand("float32", (3,)))

    # cross
    def cross_case(name, a, b, axis=-1):
        cid = f"linalg_cross/{name}"
        a, b = resolve(cid, a, b)
        d = promote(a.dtype.name, b.dtype.name)
        args, kw = [T(a), T(b)], {"axis": axis}
        if d == "bool":
            return add_case(cid, "linalg.cross", args, kw, err("InvalidDType"))
        try:
            ref = np.linalg.cross(a, b, axis=axis)
        except ValueError:
            return add_case(cid, "linalg.cross", args, kw, err("ShapeMismatch"))
        settle(ref.dtype, d, mixed(a.dtype.name, b.dtype.name), what=cid)
        if kind(d) == "float":
            exp = np.linalg.cross(f64(a.astype(d)), f64(b.astype(d)), axis=axis).astype(d)
        else:
            exp = np.linalg.cross(a.astype(d), b.astype(d), axis=axis)
        add_case(cid, "linalg.cross", args, kw, exp, "linalg")

    cross_case("float64/vectors", rand("float64", (3,)), rand("float64", (3,)))
    cross_case("float32/2d", rand("float32", (2, 3)), rand("float32", (2, 3)))
    cross_case("float32/broadcast", rand("float32", (4, 1, 3)), rand("float32", (2, 3)))
    cross_case("float64/axis_minus2", rand("float64", (3, 2)), rand("float64", (3, 2)), -2)
    cross_case("int32/2d", rand("int32", (2, 3), -9, 9), rand("int32", (2, 3), -9, 9))
    cross_case("int16_float32/promotes", rand("int16", (3,), -9, 9), rand("float32", (3,)))
    cross_case("float32/size2", rand("float32", (2,)), rand("float32", (2,)))
    cross_case("bool/invalid", rand("bool", (3,)), rand("bool", (3,)))

    # vector_norm
    def vnorm_case(name, x, axis=None, keepdims=False, ord=2):
        cid = f"linalg_vector_norm/{name}"
        x = resolve(cid, x)
        d = to_float(x.dtype.name)
        kw = {"axis": list(axis) if isinstance(axis, tuple) else axis, "keepdims": keepdims,
              "ord": float(ord) if math.isfinite(ord) else ("inf" if ord > 0 else "-inf")}
        ref = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
        settle(ref.dtype, d, floated(x.dtype.name), what=cid)
        exp = np.linalg.vector_norm(f64(x.astype(d)), axis=axis, keepdims=keepdims, ord=ord)
        add_case(cid, "linalg.vector_norm", [T(x)], kw, np.asarray(exp).astype(d), "reduction")

    vnorm_case("float32/all", rand("float32", (3, 4)))
    vnorm_case("float64/axis1_keepdims", rand("float64", (2, 3, 4)), 1, True)
    vnorm_case("float64/axes_0_2", rand("float64", (2, 3, 4)), (0, 2))
    vnorm_case("float64/ord1", rand("float64", (3, 4)), -1, False, 1)
    vnorm_case("float64/ord_inf", rand("float64", (3, 4)), 0, False, math.inf)
    vnorm_case("float64/ord_minus_inf", rand("float64", (3, 4)), 0, False, -math.inf)
    vnorm_case("float32/ord0", arr([[0.0, 1.5, 0.0], [2.0, -3.0, 0.0]], "float32"), 1, False, 0)
    vnorm_case("float64/ord3", rand("float64", (5,)), None, False, 3)
    vnorm_case("float64/ord_minus1", rand("float64", (2, 3), 0.5, 4), 1, False, -1)
    vnorm_case("int32/to_float32", rand("int32", (4,), -9, 9))
    vnorm_case("float64/empty", np.zeros((0, 3)), 0)
    # A 0-D input has no axes to reduce: |x|, and for ord 0 whether x is non-zero (NaN is).
    vnorm_case("float64/0d_ord0_zero", arr(0.0, "float64"), None, False, 0)
    vnorm_case("float32/0d_ord0_nan", arr(np.nan, "float32"), None, False, 0)
    vnorm_case("float64/0d_ord2", arr(-2.5, "float64"), None, False, 2)
    add_case("linalg_vector_norm/float64/axis_out_of_range", "linalg.vector_norm",
             [T(rand("float64", (2, 3)))], {"axis": 2}, err("AxisOutOfRange"))

    # matrix_power
    def mpow_case(name, x, n):
        cid = f"linalg_matrix_power/{name}"
        x = resolve(cid, x)
        d = to_float(x.dtype.name)
        args, kw = [T(x)], {"n": n}
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            return add_case(cid, "linalg.matrix_power", args, kw, err("InvalidShape"))
        try:
            ref = np.linalg.matrix_power(x, n)
        except np.linalg.LinAlgError:
            return add_case(cid, "linalg.matrix_power", args, kw, err("InvalidArgument"))
        settle(ref.dtype, d, floated(x.dtype.name), what=cid)
        exp = np.linalg.matrix_power(f64(x.astype(d)), n).astype(d)
        add_case(cid, "linalg.matrix_power", args, kw, exp, "linalg")

    wellc = np.array([[2.0, 0.5, -0.25], [0.5, 1.5, 0.25], [-0.25, 0.5, 1.0]])
    mpow_case("float64/n3", wellc, 3)
    mpow_case("float64/n0", wellc, 0)
    mpow_case("float64/n1", wellc, 1)
    mpow_case("float64/n_minus2", wellc, -2)
    mpow_case("float32/batched_n5", rand("float32", (2, 2, 2), -1, 1), 5)
    mpow_case("int32/to_float32", np.array([[1, 2], [3, 4]], "int32"), 3)
    mpow_case("float64/not_square", rand("float64", (2, 3)), 2)
    mpow_case("float64/singular_negative", np.array([[1.0, 2.0], [2.0, 4.0]]), -1)

    # solve
    def solve_case(name, a, b):
        cid = f"linalg_solve/{name}"
        a, b = resolve(cid, a, b)
        d = to_float(promote(a.dtype.name, b.dtype.name))
        args = [T(a), T(b)]
        if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
            return add_case(cid, "linalg.solve", args, {}, err("InvalidShape"))
        try:
            ref = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            return add_case(cid, "linalg.solve", args, {}, err("InvalidArgument"))
        except ValueError:
            return add_case(cid, "linalg.solve", args, {}, err("ShapeMismatch"))
        settle(ref.dtype, d, floated(promote(a.dtype.name, b.dtype.name)), what=cid)
        exp = np.linalg.solve(f64(a.astype(d)), f64(b.astype(d))).astype(d)
        add_case(cid, "linalg.solve", args, {}, exp, "linalg")

    solve_case("float64/vector", wellc, rand("float64", (3,)))
    solve_case("float64/matrix", wellc, rand("float64", (3, 2)))
    solve_case("float32/batched_broadcast", np.stack([wellc, wellc.T + np.eye(3)]).astype("float32"),
               rand("float32", (3, 2)))
    solve_case("float64/batched_vector", np.stack([wellc, 2 * wellc]), rand("float64", (3,)))
    solve_case("int32/to_float32", np.array([[2, 1], [1, 3]], "int32"), np.array([1, 2], "int32"))
    solve_case("float64/singular", np.array([[1.0, 2.0], [2.0, 4.0]]), rand("float64", (2,)))
    solve_case("float64/rows_mismatch", wellc, rand("float64", (2,)))
    solve_case("float64/not_square", rand("float64", (2, 3)), rand("float64", (2,)))

    # slogdet
    def slogdet_case(name, x):
        base = f"linalg_slogdet/{name}"
        for out, field in [(0, "sign"), (1, "logabsdet")]:
            cid = f"{base}/{field}"
            xx = resolve(cid, x)
            args = [T(xx)]
            if xx.ndim < 2 or xx.shape[-1] != xx.shape[-2]:
                if out == 0:
                    add_case(base, "linalg.slogdet", args, {}, err("InvalidShape"))
                return
            d = to_float(xx.dtype.name)
            ref = np.linalg.slogdet(xx)
            settle(ref[out].dtype, d, floated(xx.dtype.name), what=cid)
            exp = np.linalg.slogdet(f64(xx.astype(d)))[out]
            add_case(cid, "linalg.slogdet", args, {}, np.asarray(exp).astype(d), "linalg",
                     output=out)

    slogdet_case("float64/3x3", wellc)
    slogdet_case("float64/negative", np.array([[0.0, 2.0, 1.0], [3.0, 1.0, 0.5], [1.0, 0.0, 4.0]]))
    slogdet_case("float64/singular", np.array([[1.0, 2.0], [2.0, 4.0]]))
    slogdet_case("float32/batched", np.stack([wellc, -wellc, 3 * wellc]).astype("float32"))
    slogdet_case("int32/to_float32", np.array([[2, 1], [7, 4]], "int32"))
    slogdet_case("float64/0x0", np.zeros((0, 0)))
    slogdet_case("float64/not_square", np.zeros((2, 3)))

    # cholesky
    spd = np.array([[4.0, 2.0, 0.6], [2.0, 5.0, 1.5], [0.6, 1.5, 3.0]])

    def chol_case(name, x, upper=False):
        cid = f"linalg_cholesky/{name}"
        x = resolve(cid, x)
        args, kw = [T(x)], {"upper": upper}
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            return add_case(cid, "linalg.cholesky", args, kw, err("InvalidShape"))
        d = to_float(x.dtype.name)
        try:
            ref = np.linalg.cholesky(x, upper=upper)
        except np.linalg.LinAlgError:
            return add_case(cid, "linalg.cholesky", args, kw, err("InvalidArgument"))
        settle(ref.dtype, d, floated(x.dtype.name), what=cid)
        exp = np.linalg.cholesky(f64(x.astype(d)), upper=upper).astype(d)
        add_case(cid, "linalg.cholesky", args, kw, exp, "linalg")

    chol_case("float64/3x3", spd)
    chol_case("float64/upper", spd, True)
    chol_case("float32/batched", np.stack([spd, 2 * spd + np.eye(3)]).astype("float32"))
    chol_case("int32/to_float32", np.array([[4, 2], [2, 3]], "int32"))
    chol_case("float64/not_positive_definite", np.array([[1.0, 2.0], [2.0, 1.0]]))
    # one triangle is read: the lower one, the upper one with upper=True
    chol_case("float64/reads_lower", np.array([[4.0, 99.0], [2.0, 5.0]]))
    chol_case("float64/reads_upper", np.array([[4.0, 2.0], [-99.0, 5.0]]), True)
    chol_case("float64/not_square", np.zeros((2, 3)))

    # qr, svd, eigh: one case per output, signs canonical
    def decomp_cases(op, name, x, kw, outs, fn):
        base = f"{op.replace('.', '_')}/{name}"
        for i, field in enumerate(outs):
            cid = f"{base}/{field}"
            xx = resolve(cid, x)
            d = to_float(xx.dtype.name)
            ref = fn(xx)
            settle(ref[i].dtype, d, floated(xx.dtype.name), what=cid)
            exp = canonical(op, list(fn(f64(xx.astype(d)))))[i].astype(d)
            add_case(cid, op, [T(xx)], kw, exp, "linalg", output=i, **tol_for(d))

    def qr_cases(name, x, mode="reduced"):
        decomp_cases("linalg.qr", name, x, {"mode": mode}, ["q", "r"],
                     lambda a: np.linalg.qr(a, mode=mode))

    qr_cases("float64/4x3", rand("float64", (4, 3)))
    qr_cases("float64/3x4", rand("float64", (3, 4)))
    qr_cases("float64/4x3_complete", rand("float64", (4, 3)), "complete")
    qr_cases("float32/batched", rand("float32", (2, 3, 3)))
    qr_cases("int32/to_float32", rand("int32", (3, 2), -9, 9))
    add_case("linalg_qr/float64/1d", "linalg.qr", [T(rand("float64", (3,)))], {}, err("InvalidShape"))
    add_case("linalg_qr/float64/bad_mode", "linalg.qr", [T(rand("float64", (2, 2)))],
             {"mode": "r"}, err("InvalidArgument"))

    def svd_cases(name, x, full=True):
        decomp_cases("linalg.svd", name, x, {"full_matrices": full}, ["u", "s", "vh"],
                     lambda a: np.linalg.svd(a, full_matrices=full))

    svd_cases("float64/4x3", rand("float64", (4, 3)))
    svd_cases("float64/3x4_full", rand("float64", (3, 4)))
    svd_cases("float64/2x4_reduced", rand("float64", (2, 4)), False)
    svd_cases("float32/batched_reduced", rand("float32", (2, 4, 3)), False)
    svd_cases("int32/to_float32", rand("int32", (2, 2), -9, 9))
    add_case("linalg_svd/float64/1d", "linalg.svd", [T(rand("float64", (3,)))], {}, err("InvalidShape"))

    def symmetric(d, shape):
        def draw(r):
            b = r.uniform(-4, 4, size=shape).round(3)
            return (b + np.swapaxes(b, -1, -2)).astype(d)
        return Draw(draw)

    def eigh_cases(name, x):
        decomp_cases("linalg.eigh", name, x, {}, ["eigenvalues", "eigenvectors"],
                     lambda a: np.linalg.eigh(a))

    eigh_cases("float64/3x3", symmetric("float64", (3, 3)))
    eigh_cases("float32/batched", symmetric("float32", (2, 4, 4)))
    eigh_cases("int32/to_float32", np.array([[2, 1], [1, 3]], "int32"))
    add_case("linalg_eigh/float64/not_square", "linalg.eigh", [T(rand("float64", (2, 3)))], {},
             err("InvalidShape"))

    # svdvals, eigvalsh
    def vals_case(op, name, x, fn, tol=None):
        cid = f"{op.replace('.', '_')}/{name}"
        x = resolve(cid, x)
        args = [T(x)]
        if x.ndim < 2 or (op == "linalg.eigvalsh" and x.shape[-1] != x.shape[-2]):
            return add_case(cid, op, args, {}, err("InvalidShape"))
        d = to_float(x.dtype.name)
        settle(fn(x).dtype, d, floated(x.dtype.name), what=cid)
        add_case(cid, op, args, {}, fn(f64(x.astype(d))).astype(d), "linalg", **tol_for(d))

    vals_case("linalg.svdvals", "float32/3x4", rand("float32", (3, 4)), np.linalg.svdvals)
    vals_case("linalg.svdvals", "float64/batched", rand("float64", (2, 4, 3)), np.linalg.svdvals)
    vals_case("linalg.svdvals", "int32/to_float32", rand("int32", (2, 3), -9, 9), np.linalg.svdvals)
    vals_case("linalg.svdvals", "float64/1d", rand("float64", (3,)), np.linalg.svdvals)
    vals_case("linalg.eigvalsh", "float64/4x4", symmetric("float64", (4, 4)), np.linalg.eigvalsh)
    vals_case("linalg.eigvalsh", "float32/batched", symmetric("float32", (3, 3, 3)), np.linalg.eigvalsh)
    # only the lower triangle is read
    vals_case("linalg.eigvalsh", "float64/reads_lower",
              np.array([[2.0, 9.0, 9.0], [1.0, 3.0, 9.0], [0.5, 1.0, 4.0]]), np.linalg.eigvalsh)
    vals_case("linalg.eigvalsh", "float64/not_square", rand("float64", (2, 3)), np.linalg.eigvalsh)

    # pinv and matrix_rank, with the standard's default rtol (max(M, N) · eps) written out
    def eps(d):
        return float(np.finfo(d).eps)

    def rtol_case(op, name, x, rtol=None):
        cid = f"{op.replace('.', '_')}/{name}"
        x = resolve(cid, x)
        args, kw = [T(x)], ({} if rtol is None else {"rtol": rtol})
        if x.ndim < 2:
            return add_case(cid, op, args, kw, err("InvalidShape"))
        d = to_float(x.dtype.name)
        r = rtol if rtol is not None else max(x.shape[-2:]) * eps(d)
        if op == "linalg.pinv":
            ref = np.linalg.pinv(x, rtol=r)
            settle(ref.dtype, d, floated(x.dtype.name), what=cid)
            exp = np.linalg.pinv(f64(x.astype(d)), rtol=r).astype(d)
            add_case(cid, op, args, kw, exp, "linalg", **tol_for(d))
        else:
            exp = np.linalg.matrix_rank(x.astype(d), rtol=r)
            settle(np.asarray(exp).dtype, "int64", what=cid)
            add_case(cid, op, args, kw, np.asarray(exp).astype("int64"))

    deficient = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    rtol_case("linalg.pinv", "float64/3x2", rand("float64", (3, 2)))
    rtol_case("linalg.pinv", "float64/2x4", rand("float64", (2, 4)))
    rtol_case("linalg.pinv", "float64/deficient", deficient)
    rtol_case("linalg.pinv", "float32/batched", rand("float32", (2, 3, 3)))
    rtol_case("linalg.pinv", "float64/rtol_cuts", np.diag([4.0, 2.0, 1.0]), 0.3)
    rtol_case("linalg.pinv", "float64/1d", rand("float64", (3,)))
    rtol_case("linalg.matrix_rank", "float64/full", rand("float64", (3, 4)))
    rtol_case("linalg.matrix_rank", "float64/deficient", deficient)
    rtol_case("linalg.matrix_rank", "float32/batched_with_zero",
              np.stack([np.eye(3), np.zeros((3, 3)), np.diag([1.0, 1.0, 0.0])]).astype("float32"))
    rtol_case("linalg.matrix_rank", "float64/rtol_cuts", np.diag([4.0, 2.0, 1.0]), 0.3)
    rtol_case("linalg.matrix_rank", "int32/to_float32", np.array([[1, 2], [2, 4]], "int32"))
    add_case("linalg_matrix_rank/float64/negative_rtol", "linalg.matrix_rank",
             [T(rand("float64", (2, 2)))], {"rtol": -1.0}, err("InvalidArgument"))

    # matrix_norm
    def mnorm_case(name, x, ord="fro", keepdims=False):
        cid = f"linalg_matrix_norm/{name}"
        x = resolve(cid, x)
        d = to_float(x.dtype.name)
        kw = {"ord": ord if isinstance(ord, str) or ord in (1, -1, 2, -2) else
              ("inf" if ord > 0 else "-inf"), "keepdims": keepdims}
        if x.ndim < 2:
            return add_case(cid, "linalg.matrix_norm", [T(x)], kw, err("InvalidShape"))
        ref = np.linalg.matrix_norm(x, ord=ord, keepdims=keepdims)
        settle(ref.dtype, d, floated(x.dtype.name), what=cid)
        exp = np.linalg.matrix_norm(f64(x.astype(d)), ord=ord, keepdims=keepdims)
        add_case(cid, "linalg.matrix_norm", [T(x)], kw, np.asarray(exp).astype(d), "linalg",
                 **tol_for(d))

    mnorm_case("float64/fro", rand("float64", (3, 4)))
    for o, label in [("nuc", "nuc"), (1, "1"), (-1, "minus1"), (2, "2"), (-2, "minus2"),
                     (math.inf, "inf"), (-math.inf, "minus_inf")]:
        mnorm_case(f"float64/ord_{label}", rand("float64", (3, 4)), o)
    mnorm_case("float32/batched_keepdims", rand("float32", (2, 3, 3)), "fro", True)
    mnorm_case("float32/batched_2_keepdims", rand("float32", (2, 2, 3)), 2, True)
    mnorm_case("int32/to_float32", rand("int32", (2, 2), -9, 9), 1)
    mnorm_case("float64/1d", rand("float64", (3,)))
    add_case("linalg_matrix_norm/float64/bad_ord", "linalg.matrix_norm",
             [T(rand("float64", (2, 2)))], {"ord": 3}, err("InvalidArgument"))


def generate():
    gen_linalg()
    gen_larger_inputs()
    gen_larger_matrices()
    gen_linalg_extension()
    add_strided(STRIDED)
    add_strided(STRIDED_EXT)
