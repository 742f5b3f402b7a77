import numpy as np


def model(x, w1, b1, w2, b2):
    """Emitted by tensorswitch-transpile for numpy from a graph traced on ndarray.
    input 0: float32[64,256]
    constant w1: float32[256,64]
    constant b1: float32[64]
    constant w2: float32[64,10]
    constant b2: float32[10]
    output 0: float32[64,10]
    """
    x = np.asarray(x, dtype=np.float32)
    if x.shape != (64, 256):
        raise ValueError("x: expected shape (64, 256), got " + str(x.shape))
    w1 = np.asarray(w1, dtype=np.float32)
    if w1.shape != (256, 64):
        raise ValueError("w1: expected shape (256, 64), got " + str(w1.shape))
    b1 = np.asarray(b1, dtype=np.float32)
    if b1.shape != (64,):
        raise ValueError("b1: expected shape (64,), got " + str(b1.shape))
    w2 = np.asarray(w2, dtype=np.float32)
    if w2.shape != (64, 10):
        raise ValueError("w2: expected shape (64, 10), got " + str(w2.shape))
    b2 = np.asarray(b2, dtype=np.float32)
    if b2.shape != (10,):
        raise ValueError("b2: expected shape (10,), got " + str(b2.shape))
    with np.errstate(all="ignore"):
        v5 = np.asarray(np.matmul(x, w1), dtype=np.float32).reshape((64, 64))
        v6 = np.asarray(np.add(v5, b1), dtype=np.float32).reshape((64, 64))
        v7 = np.asarray(np.tanh(v6), dtype=np.float32).reshape((64, 64))
        v8 = np.asarray(np.matmul(v7, w2), dtype=np.float32).reshape((64, 10))
        v9 = np.asarray(np.add(v8, b2), dtype=np.float32).reshape((64, 10))
        v10 = np.asarray((lambda e: e / np.sum(e, axis=1, keepdims=True))(np.exp(v9 - np.max(v9, axis=1, keepdims=True))) if v9.shape[1] else v9, dtype=np.float32).reshape((64, 10))
    return v10
