"""gradcheck / gradgradcheck: analytical gradients against central finite differences."""
from __future__ import annotations

import numpy as np


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _numerical_jacobian(fn, inputs, i, eps):
    """d(flattened outputs)/d(inputs[i]) by central differences."""
    x = inputs[i]
    base = x._data
    cols = []
    for k in range(base.size):
        orig = base.flat[k]
        base.flat[k] = orig + eps
        plus = np.concatenate([o.detach()._data.reshape(-1).astype(np.float64) for o in _as_tuple(fn(*inputs))])
        base.flat[k] = orig - eps
        minus = np.concatenate([o.detach()._data.reshape(-1).astype(np.float64) for o in _as_tuple(fn(*inputs))])
        base.flat[k] = orig
        cols.append((plus - minus) / (2 * eps))
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def _analytical_jacobian(fn, inputs, i, create_graph=False):
    from .engine import grad
    outs = [o for o in _as_tuple(fn(*inputs))]
    rows = []
    for o in outs:
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            if not flat.requires_grad:
                rows.append(np.zeros(inputs[i].numel()))
                continue
            (g,) = grad(flat[k], inputs[i], retain_graph=True, allow_unused=True)
            rows.append(np.zeros(inputs[i].numel()) if g is None else g.detach()._data.reshape(-1).astype(np.float64))
    return np.stack(rows) if rows else np.zeros((0, inputs[i].numel()))


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Check gradients of `func` at `inputs` (float64 tensors requiring grad) numerically."""
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if not getattr(x, "requires_grad", False):
            continue
        if x.dtype.name != "float64":
            import warnings
            warnings.warn("Input #%d requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point. " % i)
        num = _numerical_jacobian(func, inputs, i, eps)
        ana = _analytical_jacobian(func, inputs, i)
        if num.shape != ana.shape or not np.allclose(ana, num, atol=atol, rtol=rtol):
            if raise_exception:
                raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                     f"numerical:{num}\nanalytical:{ana}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **_ignored) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) vector-Jacobian product."""
    from .. import ops
    from .engine import grad
    inputs = _as_tuple(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [ops.creation.tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True)
                        for o in outs]
    grad_outputs = _as_tuple(grad_outputs)

    def vjp(*args):
        xs, gos = args[:len(inputs)], args[len(inputs):]
        ys = _as_tuple(func(*xs))
        gs = grad(ys, [x for x in xs if getattr(x, "requires_grad", False)], gos, create_graph=True,
                  allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


class GradcheckError(RuntimeError):
    pass
