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


def _forward_jacobian(fn, inputs, i):
    """d(flattened outputs)/d(inputs[i]) by forward mode: column k is the outputs' tangent for the unit tangent
    e_k on input i."""
    from . import forward_ad
    x = inputs[i]
    cols = []
    for k in range(x.numel()):
        unit = np.zeros(x._data.size, dtype=x._data.dtype)
        unit[k] = 1
        with forward_ad.dual_level():
            dual = forward_ad.make_dual(x, x.new_tensor(unit.reshape(x._data.shape)))
            outs = _as_tuple(fn(*inputs[:i], dual, *inputs[i + 1:]))
            tangents = [forward_ad.unpack_dual(o).tangent for o in outs]
        cols.append(np.concatenate([np.zeros(o.numel()) if t is None else t._data.reshape(-1).astype(np.float64)
                                    for o, t in zip(outs, tangents)]))
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def _refuse_missing_checks(check_batched_grad, check_batched_forward_grad, masked):
    missing = [name for name, wanted in (("check_batched_grad", check_batched_grad),
                                         ("check_batched_forward_grad", check_batched_forward_grad)) if wanted]
    if missing:
        raise NotImplementedError(f"gradcheck: {', '.join(missing)} needs vmap's batching rules, which minitorch "
                                  "does not have yet")
    if masked:
        raise NotImplementedError("gradcheck: masked=True applies to sparse tensors, which minitorch does not have")


def _fail(message, raise_exception):
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check gradients of `func` at `inputs` (float64 tensors requiring grad) against central
    differences, as torch.autograd.gradcheck. Also, as torch does: the backward gives the same
    Jacobian twice (within `nondet_tol`), zero output gradients give zero input gradients, with
    `check_undefined_grad` the nodes handle missing output gradients, and with `check_grad_dtypes`
    each gradient has its input's dtype.
    `check_forward_ad` compares forward mode's Jacobian with the same differences.
    `fast_mode` runs the full check (stricter than torch's random projection)."""
    _refuse_missing_checks(check_batched_grad, check_batched_forward_grad, masked)
    inputs = _as_tuple(inputs)
    if check_forward_ad:
        for i, x in enumerate(inputs):
            if getattr(x, "requires_grad", False):
                num, fwd = _numerical_jacobian(func, inputs, i, eps), _forward_jacobian(func, inputs, i)
                if num.shape != fwd.shape or not np.allclose(fwd, num, atol=atol, rtol=rtol):
                    return _fail(f"Jacobian computed with forward mode mismatch for output 0 with respect to input "
                                 f"{i},\nnumerical:{num}\nanalytical:{fwd}\n", raise_exception)
    if not check_backward_ad:
        return True
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
            return _fail(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                         f"numerical:{num}\nanalytical:{ana}\n", raise_exception)
        again = _analytical_jacobian(func, inputs, i)
        if np.abs(again - ana).max(initial=0.0) > nondet_tol:
            return _fail(f"Backward is not reentrant, i.e., running backward with same input and grad_output "
                         f"multiple times gives different values, although analytical gradient matches "
                         f"numerical gradient. The tolerance for nondeterminism was {nondet_tol}.", raise_exception)
    message = _check_zero_grad_outputs(func, inputs, check_grad_dtypes, check_undefined_grad)
    return True if message is None else _fail(message, raise_exception)


def _check_zero_grad_outputs(func, inputs, check_dtypes, check_undefined):
    """What torch checks with output gradients of zero: the input gradients are zero (backward multiplies by
    the output gradient), of the inputs' dtypes; and, with `check_undefined`, each output's node given no
    output gradients at all (None, as a node sees when `set_materialize_grads(False)`) gives none or zeros."""
    from .engine import grad
    from .function import full_like
    wanted = [x for x in inputs if getattr(x, "requires_grad", False)]
    outs = [o for o in _as_tuple(func(*inputs)) if getattr(o, "requires_grad", False)]
    if not wanted or not outs:
        return None
    grads = grad(outs, wanted, [full_like(o, 0) for o in outs], retain_graph=True, allow_unused=True)
    for x, g in zip(wanted, grads):
        if g is not None and check_dtypes and g.dtype != x.dtype:
            return "Gradient has dtype mismatch"
        if g is not None and bool((g != 0).any()):
            return "backward not multiplied by grad_output"
    if check_undefined:
        for node in {o.grad_fn for o in outs if o.grad_fn is not None}:
            given = node._run_backward((None,) * node._n_outputs())  # a backward that fails raises, as in torch
            if any(g is not None and bool((g != 0).any()) for g in given):
                return "Expected all input grads to be undefined or zero when all output grads are undefined " \
                       "or zero. Please look at \"Notes about undefined output gradients\" in " \
                       "\"tools/autograd/derivatives.yaml\""
    return None


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) vector-Jacobian product.
    `gen_non_contig_grad_outputs` makes the random output gradients non-contiguous."""
    _refuse_missing_checks(check_batched_grad, False, masked)
    if not (check_rev_over_rev or check_fwd_over_rev):
        return True
    from .engine import grad
    inputs = _as_tuple(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [o.new_tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
        if gen_non_contig_grad_outputs:
            grad_outputs = [_non_contiguous(g) for g in grad_outputs]
    grad_outputs = _as_tuple(grad_outputs)

    def vjp(*args):
        xs, gos = args[:len(inputs)], args[len(inputs):]
        ys = _as_tuple(func(*xs))
        gs = grad(ys, [x for x in xs if getattr(x, "requires_grad", False)], gos, create_graph=True,
                  allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev)


def _non_contiguous(t):
    """The same values in memory with gaps (every other element of a doubled last dimension)."""
    if t.dim() == 0:
        return t
    from .grad_mode import no_grad
    wide = t.new_zeros(*t.shape[:-1], 2 * t.shape[-1])
    with no_grad():
        wide[..., ::2] = t
    return wide[..., ::2].detach().requires_grad_(t.requires_grad)


class GradcheckError(RuntimeError):
    pass
