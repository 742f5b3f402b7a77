"""Cases of the group `errors` that belong to no op's rules: shapes no allocation can address,
sizes larger than any machine, devices no machine has. (Every other error case is written next
to the value cases of its op, by the same rules, in that op's group module; whichever module
writes a case that expects an error, it goes to cases/errors.json.)"""

from .common import *  # noqa: F401,F403

USIZE_MAX = 2**64 - 1
I64_MAX = 2**63 - 1


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


def gen_devices():
    # A device no machine has (cuda:7 is past the GPUs of any test machine) is an error,
    # never a panic.
    add_case("to_device/float32/missing", "to_device", [T(rand("float32", (2,)))],
             {"device": "cuda:7"}, err("Device"))


def generate():
    gen_absurd_sizes()
    gen_devices()
