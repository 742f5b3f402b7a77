"""The cases of the group `reductions`: sums, products, means, extrema, statistics, arg-reductions,
cumulative sums, sorting and softmax."""

from .common import *  # noqa: F401,F403

# Cases repeated with strided inputs (common.add_strided): the first two of each op with a
# 2+-D tensor input.
STRIDED = [
    "sum/float32/all",
    "sum/float32/axis0",
    "prod/float32/all",
    "prod/float32/axis0",
    "mean/float32/all",
    "mean/float32/axis0",
    "max/float32/all",
    "max/float32/axis0",
    "min/float32/all",
    "min/float32/axis0",
    "all/bool/all",
    "all/bool/axis0",
    "any/bool/all",
    "any/bool/axis0",
    "count_nonzero/bool/all",
    "count_nonzero/bool/axis0",
    "var/float32/all_correction0",
    "var/float32/axis0_correction0",
    "std/float32/all_correction0",
    "std/float32/axis0_correction0",
    "argmax/float32/flattened",
    "argmax/float32/axis0",
    "argmin/float32/flattened",
    "argmin/float32/axis0",
    "cumulative_sum/float64/axis0",
    "cumulative_sum/float64/axis_minus1_include_initial",
    "sort/float64/2d_axis0_ascending",
    "sort/int32/2d_axis_minus1_ties_ascending",
    "argsort/float64/2d_axis0_ascending",
    "argsort/int32/2d_axis_minus1_ties_ascending",
    "softmax/float32/last_axis",
    "softmax/float32/axis0",
]

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
    x = resolve(f"{op}/{name}", x)
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
    elif op == "count_nonzero":
        exp = np.count_nonzero(x, axis=ax, keepdims=keepdims).astype("int64")
        return add_case(cid, op, [T(x)], kw, np.asarray(exp), "exact")
    elif op in ("all", "any"):
        fn = np.all if op == "all" else np.any
        exp = fn(x, axis=ax, keepdims=keepdims)
        settle(exp.dtype, "bool", what=cid)
        return add_case(cid, op, [T(x)], kw, np.asarray(exp), "exact")
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
    x = resolve(f"{op}/{name}", x)
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

    for op in ["all", "any", "count_nonzero"]:
        b3 = rand("bool", (2, 3, 4))
        reduce_case(op, "bool/all", b3)
        reduce_case(op, "bool/axis0", b3, [0])
        reduce_case(op, "bool/axes_0_2_keepdims", b3, [0, 2], True)
        reduce_case(op, "bool/no_axes", b3, [])
        reduce_case(op, "bool/0d", arr(False, "bool"))
        reduce_case(op, "bool/empty_axis", np.zeros((2, 0), "bool"), [1])
        reduce_case(op, "bool/empty_all", np.zeros((0,), "bool"))
        reduce_case(op, "float32/nan_and_zeros", arr([[0.0, np.nan], [0.0, -0.0]], "float32"), [1])
        reduce_case(op, "int32/nonzero", arr([[0, 3, -1], [0, 0, 0]], "int32"), [-1])
        reduce_case(op, "uint8/all_true", arr([1, 2, 255], "uint8"))
        reduce_case(op, "bool/axis_out_of_range", b3, [3])
        reduce_case(op, "bool/repeated_axis", b3, [1, -2])
        b = arr([[True, False, True], [True, True, True]], "bool")
        reduce_case(op, "bool/rows", b, [1])
    # argmax / argmin
    def arg_case(op, name, x, axis=None, keepdims=False):
        x = resolve(f"{op}/{name}", x)
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
        x = resolve(f"cumulative_sum/{name}", x)
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
        x = resolve(f"softmax/{name}", x)
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




def gen_larger_inputs():
    # sizes past the small-array paths: pairwise sums, stable sorts
    big = Draw(lambda r: r.uniform(0.0, 1.0, size=(1024,)).round(4).astype("float32"))
    for op in ("sum", "mean", "var"):
        reduce_case(op, "float32/1024_elements", big, None, False, 1.0 if op == "var" else None)
    reduce_case("sum", "float32/rows_of_256", big.reshape(4, 256), [1])
    reduce_case("max", "float64/1024_elements", big.astype("float64").reshape(32, 32), [0])
    ties = Draw(lambda r: r.integers(0, 4, size=(2, 40)).astype("int32"))
    for op in ("sort", "argsort"):
        for desc in (False, True):
            sort_case(op, f"int32/40_ties_{'descending' if desc else 'ascending'}", ties, -1, desc)


def generate():
    gen_reductions()
    gen_larger_inputs()
    add_strided(STRIDED)
