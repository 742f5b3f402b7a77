import numpy as np


def model(x):
    """Emitted by tensorswitch-transpile for numpy from a graph traced on ndarray.
    input 0: float32[32,12]
    output 0: float32[32]
    output 1: int64[32]
    output 2: int64[12]
    output 3: float32[]
    output 4: int64[32]
    output 5: int64[12]
    output 6: float32[1,12]
    output 7: bool[]
    """
    x = np.asarray(x, dtype=np.float32)
    if x.shape != (32, 12):
        raise ValueError("x: expected shape (32, 12), got " + str(x.shape))
    with np.errstate(all="ignore"):
        v1 = np.asarray(np.mean(x, axis=(0,), keepdims=True), dtype=np.float32).reshape((1, 12))
        v2 = np.asarray(np.std(x, axis=(0,), ddof=1.0, keepdims=True), dtype=np.float32).reshape((1, 12))
        v3 = np.asarray(np.subtract(x, v1), dtype=np.float32).reshape((32, 12))
        v4 = np.asarray(np.divide(v3, v2), dtype=np.float32).reshape((32, 12))
        v5 = np.asarray(np.max(v4, axis=(1,), keepdims=False), dtype=np.float32).reshape((32,))
        v6 = np.asarray(np.argmax(v4, axis=1, keepdims=False), dtype=np.int64).reshape((32,))
        v7 = np.array([1.0], dtype=np.float32).reshape(())
        v8 = np.asarray(np.greater(v4, v7), dtype=np.bool_).reshape((32, 12))
        v9 = np.asarray(np.count_nonzero(v8, axis=(0,), keepdims=False), dtype=np.int64).reshape((12,))
        v10 = np.asarray(np.var(x, axis=(0, 1), ddof=1.0, keepdims=False), dtype=np.float32).reshape(())
        v11 = np.where(np.isnan(x), 0, np.where(x <= -2147483648, -2147483648, np.where(x >= 2147483647, 2147483647, np.trunc(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)).astype(np.int32)))).astype(np.int32)
        v12 = np.array([-3], dtype=np.int32).reshape(())
        v13 = np.asarray(np.floor_divide(v11, v12), dtype=np.int32).reshape((32, 12))
        v14 = np.asarray(v13.astype(np.int64), dtype=np.int64).reshape((32, 12))
        v15 = np.asarray(np.sum(v14, axis=(1,), keepdims=False, dtype=np.int64), dtype=np.int64).reshape((32,))
        v16 = np.asarray(np.remainder(v11, v12), dtype=np.int32).reshape((32, 12))
        v17 = np.asarray(v16.astype(np.int64), dtype=np.int64).reshape((32, 12))
        v18 = np.asarray(np.prod(v17, axis=(0,), keepdims=False, dtype=np.int64), dtype=np.int64).reshape((12,))
        v19 = np.array([2.0], dtype=np.float32).reshape(())
        v20 = np.asarray(np.multiply(v1, v19), dtype=np.float32).reshape((1, 12))
        v21 = np.asarray(np.round(v20), dtype=np.float32).reshape((1, 12))
        v22 = np.asarray(np.negative(v7), dtype=np.float32).reshape(())
        v23 = np.asarray(np.less(v4, v22), dtype=np.bool_).reshape((32, 12))
        v24 = np.asarray(np.any(v23, axis=(0, 1), keepdims=False), dtype=np.bool_).reshape(())
    return (v5, v6, v9, v10, v15, v18, v21, v24)
