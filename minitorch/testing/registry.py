"""The parity registry: one `OpSpec` per public op, saying how to test it against torch.

A spec names the op, gives the same call for both libraries (`fn(lib, *args, **kwargs)`
with `lib` the module, minitorch or torch), a sampler of inputs, the dtypes to try,
which inputs are differentiable and the tolerances. `run_spec` is the generic check
that every spec goes through; it needs torch, imported lazily.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .node_names import (FORWARD_AD_DIFFERS, PENDING, SAVED_PENDING, SAVED_UNWRITTEN, SAVED_UP_TO_SIGN,
                         SECOND_ORDER_PENDING, VMAP_REFUSES_WRONGLY)

SPECS: dict = {}

FLOATS = ("float32", "float64")
INTS = ("int64", "int32", "uint8")
ALL_DTYPES = FLOATS + ("float16",) + INTS + ("int8", "int16", "bool")

# why some specs compare CPU tensors only (tests/test_cuda.py covers the CUDA side of each)
TORCH_CPU_STREAM = "compares torch's CPU random stream; CUDA tensors draw from CuPy's generator"
CPU_LAYOUT = "compares a CPU-only result (host memory, printing, type names or strides of the host array)"
CPU_CASTS = ("casts floats outside the integer range, which C leaves undefined: torch on the CPU gives the "
             "lowest integer, on CUDA it saturates as CuPy does")

# Inputs on which torch's CPU kernel reads outside its tensors (undefined behaviour: a result made of whatever the
# memory held) and minitorch raises a RuntimeError instead: {spec: what minitorch's message says}
UNDEFINED_IN_TORCH = {"nn.functional.ctc_loss": "targets must be class indices in",
                      "native_batch_norm": "should contain"}  # a weight or bias shorter than the channels

# default tolerances by dtype: (rtol, atol), as torch.testing.assert_close uses
TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


@dataclass
class OpSpec:
    name: str
    fn: Callable                       # fn(lib, *args, **kwargs) -> result
    sample: Callable                   # sample(draw, dtype) -> (args, kwargs); arrays become tensors
    dtypes: tuple = FLOATS
    grad: tuple | None = (0,)          # positions of differentiable args (None: no gradient check)
    rtol: float | None = None
    atol: float | None = None
    grad_rtol: float | None = None
    grad_atol: float | None = None
    reason: str = ""                   # why a tolerance is looser than the default
    family: str = ""
    compare_indices: bool = True       # False when ties make torch's index choice arbitrary
    compare_saved: bool = True         # False when the spec's own normalisation saves library-dependent values
    cpu_only: str = ""                 # why the spec does not apply to CUDA tensors (empty: it does)
    extra: dict = field(default_factory=dict)

    def tolerances(self, dtype: str, for_grad: bool = False):
        rtol, atol = TOLERANCES.get(dtype, (0.0, 0.0))
        r = _first(self.grad_rtol if for_grad else None, self.rtol, rtol)
        a = _first(self.grad_atol if for_grad else None, self.atol, atol)
        if for_grad and self.grad_rtol is None and self.rtol is None:
            r, a = r * 10, a * 10  # a backward composes several ops: allow their rounding to add up
        return r, a


def _first(*values):
    return next(v for v in values if v is not None)


def register(name, fn, sample, **kw) -> OpSpec:
    if name in SPECS:
        raise ValueError(f"duplicate parity spec {name!r}")
    spec = OpSpec(name, fn, sample, **kw)
    SPECS[name] = spec
    return spec


def load_all() -> dict:
    """Import every spec module (they register themselves)."""
    from .specs import (activation, arrangement, attention, creation, float_functions, indexing,  # noqa: F401
                        layers, linalg, losses, matrix, nn, pointwise, reduction, shape, spatial, statistics,
                        tensor_api, view_copies, windows, lower_forms)
    return SPECS


# ---- running a spec ------------------------------------------------------------------------

class Arg:
    """A sampled tensor argument: its NumPy values and its memory layout."""

    def __init__(self, array, layout="contiguous", requires_grad=True):
        self.array = array
        self.layout = layout
        self.requires_grad = requires_grad

    def __repr__(self):
        return f"Arg({self.array.tolist()!r}, dtype={self.array.dtype}, layout={self.layout!r})"

    def materialize(self):
        """A fresh NumPy array with these values in the requested layout."""
        a = np.array(self.array)
        if self.layout == "transposed" and a.ndim >= 2:
            return np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)
        if self.layout == "strided" and a.ndim >= 1:
            big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
            big[..., ::2] = a
            return big[..., ::2]
        return a


class Unchecked:
    """A sampled argument the invalid-argument test leaves as it is: torch reads it without a check, so a wrong
    value has no defined result to compare (grid_sampler's enum modes)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Unchecked({self.value!r})"


def _to_lib(value, lib, requires_grad, device="cpu", dual=None):
    """`value` as `lib`'s tensor when it is a sampled one; a differentiable one requires grad, or, given
    `dual` (forward mode), becomes `dual(tensor)`."""
    import torch
    if isinstance(value, Unchecked):
        return value.value
    if isinstance(value, Arg):
        arr = value.materialize()
        t = torch.from_numpy(arr) if lib is torch else lib.from_numpy(arr).to(device)
        if requires_grad and value.requires_grad and arr.dtype.kind == "f":
            if dual is not None:
                return dual(t)
            t.requires_grad_(True)
        return t
    if isinstance(value, (list, tuple)) and any(isinstance(v, Arg) for v in value):
        return type(value)(_to_lib(v, lib, requires_grad, device, dual) for v in value)
    return value


def _call(spec, lib, args, kwargs, grad_positions, device="cpu", dual=None):
    """spec.fn on `lib`'s tensors; minitorch's live on `device`, which is also its default device
    meanwhile, so tensors the spec creates itself are made there too (torch's stay on the CPU)."""
    import torch
    if lib is not torch:
        previous = lib.get_default_device()
        lib.set_default_device(device)
    try:
        targs = [_to_lib(a, lib, i in grad_positions, device, dual) for i, a in enumerate(args)]
        tkw = {k: _to_lib(v, lib, False, device) for k, v in kwargs.items()}
        try:
            return spec.fn(lib, *targs, **tkw), targs, None
        except Exception as e:  # noqa: BLE001 - the exception itself is what we compare
            return None, targs, e
    finally:
        if lib is not torch:
            lib.set_default_device(previous)


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten(o))
        return res
    return [out]


def _array(t):
    if hasattr(t, "_is_zerotensor") and t._is_zerotensor():  # torch's efficient zeros (some double backwards)
        return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def compare_values(got, want, rtol, atol, what="output", device="cpu"):
    """Shape, dtype, device and values of a minitorch result against torch's (computed on the CPU;
    minitorch's must be on `device`)."""
    import torch
    if isinstance(want, torch.Tensor):
        assert hasattr(got, "_data"), f"{what}: expected a tensor, got {type(got).__name__}"
        assert got.device.type == device, f"{what}: on {got.device}, expected {device}"
        assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} != torch {tuple(want.shape)}"
        assert _dtype_name(got) == _dtype_name(want), f"{what}: dtype {got.dtype} != torch {want.dtype}"
        g, w = _array(got), _array(want)
        if g.dtype.kind == "f" and device != "cpu" and w.size:
            # Tolerances are stated for values of order 1. The GPU's BLAS and reductions sum in
            # another order than the CPU's, so an element's error scales with the largest terms
            # summed into it: a gradient entry of 0.035 beside entries of 10 can be off by 6e-5.
            atol = atol * max(1.0, float(np.nanmax(np.abs(np.where(np.isinf(w), 0, w)), initial=0)))
        if g.dtype.kind == "f":
            np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol,
                                       equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)
    elif isinstance(want, (np.ndarray, np.generic)):  # an op both leave to NumPy (+array, -array)
        assert isinstance(got, type(want)), f"{what}: expected {type(want).__name__}, got {type(got).__name__}"
        np.testing.assert_array_equal(got, want, err_msg=what)  # NaN equals NaN here
    elif isinstance(want, float):
        assert isinstance(got, (float, int)), f"{what}: expected float, got {type(got).__name__}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        assert type(got) is type(want) or (isinstance(got, bool) and isinstance(want, bool)), \
            f"{what}: type {type(got).__name__} != torch {type(want).__name__}"
        assert got == want, f"{what}: {got!r} != torch {want!r}"


def run_spec(spec: OpSpec, args, kwargs, dtype: str, check_grad: bool = True, seed: int = 0, device: str = "cpu"):
    """Run one sampled case through torch (on the CPU) and minitorch (on `device`) and assert they agree."""
    import torch

    import minitorch
    grad_on = check_grad and spec.grad is not None and dtype in ("float32", "float64")
    positions = set(spec.grad or ()) if grad_on else set()
    if grad_on and not _finite_args(args):
        positions = set()
    want, targs, terr = _call(spec, torch, args, kwargs, positions)
    got, margs, merr = _call(spec, minitorch, args, kwargs, positions, device)
    if isinstance(terr, NameError):  # no torch error: the spec's own code is broken
        raise terr
    if terr is not None:
        assert merr is not None, f"torch raised {type(terr).__name__}: {terr}; minitorch did not"
        assert isinstance(merr, error_class(terr)) or _checked_instead_of_leaked(terr, merr), \
            f"torch raised {type(terr).__name__}: {terr}; minitorch raised {type(merr).__name__}: {merr}"
        return "error"
    if merr is not None:
        if isinstance(merr, RuntimeError) and UNDEFINED_IN_TORCH.get(spec.name, "\0") in str(merr):
            return "error"
        raise AssertionError(f"minitorch raised {type(merr).__name__}: {merr}; torch returned a result") from merr
    wants, gots = _flatten(want), _flatten(got)
    assert len(wants) == len(gots), f"{len(gots)} outputs, torch has {len(wants)}"
    for i, (g, w) in enumerate(zip(gots, wants)):
        if not spec.compare_indices and isinstance(w, torch.Tensor) and w.dtype == torch.int64 and i > 0:
            continue
        rtol, atol = spec.tolerances(_dtype_name(w) if isinstance(w, torch.Tensor) else dtype)
        compare_values(g, w, rtol, atol, what=f"{spec.name} output {i}", device=device)
    # some node names follow the input's layout (a reshape of a strided tensor is an alias, of a contiguous one a
    # view), and the copy to another device makes every input contiguous: compare there only what it keeps
    if spec.name not in PENDING and (device == "cpu" or _all_contiguous(args)):
        compare_node_names(spec.name, gots, wants)
        compare_saved_attributes(spec, gots, wants, dtype, device)
    if not positions:
        return "forward"
    t_in = [t for i, t in enumerate(targs) if i in positions and isinstance(t, torch.Tensor) and t.requires_grad]
    m_in = [t for i, t in enumerate(margs) if i in positions and hasattr(t, "_data") and t.requires_grad]
    t_out = [w for w in wants if isinstance(w, torch.Tensor) and w.requires_grad]
    m_out = [g for g in gots if hasattr(g, "_data") and g.requires_grad]
    assert len(t_out) == len(m_out), f"{spec.name}: {len(m_out)} outputs require grad, torch has {len(t_out)}"
    if not t_out or not t_in:
        return "forward"
    rng = np.random.default_rng(seed)
    ups = [rng.standard_normal(tuple(w.shape)).astype(_array(w).dtype) for w in t_out]
    try:
        tg = torch.autograd.grad(t_out, t_in, [torch.from_numpy(u.copy()) for u in ups], allow_unused=True)
    except RuntimeError as terr:  # torch refuses this backward: so must we, with the same error
        try:
            minitorch.autograd.grad(m_out, m_in, [minitorch.from_numpy(u.copy()).to(device) for u in ups],
                                    allow_unused=True)
        except RuntimeError as merr:
            assert str(merr) == str(terr), f"backward: torch raised {terr!r}; minitorch raised {merr!r}"
            return "backward error"
        raise AssertionError(f"torch's backward raised {terr!r}; minitorch's did not") from terr
    mg = minitorch.autograd.grad(m_out, m_in, [minitorch.from_numpy(u.copy()).to(device) for u in ups],
                                 allow_unused=True)
    # a gradient is only as precise as the least precise float the computation went through
    floats = [_dtype_name(w) for w in t_out if w.dtype.is_floating_point]
    for i, (g, w) in enumerate(zip(mg, tg)):
        candidates = [spec.tolerances(d, for_grad=True) for d in floats + [_dtype_name(w) if w is not None else dtype]]
        grtol, gatol = max(c[0] for c in candidates), max(c[1] for c in candidates)
        if w is None:
            if g is not None:
                assert not np.any(_array(g)), f"{spec.name}: grad {i} should be zero/None"
            continue
        if g is None:
            assert not np.any(_array(w)), f"{spec.name}: grad {i} is None, torch's is nonzero"
            continue
        compare_values(g, w, grtol, gatol, what=f"{spec.name} grad of input {i}", device=device)
    if spec.name not in FORWARD_AD_DIFFERS:
        check_forward_ad(spec, args, kwargs, positions, dtype, seed, device)
    if spec.name not in SECOND_ORDER_PENDING:
        check_second_derivatives(spec, args, kwargs, positions, dtype, seed, device)
    return "grad"


def check_second_derivatives(spec, args, kwargs, positions, dtype, seed, device="cpu") -> bool:
    """The create_graph backward differentiated again: the gradients of a random linear function of the first
    gradients (Σ rᵢ · gᵢ) with respect to the inputs equal torch's. Returns False where torch's first
    gradients have no graph or its double backward refuses (nothing to compare)."""
    import torch

    import minitorch
    want = _second_derivatives(spec, torch, args, kwargs, positions, seed)
    if want is None or isinstance(want, BaseException):
        return False
    got = _second_derivatives(spec, minitorch, args, kwargs, positions, seed, device)
    if isinstance(got, BaseException):
        raise AssertionError(f"{spec.name}: the second derivative raised {type(got).__name__}: {got}; torch's did "
                             "not") from got
    if got is None:  # our first gradients are constant in the inputs (a mask times u): torch's derivative is 0
        assert not any(np.any(_array(w)) for w in want if w is not None), \
            f"{spec.name}: the first gradients have no graph; torch's have one, with a nonzero derivative"
        return True
    # two backwards compose about twice the ops of one, each rounding in its own order: 10x the gradient's tolerance
    rtol, atol = (10 * t for t in spec.tolerances(dtype, for_grad=True))
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None or g is None:
            assert not np.any(_array(g if w is None else w)) if (g is not None or w is not None) else True, \
                f"{spec.name}: a second derivative for input {i} on one side only"
            continue
        compare_values(g, w, rtol, atol, what=f"{spec.name} second derivative for input {i}", device=device)
    return True


def _second_derivatives(spec, lib, args, kwargs, positions, seed, device="cpu"):
    """d/dx Σ rᵢ · gᵢ with g = d<u, f(x)>/dx taken with create_graph, u and r drawn from `seed` (the same for
    both libraries); None when the first gradients carry no graph, or the exception a backward raised."""
    import torch
    out, inputs, err = _call(spec, lib, args, kwargs, positions, device)
    if err is not None:
        return err
    outs = [o for o in _flatten(out) if isinstance(o, lib.Tensor) and o.requires_grad]
    ins = [t for i, t in enumerate(inputs) if i in positions and isinstance(t, lib.Tensor) and t.requires_grad]
    rng = np.random.default_rng(seed + 2)

    def draw(t):
        arr = rng.standard_normal(tuple(t.shape)).astype(_array(t).dtype)
        return torch.from_numpy(arr) if lib is torch else lib.from_numpy(arr).to(device)
    try:
        firsts = lib.autograd.grad(outs, ins, [draw(o) for o in outs], create_graph=True, allow_unused=True)
        terms = [(g * draw(g)).sum() for g in firsts if g is not None and g.requires_grad]
        if not terms:
            return None
        return lib.autograd.grad(sum(terms[1:], terms[0]), ins, allow_unused=True)
    except RuntimeError as e:
        return e


def check_forward_ad(spec, args, kwargs, positions, dtype, seed, device="cpu") -> bool:
    """Forward mode: with the differentiable inputs made dual with random tangents, each output's tangent
    equals torch's. Returns False where torch has no forward AD for the call (nothing to compare)."""
    import torch

    import minitorch
    want = _output_tangents(spec, torch, args, kwargs, positions, seed)
    if isinstance(want, BaseException):
        return False
    got = _output_tangents(spec, minitorch, args, kwargs, positions, seed, device)
    if isinstance(got, BaseException):
        raise AssertionError(f"{spec.name}: forward AD raised {type(got).__name__}: {got}; torch's did not") from got
    assert len(got) == len(want), f"{spec.name}: {len(got)} outputs in forward mode, torch has {len(want)}"
    rtol, atol = spec.tolerances(dtype, for_grad=True)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None or g is None:  # no tangent on one side: the other's must be zero (or absent)
            assert not np.any(_array(g if w is None else w)) if (g is not None or w is not None) else True, \
                f"{spec.name}: output {i} has a tangent on one side only"
            continue
        compare_values(g, w, rtol, atol, what=f"{spec.name} tangent of output {i}", device=device)
    return True


def _output_tangents(spec, lib, args, kwargs, positions, seed, device="cpu"):
    """The tangents of spec.fn's outputs with each differentiable input dual (tangents drawn from `seed`,
    the same for both libraries), or the exception the call raised."""
    import torch
    fwad = lib.autograd.forward_ad
    rng = np.random.default_rng(seed)

    def dual(t):
        arr = rng.standard_normal(tuple(t.shape)).astype(_array(t).dtype)
        return fwad.make_dual(t, torch.from_numpy(arr) if lib is torch else lib.from_numpy(arr).to(device))

    with fwad.dual_level():
        out, _, err = _call(spec, lib, args, kwargs, positions, device, dual=dual)
        if err is not None:
            return err
        return [fwad.unpack_dual(o).tangent if isinstance(o, lib.Tensor) else None for o in _flatten(out)]


# ---- vmap ---------------------------------------------------------------------------------------

VMAP_BATCH = 2


def check_vmap(spec, args, kwargs, dtype) -> str:
    """vmap over the sample with each sampled tensor stacked VMAP_BATCH times along a new first dim (as torch's own
    vmap tests batch an OpInfo sample, so every slice holds valid values; kwargs stay unbatched): minitorch's
    func.vmap gives torch.func.vmap's result, or raises its exception class. Where torch's vmap departs from vmap's
    definition (the function on each slice, the results stacked, which torch computes eagerly here) without
    refusing, as when its batching rule skips a dim check or counts the batch dim in a promotion, minitorch
    follows the definition."""
    import torch

    import minitorch
    pairs = [_batched(a) for a in args]
    batched, dims = [p[0] for p in pairs], tuple(p[1] for p in pairs)
    if all(d is None for d in dims):
        return "no tensor"
    want, terr = _vmapped(spec, torch, batched, dims, kwargs)
    got, merr = _vmapped(spec, minitorch, batched, dims, kwargs)
    differs = _vmap_differs(spec, got, merr, want, terr, dtype)
    if differs is None:
        return "error" if terr is not None else "result"
    loop, lerr = _sliced_loop(spec, batched, dims, kwargs)
    if terr is not None and lerr is None and spec.name not in VMAP_REFUSES_WRONGLY:
        # a refusal of vmap's own (.item(), a value-dependent shape, ...): minitorch must refuse too
        raise AssertionError(f"{spec.name} under vmap: {differs}") from terr
    from_definition = _vmap_differs(spec, got, merr, loop, lerr, dtype)
    assert from_definition is None, f"{spec.name} under vmap: {differs}; against the slices run one by one: " \
                                    f"{from_definition}"
    return "as defined"


def _vmap_differs(spec, got, merr, want, terr, dtype):
    """None when minitorch's outcome (result or exception) is torch's, else what differs."""
    import torch
    if terr is not None:
        if merr is None:
            return f"torch raised {type(terr).__name__}: {terr}; minitorch did not"
        if isinstance(merr, error_class(terr)) or _checked_instead_of_leaked(terr, merr):
            return None
        return f"torch raised {type(terr).__name__}: {terr}; minitorch raised {type(merr).__name__}: {merr}"
    if merr is not None:
        return f"minitorch raised {type(merr).__name__}: {merr}; torch returned a result"
    wants, gots = _flatten(want), _flatten(got)
    if len(wants) != len(gots):
        return f"{len(gots)} outputs, torch has {len(wants)}"
    try:
        for i, (g, w) in enumerate(zip(gots, wants)):
            rtol, atol = spec.tolerances(_dtype_name(w) if isinstance(w, torch.Tensor) else dtype)
            compare_values(g, w, rtol, atol, what=f"vmapped output {i}")
    except AssertionError as e:
        return str(e)
    return None


def _batched(value):
    """A sampled tensor stacked along a new first dim, with its in_dim (None for what is not a tensor)."""
    if isinstance(value, Arg):
        return Arg(np.stack([value.array] * VMAP_BATCH), value.layout, value.requires_grad), 0
    if isinstance(value, (list, tuple)) and any(isinstance(v, Arg) for v in value):
        return type(value)(_batched(v)[0] if isinstance(v, Arg) else v for v in value), 0
    return value, None


def _lib_args(lib, args, kwargs):
    return [_to_lib(a, lib, False) for a in args], {k: _to_lib(v, lib, False) for k, v in kwargs.items()}


def _vmapped(spec, lib, batched, dims, kwargs):
    """(lib.func.vmap(spec.fn)(batched args), None), or (None, the exception it raised)."""
    targs, tkw = _lib_args(lib, batched, kwargs)
    try:
        return lib.func.vmap(lambda *a: spec.fn(lib, *a, **tkw), in_dims=dims)(*targs), None
    except Exception as e:  # noqa: BLE001 - the exception itself is what we compare
        return None, e


def _sliced_loop(spec, batched, dims, kwargs):
    """vmap's definition in torch: spec.fn on each slice, each output's slices stacked."""
    import torch
    targs, tkw = _lib_args(torch, batched, kwargs)
    try:
        outs = []
        for b in range(VMAP_BATCH):
            sliced = [a if d is None else (a[b] if isinstance(a, torch.Tensor) else type(a)(t[b] for t in a))
                      for a, d in zip(targs, dims)]
            outs.append(_flatten(spec.fn(torch, *sliced, **tkw)))
        return [torch.stack(column) for column in zip(*outs)], None
    except Exception as e:  # noqa: BLE001
        return None, e


def _checked_instead_of_leaked(terr: BaseException, merr: BaseException) -> bool:
    """torch's Python-level functions (F.mse_loss, torch.norm, ...) call tensor methods on their
    arguments unchecked, so a number or a list given for a tensor leaks an AttributeError out of
    torch's internals; minitorch checks the argument and raises torch's TypeError for it instead."""
    return isinstance(terr, AttributeError) and isinstance(merr, TypeError) and "must be Tensor" in str(merr)


def error_class(error: BaseException) -> type:
    """The Python exception class a torch error is (torch's own, like torch.linalg.LinAlgError or
    torch.OutOfMemoryError, derive from RuntimeError and the like): what minitorch must raise."""
    return next(c for c in type(error).__mro__ if c.__module__ == "builtins")


def compare_node_names(name: str, gots: list, wants: list) -> None:
    """Each output that torch gives a graph node must get a node of the same name from minitorch."""
    import torch
    for i, (g, w) in enumerate(zip(gots, wants)):
        if isinstance(w, torch.Tensor) and w.grad_fn is not None:
            node = getattr(g, "grad_fn", None)
            ours = None if node is None else node.name()
            assert ours == w.grad_fn.name(), f"{name} output {i}: graph node {ours}, torch's is {w.grad_fn.name()}"


def saved_attribute_names(node) -> set:
    """The names of a node's saved attributes (`_saved_self` -> "self"), torch's or minitorch's."""
    return {a[len("_saved_"):] for a in dir(node) if a.startswith("_saved_")}


def compare_saved_attributes(spec, gots, wants, dtype, device="cpu") -> None:
    """Each output's node saves what torch's saves, under torch's names (`_saved_self`, `_saved_dim`, ...), with
    torch's values (tensors within the spec's tolerance)."""
    import torch
    if not spec.compare_saved:
        return
    for i, (g, w) in enumerate(zip(gots, wants)):
        if not (isinstance(w, torch.Tensor) and w.grad_fn is not None) or w.grad_fn.name() in SAVED_PENDING:
            continue
        theirs, ours = w.grad_fn, g.grad_fn
        where = f"{spec.name} output {i}: {theirs.name()}"
        names = saved_attribute_names(theirs)
        assert saved_attribute_names(ours) == names, \
            f"{where} saves {sorted(saved_attribute_names(ours))}, torch's saves {sorted(names)}"
        unwritten = SAVED_UNWRITTEN.get(theirs.name(), {})
        for name in sorted(names):
            got, want = getattr(ours, "_saved_" + name), getattr(theirs, "_saved_" + name)
            skip = unwritten[name](theirs) if name in unwritten else False
            if skip is True or _strides_of_empty(theirs, name):
                continue
            if skip is not False:  # a mask of the unwritten elements: compare the others
                assert tuple(got.shape) == tuple(want.shape), f"{where}._saved_{name}: shape {tuple(got.shape)}, " \
                                                              f"torch's is {tuple(want.shape)}"
                import minitorch
                got, want = got[minitorch.from_numpy(~skip).to(got.device)], want[torch.from_numpy(~skip)]
            if name in SAVED_UP_TO_SIGN.get(theirs.name(), {}):
                got = _signs_of(got, want, SAVED_UP_TO_SIGN[theirs.name()][name])
            _compare_saved(got, want, f"{where}._saved_{name}", spec, dtype, device)


def _signs_of(got, want, along: int):
    """`got`'s vectors (lying along dim `along`) each turned to the sign of `want`'s: the sign of their dot product."""
    import minitorch
    dots = (got.detach().cpu().double() * minitorch.from_numpy(want.detach().double().numpy())).sum(along, keepdim=True)
    return got * minitorch.where(dots < 0, -1.0, 1.0).to(got.dtype).to(got.device)


def _strides_of_empty(node, name) -> bool:
    """Whether `name` is the strides of an empty tensor: a NumPy array with no elements keeps no strides (NumPy gives
    zeros; minitorch reports a fresh tensor's), where torch's follow the views that made it."""
    if not name.endswith("_sym_strides"):
        return False
    sizes = getattr(node, "_saved_" + name[:-len("strides")] + "sizes", None)
    return sizes is not None and math.prod(sizes) == 0


def _compare_saved(got, want, what, spec, dtype, device):
    import torch
    if isinstance(want, torch.Tensor):
        rtol, atol = spec.tolerances(_dtype_name(want) if want.dtype.is_floating_point else dtype)
        compare_values(got, want, rtol, atol, what=what, device=device)
    elif isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), f"{what}: {got!r}, torch's is {want!r}"
        for k, (a, b) in enumerate(zip(got, want)):
            _compare_saved(a, b, f"{what}[{k}]", spec, dtype, device)
    elif isinstance(want, float) and not isinstance(got, bool) and isinstance(got, (int, float)):
        assert got == want or (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=1e-6), \
            f"{what}: {got!r}, torch's is {want!r}"
    else:
        assert type(got) is type(want) and got == want, f"{what}: {got!r}, torch's is {want!r}"


def _all_contiguous(args) -> bool:
    for a in args:
        if isinstance(a, Arg) and a.layout != "contiguous":
            return False
        if isinstance(a, (list, tuple)) and not _all_contiguous(a):
            return False
    return True


def _finite_args(args):
    for a in args:
        if isinstance(a, Arg) and a.array.dtype.kind == "f" and not np.all(np.isfinite(a.array)):
            return False
        if isinstance(a, (list, tuple)) and not _finite_args(a):
            return False
    return True
