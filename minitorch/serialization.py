"""save / load in torch's checkpoint format: a zip archive of one pickle plus raw storages.

`torch.load(path, weights_only=True)` reads what `minitorch.save` writes, and `minitorch.load`
reads state dicts and checkpoints written by `torch.save`; neither needs the other library.

Layout (as torch writes it): `archive/data.pkl` is a protocol-2 pickle in which every tensor is
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` and every
storage is a persistent id `('storage', torch.FloatStorage, key, location, numel)` whose bytes
live, little-endian, in `archive/data/<key>`, aligned to 64 bytes.

Loading never runs code from the file: the unpickler knows a fixed list of names (tensor and
Parameter rebuilders, storage types, dtypes, devices, OrderedDict) and refuses anything else.
Saving writes a temporary file and renames it, so an interrupted save never leaves half a file.
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from . import dtypes
from .device import device as Device
from .tensor import Size, Tensor

_ALIGNMENT = 64
_STORAGE_NAMES = {d: f"{d.word}Storage" for d in dtypes.ALL}
_STORAGE_DTYPES = {name: d for d, name in _STORAGE_NAMES.items()}
_PLAIN_TYPES = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict, OrderedDict, set, frozenset)


class _TorchName:
    """A global of the torch namespace, written into the pickle by name (torch need not be installed)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle asks reducers for a callable; this one is only ever written
        raise TypeError(f"{self.module}.{self.name} exists only inside a checkpoint")


class _Storage:
    """One flat array that tensors in the file view; pickled as a persistent id."""

    def __init__(self, key: str, array: np.ndarray, location: str):
        self.key, self.array, self.location = key, array, location


_REBUILD_TENSOR = _TorchName("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchName("torch._utils", "_rebuild_parameter")


def _owning_array(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


class _TorchPickler(pickle._Pickler):
    """Pickles tensors, Parameters, dtypes, devices and Sizes the way torch does; refuses other objects."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol: int = 2):
        super().__init__(file, protocol=protocol)
        self.storages: dict[int, _Storage] = {}

    def _save_torch_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("ascii"))
        self.memoize(obj)

    dispatch[_TorchName] = _save_torch_name
    dispatch[dtypes.dtype] = lambda self, d: self._save_torch_name(_TorchName("torch", d.name))

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            storage_type = _TorchName("torch", _STORAGE_NAMES[dtypes.from_numpy_dtype(obj.array.dtype)])
            return ("storage", storage_type, obj.key, obj.location, obj.array.size)
        return None

    def reducer_override(self, obj):
        from .nn.parameter import Parameter
        if isinstance(obj, Parameter):
            return _REBUILD_PARAMETER, (obj.detach(), obj.requires_grad, OrderedDict())
        if isinstance(obj, Tensor):
            return _REBUILD_TENSOR, self._tensor_args(obj)
        if isinstance(obj, Device):
            return _TorchName("torch", "device"), (obj.type,) if obj.index is None else (obj.type, obj.index)
        if isinstance(obj, Size):
            return _TorchName("torch", "Size"), (tuple(obj),)
        if isinstance(obj, (_PLAIN_TYPES, _TorchName, _Storage, dtypes.dtype)) or obj is OrderedDict:
            return NotImplemented
        raise TypeError(f"minitorch.save stores tensors, numbers, strings and containers of them; got "
                        f"{type(obj).__name__}. Save a module's state_dict() rather than the module.")

    def _tensor_args(self, t: Tensor):
        """(storage, offset, size, stride, requires_grad, hooks); views of one array share its storage."""
        a = t.detach().cpu()._data
        root = _owning_array(a)
        item = a.itemsize
        shares = (root.dtype == a.dtype and root.flags.c_contiguous
                  and all(s >= 0 and s % item == 0 for s in a.strides))
        if not shares:
            root = a = np.ascontiguousarray(a)
        offset = (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // item if a.size else 0
        storage = self.storages.get(id(root))
        if storage is None:
            storage = self.storages[id(root)] = _Storage(str(len(self.storages)), root, str(t.device))
        stride = tuple(s // item for s in a.strides)
        return storage, offset, Size(a.shape), stride, t.requires_grad, OrderedDict()


def _write_record(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Store `data` uncompressed, padding the local header so the bytes start on a 64-byte boundary."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header_end = archive.fp.tell() + 30 + len(name.encode()) + 4
    pad = -header_end % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    archive.writestr(info, data)


def _write_archive(obj, out, protocol: int = 2, byteorder_record: bool = True) -> None:
    buf = io.BytesIO()
    pickler = _TorchPickler(buf, protocol)
    pickler.dump(obj)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        _write_record(archive, "archive/data.pkl", buf.getvalue())
        _write_record(archive, "archive/.format_version", b"1")
        _write_record(archive, "archive/.storage_alignment", str(_ALIGNMENT).encode())
        if byteorder_record:
            _write_record(archive, "archive/byteorder", b"little")
        for storage in pickler.storages.values():
            array = storage.array.astype(storage.array.dtype.newbyteorder("<"), copy=False)
            _write_record(archive, f"archive/data/{storage.key}", array.tobytes())
        _write_record(archive, "archive/version", b"3\n")


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False) -> None:
    """Save `obj` (tensors, state dicts, nested containers of them) to a path or binary file, in
    torch's zip format with the standard pickle module (protocol 2 by default, as torch)."""
    if pickle_module is not pickle:
        raise NotImplementedError("save(): minitorch writes with the standard pickle module only")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("save(): minitorch writes torch's zip format only (the legacy format was "
                                  "replaced in torch 1.6)")
    if not isinstance(f, (str, os.PathLike)):
        _write_archive(obj, f, pickle_protocol, not _disable_byteorder_record)
        return
    path = os.fspath(f)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".minitorch-save-")
    try:
        with os.fdopen(fd, "wb") as out:
            _write_archive(obj, out, pickle_protocol, not _disable_byteorder_record)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ---- loading -------------------------------------------------------------------------------------

def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    array, device = storage
    item = array.itemsize
    view = np.lib.stride_tricks.as_strided(array[storage_offset:] if array.size else array, tuple(size),
                                           tuple(s * item for s in stride))
    t = Tensor._wrap(view, Device("cpu"))
    if device.type != "cpu":
        t = t.to(device)
    return t.requires_grad_(True) if requires_grad else t


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _torch_globals():
    """The names a checkpoint may refer to, and what each becomes in minitorch."""
    names = {("collections", "OrderedDict"): OrderedDict,
             ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
             ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
             ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
             ("torch", "device"): Device,
             ("torch", "Size"): Size,
             ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "slice"): slice,
             ("builtins", "complex"): complex}
    names.update({("torch", d.name): d for d in dtypes.ALL})
    names.update({("torch", alias): d for d in dtypes.ALL for alias in d._aliases})
    names.update({("torch", name): d for name, d in _STORAGE_DTYPES.items()})
    return names


class _SafeUnpickler(pickle.Unpickler):
    """Rebuilds only the known names; storages come from the archive's data records."""

    _GLOBALS = _torch_globals()

    def __init__(self, file, archive, prefix, map_location, byteorder):
        super().__init__(file)
        self.archive, self.prefix, self.map_location, self.byteorder = archive, prefix, map_location, byteorder
        self.loaded = {}

    def find_class(self, module, name):
        try:
            return self._GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Unsupported global: GLOBAL {module}.{name}. minitorch.load only rebuilds tensors, Parameters, "
                "containers and plain values, and never runs code from a file.") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"Unsupported persistent id in checkpoint: {pid!r}")
        _, dtype, key, location, numel = pid
        if key not in self.loaded:
            raw = bytearray(self.archive.read(f"{self.prefix}data/{key}"))
            array = np.frombuffer(raw, dtype=dtype.np.newbyteorder("<" if self.byteorder == "little" else ">"))
            self.loaded[key] = (array[:numel].astype(dtype.np, copy=False), _map_location(location, self.map_location))
        return self.loaded[key]


def _map_location(location: str, map_location) -> Device:
    from . import cuda
    if callable(map_location) and not isinstance(map_location, Device):
        result = map_location(Tensor._wrap(np.empty(0, np.float32), Device("cpu")), location)
        return result.device if isinstance(result, Tensor) else Device(location)
    if isinstance(map_location, dict):
        return Device(map_location.get(location, location))
    if map_location is not None:
        return Device(map_location)
    target = Device(location)
    if target.type == "cuda" and not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    return target


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load a checkpoint written by `minitorch.save` or `torch.save`.

    Only tensors, Parameters, containers and plain values are rebuilt, as torch's default
    weights_only=True does. With weights_only=False a checkpoint of those loads the same, and one
    that names any other global raises UnpicklingError: minitorch never executes code from a file.
    `map_location` may be a device, a string, a {saved: target} dict, or a callable
    `(storage, location)` as in torch. `mmap=True` needs a path, as in torch (the records are
    read into memory either way).
    """
    if pickle_module is not None and weights_only:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError("load(): minitorch reads with the standard pickle module only")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise TypeError(f"load() got an unexpected keyword argument '{unknown.pop()}'")
    if pickle_load_args.get("encoding") not in (None, "utf-8", "ASCII", "latin1", "bytes"):
        raise ValueError(f"load(): unsupported pickle encoding {pickle_load_args['encoding']!r}")
    if isinstance(f, (bytes, bytearray)):
        f = io.BytesIO(f)
    try:
        archive = zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        raise RuntimeError("Invalid checkpoint: not a zip archive in torch's format (files from the legacy "
                           "non-zip torch.save format are not supported)") from None
    with archive:
        names = archive.namelist()
        prefix = names[0].split("/", 1)[0] + "/" if names else ""
        if f"{prefix}data.pkl" not in names:
            raise RuntimeError("Invalid checkpoint: the archive has no data.pkl record")
        byteorder = archive.read(f"{prefix}byteorder").decode() if f"{prefix}byteorder" in names else sys.byteorder
        data = io.BytesIO(archive.read(f"{prefix}data.pkl"))
        return _SafeUnpickler(data, archive, prefix, map_location, byteorder).load()
