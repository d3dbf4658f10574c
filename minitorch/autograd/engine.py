"""The backward engine: walks the graph from the roots in dependency order.

`steps(...)` is a generator that runs one node per step and yields what it did, so the
same code drives `backward()`, `autograd.grad()` and the step-through tools. There is
no recursion: a node runs once all the nodes that feed it gradients have run (ties go
to the most recently created node, as in torch), so arbitrarily deep graphs work.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from . import events
from . import function as F
from .grad_mode import state as _mode

_ndarray = np.ndarray


@dataclass
class Step:
    """One executed node: the gradients it received (per output) and returned (per input)."""

    node: object
    grad_outputs: tuple
    grad_inputs: tuple
    saved: tuple = ()       # (name, tensor) the node had saved, read before it ran
    ready: tuple = ()       # (node, its gradients so far) for the nodes ready to run next, in run order
    waiting: tuple = ()     # (node, its gradients so far) for nodes still waiting on other inputs


def _dependencies(roots):
    """Count, for each reachable node, how many edges point to it."""
    deps = {}
    starts = set(roots)
    stack = list(roots)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                count = deps.get(nxt)
                if count is None:  # reached for the first time: its own edges are still to count
                    deps[nxt] = 1
                    if nxt not in starts:
                        stack.append(nxt)
                else:
                    deps[nxt] = count + 1
    return deps


def _needed(roots, deps, targets):
    """Nodes from which some target is reachable (the rest need not run)."""
    order, remaining = [], dict(deps)
    ready = [r for r in roots if remaining.get(r, 0) == 0]
    seen = set()
    while ready:
        node = ready.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for nxt, _ in node.next_functions:
            if nxt is not None:
                remaining[nxt] -= 1
                if remaining[nxt] == 0:
                    ready.append(nxt)
    needed = set()
    for node in reversed(order):
        if node in targets or any(n in needed for n, _ in node.next_functions if n is not None):
            needed.add(node)
    return needed


def _sum_to_shape(array, shape):
    """Sum a broadcast gradient array down to `shape` (leading dims, then size-1 dims)."""
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1)
    out = array.sum(axis=axes, keepdims=True) if axes else array
    return out.reshape(shape)


def _shape_error(node, i, got, shape):
    return RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                        f"{list(got)} but expected shape compatible with {list(shape)}")


def _conform_array(node, i, data, meta):
    """A returned gradient array brought to its input's shape (summing broadcast dims) and dtype; None
    for an input of a dtype without gradients; torch's error naming the op when the shape cannot fit."""
    shape, dt = meta
    if data.shape != shape:
        if data.ndim < len(shape) or any(n != 1 and n != m for n, m in zip(shape[::-1], data.shape[::-1])):
            raise _shape_error(node, i, data.shape, shape)
        data = _sum_to_shape(data, shape)
    if data.dtype != dt.np:
        if not dt.is_floating_point:
            return None
        data = data.astype(dt.np)
    return data


def _check_grad(node, i, grad, meta):
    """Bring a returned gradient to its input's shape and dtype, or say which op erred."""
    if not _mode.enabled:
        data = _conform_array(node, i, grad._data, meta)
        return None if data is None else F.Tensor._wrap(data, grad._device)
    shape, dt = meta
    if grad._data.shape != shape:
        try:
            grad = grad.sum_to_size(shape)
        except (RuntimeError, ValueError):
            raise _shape_error(node, i, grad._data.shape, shape) from None
    if grad._dtype is not dt:
        if not dt.is_floating_point:
            return None
        grad = grad.to(dt)
    return grad


def _anomaly_check(node, grads):
    for i, g in enumerate(grads):
        if g is not None and g._dtype.is_floating_point and bool(g._device.backend.xp.isnan(g._data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


_final_callbacks: list = []  # one list per backward pass in progress (innermost last)


def queue_callback(callback) -> None:
    """Run `callback()` once the backward pass now in progress has finished (torch's
    `Variable._execution_engine.queue_callback`); gradient hooks use it to act on a whole pass."""
    if not _final_callbacks:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks[-1].append(callback)


def steps(roots, grad_roots, retain_graph=False, create_graph=False, inputs=None, accumulate=True, record=True):
    """Run backward from `roots` (tensors) seeded with `grad_roots`, one node per step.

    inputs: tensors whose gradients are wanted (only paths leading there run).
    accumulate: add into leaves' `.grad` (backward) or capture the gradients (grad).
    record: yield a Step per node (the step-through tools); backward() and grad() turn it off.
    The generator's return value is the list of captured gradients, one per input.
    """
    buffers, root_nodes = _seed(roots, grad_roots)   # node -> gradients per output, summed over consumers
    deps = _dependencies(root_nodes)                 # node -> edges still to deliver a gradient to it
    captures, needed = _plan(inputs, root_nodes, deps)
    captured = [None] * (0 if inputs is None else len(inputs))
    ready = [(-n._seq_nr, id(n), n) for n in root_nodes if deps.get(n, 0) == 0]
    heapq.heapify(ready)                             # the newest node first, as in torch
    prev_mode = _mode.enabled
    if not record:  # nothing runs between nodes: backward's grad mode can stay on for the whole loop
        _mode.enabled = create_graph
    callbacks = []
    _final_callbacks.append(callbacks)
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            grads = buffers.pop(node, None) or [None] * node._n_outputs()
            if node._tensor_hooks or node._retained:
                grads = _apply_tensor_hooks(node, grads)
            if captures:
                _capture(node, grads, captures, captured)
            grad_inputs, saved = (), ()
            if _should_run(node, grads, needed, accumulate):
                if record:  # what the step shows: read before the node frees it
                    saved = tuple(node._tensors_saved())
                grads, grad_inputs = _run_node(node, grads, record, create_graph, prev_mode, retain_graph)
            _pass_on(node, grad_inputs, buffers, deps, ready, create_graph)
            if record:
                yield _step(node, grads, grad_inputs, saved, ready, buffers)
        _mode.enabled = prev_mode
        for callback in callbacks:  # a callback may queue more: they run too
            callback()
    finally:
        _mode.enabled = prev_mode
        if len(_final_callbacks) == 1:  # only the outermost pass: a grad() nested in a backward keeps its record
            F.handed_arrays.clear()
        _final_callbacks.remove(callbacks)  # steppers may end in any order
    return captured


def run_arrays(roots, grad_roots, retain_graph=False, inputs=None, accumulate=True):
    """backward() and grad() when no graph of the gradient is wanted: `steps`' order and semantics, with
    the gradients kept as backend arrays between nodes. A node with a `backward_arrays` and no hooks runs
    on arrays alone; a Tensor is made only where one is seen (a leaf's .grad, a hook, a captured
    gradient, a node with a Tensor backward). Returns the captured gradients, one per input."""
    buffers, root_nodes = _seed(roots, grad_roots)
    for node, buf in buffers.items():
        buffers[node] = [None if g is None else g._data for g in buf]
    deps = _dependencies(root_nodes)
    captures, needed = _plan(inputs, root_nodes, deps)
    captured = [None] * (0 if inputs is None else len(inputs))
    ready = [(-n._seq_nr, id(n), n) for n in root_nodes if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    prev_mode, _mode.enabled = _mode.enabled, False
    callbacks = []
    _final_callbacks.append(callbacks)
    try:
        while ready:
            node = pop(ready)[2]
            grads = buffers.pop(node, None)
            grad_inputs = None
            if grads is not None and (needed is None or node in needed):
                fast = node.backward_arrays
                if fast is None or captures or node._has_hooks:
                    grad_inputs = _run_node_on_tensors(node, grads, captures, captured, accumulate, retain_graph)
                else:
                    grad_inputs = _run_node_on_arrays(node, fast, grads)
                    if not retain_graph:
                        node._free()
            if grad_inputs:
                for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                    if nxt is None:
                        continue
                    if g is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt._n_outputs()
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                    count = deps[nxt] - 1
                    deps[nxt] = count
                    if count == 0:
                        push(ready, (-nxt._seq_nr, id(nxt), nxt))
            else:
                for nxt, _ in node.next_functions:
                    if nxt is not None:
                        count = deps[nxt] - 1
                        deps[nxt] = count
                        if count == 0:
                            push(ready, (-nxt._seq_nr, id(nxt), nxt))
        _mode.enabled = prev_mode
        for callback in callbacks:
            callback()
    finally:
        _mode.enabled = prev_mode
        if len(_final_callbacks) == 1:
            F.handed_arrays.clear()
        _final_callbacks.remove(callbacks)
    return captured


def _on_arrays(create_graph) -> bool:
    """Whether a pass can run on arrays: no graph of the gradient, no anomaly checks, no profiler or
    other observer of the nodes' backward calls (those see `steps`, node by node)."""
    return not create_graph and not _mode.anomaly and not events.observing()


def _run_node_on_arrays(node, fast, grads):
    """A hook-free node's backward_arrays on its gradient arrays, the results conformed to the inputs."""
    if len(grads) == 1:
        out = fast(node, grads[0])
    else:
        if F._has_none(grads):
            grads = [node._out_meta[i][2].backend.xp.zeros(m[0], m[1].np) if g is None else g
                     for i, (g, m) in enumerate(zip(grads, node._out_meta))]
        out = fast(node, *grads)
    if type(out) is not tuple:
        out = (out,)
    meta = node._in_meta
    if len(out) != len(meta):  # as many as the node has inputs (the engine zips them with the edges)
        out = out[:len(meta)] if len(out) > len(meta) else out + (None,) * (len(meta) - len(out))
    conformed = out
    for i, g in enumerate(out):
        if g is not None:
            m = meta[i]
            if g.__class__ is not _ndarray:  # a NumPy scalar from a reduction, or a device array
                g = node._out_meta[0][2].backend.xp.asarray(g)
            elif m is not None and g.shape == m[0] and g.dtype is m[1].np:
                continue
            if m is not None:
                g = _conform_array(node, i, g, m)
            if conformed is out:
                conformed = list(out)
            conformed[i] = g
    return conformed


def _run_node_on_tensors(node, grads, captures, captured, accumulate, retain_graph):
    """A node as `steps` runs it (tensor hooks, captures, pre- and post-hooks, a Tensor backward), its
    gradients wrapped on the way in and unwrapped on the way out."""
    device = _grad_device(node)
    grads = [None if g is None else F.Tensor._wrap(g, device) for g in grads]
    if node._tensor_hooks or node._retained:
        grads = _apply_tensor_hooks(node, grads)
    if captures:
        _capture(node, grads, captures, captured)
    if not _should_run(node, grads, None, accumulate):
        return ()
    _, grad_inputs = _run_node(node, grads, False, False, False, retain_graph)
    return [None if g is None else g._data for g in grad_inputs]


def _grad_device(node):
    """The device of the gradients a node receives."""
    if node._is_sink:
        return node.variable._device
    meta = getattr(node, "_out_meta", None)
    if meta:
        return meta[0][2]
    from ..device import CPU
    return CPU


def _seed(roots, grad_roots):
    """The buffers holding each root's seed gradient, and the root nodes (a leaf root is its AccumulateGrad)."""
    buffers, root_nodes = {}, []
    for t, g in zip(roots, grad_roots):
        node = t._grad_fn if t._grad_fn is not None else t._accumulator()
        buf = buffers.setdefault(node, [None] * node._n_outputs())
        nr = t._output_nr if t._grad_fn is not None else 0
        buf[nr] = g if buf[nr] is None else buf[nr] + g
        if node not in root_nodes:
            root_nodes.append(node)
    return buffers, root_nodes


def _plan(inputs, root_nodes, deps):
    """For grad(): where each wanted gradient is caught ((node, output_nr) -> position), and the nodes
    that lead to one (the others need not run). For backward(): nothing to catch, every node runs."""
    if inputs is None:
        return {}, None
    captures = {}
    for pos, t in enumerate(inputs):
        key = (t._grad_fn, t._output_nr) if t._grad_fn is not None else (t._accumulator(), 0)
        captures[key] = pos
    return captures, _needed(root_nodes, deps, {node for node, _ in captures})


def _capture(node, grads, captures, captured):
    for (cap_node, nr), pos in captures.items():
        if cap_node is node:
            captured[pos] = grads[nr]


def _should_run(node, grads, needed, accumulate) -> bool:
    """A node runs when it leads somewhere wanted and received a gradient; sinks only when accumulating."""
    if needed is not None and node not in needed:
        return False
    if grads[0] is None and not any(g is not None for g in grads):
        return False
    return accumulate or not node._is_sink


def _run_node(node, grads, record, create_graph, prev_mode, retain_graph):
    """Pre-hooks, the node's backward (in the pass's grad mode), the checks on what it returned, post-hooks,
    and freeing what it saved. Returns the (possibly pre-hooked) incoming and the outgoing gradients."""
    if node._pre_hooks:
        for fn in list(node._pre_hooks.values()):
            out = fn(tuple(grads))
            if out is not None:
                grads = list(out)
    try:
        if record:  # the caller's code runs between steps, in its own grad mode
            _mode.enabled = create_graph
            try:
                grad_inputs = node._run_backward(tuple(grads))
            finally:
                _mode.enabled = prev_mode
        else:
            grad_inputs = node._run_backward(tuple(grads))
        if not node._is_sink:
            grad_inputs = _conform(node, grad_inputs)
        if _mode.anomaly and _mode.check_nan:
            _anomaly_check(node, grad_inputs)
    except Exception:
        if _mode.anomaly and node._trace:  # as torch: the forward call that made the failing node, as a warning
            import warnings
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                          f"{node._trace}", stacklevel=2)
        raise
    if node._hooks:
        for fn in list(node._hooks.values()):
            out = fn(grad_inputs, tuple(grads))
            if out is not None:
                grad_inputs = tuple(out)
    if not retain_graph:
        node._free()
    return grads, grad_inputs


def _pass_on(node, grad_inputs, buffers, deps, ready, create_graph):
    """Add each outgoing gradient into the buffer of the node it goes to; a node whose every incoming
    edge has delivered becomes ready."""
    for i, (nxt, nr) in enumerate(node.next_functions):
        if nxt is None:
            continue
        g = grad_inputs[i] if grad_inputs else None
        if g is not None:
            buf = buffers.get(nxt)
            if buf is None:
                buf = buffers[nxt] = [None] * nxt._n_outputs()
            if buf[nr] is None:
                buf[nr] = g
            elif create_graph:
                buf[nr] = buf[nr] + g
            else:  # no graph wanted: add the arrays, skipping op dispatch
                buf[nr] = F.Tensor._wrap(buf[nr]._data + g._data, g._device)
        deps[nxt] -= 1
        if deps[nxt] == 0:
            heapq.heappush(ready, (-nxt._seq_nr, id(nxt), nxt))


def _step(node, grads, grad_inputs, saved, ready, buffers) -> Step:
    """What a step-through tool sees after a node: its gradients in and out, what it saved, the frontier."""
    queued = {n for _, _, n in ready}
    return Step(node, tuple(grads), tuple(grad_inputs), saved,
                tuple((n, tuple(buffers.get(n) or ())) for _, _, n in sorted(ready)),
                tuple((n, tuple(b)) for n, b in buffers.items() if n not in queued))


def _conform(node, grad_inputs):
    """Check each returned gradient against its input's shape and dtype (fixing what can be fixed)."""
    meta = node._in_meta
    for i, g in enumerate(grad_inputs):
        if g is not None:
            m = meta[i]
            if m is not None and (g._data.shape != m[0] or g._dtype is not m[1]):
                grad_inputs = list(grad_inputs)
                grad_inputs[i] = _check_grad(node, i, g, m)
    return tuple(grad_inputs)


def _apply_tensor_hooks(node, grads):
    """Run Tensor.register_hook hooks and retain_grad for the node's outputs."""
    if node._tensor_hooks and not isinstance(node, F.AccumulateGrad):
        for nr, hooks in node._tensor_hooks.items():
            if grads[nr] is not None:
                for fn in list(hooks.values()):
                    out = fn(grads[nr])
                    if out is not None:
                        grads[nr] = out
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr]
                if t._grad is None:
                    t._grad = g if _mode.enabled else g.detach().clone()
                else:
                    t._grad = t._grad + g
    return grads


def run(gen):
    """Drive a step generator to the end and return its result."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def _make_grads(outputs, grad_outputs):
    result = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out._dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out._dtype}")
            g = F.full_like(out, 1)
        else:
            if not isinstance(g, F.Tensor):
                g = F.full_like(out, g)
            if g.shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and "
                                   f"output[0] has a shape of {out.shape}.")
            F.handed_arrays.add(id(g._data))  # the caller's tensor: never adopt it as a leaf's .grad
        result.append(g)
    return result


def _as_list(x):
    if x is None:
        return None
    return [x] if isinstance(x, F.Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' `.grad` (torch.autograd.backward);
    `grad_variables` is the deprecated name of `grad_tensors`."""
    if grad_variables is not None:
        import warnings
        warnings.warn("'grad_variables' is deprecated. Use 'grad_tensors' instead.", FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both passed to "
                               "backward(). Please only use 'grad_tensors'.")
        grad_tensors = grad_variables
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    for t in tensors:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_list(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    grads = _make_grads(tensors, grads)
    if _on_arrays(create_graph):
        run_arrays(tensors, grads, retain_graph, inputs=inputs)
    else:
        run(steps(tensors, grads, retain_graph, create_graph, inputs=inputs, record=False))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching `.grad` (torch.autograd.grad).

    is_grads_batched: each grad_output has a leading batch dim; the result is the gradient for each
    batch entry, stacked (torch computes them with vmap; here one backward pass per entry)."""
    if not only_inputs:  # as torch: the argument is deprecated, and gradients go to the inputs only
        import warnings
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", stacklevel=2)
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grads = _as_list(grad_outputs) or [None] * len(outputs)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grads, retain_graph, create_graph, allow_unused, materialize_grads)
    for t in outputs:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    for i, t in enumerate(inputs):
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _make_grads(outputs, grads)
    if _on_arrays(create_graph):
        result = run_arrays(outputs, grads, retain_graph, inputs=inputs, accumulate=False)
    else:
        result = run(steps(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False, record=False))
    out = []
    for t, g in zip(inputs, result):
        if g is None:
            if materialize_grads:
                g = F.full_like(t, 0)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in "
                                   "the graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return tuple(out)


def _batched_grad(outputs, inputs, grads, retain_graph, create_graph, allow_unused, materialize_grads):
    if any(g is None for g in grads):
        raise RuntimeError("is_grads_batched=True needs a grad_output for every output")
    n = grads[0].shape[0]
    per_entry = [grad(outputs, inputs, [g[b] for g in grads], retain_graph=True, create_graph=create_graph,
                      allow_unused=allow_unused, materialize_grads=materialize_grads) for b in range(n)]
    return tuple(None if rows[0] is None else stack_rows(list(rows), create_graph) for rows in zip(*per_entry))


def stack_rows(rows, create_graph: bool):
    """Tensors of one shape stacked along a new first dim; under create_graph the stacking is itself
    differentiable (Σ_k e_k ⊗ row_k, with e_k the k-th unit vector), without needing the ops."""
    first = rows[0]
    xp, device = first._device.backend.xp, first._device
    if not create_graph:
        return F.Tensor._wrap(xp.stack([r._data for r in rows]), device)
    total = None
    for k, row in enumerate(rows):
        unit = xp.zeros((len(rows),) + (1,) * row.dim(), dtype=row._data.dtype)
        unit[k] = 1
        term = F.Tensor._wrap(unit, device) * row.unsqueeze(0)
        total = term if total is None else total + term
    return total
