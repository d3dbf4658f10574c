"""Function transforms (torch.func): derivatives and batching as functions of functions.

    grad(f)(x)            ∇f(x) for a scalar f
    vjp(f, x)             (f(x), u ↦ uᵀJ)            -- reverse mode
    jvp(f, (x,), (v,))    (f(x), J v)                 -- forward mode
    jacrev(f), jacfwd(f)  the Jacobian, row by row (reverse) or column by column (forward)
    hessian(f)            jacfwd(jacrev(f))
    vmap(f)(xs)           f applied to each slice of xs along a dim, the results stacked

They are built on the autograd engine and forward_ad: grad wraps each input in a fresh leaf (an alias
that requires grad), runs f and asks the engine for the gradient; nested transforms keep the inner graph
(create_graph) so the outer one can differentiate it. vmap runs f once per slice and stacks the results,
which is torch's own fallback for ops without a batching rule, here used for every op: the same results
as torch's, at the speed of a Python loop over the batch.
"""
from __future__ import annotations

import contextlib
import functools

from . import random as _random
from .autograd import batched as _batched, forward_ad as _fwad
from .autograd.engine import grad as _autograd_grad
from .autograd.grad_mode import enable_grad, state as _mode
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]


@contextlib.contextmanager
def _transform():
    _mode.transforms += 1  # inner transforms keep their graph for the outer ones
    try:
        yield
    finally:
        _mode.transforms -= 1


# ---- trees of arguments (tuples, lists and dicts of tensors) ----------------------------------

def _flatten(tree) -> tuple[list, object]:
    """The leaves of a tuple/list/dict tree, and a spec to rebuild it."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub, spec = _flatten(item)
            leaves += sub
            specs.append((len(sub), spec))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = _flatten(list(tree.values()))
        return leaves, (dict, (list(tree.keys()), specs))
    return [tree], None


def _unflatten(leaves, spec):
    if spec is None:
        return leaves[0]
    kind, specs = spec
    if kind is dict:
        keys, inner = specs
        return dict(zip(keys, _unflatten(leaves, inner)))
    out, at = [], 0
    for n, sub in specs:
        out.append(_unflatten(leaves[at:at + n], sub))
        at += n
    return kind(*out) if hasattr(kind, "_fields") else kind(out)  # a named tuple: torch.return_types.max, ...


def _check_tensors(leaves, api):
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")


# ---- reverse mode ----------------------------------------------------------------------------

def _keep_graph(fresh_leaves) -> bool:
    """Whether the derivative must itself be differentiable: inside another transform, for inputs that
    already take part in a graph (their fresh leaves are views with a node), or in forward mode (tangents
    cross a backward only through its graph)."""
    return _mode.transforms > 1 or _mode.forward_ad or any(t._grad_fn is not None for t in fresh_leaves)


def _fresh_leaf(t: Tensor) -> Tensor:
    """An alias of `t` that the transform differentiates against: it keeps t's graph (an outer grad
    differentiates through it) or, for a plain tensor, is a new leaf; a forward-mode tangent stays on it."""
    if t._requires_grad:
        return t.view_as(t)
    leaf = t.detach()._set_requires_grad()
    tangent = _fwad.tangent_of(t) if _mode.forward_ad else None
    if tangent is not None:
        _fwad.set_tangent(leaf, tangent)
    return leaf


def _argnums_tuple(argnums, n_args, api):
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, tuple) or not nums or not all(isinstance(a, int) and not isinstance(a, bool)
                                                          for a in nums):
        raise RuntimeError(f"{api}: Expected argnums to be int or Tuple[int, ...], got: {type(argnums)}")
    for a in nums:
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
    nums = tuple(a % n_args for a in nums)
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"{api}: argnums must be unique, got {argnums}")
    return single, nums


def _wrap_argnums(args, argnums, api):
    """args with the leaves at `argnums` replaced by fresh leaves; those leaves, and how to rebuild
    a result shaped like them (one arg's tree, or a tuple of them)."""
    single, nums = _argnums_tuple(argnums, len(args), api)
    args = list(args)
    groups = []
    for a in nums:
        leaves, spec = _flatten(args[a])
        _check_tensors(leaves, api)
        fresh = [_fresh_leaf(t) for t in leaves]
        args[a] = _unflatten(fresh, spec)
        groups.append((fresh, spec))
    return args, groups, single


def _shaped_like(groups, single, flat):
    """A flat list of per-leaf results in the structure of the differentiated arguments."""
    out, at = [], 0
    for fresh, spec in groups:
        out.append(_unflatten(flat[at:at + len(fresh)], spec))
        at += len(fresh)
    return out[0] if single else tuple(out)


def _split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}(f)(*args): output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def _gradients(outputs, leaves, grad_outputs, keep):
    """d(outputs)/d(leaves) with the given output gradients; zeros where an output does not depend on a leaf."""
    wanted = [t for t in leaves]
    live = [o for o in outputs if o._requires_grad]
    if not live:
        return [t.new_zeros(t.shape) for t in wanted]
    gos = [g for o, g in zip(outputs, grad_outputs) if o._requires_grad]
    got = _autograd_grad(live, wanted, gos, retain_graph=True, create_graph=keep, allow_unused=True)
    return [t.new_zeros(t.shape) if g is None else g for t, g in zip(wanted, got)]


def _release(value, keep):
    """What a transform hands back: detached at the outermost level, where nothing will differentiate it."""
    if keep:
        return value
    leaves, spec = _flatten(value)
    return _unflatten([v.detach() if isinstance(v, Tensor) else v for v in leaves], spec)


def _call_on_fresh_leaves(func, args, kwargs, argnums, has_aux, api):
    """func run on args whose leaves at `argnums` are fresh leaves (inside a transform, with grad on): its
    output and aux, the fresh leaves, their grouping per argument, and whether to keep the graph."""
    args, groups, single = _wrap_argnums(args, argnums, api)
    leaves = [t for fresh, _ in groups for t in fresh]
    out, aux = _split_aux(func(*args, **kwargs), has_aux, api)
    return out, aux, leaves, groups, single, _keep_graph(leaves)


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """f ↦ (x ↦ (∇f(x), f(x))) for f returning a scalar tensor (with has_aux: (scalar, aux))."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _transform(), enable_grad():
            out, aux, leaves, groups, single, keep = _call_on_fresh_leaves(func, args, kwargs, argnums, has_aux,
                                                                            "grad_and_value")
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                                   f"with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
            grads = _gradients([out], leaves, [None], keep)
        value = _release((out, aux) if has_aux else out, keep)
        return _release(_shaped_like(groups, single, grads), keep), value
    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """f ↦ ∇f: the gradient of a scalar function with respect to the arguments at `argnums`."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def vjp(func, *primals, has_aux: bool = False):
    """(f(primals), vjp_fn): vjp_fn(cotangents) gives uᵀJ for each primal, in the primals' structure."""
    with _transform(), enable_grad():
        leaves, spec = _flatten(primals)
        _check_tensors(leaves, "vjp")
        fresh = [_fresh_leaf(t) for t in leaves]
        keep = _keep_graph(fresh)
        out, aux = _split_aux(func(*_unflatten(fresh, spec)), has_aux, "vjp")
    outs, out_spec = _flatten(out)
    _check_tensors(outs, "vjp")

    def vjp_fn(*cotangents):
        cots, cot_spec = _flatten(cotangents[0] if len(cotangents) == 1 and out_spec is None else cotangents)
        if len(cots) != len(outs):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               "outputs to the function.")
        for o, c in zip(outs, cots):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {c.shape} and output[0] has "
                                   f"a shape of {o.shape}.")
        with _transform(), enable_grad():
            grads = _gradients(outs, fresh, cots, keep or any(c._requires_grad for c in cots))
        return _release(_unflatten(grads, spec), keep)

    result = _release(out, keep)
    return (result, vjp_fn, _release(aux, keep)) if has_aux else (result, vjp_fn)


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None, _preallocate_and_copy: bool = False):
    """f ↦ (x ↦ ∂f/∂x), one row per output element by reverse mode; shape out.shape + in.shape."""
    _check_chunk_size(chunk_size)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _transform(), enable_grad():
            out, aux, leaves, groups, single, keep = _call_on_fresh_leaves(func, args, kwargs, argnums, has_aux,
                                                                            "jacrev")
            outs, out_spec = _flatten(out)
            _check_tensors(outs, "jacrev")
            per_output = []
            for o in outs:
                flat = o.reshape(-1)
                rows = [_gradients([flat[k]], leaves, [None], keep) for k in range(flat.shape[0])]
                per_leaf = [_stack([r[i] for r in rows], leaf, o) for i, leaf in enumerate(leaves)]
                per_output.append(_shaped_like(groups, single, per_leaf))
        jac = _release(_unflatten(per_output, out_spec), keep)
        return (jac, _release(aux, keep)) if has_aux else jac
    return wrapper


def _stack(rows, leaf, out):
    """Rows (one per output element, each shaped like the leaf) as one out.shape + leaf.shape tensor."""
    from .ops.shape import stack
    if not rows:
        return leaf.new_zeros(tuple(out.shape) + tuple(leaf.shape))
    return stack(rows).reshape(tuple(out.shape) + tuple(leaf.shape))


# ---- forward mode ----------------------------------------------------------------------------

def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """(f(primals), J·tangents) by forward mode (inside an open dual level: by transposing reverse mode)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if strict:
        raise RuntimeError("jvp(f, primals, tangents): strict=True is not implemented yet (as in torch)")
    p_leaves, spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents) if isinstance(tangents, tuple) else ([], None)
    if not isinstance(tangents, tuple) or len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be. "
                           f"Got primals with structure {spec} and tangents with structure {t_spec}")
    _check_tensors(p_leaves, "jvp")
    _check_tensors(t_leaves, "jvp")
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same shape. "
                               f"Got primal of shape {tuple(p.shape)} and tangent of shape {tuple(t.shape)}")
    if _mode.forward_ad:  # one dual level at a time: J·v = d/du ⟨uᵀJ, v⟩ by reverse mode twice
        return _jvp_by_double_vjp(func, primals, t_leaves, has_aux)
    with _transform(), _fwad.dual_level():
        duals = [_fwad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves)]
        out, aux = _split_aux(func(*_unflatten(duals, spec)), has_aux, "jvp")
        outs, out_spec = _flatten(out)
        _check_tensors(outs, "jvp")
        pairs = [_fwad.unpack_dual(o) for o in outs]
        values = [p for p, _ in pairs]
        jvps = [o.new_zeros(o.shape) if t is None else t for o, (_, t) in zip(outs, pairs)]
    keep = _mode.transforms > 0 or any(t._requires_grad for t in p_leaves + t_leaves)
    result = (_release(_unflatten(values, out_spec), keep), _release(_unflatten(jvps, out_spec), keep))
    return result + (_release(aux, keep),) if has_aux else result


def _jvp_by_double_vjp(func, primals, tangents, has_aux):
    """J·v without a dual level: u ↦ uᵀJ is linear, so J·v = d/du ⟨uᵀJ, v⟩."""
    with _transform(), enable_grad():
        out, vjp_fn, *aux = vjp(func, *primals, has_aux=has_aux)
        outs, out_spec = _flatten(out)
        us = [o.new_ones(o.shape)._set_requires_grad() for o in outs]
        grads = _flatten(vjp_fn(_unflatten(us, out_spec)))[0]
        total = sum(((g * t).sum() for g, t in zip(grads, tangents)), start=us[0].new_zeros(()))
        jvps = _gradients([total], us, [None], True)
    return (out, _unflatten(jvps, out_spec), *aux)


def linearize(func, *primals):
    """(f(primals), jvp_fn) with jvp_fn(*tangents) = J·tangents at these primals."""
    out = func(*primals)
    return out, lambda *tangents: jvp(func, primals, tangents)[1]


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """f ↦ (x ↦ ∂f/∂x), one column per input element by forward mode; shape out.shape + in.shape."""
    _check_randomness(randomness)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "jacfwd")
        groups = []
        for a in nums:
            leaves, spec = _flatten(args[a])
            _check_tensors(leaves, "jacfwd")
            groups.append((leaves, spec))
        inputs = [t for leaves, _ in groups for t in leaves]

        def f_of_inputs(*xs):
            new_args, at = list(args), 0
            for a, (leaves, spec) in zip(nums, groups):
                new_args[a] = _unflatten(list(xs[at:at + len(leaves)]), spec)
                at += len(leaves)
            return func(*new_args, **kwargs)

        columns = []  # per input: the tangents of the outputs for each unit tangent on that input
        aux = None
        for i, x in enumerate(inputs):
            cols = []
            for k in range(x.numel()):
                unit = [t.new_zeros(t.shape) for t in inputs]
                unit[i].view(-1)[k] = 1
                out, tangent, *rest = jvp(f_of_inputs, tuple(inputs), tuple(unit), has_aux=has_aux)
                aux = rest[0] if rest else None
                cols.append(_flatten(tangent)[0])
            columns.append(cols)
        out = f_of_inputs(*inputs)
        outs, out_spec = _flatten(out[0] if has_aux else out)
        if has_aux and aux is None:
            aux = out[1]
        per_output = []
        for j, o in enumerate(outs):
            per_leaf = [_columns(cols, j, o, x) for cols, x in zip(columns, inputs)]
            per_output.append(_shaped_like([(leaves, spec) for leaves, spec in groups], single, per_leaf))
        jac = _unflatten(per_output, out_spec)
        return (jac, aux) if has_aux else jac
    return wrapper


def _columns(cols, j, out, x):
    """Output j's tangents for each unit tangent of x, as one out.shape + x.shape tensor."""
    from .ops.shape import stack
    if not cols:
        return out.new_zeros(tuple(out.shape) + tuple(x.shape))
    return stack([c[j] for c in cols], dim=-1).reshape(tuple(out.shape) + tuple(x.shape))


def hessian(func, argnums=0):
    """f ↦ ∂²f/∂x²: forward mode over reverse mode, as torch.func.hessian."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- vmap ------------------------------------------------------------------------------------

def _check_randomness(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. "
                           f"Got {randomness}")


def _check_chunk_size(chunk_size):
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _dims_for(in_dims, args, func):
    """One in_dim per leaf of args: an int or None applies to a whole subtree, a tuple/list matches it."""
    def expand(dims, tree):
        if dims is None or (isinstance(dims, int) and not isinstance(dims, bool)):
            return [dims] * len(_flatten(tree)[0])
        if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)) and len(dims) == len(tree):
            return [d for sub_dims, sub in zip(dims, tree) for d in expand(sub_dims, sub)]
        if isinstance(dims, dict) and isinstance(tree, dict) and dims.keys() == tree.keys():
            return [d for k in tree for d in expand(dims[k], tree[k])]
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with "
                         "the structure of `inputs`.")
    if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
        if in_dims is not None:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or "
                             f"a (potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    return expand(in_dims if isinstance(in_dims, tuple) else in_dims, args if isinstance(in_dims, tuple) else args)


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """f ↦ (xs ↦ stack([f(x) for x in xs])): f mapped over dim `in_dims` of its inputs, the results
    stacked along `out_dims`. randomness: "error" refuses random ops inside, "different" draws for each
    slice, "same" gives every slice the same draws."""
    _check_randomness(randomness)
    _check_chunk_size(chunk_size)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        leaves, spec = _flatten(args)
        dims = _dims_for(in_dims, args, func)
        size = None
        for leaf, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(leaf, Tensor):
                raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                                 f"but the input is of type {type(leaf)}. We cannot vmap over non-Tensor arguments, "
                                 "please use None as the respective in_dim")
            n = leaf.dim()
            if not -n <= d < n:
                raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some "
                                 f"input, but that input is a Tensor of dimensionality {n} so expected in_dim to "
                                 f"satisfy -{n} <= in_dim < {n}.")
            if size is not None and leaf.shape[d] != size[0]:
                raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got "
                                 f"sizes {[size[0], leaf.shape[d]]} for the mapped dimension")
            size = size or (leaf.shape[d],)
        if size is None:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input must be a "
                             "Tensor mapped over a dim (in_dims not None for every input)")
        results = []
        with _randomness(randomness) as per_slice, _batched_level(randomness) as level:
            for b in range(size[0]):
                per_slice()
                sliced = [leaf if d is None else _slice(leaf, d, b, level) for leaf, d in zip(leaves, dims)]
                results.append(func(*_unflatten(sliced, spec), **kwargs))
        return _stack_results(results, out_dims, func)
    return wrapper


@contextlib.contextmanager
def _batched_level(randomness):
    """One vmap deeper while the function runs: its slices, and what ops compute from them, are batched."""
    _mode.vmap += 1
    _batched.randomness.append(randomness)
    try:
        yield _mode.vmap
    finally:
        _mode.vmap -= 1
        _batched.randomness.pop()


def _slice(leaf, dim, b, level):
    """Slice b of a mapped input along dim, marked as batched at this vmap's level."""
    piece = leaf.select(dim, b)
    piece._vmap_level = level
    return piece


@contextlib.contextmanager
def _randomness(mode):
    """What vmap does about random draws: refuse them, let each slice draw anew, or give each slice the same."""
    if mode == "error":
        previous, _random.refuse_draws = _random.refuse_draws, (
            "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
            "'different' randomness flags on vmap or perform the randomness operation out of vmap")
        try:
            yield lambda: None
        finally:
            _random.refuse_draws = previous
        return
    if mode == "different":
        yield lambda: None
        return
    generator = _random.default_generator
    start, first = generator.get_state(), [True]

    def same_draws():
        if not first[0]:
            generator.set_state(start)
        first[0] = False
    yield same_draws


def _stack_results(results, out_dims, func):
    from .ops.shape import stack
    outs = [_flatten(r) for r in results]
    leaves0, spec = outs[0]
    dims = out_dims if isinstance(out_dims, (tuple, list)) else [out_dims] * len(leaves0)
    if isinstance(out_dims, tuple) and len(_flatten(out_dims)[0]) == len(leaves0):
        dims = _flatten(out_dims)[0]
    if len(dims) != len(leaves0):
        raise ValueError(f"vmap({_name(func)}, ...): out_dims is not compatible with the structure of `outputs`.")
    stacked = []
    for i, d in enumerate(dims):
        column = [leaves[i] for leaves, _ in outs]
        if d is None:
            stacked.append(column[0])
            continue
        if not isinstance(column[0], Tensor):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(column[0])}. Did you mean to set out_dims= to None for output?")
        n = column[0].dim() + 1
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        stacked.append(stack(column, dim=d))
    return _unflatten(stacked, spec)


# ---- modules as functions ----------------------------------------------------------------------

def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """module(*args, **kwargs) with its parameters and buffers replaced, for this call only, by the tensors
    in the dict(s) (names as in module.state_dict())."""
    dicts = parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (tuple, list)) \
        else [parameter_and_buffer_dicts]
    given = {}
    for d in dicts:
        for key, value in d.items():
            if key in given:
                raise ValueError(f"{key} appeared in multiple dictionaries; behavior of functional call is ambiguous")
            given[key] = value
    own = dict(module.named_parameters(remove_duplicate=False))
    own.update(dict(module.named_buffers(remove_duplicate=False)))
    if strict:
        missing, unexpected = sorted(set(own) - set(given)), sorted(set(given) - set(own))
        if missing or unexpected:
            lines = [f"Unexpected key(s): {', '.join(repr(k) for k in unexpected)}."] if unexpected else []
            lines += [f"Missing key(s): {', '.join(repr(k) for k in missing)}."] if missing else []
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(lines))
    if tie_weights:  # a tensor shared under several names takes the given value under all of them
        for name, tensor in list(own.items()):
            if name not in given:
                twin = next((g for g in given if g in own and own[g] is tensor), None)
                if twin is not None:
                    given[name] = given[twin]
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    with _swapped(module, given):
        return module(*args, **(kwargs or {}))


@contextlib.contextmanager
def _swapped(module, tensors):
    saved = []
    try:
        for name, value in tensors.items():
            owner_name, _, attr = name.rpartition(".")
            owner = module.get_submodule(owner_name) if owner_name else module
            for store in ("_parameters", "_buffers"):
                table = owner.__dict__.get(store, {})
                if attr in table:
                    saved.append((table, attr, table[attr]))
                    table[attr] = value
                    break
            else:
                saved.append((owner.__dict__, attr, owner.__dict__.get(attr, _MISSING)))
                owner.__dict__[attr] = value
        yield
    finally:
        for table, attr, old in reversed(saved):
            if old is _MISSING:
                table.pop(attr, None)
            else:
                table[attr] = old


_MISSING = object()


def stack_module_state(models):
    """(params, buffers) of same-class models, each stacked along a new first dim (params as new leaves)."""
    from .ops.shape import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    kind = type(models[0])
    if not all(type(m) is kind for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class, got: "
                           f"{[type(m).__name__ for m in models]}")

    def stacked(named):
        names = [n for n, _ in named(models[0])]
        out = {}
        for name in names:
            tensors = [dict(named(m))[name] for m in models]
            value = stack([t.detach() for t in tensors])
            out[name] = value.requires_grad_(tensors[0].requires_grad) if tensors[0].requires_grad else value
        return out
    return stacked(lambda m: m.named_parameters()), stacked(lambda m: m.named_buffers())
