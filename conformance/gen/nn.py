"""The cases of the neural-network basics (not in the standard): the activations relu,
sigmoid, gelu, silu (group `elementwise`) and log_softmax, logsumexp (group `reductions`).

Expected values are computed in float64 from the inputs as tensorswitch converts them:
sigmoid as 1 / (1 + exp(-x)), gelu in its exact form x/2 (1 + erf(x/√2)) with Python's
math.erf (NumPy has no erf), silu as x · sigmoid(x), log_softmax as x - max - log(sum(exp(x -
max))) and logsumexp as max + log(sum(exp(x - max))) (with a zero maximum where the maximum is
infinite, and -inf over no elements). relu keeps the dtype (integers included; bool is
refused); the others compute integer and bool inputs in the default float dtype, as exp does.
"""

import math

from .common import *  # noqa: F401,F403
from .reductions import norm_axes

STRIDED_ELEMENTWISE = [
    "relu/float32/2d",
    "sigmoid/float32/2d",
    "gelu/float32/2d",
    "silu/float32/2d",
]
STRIDED_REDUCTIONS = [
    "log_softmax/float32/last_axis",
    "logsumexp/float32/axis1",
    "layer_norm/float32/last_dim",
]
STRIDED_LINALG = [
    "conv2d/float32/basic",
]
STRIDED_POOLS = [
    "max_pool2d/float32/2x2",
    "avg_pool2d/float32/2x2",
]
STRIDED_MANIPULATION = [
    "one_hot/int64/2d",
]

ERF = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid64(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    "sigmoid": sigmoid64,
    "gelu": lambda x: 0.5 * x * (1.0 + ERF(x / math.sqrt(2.0))),
    "silu": lambda x: x * sigmoid64(x),
}


def activation_case(op, name, x):
    cid = f"{op}/{name}"
    x = resolve(cid, x)
    d = x.dtype.name
    if op == "relu":
        if d == "bool":
            return add_case(cid, op, [T(x)], {}, err("InvalidDType"))
        exp = np.maximum(x, 0) if kind(d) != "float" else np.where(
            np.isnan(x), x, np.maximum(f64(x), 0.0)).astype(d)
        return add_case(cid, op, [T(x)], {}, np.asarray(exp).astype(d), "exact")
    out = to_float(d)
    if kind(d) != "float":
        DIFF_USED.add("float_only_ops")
    exp = ACTIVATIONS[op](f64(x.astype(out))).astype(out)
    add_case(cid, op, [T(x)], {}, exp, "transcendental")


def gen_activations():
    for op in ["relu", "sigmoid", "gelu", "silu"]:
        activation_case(op, "float32/2d", rand("float32", (3, 5), -6, 6))
        activation_case(op, "float64/1d", rand("float64", (9,), -8, 8))
        activation_case(op, "float32/0d", arr(-1.25, "float32"))
        activation_case(op, "float32/empty", np.zeros((0, 3), "float32"))
        activation_case(op, "int32/ints", arr([-3, -1, 0, 2, 7], "int32"))
        activation_case(op, "float64/wide_range",
                        arr([-40.0, -12.5, -1e-8, 0.0, 1e-8, 3.5, 12.5, 40.0], "float64"))
        activation_case(op, "float32/wide_range",
                        arr([-30.0, -7.5, -0.5, 0.25, 7.5, 30.0], "float32"))
        activation_case(op, "float64/nan", arr([np.nan, 1.0], "float64"))
    activation_case("relu", "uint8/identity", arr([0, 3, 255], "uint8"))
    activation_case("relu", "int8/negatives", arr([-128, -1, 0, 127], "int8"))
    activation_case("relu", "bool/refused", arr([True, False], "bool"))
    activation_case("relu", "float64/infinities", arr([-np.inf, np.inf], "float64"))
    activation_case("sigmoid", "float64/infinities", arr([-np.inf, np.inf], "float64"))
    activation_case("silu", "float64/pos_infinity", arr([np.inf], "float64"))
    activation_case("gelu", "float64/pos_infinity", arr([np.inf], "float64"))
    activation_case("sigmoid", "bool/to_float32", arr([True, False], "bool"))


def log_softmax_case(name, x, axis):
    cid = f"log_softmax/{name}"
    x = resolve(cid, x)
    d = x.dtype.name
    out = to_float(d)
    nd = max(x.ndim, 1)
    if not -nd <= axis < nd:
        return add_case(cid, "log_softmax", [T(x)], {"axis": axis}, err("AxisOutOfRange"))
    xf = f64(x.astype(out))
    if kind(d) != "float":
        DIFF_USED.add("float_only_ops")
    if x.ndim == 0:
        exp = np.zeros((), dtype=out)
    elif xf.shape[axis] == 0:
        exp = xf.astype(out)
    else:
        m = np.max(xf, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        s = xf - m
        exp = (s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))).astype(out)
    add_case(cid, "log_softmax", [T(x)], {"axis": axis}, exp, "transcendental")


def logsumexp_case(name, x, axes=None, keepdims=False):
    cid = f"logsumexp/{name}"
    x = resolve(cid, x)
    d = x.dtype.name
    out = to_float(d)
    kw = {"axes": None if axes is None else list(axes), "keepdims": keepdims}
    try:
        ax = norm_axes(axes, x.ndim)
    except IndexError:
        return add_case(cid, "logsumexp", [T(x)], kw, err("AxisOutOfRange"))
    if kind(d) != "float":
        DIFF_USED.add("float_only_ops")
    xf = f64(x.astype(out))
    if any(x.shape[a] == 0 for a in ax):
        shape = tuple(1 if i in ax else n for i, n in enumerate(x.shape) if keepdims or i not in ax)
        exp = np.full(shape, -np.inf)
    elif not ax:
        exp = xf
    else:
        m = np.max(xf, axis=ax, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        exp = np.log(np.sum(np.exp(xf - m), axis=ax, keepdims=True)) + m
        if not keepdims:
            exp = np.squeeze(exp, axis=ax)
    add_case(cid, "logsumexp", [T(x)], kw, np.asarray(exp).astype(out), "reduction")


def gen_reductions():
    log_softmax_case("float32/last_axis", rand("float32", (3, 5), -4, 4), -1)
    log_softmax_case("float32/axis0", rand("float32", (4, 3), -4, 4), 0)
    log_softmax_case("float64/3d_axis1", rand("float64", (2, 3, 4), -4, 4), 1)
    log_softmax_case("float64/large_values", arr([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -999.0]], "float64"), 1)
    log_softmax_case("float32/tiny_probabilities", arr([0.0, -120.0, 50.0], "float32"), 0)
    log_softmax_case("int32/to_float32", arr([1, 2, 3], "int32"), 0)
    log_softmax_case("float64/neg_inf", arr([-np.inf, 0.0, 1.0], "float64"), 0)
    log_softmax_case("float32/0d", arr(2.5, "float32"), 0)
    log_softmax_case("float32/empty_axis", np.zeros((2, 0), "float32"), 1)
    log_softmax_case("float32/axis_out_of_range", rand("float32", (2, 2)), 2)

    logsumexp_case("float32/axis1", rand("float32", (3, 4), -4, 4), [1])
    logsumexp_case("float32/all", rand("float32", (2, 3, 4), -4, 4))
    logsumexp_case("float64/axes_0_2_keepdims", rand("float64", (2, 3, 4), -4, 4), [0, 2], True)
    logsumexp_case("float64/large_values", arr([[1000.0, 1000.0], [-1000.0, -1001.0]], "float64"), [-1])
    logsumexp_case("float64/inf_and_neg_inf", arr([[np.inf, 1.0], [-np.inf, -np.inf]], "float64"), [1])
    logsumexp_case("int64/to_float32", arr([[1, 2], [3, 4]], "int64"), [0])
    logsumexp_case("float32/empty_axis", np.zeros((2, 0), "float32"), [1])
    logsumexp_case("float32/empty_axis_keepdims", np.zeros((0, 3), "float32"), [0], True)
    logsumexp_case("float32/no_axes", rand("float32", (2, 2), -4, 4), [])
    logsumexp_case("float32/axis_out_of_range", rand("float32", (2, 2)), [2])


def layer_norm_case(name, x, normalized_shape, eps=1e-5):
    cid = f"layer_norm/{name}"
    x = resolve(cid, x)
    d = x.dtype.name
    out = to_float(d)
    kw = {"normalized_shape": list(normalized_shape), "eps": eps}
    k = len(normalized_shape)
    if k == 0 or k > x.ndim or tuple(x.shape[x.ndim - k:]) != tuple(normalized_shape):
        return add_case(cid, "layer_norm", [T(x)], kw, err("InvalidShape"))
    if not (eps >= 0 and np.isfinite(eps)):
        return add_case(cid, "layer_norm", [T(x)], kw, err("InvalidArgument"))
    if kind(d) != "float":
        DIFF_USED.add("float_only_ops")
    xf = f64(x.astype(out))
    ax = tuple(range(x.ndim - k, x.ndim))
    if xf.size == 0:
        exp = xf
    else:
        m = xf.mean(axis=ax, keepdims=True)
        v = ((xf - m) ** 2).mean(axis=ax, keepdims=True)
        exp = (xf - m) / np.sqrt(v + eps)
    add_case(cid, "layer_norm", [T(x)], kw, exp.astype(out), "reduction")


def one_hot_case(name, x, n, dtype=None):
    cid = f"one_hot/{name}"
    x = resolve(cid, x)
    kw = {"num_classes": n, "dtype": dtype}
    if kind(x.dtype.name) not in ("signed", "unsigned"):
        return add_case(cid, "one_hot", [T(x)], kw, err("InvalidDType"))
    exp = (x.astype(np.int64)[..., None] == np.arange(n)).astype(dtype or "int64")
    add_case(cid, "one_hot", [T(x)], kw, exp)


def gen_layer_norm():
    layer_norm_case("float32/last_dim", rand("float32", (3, 6), -3, 3), [6])
    layer_norm_case("float64/last_two_dims", rand("float64", (2, 3, 4), -3, 3), [3, 4])
    layer_norm_case("float64/all_dims", rand("float64", (2, 5), -3, 3), [2, 5])
    layer_norm_case("float32/eps_0p1", rand("float32", (4, 3), -1, 1), [3], 0.1)
    layer_norm_case("float64/constant_rows_eps", arr([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], "float64"), [3])
    layer_norm_case("int32/to_float32", arr([[1, 2, 3], [4, 6, 8]], "int32"), [3])
    layer_norm_case("float32/empty_batch", np.zeros((0, 4), "float32"), [4])
    layer_norm_case("float64/1d", rand("float64", (7,), -3, 3), [7])
    layer_norm_case("float32/shape_mismatch", rand("float32", (2, 3)), [2])
    layer_norm_case("float32/no_dims", rand("float32", (2, 3)), [])
    layer_norm_case("float32/too_many_dims", rand("float32", (3,)), [1, 3])
    layer_norm_case("float32/negative_eps", rand("float32", (2, 3)), [3], -1.0)


def gen_one_hot():
    one_hot_case("int64/2d", arr([[0, 2, 1], [3, 3, 0]], "int64"), 4)
    one_hot_case("int32/1d_float32", arr([1, 0, 4], "int32"), 5, "float32")
    one_hot_case("uint8/bool_result", arr([2, 0], "uint8"), 3, "bool")
    one_hot_case("int64/out_of_range_rows_are_zero", arr([-1, 3, 1, 7], "int64"), 3)
    one_hot_case("int8/0d", arr(2, "int8"), 3, "float64")
    one_hot_case("int64/empty", np.zeros((0,), "int64"), 3)
    one_hot_case("int64/zero_classes", arr([0, 1], "int64"), 0)
    one_hot_case("float32/refused", arr([1.0, 0.0], "float32"), 2)
    one_hot_case("bool/refused", arr([True, False], "bool"), 2)


def pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def out_size(n, k, s, p, d):
    span = d * (k - 1) + 1
    return None if n + 2 * p < span else (n + 2 * p - span) // s + 1


def conv2d_loops(x, w, stride, padding, dilation, groups):
    """The convolution by its definition, one output element at a time (float64)."""
    n_, c, h, wd = x.shape
    co, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.zeros((n_, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(wd, kw, sw, pw, dw)
    out = np.zeros((n_, co, ho, wo))
    per_group = co // groups
    for n in range(n_):
        for o in range(co):
            g = o // per_group
            for i in range(ho):
                for j in range(wo):
                    acc = 0.0
                    for ci in range(cg):
                        for a in range(kh):
                            for b in range(kw):
                                acc += xp[n, g * cg + ci, i * sh + a * dh, j * sw + b * dw] * w[o, ci, a, b]
                    out[n, o, i, j] = acc
    return out


def pool_loops(x, kind_, kernel, stride, padding, dilation):
    """Max or mean over each window, one output element at a time (float64); max pads with
    -inf, mean with zeros that count in the mean."""
    n_, c, h, wd = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    fill = -np.inf if kind_ == "max" else 0.0
    xp = np.full((n_, c, h + 2 * ph, wd + 2 * pw), fill)
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(wd, kw, sw, pw, dw)
    out = np.zeros((n_, c, ho, wo))
    for n in range(n_):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    taps = [xp[n, ch, i * sh + a * dh, j * sw + b * dw] for a in range(kh) for b in range(kw)]
                    out[n, ch, i, j] = np.max(taps) if kind_ == "max" else sum(taps) / len(taps)  # NaN propagates
    return out


def conv2d_case(name, x, w, stride=1, padding=0, dilation=1, groups=1, error=None):
    cid = f"conv2d/{name}"
    x, w = resolve(cid, x, w)
    kw = {"stride": pair(stride), "padding": pair(padding), "dilation": pair(dilation), "groups": groups}
    if error:
        return add_case(cid, "conv2d", [T(x), T(w)], kw, err(error))
    out = to_float(promote(x.dtype.name, w.dtype.name))
    if kind(x.dtype.name) != "float":
        DIFF_USED.add("float_only_ops")
    exp = conv2d_loops(f64(x.astype(out)), f64(w.astype(out)), pair(stride), pair(padding),
                       pair(dilation), groups)
    add_case(cid, "conv2d", [T(x), T(w)], kw, exp.astype(out), "reduction")


def pool_case(op, name, x, kernel, stride=None, padding=0, dilation=1, error=None):
    cid = f"{op}/{name}"
    x = resolve(cid, x)
    kw = {"kernel_size": pair(kernel), "stride": None if stride is None else pair(stride),
          "padding": pair(padding), "dilation": pair(dilation)}
    if error:
        return add_case(cid, op, [T(x)], kw, err(error))
    out = to_float(x.dtype.name)
    if kind(x.dtype.name) != "float":
        DIFF_USED.add("float_only_ops")
    exp = pool_loops(f64(x.astype(out)), op[:3], pair(kernel), pair(kernel if stride is None else stride),
                     pair(padding), pair(dilation))
    add_case(cid, op, [T(x)], kw, exp.astype(out), "reduction")


def gen_conv2d():
    r = lambda *shape: rand("float32", shape, -2, 2)  # noqa: E731
    conv2d_case("float32/basic", r(2, 3, 5, 6), r(4, 3, 3, 3))
    conv2d_case("float32/stride2_padding1", r(1, 2, 7, 6), r(3, 2, 3, 3), 2, 1)
    conv2d_case("float64/stride_pair_padding_pair", rand("float64", (2, 2, 6, 7), -2, 2),
                rand("float64", (2, 2, 2, 3), -2, 2), (2, 1), (0, 2))
    conv2d_case("float32/dilation2", r(1, 2, 7, 7), r(2, 2, 3, 3), 1, 2, 2)
    conv2d_case("float32/groups2", r(2, 4, 5, 5), r(6, 2, 3, 3), 1, 1, 1, 2)
    conv2d_case("float64/depthwise", rand("float64", (1, 3, 4, 5), -2, 2),
                rand("float64", (3, 1, 2, 2), -2, 2), 1, 0, 1, 3)
    conv2d_case("float32/1x1", r(2, 3, 4, 4), r(5, 3, 1, 1))
    conv2d_case("float32/kernel_equals_input", r(1, 1, 3, 3), r(1, 1, 3, 3))
    conv2d_case("int32/to_float32", arr(np.arange(32).reshape(1, 2, 4, 4) % 5, "int32"),
                arr(np.array([1, 0, -1, 2, 1, 0, 0, 1]).reshape(1, 2, 2, 2), "int32"))
    conv2d_case("float64_float32/promoted", rand("float64", (1, 1, 4, 4), -2, 2), r(2, 1, 2, 2))
    conv2d_case("float32/empty_batch", np.zeros((0, 2, 4, 4), "float32"), r(3, 2, 3, 3))
    conv2d_case("float32/input_3d", r(2, 4, 4), r(3, 2, 3, 3), error="InvalidShape")
    conv2d_case("float32/weight_3d", r(1, 2, 4, 4), r(3, 2, 3), error="InvalidShape")
    conv2d_case("float32/groups_not_dividing", r(1, 4, 4, 4), r(3, 2, 3, 3), groups=2, error="InvalidArgument")
    conv2d_case("float32/groups_zero", r(1, 4, 4, 4), r(4, 4, 3, 3), groups=0, error="InvalidArgument")
    conv2d_case("float32/channel_mismatch", r(1, 4, 4, 4), r(2, 3, 3, 3), error="ShapeMismatch")
    conv2d_case("float32/kernel_larger_than_padded_input", r(1, 1, 3, 3), r(1, 1, 5, 5), padding=0, error="InvalidShape")
    conv2d_case("float32/stride_zero", r(1, 1, 4, 4), r(1, 1, 2, 2), stride=0, error="InvalidArgument")


def gen_pools():
    for op in ["max_pool2d", "avg_pool2d"]:
        pool_case(op, "float32/2x2", rand("float32", (2, 3, 4, 6), -3, 3), 2)
        pool_case(op, "float32/3x3_stride1", rand("float32", (1, 2, 5, 5), -3, 3), 3, 1)
        pool_case(op, "float64/padding1_stride2", rand("float64", (1, 2, 5, 6), -3, 3), 3, 2, 1)
        pool_case(op, "float64/rect_kernel", rand("float64", (2, 1, 6, 5), -3, 3), (2, 3), (2, 1), (1, 0))
        pool_case(op, "int32/to_float32", arr(np.arange(16).reshape(1, 1, 4, 4) - 8, "int32"), 2)
        pool_case(op, "float32/empty_channels", np.zeros((1, 0, 4, 4), "float32"), 2)
        pool_case(op, "float32/input_3d", rand("float32", (2, 4, 4)), 2, error="InvalidShape")
        pool_case(op, "float32/padding_over_half", rand("float32", (1, 1, 4, 4)), 2, 1, 2, error="InvalidArgument")
        pool_case(op, "float32/kernel_larger_than_input", rand("float32", (1, 1, 3, 3)), 4, error="InvalidShape")
        pool_case(op, "float32/kernel_zero", rand("float32", (1, 1, 3, 3)), 0, error="InvalidArgument")
    pool_case("max_pool2d", "float32/dilation2", rand("float32", (1, 2, 7, 7), -3, 3), 2, 1, 1, 2)
    pool_case("max_pool2d", "float64/nan_propagates", arr([[[[1.0, np.nan], [0.0, 2.0]]]], "float64"), 2)
    pool_case("avg_pool2d", "float32/dilation_refused", rand("float32", (1, 1, 5, 5)), 2, 1, 0, 2, error="InvalidArgument")


def generate():
    CURRENT["group"] = "elementwise"
    gen_activations()
    add_strided(STRIDED_ELEMENTWISE)
    CURRENT["group"] = "reductions"
    gen_reductions()
    gen_layer_norm()
    add_strided(STRIDED_REDUCTIONS)
    gen_pools()
    add_strided(STRIDED_POOLS)
    CURRENT["group"] = "linalg"
    gen_conv2d()
    add_strided(STRIDED_LINALG)
    CURRENT["group"] = "manipulation"
    gen_one_hot()
    add_strided(STRIDED_MANIPULATION)
