"""save / load: tensors and nested containers in a safe file (no pickle), written atomically.

The file is a NumPy .npz archive: one array per tensor plus a JSON description of the
structure (dicts, lists, tuples, numbers, strings, None, tensors, Parameters). Loading
never executes code from the file; saving writes a temporary file and renames it, so an
interrupted save never leaves a half-written checkpoint.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

_FORMAT = "minitorch-1"


def _encode(obj, arrays):
    from .nn.parameter import Parameter
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = obj.detach().cpu()._data
        return {"tensor": key, "requires_grad": obj.requires_grad, "parameter": isinstance(obj, Parameter),
                "device": str(obj.device)}
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return {"value": obj}
    if isinstance(obj, OrderedDict):
        return {"odict": [[_key(k), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, dict):
        return {"dict": [[_key(k), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"list" if isinstance(obj, list) else "tuple": [_encode(v, arrays) for v in obj]}
    if hasattr(obj, "name") and type(obj).__name__ == "dtype":
        return {"dtype": obj.name}
    raise TypeError(f"minitorch.save stores tensors, numbers, strings and containers of them; got "
                    f"{type(obj).__name__}. Save a module's state_dict() rather than the module.")


def _key(k):
    if isinstance(k, (str, int, float, bool)) or k is None:
        return {"value": k}
    raise TypeError(f"dictionary keys must be str, int, float, bool or None, got {type(k).__name__}")


def _decode(node, arrays, map_location):
    from .nn.parameter import Parameter
    from .ops.creation import from_numpy
    if "tensor" in node:
        t = from_numpy(np.array(arrays[node["tensor"]]))
        device = map_location if map_location is not None else node.get("device", "cpu")
        if callable(device):
            device = "cpu"
        if str(device) != "cpu":
            t = t.to(device)
        if node.get("parameter"):
            return Parameter(t, requires_grad=node["requires_grad"])
        return t.requires_grad_(node["requires_grad"]) if node["requires_grad"] else t
    if "value" in node:
        return node["value"]
    if "odict" in node or "dict" in node:
        kind = OrderedDict if "odict" in node else dict
        items = node.get("odict", node.get("dict"))
        return kind((k["value"], _decode(v, arrays, map_location)) for k, v in items)
    if "list" in node:
        return [_decode(v, arrays, map_location) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, arrays, map_location) for v in node["tuple"])
    if "dtype" in node:
        from . import dtypes
        return dtypes.as_dtype(node["dtype"])
    raise ValueError("unrecognised entry in a minitorch checkpoint")


def save(obj, f) -> None:
    """Save `obj` to a path or a binary file object."""
    arrays = {}
    structure = json.dumps({"format": _FORMAT, "root": _encode(obj, arrays)})
    if not isinstance(f, (str, os.PathLike)):
        np.savez(f, __structure__=np.array(structure), **arrays)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".minitorch-save-")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, __structure__=np.array(structure), **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(f, map_location=None, weights_only: bool = True, **kwargs):
    """Load what `save` wrote. Nothing in the file is executed (weights_only=False is refused)."""
    if weights_only is False:
        raise RuntimeError("minitorch.load only reads its own safe format; it never unpickles objects "
                           "(weights_only=False is not supported)")
    if isinstance(f, (bytes, bytearray)):
        f = io.BytesIO(f)
    try:
        with np.load(f, allow_pickle=False) as data:
            structure = json.loads(str(data["__structure__"]))
            if structure.get("format") != _FORMAT:
                raise ValueError("not a minitorch checkpoint")
            arrays = {k: data[k] for k in data.files if k != "__structure__"}
    except (OSError, ValueError, KeyError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise RuntimeError(f"Invalid minitorch checkpoint: {e}") from None
    return _decode(structure["root"], arrays, map_location)
