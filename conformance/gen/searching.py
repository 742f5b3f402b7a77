"""The cases of the searching ops (group `reductions`): argwhere (the coordinates of the
non-zero elements, which the standard's `nonzero` splits into one tensor per dimension) and
searchsorted.

argwhere: NaN counts as non-zero (as NumPy's); a 0-D input is refused (the standard's nonzero
must raise for it). searchsorted: dtypes are promoted by tensorswitch's rules; NaN order is
unspecified by the standard, so no case puts NaN in the sorted input.
"""

from .common import *  # noqa: F401,F403

STRIDED = [
    "argwhere/float32/2d",
    "argwhere/int32/3d",
    "searchsorted/float32/2d_queries",
]


def argwhere_case(name, x, expected=None):
    cid = f"argwhere/{name}"
    x = resolve(cid, x)
    if expected is None:
        expected = np.argwhere(x).astype("int64")
    add_case(cid, "argwhere", [T(x)], {}, expected)


def search_case(name, x1, x2, side="left", expected=None):
    cid = f"searchsorted/{name}"
    x1, x2 = resolve(cid, x1, x2)
    if expected is None:
        d = promote(x1.dtype.name, x2.dtype.name)
        assert d is not None and d != "bool", cid
        expected = np.searchsorted(x1.astype(d), x2.astype(d), side=side).astype("int64")
    add_case(cid, "searchsorted", [T(x1), T(x2)], {"side": side}, expected)


def gen_argwhere():
    argwhere_case("float32/2d", rand("float32", (3, 4)).round())
    argwhere_case("int32/3d", rand("int32", (2, 3, 2), -1, 1))
    argwhere_case("bool/1d", rand("bool", (7,)))
    argwhere_case("float64/special", arr([0.0, -0.0, np.nan, np.inf, 1e-300, 0.0], "float64"))
    argwhere_case("uint8/all_zero", np.zeros((2, 3), "uint8"))
    argwhere_case("int64/all_nonzero", arr([[5, -1], [2, 9]], "int64"))
    argwhere_case("float32/empty", np.zeros((0, 3), "float32"))
    argwhere_case("float32/0d", arr(1.0, "float32"), err("InvalidShape"))


def gen_searchsorted():
    sorted_f = arr([-2.5, -1.0, 0.0, 0.0, 1.5, 3.0], "float32")
    search_case("float32/left", sorted_f, arr([-3.0, 0.0, 0.5, 3.0, 4.0], "float32"))
    search_case("float32/right", sorted_f, arr([-3.0, 0.0, 0.5, 3.0, 4.0], "float32"), "right")
    search_case("float32/2d_queries", sorted_f, rand("float32", (2, 3)).round())
    search_case("int64/repeats_left", arr([1, 2, 2, 2, 5], "int64"), arr([[2, 0], [5, 6]], "int64"))
    search_case("int64/repeats_right", arr([1, 2, 2, 2, 5], "int64"), arr([[2, 0], [5, 6]], "int64"), "right")
    search_case("uint8_int16/promotes", arr([0, 10, 200], "uint8"), arr([-5, 10, 300], "int16"), "right")
    search_case("float64/0d_query", arr([0.5, 1.5], "float64"), arr(1.0, "float64"))
    search_case("float64/infinities", arr([-np.inf, 0.0, np.inf], "float64"), arr([-np.inf, np.inf], "float64"))
    search_case("int32/empty_sorted", np.zeros((0,), "int32"), arr([1, 2], "int32"))
    search_case("int32/empty_queries", arr([1, 2], "int32"), np.zeros((0, 2), "int32"))
    search_case("float32/2d_sorted", rand("float32", (2, 2)), arr([1.0], "float32"), "left", err("InvalidShape"))
    search_case("bool/invalid", arr([False, True], "bool"), arr([True], "bool"), "left", err("InvalidDType"))
    search_case("int64_uint64/no_promotion", arr([1, 2], "int64"), arr([1], "uint64"), "left", err("NoPromotion"))




# ---------------------------------------------------------------------------------------------
# the set functions: cases/unique.json, run by checks/indexing.rs through unique_values,
# unique_counts, unique_inverse and unique_all (composites, not catalogue ops). Expected values
# are NumPy 2's unique_all (equal_nan=False: every NaN is a value of its own). Inputs are written
# out (no random draws: these are not cases of the op suite).

UNIQUE_CASES = []


def unique_case(name, x):
    x = np.asarray(x)
    r = np.unique_all(x)
    UNIQUE_CASES.append({
        "id": f"unique/{name}", "x": encode(x),
        "values": encode(r.values),
        "indices": encode(r.indices.astype("int64")),
        "inverse_indices": encode(r.inverse_indices.astype("int64").reshape(x.shape)),
        "counts": encode(r.counts.astype("int64")),
    })


def gen_unique():
    unique_case("int32/1d", arr([3, 1, 2, 3, 3, -7, 1], "int32"))
    unique_case("int64/2d", arr([[5, 5, 0], [2, 0, 5]], "int64"))
    unique_case("float32/nans_distinct", arr([1.5, np.nan, -2.0, np.nan, 1.5, np.inf], "float32"))
    unique_case("float64/3d", arr(np.arange(24).reshape(2, 3, 4) % 5 * 0.5, "float64"))
    unique_case("bool/1d", arr([True, False, True, True], "bool"))
    unique_case("uint8/all_equal", arr([7, 7, 7], "uint8"))
    unique_case("int16/distinct", arr([4, -1, 3], "int16"))
    unique_case("float32/0d", arr(2.5, "float32"))
    unique_case("float32/empty", np.zeros((0, 3), "float32"))
    unique_case("uint64/large", arr([2**64 - 1, 0, 2**63, 2**64 - 1], "uint64"))


def write_unique_table():
    import os
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cases", "unique.json")
    text = ('{"generator":"conformance/gen/searching.py","numpy":"%s","cases":[\n%s\n]}\n'
            % (np.__version__, ",\n".join(dump(c) for c in UNIQUE_CASES)))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate():
    gen_argwhere()
    gen_searchsorted()
    add_strided(STRIDED)
    gen_unique()
    write_unique_table()
