"""The cases of the indexing ops (group `manipulation`): take, take_along_axis, strided_slice,
put and put_add; and the table of NumPy index expressions, cases/indexing.json, that
`checks/indexing.rs` runs through `Tensor::index` and `Tensor::at` on every backend.

Indices: negative ones count from the end, as NumPy's; one outside `-n..n` is the error
`IndexOutOfRange` (NumPy: IndexError). `put` writes `values` (broadcast to the indices' shape,
converted to x's dtype) at flat indices of a copy; `put_add` adds them, a repeated index adding
each of its values (NumPy's `np.add.at`).
"""

import json
import os

from .common import *  # noqa: F401,F403

STRIDED = [
    "take/float32/axis0",
    "take/int32/axis1_negative",
    "take_along_axis/float32/axis1",
    "take_along_axis/int64/axis0",
    "strided_slice/float32/2d_steps",
    "strided_slice/int32/negative_steps",
    "put/float32/2d",
    "put_add/int32/2d_repeats",
]


def norm(idx, n):
    idx = np.asarray(idx, dtype=np.int64)
    return np.where(idx < 0, idx + n, idx)


def take_case(name, x, idx, axis, expected=None):
    cid = f"take/{name}"
    x, idx = resolve(cid, x, idx)
    if expected is None:
        expected = np.take(x, idx, axis=axis)
    add_case(cid, "take", [T(x), T(idx)], {"axis": axis}, expected)


def along_case(name, x, idx, axis, expected=None):
    cid = f"take_along_axis/{name}"
    x, idx = resolve(cid, x, idx)
    if expected is None:
        expected = np.take_along_axis(x, idx, axis=axis)
    add_case(cid, "take_along_axis", [T(x), T(idx)], {"axis": axis}, expected)


def slice_case(name, x, slices, expected=None):
    cid = f"strided_slice/{name}"
    x = resolve(cid, x)
    if expected is None:
        expected = x[tuple(slice(*s) for s in slices)]
    add_case(cid, "strided_slice", [T(x)], {"slices": [list(s) for s in slices]}, expected)


def put_case(op, name, x, idx, values, expected=None):
    cid = f"{op}/{name}"
    x, idx, values = resolve(cid, x, idx, values)
    if expected is None:
        flat = x.copy().reshape(-1)
        pos = norm(idx, flat.size).reshape(-1)
        v = np.broadcast_to(values, np.shape(idx)).reshape(-1)
        if op == "put":
            assert len(set(pos.tolist())) == len(pos), f"{cid}: repeated indices are unspecified"
            flat[pos] = rust_as(v, x.dtype.name) if v.dtype != x.dtype else v
        else:
            np.add.at(flat, pos, rust_as(v, x.dtype.name) if v.dtype != x.dtype else v)
        expected = flat.reshape(x.shape)
    add_case(cid, op, [T(x), T(idx), T(values)], {}, expected)


def gen_ops():
    i64 = "int64"
    take_case("float32/axis0", rand("float32", (4, 3)), arr([3, 0, 0, 2], i64), 0)
    take_case("int32/axis1_negative", rand("int32", (2, 5), -9, 9), arr([-1, 0, -5, 4], i64), 1)
    take_case("float64/1d_none", rand("float64", (6,)), arr([5, -6, 2], i64), None)
    take_case("bool/axis_minus1", rand("bool", (2, 2, 3)), arr([2, 2, 0], i64), -1)
    take_case("uint8/int8_indices", rand("uint8", (3, 4), 0, 200), arr([1, -1], "int8"), 0)
    take_case("int64/uint16_indices", rand("int64", (5,), -99, 99), arr([4, 0], "uint16"), 0)
    take_case("float32/empty_indices", rand("float32", (3, 2)), np.zeros((0,), i64), 1)
    take_case("float32/empty_tensor", np.zeros((0, 2), "float32"), np.zeros((0,), i64), 0)
    take_case("float32/out_of_range", rand("float32", (3,)), arr([3], i64), 0, err("IndexOutOfRange"))
    take_case("float32/negative_out_of_range", rand("float32", (3, 2)), arr([0, -4], i64), 0,
              err("IndexOutOfRange"))
    take_case("float32/from_empty", np.zeros((0,), "float32"), arr([0], i64), 0, err("IndexOutOfRange"))
    take_case("float32/float_indices", rand("float32", (3,)), arr([1.0], "float32"), 0, err("InvalidDType"))
    take_case("float32/2d_indices", rand("float32", (3,)), arr([[1]], i64), 0, err("InvalidShape"))
    take_case("float32/none_on_2d", rand("float32", (2, 2)), arr([1], i64), None, err("InvalidArgument"))
    take_case("float32/axis_out_of_range", rand("float32", (2, 2)), arr([1], i64), 2, err("AxisOutOfRange"))
    take_case("float32/0d", arr(1.5, "float32"), arr([0], i64), 0, err("AxisOutOfRange"))

    along_case("float32/axis1", rand("float32", (3, 4)), arr([[0, 3], [1, 1], [-1, 2]], i64), 1)
    along_case("int64/axis0", rand("int64", (3, 2), -9, 9), arr([[2, 0], [0, -3]], i64), 0)
    along_case("float64/argsort_3d", rand("float64", (2, 3, 4)),
               arr(np.argsort(np.arange(24).reshape(2, 3, 4) % 5, axis=-1), i64), -1)
    along_case("int8/broadcast_indices", rand("int8", (3, 4), -9, 9), arr([[3, 0]], i64), 1)
    along_case("bool/1d", rand("bool", (5,)), arr([4, 0, 0, -2], "int32"), 0)
    along_case("float32/empty", rand("float32", (2, 3)), np.zeros((2, 0), i64), 1)
    along_case("float32/out_of_range", rand("float32", (2, 3)), arr([[0], [3]], i64), 1, err("IndexOutOfRange"))
    along_case("float32/ndim_mismatch", rand("float32", (2, 3)), arr([0, 1], i64), 1, err("ShapeMismatch"))
    along_case("float32/shapes_off_axis", rand("float32", (2, 3)), arr([[0], [1], [2]], i64), 1,
               err("ShapeMismatch"))
    along_case("float32/float_indices", rand("float32", (2, 3)), arr([[0.0], [1.0]], "float32"), 1,
               err("InvalidDType"))

    slice_case("float32/2d_steps", rand("float32", (5, 6)), [(1, None, 2), (None, 5, 3)])
    slice_case("int32/negative_steps", rand("int32", (4, 5), -9, 9), [(None, None, -1), (-1, 0, -2)])
    slice_case("float64/negative_bounds", rand("float64", (7,)), [(-5, -1, 1)])
    slice_case("float32/clamped", rand("float32", (3, 4)), [(-10, 10, 1), (2, 100, 1)])
    slice_case("int64/reversed_clamped", rand("int64", (6,), -9, 9), [(100, -100, -3)])
    slice_case("bool/leading_only", rand("bool", (2, 3, 4)), [(1, 2, 1)])
    slice_case("uint16/empty_result", rand("uint16", (4, 3), 0, 999), [(3, 1, 1), (None, None, 1)])
    slice_case("float32/empty_reversed", rand("float32", (4,)), [(1, 3, -1)])
    slice_case("float32/big_step", rand("float32", (5, 2)), [(None, None, 10), (None, None, -10)])
    slice_case("float32/zero_size", np.zeros((0, 3), "float32"), [(None, None, -1), (1, None, 1)])
    slice_case("float32/whole", rand("float32", (2, 3)), [(None, None, 1)])
    slice_case("float32/step_0", rand("float32", (3,)), [(None, None, 0)], err("InvalidArgument"))
    slice_case("float32/too_many", rand("float32", (3,)), [(0, 1, 1), (0, 1, 1)], err("InvalidArgument"))
    slice_case("float32/0d", arr(2.5, "float32"), [(0, 1, 1)], err("InvalidArgument"))

    put_case("put", "float32/2d", rand("float32", (3, 4)), arr([0, 5, -1], i64), arr([7.5, -1.0, 2.25], "float32"))
    put_case("put", "int32/broadcast_value", rand("int32", (6,), -9, 9), arr([[1, 3], [4, -6]], i64), arr(100, "int32"))
    put_case("put", "bool/1d", rand("bool", (5,)), arr([0, 2], "int32"), arr([True, False], "bool"))
    put_case("put", "uint8/0d_index", rand("uint8", (2, 2), 0, 9), arr(-1, i64), arr(200, "uint8"))
    put_case("put", "float64/empty_indices", rand("float64", (3,)), np.zeros((0,), i64), np.zeros((0,), "float64"))
    put_case("put", "float32/out_of_range", rand("float32", (2, 2)), arr([4], i64), arr([1.0], "float32"),
             err("IndexOutOfRange"))
    put_case("put", "float32/values_shape", rand("float32", (4,)), arr([0, 1], i64), arr([1.0, 2.0, 3.0], "float32"),
             err("ShapeMismatch"))
    put_case("put", "float32/float_indices", rand("float32", (4,)), arr([0.0], "float32"), arr([1.0], "float32"),
             err("InvalidDType"))
    put_case("put_add", "int32/2d_repeats", rand("int32", (2, 3), -9, 9), arr([0, 0, 5, -1, 2], i64),
             arr([1, 2, 3, 4, 5], "int32"))
    put_case("put_add", "float32/broadcast_value", rand("float32", (4,)), arr([1, 1, 1], i64), arr(0.5, "float32"))
    put_case("put_add", "int8/wraps", arr([120, -120, 0], "int8"), arr([0, 0, 1], i64), arr([5, 5, -128], "int8"))
    put_case("put_add", "float64/empty_indices", rand("float64", (3,)), np.zeros((0,), i64), np.zeros((0,), "float64"))
    put_case("put_add", "bool/invalid", rand("bool", (3,)), arr([0], i64), arr([True], "bool"), err("InvalidDType"))
    put_case("put_add", "float32/out_of_range", rand("float32", (3,)), arr([-4], i64), arr([1.0], "float32"),
             err("IndexOutOfRange"))


# ---------------------------------------------------------------------------------------------
# the table of index expressions: cases/indexing.json

INDEX_CASES = []
X = np.arange(24, dtype="int64").reshape(2, 3, 4)


def item_json(it):
    if it is None:
        return None
    if it is Ellipsis:
        return "..."
    if isinstance(it, slice):
        return {"slice": [it.start, it.stop, 1 if it.step is None else it.step]}
    if isinstance(it, (int, np.integer)):
        return int(it)
    return {"tensor": encode(np.asarray(it))}


def index_case(name, x, index, expected_error=None, update=None, values=None):
    """One expression `x[index]` (or, with `update`, `x.at[index].set/add(values)`): NumPy
    computes the result, or must refuse it where `expected_error` names our error. The inputs
    are written out (no random draws: these are not cases of the op suite)."""
    cid = f"index/{name}"
    case = {"id": cid, "x": encode(x), "index": [item_json(i) for i in index]}
    if update is not None:
        case["update"] = update
        case["values"] = encode(values)
    try:
        if update is None:
            got = x[tuple(index)]
        else:
            got = x.copy()
            v = values.astype(x.dtype) if values.dtype != x.dtype else values
            if update == "set":
                got[tuple(index)] = v
            else:
                np.add.at(got, tuple(index), v)
        numpy_error = None
    except (IndexError, ValueError) as e:
        numpy_error = e
    if expected_error is None:
        assert numpy_error is None, f"{cid}: NumPy refused it: {numpy_error}"
        case["expected"] = encode(np.asarray(got))
    else:
        assert numpy_error is not None, f"{cid}: NumPy accepts it"
        case["expected"] = {"error": [expected_error]}
    INDEX_CASES.append(case)


def gen_index_table():
    i64 = "int64"
    x = X
    # basic: integers, slices, None, ellipsis
    index_case("int", x, [1])
    index_case("negative_int", x, [-1, -3])
    index_case("all_ints", x, [1, 2, -1])
    index_case("slice", x, [slice(None), slice(1, None)])
    index_case("slice_step", x, [slice(None), slice(None), slice(None, None, 2)])
    index_case("negative_step", x, [slice(None, None, -1), slice(None), slice(-1, 0, -2)])
    index_case("int_and_slice", x, [0, slice(None, None, -1), 1])
    index_case("newaxis_front", x, [None])
    index_case("newaxis_middle", x, [slice(None), None, 1])
    index_case("newaxis_several", x, [None, 0, None, slice(None, 2), None])
    index_case("ellipsis_last_dim", x, [Ellipsis, 2])
    index_case("ellipsis_middle", x, [1, Ellipsis, slice(1, 3)])
    index_case("ellipsis_alone", x, [Ellipsis])
    index_case("ellipsis_newaxis", x, [Ellipsis, None])
    index_case("empty_index", x, [])
    index_case("empty_slice", x, [slice(2, 1)])
    index_case("clamped_slice", x, [slice(-100, 100), slice(5, None)])
    index_case("extreme_bounds_and_steps", x, [slice(-2**63, 2**63 - 1, 2**63 - 1), slice(None, None, -2**63)])
    index_case("0d_ellipsis", arr(7.5, "float32"), [Ellipsis])
    index_case("0d_newaxis", arr(7.5, "float32"), [None])
    index_case("float_tensor", arr([[0.5, -1.25], [2.0, 3.5], [-0.75, 8.0]], "float32"), [slice(None, None, -1), -1])
    # integer tensors
    index_case("array_1d", x, [arr([1, 0, 1], i64)])
    index_case("array_negative", x, [slice(None), arr([-1, 0], i64)])
    index_case("array_2d", x, [slice(None), slice(None), arr([[0, 3], [-1, 1]], i64)])
    index_case("arrays_broadcast", x, [arr([[0], [1]], i64), slice(None), arr([3, 2, 1], i64)])
    index_case("arrays_adjacent", x, [slice(None), arr([0, 2], i64), arr([1, 3], i64)])
    index_case("array_and_int_adjacent", x, [slice(None), 1, arr([0, 3, 3], i64)])
    index_case("array_and_int_apart", x, [1, slice(None), arr([0, 3], i64)])
    index_case("arrays_apart", x, [arr([0, 1], i64), slice(1, None), arr([2, 3], i64)])
    index_case("array_newaxis", x, [None, arr([1], i64), slice(None, None, -1)])
    index_case("array_int32", x, [arr([1, 0], "int32"), arr([2, 2], "uint8")])
    index_case("array_empty", x, [np.zeros((0,), i64)])
    index_case("array_0d", x, [slice(None), arr(2, i64)])
    # masks
    mask = (X % 3 == 0)
    index_case("mask_full", x, [mask])
    index_case("mask_leading", x, [arr([True, False], "bool")])
    index_case("mask_2d_then_slice", x, [arr([[True, False, True], [False, False, True]], "bool"), slice(1, 3)])
    index_case("mask_after_slice", x, [slice(None), slice(None), arr([False, True, True, False], "bool")])
    index_case("mask_none_true", x, [np.zeros((2, 3, 4), "bool")])
    index_case("mask_and_array", x, [arr([True, False], "bool"), slice(None), arr([1, 0], i64)])
    index_case("mask_float", arr([1.5, -2.25, 0.125, 1e300], "float64"), [arr([True, False, True, True], "bool")])
    # errors
    index_case("int_out_of_range", x, [2], "IndexOutOfRange")
    index_case("negative_int_out_of_range", x, [0, -4], "IndexOutOfRange")
    index_case("too_many", x, [0, 0, 0, 0], "InvalidArgument")
    index_case("too_many_with_ellipsis", x, [0, Ellipsis, 0, 0, 0], "InvalidArgument")
    index_case("two_ellipses", x, [Ellipsis, Ellipsis], "InvalidArgument")
    index_case("step_0", x, [slice(None, None, 0)], "InvalidArgument")
    index_case("array_out_of_range", x, [slice(None), arr([0, 3], i64)], "IndexOutOfRange")
    index_case("array_negative_out_of_range", x, [arr([-3], i64)], "IndexOutOfRange")
    index_case("mask_shape", x, [arr([True, False, True], "bool")], "ShapeMismatch")
    index_case("mask_2d_shape", x, [np.ones((2, 4), "bool")], "ShapeMismatch")
    index_case("arrays_do_not_broadcast", x, [arr([0, 1], i64), arr([0, 1, 2], i64)], "ShapeMismatch")
    index_case("float_index_tensor", x, [arr([0.0], "float32")], "InvalidDType")
    index_case("0d_int", arr(7.5, "float32"), [0], "InvalidArgument")
    # functional updates
    index_case("set_int", x, [1], update="set", values=arr(-1, i64))
    index_case("set_slice_broadcast", x, [slice(None), slice(None, None, -2)], update="set",
               values=arr([[100], [200]], i64))
    index_case("set_negative_step", x, [slice(None, None, -1), 0, slice(1, None, 2)], update="set",
               values=arr([[-1, -2], [-3, -4]], i64))
    index_case("set_mask", x, [X > 18], update="set", values=arr(0, i64))
    index_case("set_array", x, [slice(None), arr([2, 0], i64), 3], update="set", values=arr([[7, 8], [9, 10]], i64))
    index_case("set_newaxis_ellipsis", x, [None, Ellipsis, 0], update="set", values=arr([5, 6, 7], i64))
    index_case("set_converts_float", x, [0, 0], update="set", values=arr([1.9, -2.9, 3.0, 4.5], "float64"))
    index_case("add_repeats", x, [0, 0, arr([1, 1, 3, 1], i64)], update="add", values=arr(10, i64))
    index_case("add_mask", arr([[0.5, -1.25], [2.0, 3.5], [-0.75, 8.0]], "float32"), [arr([True, False, True], "bool")], update="add",
               values=arr([0.5, 0.25], "float32"))
    index_case("set_values_shape", x, [0], "ShapeMismatch", update="set", values=arr([1, 2], i64))
    index_case("set_out_of_range", x, [5], "IndexOutOfRange", update="set", values=arr(1, i64))


def write_index_table():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cases", "indexing.json")
    text = ('{"generator":"conformance/gen/indexing.py","numpy":"%s","cases":[\n%s\n]}\n'
            % (np.__version__, ",\n".join(dump(c) for c in INDEX_CASES)))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate():
    gen_ops()
    add_strided(STRIDED)
    gen_index_table()
    write_index_table()
