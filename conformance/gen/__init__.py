"""The generator of the conformance data, one module per op group (see ../gen_cases.py)."""
