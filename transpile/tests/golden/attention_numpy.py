import numpy as np


def model(x, wk, wv):
    """Emitted by tensorswitch-transpile for numpy from a graph traced on ndarray.
    input 0: float32[8,16]
    constant wk: float32[16,16]
    constant wv: float32[16,16]
    output 0: float32[8,16]
    """
    x = np.asarray(x, dtype=np.float32)
    if x.shape != (8, 16):
        raise ValueError("x: expected shape (8, 16), got " + str(x.shape))
    wk = np.asarray(wk, dtype=np.float32)
    if wk.shape != (16, 16):
        raise ValueError("wk: expected shape (16, 16), got " + str(wk.shape))
    wv = np.asarray(wv, dtype=np.float32)
    if wv.shape != (16, 16):
        raise ValueError("wv: expected shape (16, 16), got " + str(wv.shape))
    with np.errstate(all="ignore"):
        v3 = np.asarray(np.matmul(x, wk), dtype=np.float32).reshape((8, 16))
        v4 = np.asarray(np.matmul(x, wv), dtype=np.float32).reshape((8, 16))
        v5 = np.array([0.25], dtype=np.float32).reshape(())
        v6 = np.asarray(np.swapaxes(v3, -1, -2), dtype=np.float32).reshape((16, 8))
        v7 = np.asarray(np.matmul(x, v6), dtype=np.float32).reshape((8, 8))
        v8 = np.asarray(np.multiply(v7, v5), dtype=np.float32).reshape((8, 8))
        v9 = np.array([True, False, False, False, False, False, False, False, True, True, False, False, False, False, False, False, True, True, True, False, False, False, False, False, True, True, True, True, False, False, False, False, True, True, True, True, True, False, False, False, True, True, True, True, True, True, False, False, True, True, True, True, True, True, True, False, True, True, True, True, True, True, True, True], dtype=np.bool_).reshape((8, 8))
        v10 = np.array([-1000000000.0], dtype=np.float32).reshape(())
        v11 = np.asarray(np.where(v9, v8, v10), dtype=np.float32).reshape((8, 8))
        v12 = np.asarray((lambda e: e / np.sum(e, axis=1, keepdims=True))(np.exp(v11 - np.max(v11, axis=1, keepdims=True))) if v11.shape[1] else v11, dtype=np.float32).reshape((8, 8))
        v13 = np.asarray(np.matmul(v12, v4), dtype=np.float32).reshape((8, 16))
    return v13
