"""Default comparison tolerances by dtype (those of torch.testing.assert_close)."""
import numpy as np

_DEFAULTS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
             np.dtype(np.float64): (1e-7, 1e-7)}


def default_tolerances(dtype):
    return _DEFAULTS.get(np.dtype(dtype), (0.0, 0.0))
