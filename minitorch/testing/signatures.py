"""Compare minitorch's public call signatures with torch's (torch is imported lazily).

torch's Python-level functions and classes have ordinary signatures. Its C++ bindings have none;
their overloads are read from the `.pyi` stubs torch ships (`_C/_VariableFunctions.pyi` for the
torch namespace, `class TensorBase` in `_C/__init__.pyi` for Tensor methods, `_C/_nn.pyi`), and
`torch.overrides.get_testing_overrides()` is the last resort.

A minitorch callable agrees with torch when, for every torch overload: each parameter torch lets
a caller name is a parameter of the same name in minitorch, keyword-only where torch's is; torch's
positional parameters bind positionally in the same order (or into minitorch's `*args`, the `*size`
form); what torch lets a caller leave out minitorch does not require; and literal defaults are
equal. Public minitorch parameters that no torch overload has are divergences too.
"""
from __future__ import annotations

import ast
import functools
import inspect
import os
from dataclasses import dataclass

P = inspect.Parameter
_POSITIONAL = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
# Overloads for named tensors (Dimname arguments) are out of minitorch's scope.
_SKIPPED_ANNOTATIONS = ("Dimname", "EllipsisType", "QScheme", "DispatchKey")


@dataclass(frozen=True)
class Divergence:
    name: str          # e.g. "torch.rand", "Tensor.view", "nn.Linear"
    problem: str

    def __str__(self) -> str:
        return f"{self.name}: {self.problem}"


# ---- torch's overloads ------------------------------------------------------------------------

def _stub_path(name: str) -> str:
    import torch
    return os.path.join(os.path.dirname(torch.__file__), "_C", name)


def _signature_of(node: ast.FunctionDef, drop_self: bool) -> inspect.Signature | None:
    """An inspect.Signature built from a stub's `def` (annotations kept as source text)."""
    text = ast.unparse(node.args)
    if any(word in text for word in _SKIPPED_ANNOTATIONS) or "names:" in text:  # named-tensor overloads
        return None
    a = node.args
    params = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        # a namespace function's `self` is a scalar-first overload (pow(2, x)): positional in practice
        positional_only = i < len(a.posonlyargs) or (arg.arg == "self" and not drop_self)
        kind = P.POSITIONAL_ONLY if positional_only else P.POSITIONAL_OR_KEYWORD
        params.append(P(arg.arg, kind, default=_literal(default), annotation=_source(arg.annotation)))
    if a.vararg:
        params.append(P(a.vararg.arg, P.VAR_POSITIONAL, annotation=_source(a.vararg.annotation)))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        params.append(P(arg.arg, P.KEYWORD_ONLY, default=_literal(default), annotation=_source(arg.annotation)))
    if a.kwarg:
        params.append(P(a.kwarg.arg, P.VAR_KEYWORD))
    if drop_self and params and params[0].name == "self":
        params = params[1:]
    try:
        return inspect.Signature(params)
    except ValueError:
        return None


class _Unknown:
    """A stub default that is not a plain literal (`...`, a name): it exists but is not compared."""

    def __repr__(self) -> str:
        return "<default>"


UNKNOWN = _Unknown()


def _literal(node):
    if node is None:
        return P.empty
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return UNKNOWN
    return UNKNOWN if value is Ellipsis else value


def _source(node):
    return P.empty if node is None else ast.unparse(node)


@functools.lru_cache(maxsize=None)
def _stub_overloads(stub: str, cls: str | None) -> dict[str, list[inspect.Signature]]:
    with open(_stub_path(stub), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    body = tree.body
    if cls is not None:
        body = next(n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    found: dict[str, list[inspect.Signature]] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef):
            sig = _signature_of(node, drop_self=cls is not None)
            found.setdefault(node.name, [])
            if sig is not None:
                found[node.name].append(sig)
    return found


def torch_overloads(obj, stub_name: str | None = None, method: bool = False) -> list[inspect.Signature]:
    """Every signature torch accepts for `obj` (a torch function, method or class)."""
    name = stub_name or getattr(obj, "__name__", None)
    if not isinstance(obj, type):
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            sig = None
        if sig is not None and not _uninformative(sig):
            params = list(sig.parameters.values())
            if method and params and params[0].name == "self":
                sig = sig.replace(parameters=params[1:])
            return [sig]
    else:
        sig = _init_signature(obj)
        return [] if _uninformative(sig) else [sig]
    stubs = (("__init__.pyi", "TensorBase"),) if method else (("_VariableFunctions.pyi", None), ("_nn.pyi", None))
    for stub, cls in stubs:
        sigs = _stub_overloads(stub, cls).get(name)
        if sigs:
            return sigs
    documented = _docstring_overload(obj, name)
    if documented is not None:
        return [documented]
    from torch.overrides import get_testing_overrides
    fallback = get_testing_overrides().get(obj)
    if fallback is not None:
        sig = inspect.signature(fallback)
        params = list(sig.parameters.values())
        if method and params:
            sig = sig.replace(parameters=params[1:])
        return [sig]
    return []


def _docstring_overload(obj, name: str | None) -> inspect.Signature | None:
    """The signature a C binding's docstring opens with ("linalg.cholesky(A, *, upper=False, out=None) ->
    Tensor"), for bindings the stubs leave out (torch.linalg's); C type words ("bool pivot") dropped."""
    import re
    lines = [line.strip() for line in (getattr(obj, "__doc__", None) or "").splitlines() if line.strip()]
    if not lines or name is None:
        return None
    match = re.match(rf"^(?:torch\.)?(?:linalg\.)?{re.escape(name.removeprefix('linalg_'))}\((.*)\)", lines[0])
    if not match:
        return None
    params = re.sub(r"\b(?:bool|int|float|str|Tensor)\s+(?=\w)", "", match.group(1))
    try:
        return _signature_of(ast.parse(f"def f({params}): ...").body[0], drop_self=False)
    except SyntaxError:
        return None


def _uninformative(sig: inspect.Signature) -> bool:
    """(*args, **kwargs): a wrapper whose real signature lies elsewhere."""
    kinds = [p.kind for p in sig.parameters.values() if p.name != "self"]
    return kinds == [P.VAR_POSITIONAL, P.VAR_KEYWORD]


def _init_signature(cls) -> inspect.Signature:
    sig = inspect.signature(cls.__init__)
    return sig.replace(parameters=list(sig.parameters.values())[1:])


# Where torch's stub disagrees with what torch accepts at run time (its docstring and its argument
# parser agree with each other): the run-time signature, written as a def.
_CONVERSIONS = "bool byte char double float half int long short".split()
CORRECTIONS = {
    "torch.tensor": ["def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False): ..."],
    "Tensor.new_tensor": ["def new_tensor(data, *, dtype=None, device=None, requires_grad=False): ..."],
    "Tensor.requires_grad_": ["def requires_grad_(requires_grad=True): ..."],
    "torch.linspace": ["def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, "
                       "pin_memory=False, requires_grad=False): ..."],
    "torch.logspace": ["def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, "
                       "device=None, pin_memory=False, requires_grad=False): ..."],
    "torch.range": ["def range(start, end, step=1, *, out=None, dtype=None, layout=None, device=None, "
                    "pin_memory=False, requires_grad=False): ..."],
    "torch.hamming_window": ["def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, "
                             "layout=None, device=None, pin_memory=False, requires_grad=False): ..."],
    "torch.asarray": ["def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False): ..."],
    **{f"Tensor.{n}": [f"def {n}(memory_format=torch.preserve_format): ..."] for n in _CONVERSIONS},
    # boolean-dispatch functions: the stub leaves out the flag that picks the implementation
    "F.max_pool2d": ["def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, "
                     "return_indices=False): ..."],
    "F.adaptive_max_pool2d": ["def adaptive_max_pool2d(input, output_size, return_indices=False): ..."],
    **{f"F.max_pool{n}d": [f"def max_pool{n}d(input, kernel_size, stride=None, padding=0, dilation=1, "
                           "ceil_mode=False, return_indices=False): ..."] for n in (1, 3)},
    **{f"F.adaptive_max_pool{n}d": [f"def adaptive_max_pool{n}d(input, output_size, return_indices=False): ..."]
       for n in (1, 3)},
    **{f"F.fractional_max_pool{n}d": [f"def fractional_max_pool{n}d(input, kernel_size, output_size=None, "
                                      "output_ratio=None, return_indices=False, _random_samples=None): ..."]
       for n in (2, 3)},
    # the stubs split one parameter into its overloads' names; the documented signature takes either kind
    **{f"torch.{n}": [f"def {n}(input, indices_or_sections): ..."] for n in ("hsplit", "vsplit", "dsplit")},
    **{f"Tensor.{n}": [f"def {n}(indices_or_sections): ..."] for n in ("hsplit", "vsplit", "dsplit")},
    "torch.isin": ["def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None): ..."],
}


def corrected_overloads(label: str) -> list[inspect.Signature] | None:
    if label not in CORRECTIONS:
        return None
    return [_signature_of(ast.parse(src).body[0], drop_self=False) for src in CORRECTIONS[label]]


def _deprecated(sig: inspect.Signature) -> bool:
    """torch's deprecated scalar-first overloads: add(self, alpha, other), addcmul(self, value, t1, t2)."""
    names = [p.name for p in sig.parameters.values() if p.kind in _POSITIONAL]
    return "alpha" in names or ("value" in names and names.index("value") < len(names) - 1)


# ---- comparison -----------------------------------------------------------------------------

def _public(p: P) -> bool:
    return not p.name.startswith("_")


def compare(name: str, mine: inspect.Signature, theirs: list[inspect.Signature]) -> list[Divergence]:
    """The ways `mine` fails to accept exactly what the overloads in `theirs` accept."""
    out: list[Divergence] = []
    ours = mine.parameters
    has_kwargs = any(p.kind is P.VAR_KEYWORD for p in ours.values())
    has_varargs = any(p.kind is P.VAR_POSITIONAL for p in ours.values())
    our_positional = [p for p in ours.values() if p.kind in _POSITIONAL]
    seen_names: set[str] = set()

    def add(problem):
        d = Divergence(name, problem)
        if d not in out:
            out.append(d)

    for sig in theirs:
        tp = list(sig.parameters.values())
        seen_names.update(p.name for p in tp)
        t_positional = [p for p in tp if p.kind in _POSITIONAL]
        t_varargs = any(p.kind is P.VAR_POSITIONAL for p in tp)
        t_kwargs = any(p.kind is P.VAR_KEYWORD for p in tp)
        # torch's positional parameters, in order
        for i, p in enumerate(t_positional):
            if i < len(our_positional):
                q = our_positional[i]
                if p.kind is P.POSITIONAL_OR_KEYWORD and q.name != p.name and p.name not in ours:
                    add(f"positional {i} is '{q.name}', torch calls it '{p.name}'")
            elif not has_varargs:
                add(f"takes {len(our_positional)} positional arguments, torch takes {len(t_positional)}")
                break
        if t_varargs and not has_varargs:
            add("has no *size form (torch takes sizes as separate arguments)")
        # keyword names (a positional-only parameter's name is not part of the call)
        for p in tp:
            if p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD, P.POSITIONAL_ONLY):
                continue
            q = ours.get(p.name)
            if q is None:
                if not has_kwargs:
                    add(f"missing parameter '{p.name}'")
                continue
            if q.kind in (P.POSITIONAL_ONLY, P.VAR_POSITIONAL, P.VAR_KEYWORD):
                add(f"'{p.name}' cannot be given by keyword")
            if p.default is not P.empty and q.default is P.empty and q.kind is not P.VAR_POSITIONAL:
                add(f"'{p.name}' is required; torch's default is {p.default!r}")
            if (_comparable(p.default) and _comparable(q.default) and not _same(p.default, q.default)
                    and _agreed_default(theirs, p.name)):
                add(f"'{p.name}' defaults to {q.default!r}, torch's to {p.default!r}")
        if t_kwargs and not has_kwargs:
            add("takes no **kwargs, torch does")
    if not theirs:
        return out
    # what minitorch accepts beyond torch
    positional_only_slots = {i for s in theirs for i, p in enumerate(
        [p for p in s.parameters.values() if p.kind in _POSITIONAL]) if p.kind is P.POSITIONAL_ONLY}
    for i, q in enumerate(ours.values()):
        if not _public(q) or q.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) or i in positional_only_slots:
            continue
        if q.name not in seen_names:
            add(f"extra parameter '{q.name}' (torch has none of that name)")
        elif q.default is P.empty and all(q.name not in s.parameters or s.parameters[q.name].default
                                           is not P.empty for s in theirs):
            add(f"requires '{q.name}'; torch does not")
    keyword_only_everywhere = {
        n for n in seen_names
        if all(n not in s.parameters or s.parameters[n].kind is P.KEYWORD_ONLY for s in theirs)}
    positional_anywhere = max((len([p for p in s.parameters.values() if p.kind in _POSITIONAL]) for s in theirs),
                              default=0)
    any_varargs = any(p.kind is P.VAR_POSITIONAL for s in theirs for p in s.parameters.values())
    for i, q in enumerate(our_positional):
        if q.name in keyword_only_everywhere and _public(q) and i >= positional_anywhere and not any_varargs:
            add(f"'{q.name}' can be given positionally; torch makes it keyword-only")
    return out


def _agreed_default(theirs, name) -> bool:
    """Whether every overload that has `name` gives it the same default (conv2d's padding is 0 in
    one overload and 'valid' in another: either is torch's)."""
    defaults = {repr(s.parameters[name].default) for s in theirs if name in s.parameters}
    return len(defaults) == 1


def _comparable(value) -> bool:
    return value is not P.empty and value is not UNKNOWN and isinstance(value, (bool, int, float, str, type(None)))


def _same(a, b) -> bool:
    if type(a) is bool or type(b) is bool:
        return a is b
    return a == b


def signature(obj) -> inspect.Signature | None:
    """minitorch's signature of `obj` (for a class, its constructor's, without self)."""
    try:
        if isinstance(obj, type):
            return _init_signature(obj)
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


# ---- the public surface ---------------------------------------------------------------------

_NAMESPACES = (
    # (minitorch module path, torch module path, label)
    ("minitorch", "torch", "torch"),
    ("minitorch.nn.functional", "torch.nn.functional", "F"),
    ("minitorch.nn.init", "torch.nn.init", "nn.init"),
    ("minitorch.nn.utils", "torch.nn.utils", "nn.utils"),
    ("minitorch.nn", "torch.nn", "nn"),
    ("minitorch.optim", "torch.optim", "optim"),
    ("minitorch.optim.lr_scheduler", "torch.optim.lr_scheduler", "lr_scheduler"),
    ("minitorch.utils.data", "torch.utils.data", "utils.data"),
    ("minitorch.autograd", "torch.autograd", "autograd"),
    ("minitorch.autograd.functional", "torch.autograd.functional", "autograd.functional"),
    ("minitorch.autograd.graph", "torch.autograd.graph", "autograd.graph"),
    ("minitorch.utils.checkpoint", "torch.utils.checkpoint", "utils.checkpoint"),
    ("minitorch.random", "torch.random", "random"),
    ("minitorch.cuda", "torch.cuda", "cuda"),
    ("minitorch.linalg", "torch.linalg", "linalg"),
    ("minitorch.nn.utils.rnn", "torch.nn.utils.rnn", "nn.utils.rnn"),
)
# Classes whose public methods are compared too (their constructors always are).
_METHOD_CLASSES = ("Module", "Optimizer", "DataLoader", "LRScheduler")


def _callables(module):
    for n in sorted(vars(module)):
        if n.startswith("_"):
            continue
        obj = getattr(module, n)
        if callable(obj) and not inspect.ismodule(obj):
            yield n, obj


def public_pairs():
    """(label, minitorch callable, torch callable, is_method) for every public minitorch callable
    that torch also has, across the namespaces above and the methods of Tensor, of every nn.Module
    subclass (forward and the Module API), optimisers and schedulers."""
    import importlib

    import torch

    import minitorch
    for mine_path, theirs_path, label in _NAMESPACES:
        mine, theirs = importlib.import_module(mine_path), importlib.import_module(theirs_path)
        for n, obj in _callables(mine):
            other = getattr(theirs, n, None)
            if other is None or not callable(other):
                continue
            if isinstance(obj, minitorch.dtype) or isinstance(other, torch.dtype):
                continue
            yield f"{label}.{n}", obj, other, False
            if isinstance(obj, type) and isinstance(other, type) and _has_compared_methods(obj):
                yield from _methods(f"{label}.{n}", obj, other)
    yield from _methods("Tensor", minitorch.Tensor, torch.Tensor, every=True)


def _has_compared_methods(cls) -> bool:
    return any(base.__name__ in _METHOD_CLASSES for base in cls.__mro__)


def _methods(label, mine, theirs, every=False):
    """Public methods `mine` defines itself (or all, with `every`) that `theirs` also has."""
    names = dir(mine) if every else [n for n in vars(mine) if not n.startswith("_")]
    for n in sorted(set(names)):
        if n.startswith("_") and n not in ("__getitem__", "__setitem__"):
            continue
        obj, other = inspect.getattr_static(mine, n, None), getattr(theirs, n, None)
        if other is None or obj is None or isinstance(obj, (property, staticmethod, classmethod)):
            continue
        if not callable(obj) or not callable(other) or isinstance(obj, type):
            continue
        yield f"{label}.{n}", obj, other, True


def divergences() -> list[Divergence]:
    out = []
    for label, obj, other, method in public_pairs():
        mine = signature(obj)
        if mine is None:
            continue
        if method:  # drop the bound tensor (minitorch's Tensor methods often call it `input`)
            params = list(mine.parameters.values())
            if params and params[0].kind in _POSITIONAL:
                mine = mine.replace(parameters=params[1:])
        name = getattr(other, "__name__", label.rsplit(".", 1)[-1])
        theirs = corrected_overloads(label) or torch_overloads(other, name, method=method)
        theirs = [t for t in theirs if not _deprecated(t)]
        out.extend(compare(label, mine, theirs))
    return out
