"""torch.autograd.functional: derivatives of a whole function, by the reverse-mode engine.

    jacobian(f, x)         d f(x) / d x, shape f(x).shape + x.shape
    hessian(f, x)          the jacobian of the gradient of a scalar f
    vjp(f, x, v)           vᵀ J   (one backward pass)
    jvp(f, x, v)           J v    (the "double backward" trick: the vjp's own vjp)
    vhp / hvp(f, x, v)     vᵀ H and H v of a scalar f

`inputs` is a tensor or a tuple of tensors; results mirror its shape (and the output's). The
function runs on copies of the inputs that require grad, so the caller's tensors are untouched;
without `create_graph` the results are detached. `strict=True` refuses outputs independent of
an input (torch's error); otherwise their derivatives are zeros.
"""
from __future__ import annotations

from . import engine
from . import function as F
from .grad_mode import enable_grad


def _as_tuple(x, arg_name: str, fn_name: str):
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, item in enumerate(items):
        if not isinstance(item, F.Tensor):
            where = f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
            raise TypeError(f"{where} value at index {i} has type {type(item)}." if is_tuple
                            else f"{where} given {arg_name} has type {type(item)}.")
    return is_tuple, items


def _prepare(inputs, create_graph: bool):
    """Inputs the function can be differentiated at: views that keep the caller's graph under
    create_graph, detached copies otherwise."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                 for x in inputs)


def _finish(items, create_graph: bool, is_tuple: bool):
    items = tuple(t if create_graph or t is None else t.detach() for t in items)
    return items if is_tuple else items[0]


def _grads(outputs, inputs, grad_outputs, create_graph: bool, strict: bool, what: str):
    """d(Σ grad_outputs · outputs)/d inputs, with zeros (or, in strict mode, torch's error) for inputs
    the outputs do not depend on."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if pairs:
        got = engine.grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                          create_graph=create_graph, allow_unused=True)
    else:
        got = (None,) * len(inputs)
    result = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.")
            g = F.full_like(x, 0)
        result.append(g)
    return tuple(result)


def _call(func, inputs, fn_name: str):
    with enable_grad():
        out = func(*inputs)
    is_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", fn_name)
    return out, is_tuple, outputs


def _check_v(v, like, arg_name: str, fn_name: str):
    """The vector v, or ones where `like` is a single element (torch lets v be omitted then)."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {arg_name} to the user-provided function "
                               "is a single Tensor with a single element.")
        return (F.full_like(like[0], 1),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}.")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {b.shape} but got {a.shape}.")
    return vs


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), vᵀ J): the vector-Jacobian product at `inputs`."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _prepare(inputs, create_graph)
    out, out_tuple, outputs = _call(func, inputs, "vjp")
    vs = _check_v(v, outputs, "output", "vjp")
    grads = _grads(outputs, inputs, vs, create_graph, strict, "output")
    return _finish(outputs, create_graph, out_tuple), _finish(grads, create_graph, is_tuple)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, as the vjp of the vjp (u ↦ uᵀ J is linear in u,
    so differentiating it with respect to u along v gives J v)."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _prepare(inputs, create_graph)
    vs = _check_v(v, inputs, "input", "jvp")
    out, out_tuple, outputs = _call(func, inputs, "jvp")
    dummies = tuple(F.full_like(o, 0).requires_grad_(True) for o in outputs)
    grads = _grads(outputs, inputs, dummies, True, strict, "output")
    jv = _grads(grads, dummies, vs, create_graph, strict, "backward of the output")
    return _finish(outputs, create_graph, out_tuple), _finish(jv, create_graph, out_tuple)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """d func / d inputs: for one input and one output a tensor of shape output.shape + input.shape;
    tuples of either give (nested) tuples. Computed one output element at a time (a backward each);
    `vectorize` only changes how torch batches those passes, so the result is the same here."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                         'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                         'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                               'not supported together (yet). Please either set `strict=False` or '
                               '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _prepare(inputs, create_graph)
    if strategy == "forward-mode":
        return _forward_jacobian(func, inputs, is_tuple, create_graph)
    out, out_tuple, outputs = _call(func, inputs, "jacobian")
    blocks = []
    for i, o in enumerate(outputs):
        rows = [[] for _ in inputs]
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            if o.requires_grad:
                got = engine.grad([flat[k]], inputs, retain_graph=True, create_graph=create_graph,
                                  allow_unused=True)
            else:
                got = (None,) * len(inputs)
            for j, (g, x) in enumerate(zip(got, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                           f"{j}. This is not allowed in strict mode.")
                    g = F.full_like(x, 0)
                rows[j].append(g)
        block = tuple(_stack(r, o, x, create_graph) for r, x in zip(rows, inputs))
        blocks.append(_finish(block, create_graph, is_tuple))
    return tuple(blocks) if out_tuple else blocks[0]


def _forward_jacobian(func, inputs, is_tuple, create_graph):
    """The Jacobian one column at a time by forward mode: the outputs' tangents for a unit tangent on
    each input element."""
    from . import forward_ad
    columns = [[] for _ in inputs]   # per input: per element, the outputs' tangents
    outputs = out_tuple = None
    for j, x in enumerate(inputs):
        for k in range(x.numel()):
            with forward_ad.dual_level():
                duals = []
                for i, y in enumerate(inputs):
                    unit = F.full_like(y, 0)
                    if i == j:
                        unit.view(-1)[k] = 1
                    duals.append(forward_ad.make_dual(y, unit))
                out, out_tuple, outputs = _call(func, tuple(duals), "jacobian")
                tangents = [forward_ad.unpack_dual(o).tangent for o in outputs]
            columns[j].append([F.full_like(o, 0) if t is None else t for o, t in zip(outputs, tangents)])
    if outputs is None:  # no input elements: the function's outputs still set the shapes
        out, out_tuple, outputs = _call(func, inputs, "jacobian")
    blocks = []
    for i, o in enumerate(outputs):
        block = tuple(_columns([c[i] for c in cols], o, x, create_graph) for cols, x in zip(columns, inputs))
        block = _finish(block, create_graph, is_tuple)
        blocks.append(list(block) if is_tuple else block)  # torch's forward-mode Jacobians nest lists
    return blocks if out_tuple else blocks[0]


def _columns(cols, output, input, create_graph: bool):
    """One (output, input) block from its columns (one per input element, each shaped like the output)."""
    shape = tuple(output.shape) + tuple(input.shape)
    if not cols:
        return F.Tensor._wrap(input._device.backend.xp.zeros(shape, dtype=input._data.dtype), input._device)
    stacked = engine.stack_rows(cols, create_graph)              # input.numel() x output.shape
    moved = stacked.reshape(len(cols), -1).t() if output.dim() else stacked.reshape(len(cols))
    return moved.reshape(*shape)


def _stack(rows, output, input, create_graph: bool):
    """One (output, input) block of the Jacobian: its rows stacked to output.shape + input.shape."""
    shape = tuple(output.shape) + tuple(input.shape)
    if not rows:
        return F.Tensor._wrap(input._device.backend.xp.zeros(shape, dtype=input._data.dtype), input._device)
    return engine.stack_rows(rows, create_graph).reshape(*shape)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The matrix of second derivatives of a scalar func: the jacobian of its gradient."""
    is_tuple, items = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, F.Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single "
                               "element")
        grads = _grads((out,), xs, (F.full_like(out, 1),), True, strict, "output")
        return grads if is_tuple else grads[0]
    return jacobian(gradient, inputs if is_tuple else items[0], create_graph, strict, vectorize,
                    outer_jacobian_strategy)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), vᵀ H) for a scalar func."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar func (H is symmetric, so this equals vᵀ H)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    is_tuple, items = _as_tuple(inputs, "inputs", name)
    items = _prepare(items, create_graph)
    vs = _check_v(v, items, "input", name)
    out, _, outputs = _call(func, items, name)
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The function given to {name} should return a single Tensor with a single element")
    grads = _grads(outputs, items, (F.full_like(outputs[0], 1),), True, strict, "output")
    product = _grads(grads, items, vs, create_graph, strict, "jacobian")
    return _finish(outputs, create_graph, False), _finish(product, create_graph, is_tuple)
