"""The cases of the group `manipulation`: reshape, permute_dims, expand_dims, squeeze, flip,
broadcast_to, concat, stack, astype, tril and triu."""

from .common import *  # noqa: F401,F403

# Cases repeated with strided inputs (common.add_strided): the first two of each op with a
# 2+-D tensor input.
STRIDED = [
    "reshape/float32/infer_last",
    "reshape/float32/infer_first",
    "permute_dims/float32/3d",
    "permute_dims/float32/negative_axes",
    "moveaxis/float32/first_to_last",
    "moveaxis/float32/lists",
    "expand_dims/float32/axis0",
    "expand_dims/float32/axis_minus1",
    "squeeze/float32/axis0",
    "squeeze/float32/both",
    "flip/float32/all",
    "flip/float32/axis0",
    "broadcast_to/int32/column",
    "broadcast_to/bool/same_ndim",
    "concat/float32/axis0",
    "concat/float32/axis1",
    "stack/float32/axis0",
    "stack/float32/axis_minus1",
    "astype/bool_uint8",
    "astype/float32_float32/same",
    "tril/float32/2d_k-1",
    "tril/int32/3d_k-1",
    "triu/float32/2d_k-1",
    "triu/int32/3d_k-1",
    "roll/float32/axis0",
    "roll/float32/both_axes",
    "tile/float32/2d",
    "tile/int32/more_reps",
    "repeat/float32/count_axis0",
    "repeat/float32/counts_axis1",
]

# ----- shape manipulation --------------------------------------------------------------------

def gen_manipulation():
    x = rand("float32", (2, 3, 4))

    def reshape_case(name, x, shape, expected=None):
        x = resolve(f"reshape/{name}", x)
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
        x = resolve(f"permute_dims/{name}", x)
        add_case(f"permute_dims/{name}", "permute_dims", [T(x)], {"axes": list(axes)},
                 expected if expected is not None else np.transpose(x, axes))

    def moveaxis_case(name, x, source, destination, expected=None):
        x = resolve(f"moveaxis/{name}", x)
        add_case(f"moveaxis/{name}", "moveaxis", [T(x)], {"source": source, "destination": destination},
                 expected if expected is not None else np.moveaxis(x, source, destination))

    moveaxis_case("float32/first_to_last", x, 0, -1)
    moveaxis_case("float32/lists", x, [0, 1], [2, 0])
    moveaxis_case("int32/last_to_first", rand("int32", (2, 3, 4), -9, 9), -1, 0)
    moveaxis_case("bool/same_place", rand("bool", (2, 3)), 1, 1)
    moveaxis_case("float64/4d_lists", rand("float64", (2, 1, 3, 2)), [3, 0], [1, 2])
    moveaxis_case("float32/empty", np.zeros((2, 0, 3), "float32"), 1, 2)
    moveaxis_case("float32/repeated_source", x, [0, 0], [1, 2], err("InvalidArgument"))
    moveaxis_case("float32/repeated_destination", x, [0, 1], [2, 2], err("InvalidArgument"))
    moveaxis_case("float32/length_mismatch", x, [0, 1], [2], err("InvalidArgument"))
    moveaxis_case("float32/axis_out_of_range", x, 3, 0, err("AxisOutOfRange"))

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
        t = resolve(f"expand_dims/{name}", t)
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
        t = resolve(f"squeeze/{name}", t)
        add_case(f"squeeze/{name}", "squeeze", [T(t)], {"axes": axes}, np.squeeze(t, tuple(axes)))
    add_case("squeeze/float32/not_size_1", "squeeze", [T(s)], {"axes": [1]}, err("InvalidArgument"))
    add_case("squeeze/float32/repeated_axis", "squeeze", [T(s)], {"axes": [0, -3]}, err("InvalidArgument"))
    add_case("squeeze/float32/axis_out_of_range", "squeeze", [T(s)], {"axes": [3]}, err("AxisOutOfRange"))

    for name, t, axes in [("float32/all", x, None), ("float32/axis0", x, [0]), ("float32/axis_minus1", x, [-1]),
                          ("float32/axes_0_2", x, [0, 2]), ("int32/2d_all", rand("int32", (2, 3), -9, 9), None),
                          ("bool/1d", rand("bool", (5,)), [0]), ("float64/0d", arr(2.0, "float64"), None),
                          ("uint8/empty_axis", np.zeros((2, 0), "uint8"), [1])]:
        t = resolve(f"flip/{name}", t)
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
        t = resolve(f"broadcast_to/{name}", t)
        add_case(f"broadcast_to/{name}", "broadcast_to", [T(t)], {"shape": list(shape)},
                 np.broadcast_to(t, shape).copy())
    add_case("broadcast_to/float32/incompatible", "broadcast_to", [T(rand("float32", (3,)))],
             {"shape": [4]}, err("ShapeMismatch"))
    add_case("broadcast_to/float32/fewer_dims", "broadcast_to", [T(rand("float32", (2, 3)))],
             {"shape": [3]}, err("ShapeMismatch"))

    def join_case(op, name, ts, axis):
        ts = resolve(f"{op}/{name}", ts)
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
        t = resolve(f"astype/{name}", t)
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
            for name, m in [(f"float32/2d_k{k}", m2), (f"int32/3d_k{k}", m3)]:
                m = resolve(f"{op}/{name}", m)
                add_case(f"{op}/{name}", op, [T(m)], {"k": k}, fn(m, k))
        for name, t, k in [("float64/tall_k2", rand("float64", (4, 2)), 2),
                           ("bool/k0", rand("bool", (3, 3)), 0),
                           ("uint8/k_far_negative", rand("uint8", (3, 3), 0, 9), -5),
                           ("int64/wide_k_far_positive", rand("int64", (2, 4), -9, 9), 7)]:
            t = resolve(f"{op}/{name}", t)
            add_case(f"{op}/{name}", op, [T(t)], {"k": k}, fn(t, k))
        add_case(f"{op}/float32/empty", op, [T(np.zeros((0, 3), "float32"))], {"k": 0}, np.zeros((0, 3), "float32"))
        add_case(f"{op}/float32/1d", op, [T(rand("float32", (3,)))], {"k": 0}, err("InvalidShape"))
        add_case(f"{op}/float32/0d", op, [T(arr(1.0, "float32"))], {"k": 0}, err("InvalidShape"))




# ----- issue 12: roll, tile, repeat ----------------------------------------------------------

def gen_roll_tile_repeat():
    def roll_case(name, x, shift, axis, expected=None):
        cid = f"roll/{name}"
        x = resolve(cid, x)
        kw = {"shift": shift, "axis": axis}
        exp = expected if expected is not None else np.roll(x, shift, axis=None if axis is None else
                                                            (tuple(axis) if isinstance(axis, list) else axis))
        add_case(cid, "roll", [T(x)], kw, exp)

    x = rand("float32", (3, 4))
    roll_case("float32/axis0", x, 1, 0)
    roll_case("float32/both_axes", x, [1, -2], [0, 1])
    roll_case("float32/flattened", x, 5, None)
    roll_case("int32/negative_shift", rand("int32", (2, 5), -9, 9), -3, -1)
    roll_case("int64/shift_beyond_size", rand("int64", (4,), -9, 9), 11, 0)
    roll_case("bool/one_shift_many_axes", rand("bool", (2, 3)), 1, [0, 1])
    roll_case("float64/repeated_axis_sums", rand("float64", (5,)), [2, 4], [0, 0])
    roll_case("uint8/3d", rand("uint8", (2, 3, 4), 0, 255), [1, 2], [2, 0])
    roll_case("float32/zero_shift", x, 0, 1)
    roll_case("float32/full_turn", x, 4, 1)
    roll_case("float64/0d", arr(3.5, "float64"), 2, None)
    roll_case("float32/empty", np.zeros((0, 3), "float32"), 1, 1)
    roll_case("int16/empty_axis_shift", np.zeros((2, 0), "int16"), [1, 1], [0, 1])
    roll_case("float32/axis_out_of_range", x, 1, 2, err("AxisOutOfRange"))
    roll_case("float32/mismatched_lists", x, [1, 2, 3], [0, 1], err("InvalidArgument"))
    roll_case("float32/flattened_many_shifts", x, [1, 2], None, err("InvalidArgument"))

    def tile_case(name, x, reps, expected=None):
        cid = f"tile/{name}"
        x = resolve(cid, x)
        add_case(cid, "tile", [T(x)], {"reps": list(reps)},
                 expected if expected is not None else np.tile(x, reps))

    tile_case("float32/2d", rand("float32", (2, 3)), (2, 3))
    tile_case("int32/more_reps", rand("int32", (2, 3), -9, 9), (2, 1, 2))
    tile_case("float64/fewer_reps", rand("float64", (2, 1, 3)), (2,))
    tile_case("bool/1d", rand("bool", (3,)), (3,))
    tile_case("uint8/ones", rand("uint8", (2, 2), 0, 255), (1, 1))
    tile_case("int64/zero_rep", rand("int64", (2, 3), -9, 9), (0, 2))
    tile_case("float32/0d", arr(1.5, "float32"), (2, 2))
    tile_case("float32/empty", np.zeros((0, 2), "float32"), (3, 2))
    tile_case("int16/no_reps", rand("int16", (2,), -9, 9), ())
    tile_case("float32/negative_reps", rand("float32", (2,)), (2, -1), err("InvalidArgument"))
    # Repetitions beyond 32 bits (MLX's sizes) of nothing: an empty result. NumPy builds it
    # from the shape alone, as tensorswitch must.
    tile_case("int32/empty_huge_reps", np.zeros((0, 1, 1), "int32"), (2**40, 1, 2**20))

    def repeat_case(name, x, repeats, axis, expected=None):
        cid = f"repeat/{name}"
        x, repeats = resolve(cid, x, repeats)
        r = T(repeats) if isinstance(repeats, np.ndarray) else repeats
        if expected is None:
            expected = np.repeat(x, repeats, axis=axis)
        add_case(cid, "repeat", [T(x)], {"repeats": r, "axis": axis}, expected)

    x = rand("float32", (2, 3))
    repeat_case("float32/count_axis0", x, 2, 0)
    repeat_case("float32/counts_axis1", x, arr([1, 0, 3], "int64"), 1)
    repeat_case("float32/flattened", x, 2, None)
    repeat_case("int32/counts_flattened", rand("int32", (2, 2), -9, 9), arr([0, 1, 2, 3], "int64"), None)
    repeat_case("bool/one_count_tensor", rand("bool", (3,)), arr([2], "int64"), 0)
    repeat_case("uint8/negative_axis", rand("uint8", (2, 2, 2), 0, 255), 3, -1)
    repeat_case("float64/zero_count", rand("float64", (2, 3)), 0, 1)
    repeat_case("int64/int32_counts", rand("int64", (3,), -9, 9), arr([2, 1, 2], "int32"), 0)
    repeat_case("float64/0d_flattened", arr(2.5, "float64"), 3, None)
    repeat_case("float32/empty", np.zeros((0, 2), "float32"), 4, 0)
    repeat_case("float32/counts_of_wrong_length", x, arr([1, 2], "int64"), 1, err("ShapeMismatch"))
    repeat_case("float32/negative_count", x, arr([1, -1, 2], "int64"), 1, err("InvalidArgument"))
    repeat_case("float32/float_counts", x, arr([1.0, 2.0, 1.0], "float32"), 1, err("InvalidDType"))
    repeat_case("float32/2d_counts", x, arr([[1, 2, 1]], "int64"), 1, err("InvalidShape"))
    repeat_case("float32/axis_out_of_range", x, 2, 2, err("AxisOutOfRange"))
    repeat_case("float64/0d_axis", arr(2.5, "float64"), 2, 0, err("AxisOutOfRange"))
    repeat_case("float32/negative_int_count", x, -1, None, err("InvalidArgument"))


def generate():
    gen_manipulation()
    gen_roll_tile_repeat()
    add_strided(STRIDED)
