"""Testing helpers: assert_close, the parity registry and shadow-torch (torch is imported lazily)."""
from __future__ import annotations

import numpy as np

from .registry import SPECS, TOLERANCES, OpSpec, load_all, register, run_spec
from .shadow_torch import ShadowReport, shadow
from .shadow_script import shadow_script


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True, msg=None):
    """Like torch.testing.assert_close: same shape (and dtype), values within tolerance."""
    a, e = _as_array(actual), _as_array(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    r, t = TOLERANCES.get(a.dtype.name, (0.0, 0.0))
    np.testing.assert_allclose(a, e, rtol=r if rtol is None else rtol, atol=t if atol is None else atol,
                               equal_nan=equal_nan, err_msg=msg or "")


def _as_array(x):
    if hasattr(x, "detach"):
        return np.asarray(x.detach().cpu().numpy())
    return np.asarray(x)


__all__ = ["SPECS", "OpSpec", "ShadowReport", "assert_close", "load_all", "register", "run_spec", "shadow",
           "shadow_script"]
