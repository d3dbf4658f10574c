"""A torch twin of minitorch code: the same model or function, run by real torch.

A model's twin is built from the model itself, the way it would have been written in torch:
minitorch's own layers become torch's layers of the same class (built from the same
constructor arguments), containers get the twins of their children, and a user's own Module
subclass becomes a torch Module whose methods are the user's very functions with `minitorch`
replaced by `torch` in their globals. The weights, buffers and train/eval modes are copied, so
both compute the same thing from the same numbers.
"""
from __future__ import annotations

import importlib
import inspect
import types

import numpy as np

_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
# minitorch namespaces and the torch namespaces that mirror them, most specific first
_NAMESPACES = (("minitorch.nn.functional", "torch.nn.functional"), ("minitorch.nn.init", "torch.nn.init"),
               ("minitorch.nn", "torch.nn"), ("minitorch.optim", "torch.optim"),
               ("minitorch.utils.data", "torch.utils.data"), ("minitorch.vision", "torchvision"),
               ("minitorch", "torch"))


def to_numpy(tensor) -> np.ndarray:
    """A copy of a minitorch or torch tensor's values as a NumPy array."""
    return np.array(tensor.detach().cpu().numpy(), copy=True)


def to_torch(value):
    """A minitorch tensor (or a tuple/list/dict of them) as torch tensors with the same values,
    dtype and requires_grad."""
    import torch
    import minitorch
    if isinstance(value, minitorch.Tensor):
        t = torch.from_numpy(to_numpy(value))
        return t.requires_grad_(value.requires_grad) if value.is_floating_point() else t
    if isinstance(value, (tuple, list)):
        return type(value)(to_torch(v) for v in value)
    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    return value


def torch_counterpart(obj):
    """The torch object that mirrors a minitorch module, class or function (or `obj` itself)."""
    if isinstance(obj, types.ModuleType):
        for ours, theirs in _NAMESPACES:
            if obj.__name__ == ours or obj.__name__.startswith(ours + "."):
                try:
                    return importlib.import_module(theirs + obj.__name__[len(ours):])
                except ImportError:
                    return importlib.import_module(theirs)
        return obj
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", None)
    if not module.startswith("minitorch") or name is None:
        return obj
    for ours, theirs in _NAMESPACES:
        namespace = importlib.import_module(ours)
        if getattr(namespace, name, None) is obj:
            try:
                return getattr(importlib.import_module(theirs), name)
            except (ImportError, AttributeError):
                continue
    return obj


def twin_value(value, twins: dict):
    """The torch counterpart of a value a function uses: a minitorch model becomes its twin (one
    twin per model, kept in `twins` by id), a minitorch module, class or function torch's own."""
    import minitorch
    if isinstance(value, minitorch.nn.Module):
        if id(value) not in twins:
            twins[id(value)] = (value, twin_module(value))
        return twins[id(value)][1]
    if isinstance(value, types.FunctionType) and not (value.__module__ or "").startswith(("minitorch", "torch")):
        key = ("function", id(value))  # a helper of the user's: its own globals need the same treatment
        if key not in twins:
            twins[key] = None  # a recursive helper meets itself: the original stands in until done
            twins[key] = twin_function(value, twins)
        return twins[key] or value
    return torch_counterpart(value)


def twin_function(fn, twins: dict | None = None):
    """`fn` with the minitorch modules, classes, functions and models that its globals and closure
    name replaced by torch's (the models by their twins, recorded in `twins`: id -> (ours, twin);
    the user's helper functions by their own twins)."""
    twins = {} if twins is None else twins
    if isinstance(fn, types.MethodType):
        return types.MethodType(twin_function(fn.__func__, twins), fn.__self__)
    if not isinstance(fn, types.FunctionType):
        return torch_counterpart(fn)
    names = fn.__code__.co_names
    globals_ = dict(fn.__globals__)
    for name in names:
        if name in globals_:
            globals_[name] = twin_value(globals_[name], twins)
    closure = fn.__closure__
    if closure:
        closure = tuple(types.CellType(twin_value(cell.cell_contents, twins)) for cell in closure)
    twin = types.FunctionType(fn.__code__, globals_, fn.__name__, fn.__defaults__, closure)
    twin.__kwdefaults__ = fn.__kwdefaults__
    twin.__qualname__ = fn.__qualname__
    return twin


def twin_module(module):
    """A torch nn.Module computing what `module` (a minitorch nn.Module) computes, with its weights."""
    import torch
    twin = _twin_structure(module)
    state = {k: torch.from_numpy(to_numpy(v)) for k, v in module.state_dict().items()}
    twin.load_state_dict(state, strict=True)
    for (_, ours), (_, theirs) in zip(module.named_modules(), twin.named_modules()):
        theirs.training = ours.training
    for ours, theirs in zip(module.parameters(), twin.parameters()):
        theirs.requires_grad_(ours.requires_grad)
    return twin


def _is_builtin(cls) -> bool:
    return cls.__module__.startswith("minitorch.")


def _twin_structure(module):
    import torch
    cls = type(module)
    if _is_builtin(cls):
        torch_cls = getattr(torch.nn, cls.__name__, None)
        if torch_cls is None:
            raise NotImplementedError(f"no torch.nn.{cls.__name__} mirrors minitorch's {cls.__module__}.{cls.__name__}")
        if cls.__name__ in _CONTAINERS:
            twin = torch_cls()
            for name, child in module._modules.items():
                twin.add_module(name, None if child is None else _twin_structure(child))
            return twin
        return torch_cls(**_constructor_arguments(module, torch_cls))
    return _twin_user_module(module)


def _constructor_arguments(module, torch_cls) -> dict:
    """The arguments that rebuild `module` in torch, read from its attributes of the same names."""
    import minitorch
    kwargs = {}
    for name, p in inspect.signature(torch_cls.__init__).parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or name in ("device", "dtype"):
            continue
        if name == "bias" and "bias" in module._parameters:
            kwargs[name] = module._parameters["bias"] is not None
        elif name in module.__dict__ or hasattr(type(module), name):
            value = getattr(module, name)
            if isinstance(value, minitorch.Tensor):
                continue
            kwargs[name] = value
        elif p.default is p.empty:
            raise NotImplementedError(f"cannot rebuild {type(module).__name__} in torch: no attribute {name!r}")
    dtype = next((t.dtype for t in module.parameters(recurse=False)), None)
    if dtype is not None and "dtype" in inspect.signature(torch_cls.__init__).parameters:
        kwargs["dtype"] = getattr(__import__("torch"), str(dtype).split(".")[-1])
    return kwargs


def _twin_user_module(module):
    """A user's Module subclass rebuilt on torch.nn.Module with the user's own methods."""
    import torch
    import minitorch
    cls = type(module)
    namespace = {}
    for klass in reversed(cls.__mro__):
        if klass is object or _is_builtin(klass) or klass.__module__.startswith("torch"):
            continue
        for name, value in vars(klass).items():
            if name in ("__init__", "__dict__", "__weakref__", "__module__", "__qualname__", "__doc__"):
                continue
            if isinstance(value, (types.FunctionType, staticmethod, classmethod, property)):
                namespace[name] = _twin_attribute(value)
    builtin = next(k for k in cls.__mro__ if _is_builtin(k))  # nn.Module, or a layer the user extends
    twin_cls = type(cls.__name__, (getattr(torch.nn, builtin.__name__, torch.nn.Module),), namespace)
    twin_cls.__module__ = cls.__module__
    twin_cls.__qualname__ = cls.__qualname__
    twin = twin_cls.__new__(twin_cls)
    torch.nn.Module.__init__(twin)
    for name, value in module.__dict__.items():
        if name.startswith("_") or name == "training":
            continue
        if not isinstance(value, (minitorch.Tensor, minitorch.nn.Module)):
            setattr(twin, name, value)
    for name, p in module._parameters.items():
        twin.register_parameter(name, None if p is None else torch.nn.Parameter(torch.from_numpy(to_numpy(p))))
    for name, b in module._buffers.items():
        twin.register_buffer(name, None if b is None else torch.from_numpy(to_numpy(b)))
    for name, child in module._modules.items():
        twin.add_module(name, None if child is None else _twin_structure(child))
    return twin


def _twin_attribute(value):
    if isinstance(value, staticmethod):
        return staticmethod(twin_function(value.__func__))
    if isinstance(value, classmethod):
        return classmethod(twin_function(value.__func__))
    if isinstance(value, property):
        return property(*(None if f is None else twin_function(f) for f in (value.fget, value.fset, value.fdel)))
    return twin_function(value)
