"""DataParallel: one module run on several GPUs of one process, as torch.nn.DataParallel runs it.

Each call splits the inputs along `dim` into one chunk per device (Scatter), runs a replica of the
module on each (replicate: the parameters broadcast to every device, so their gradients sum back to
the originals), and joins the outputs on `output_device` (Gather). Scatter, Gather and Broadcast are
autograd Functions with torch's graph nodes (ScatterBackward, GatherBackward, BroadcastBackward).
Without a GPU the module runs as it is; with one device the inputs move there and the module runs
on them directly, as torch does.
"""
from __future__ import annotations

import warnings

from ... import cuda
from ...autograd.function import Function
from ...device import device
from ...tensor import Tensor
from ..modules.module import Module


def _device(index: int) -> str:
    return f"cuda:{index}"


def _device_index(device) -> int:
    """A device id given as an int, "cuda:1" or a device object, as an int (torch's _get_device_index)."""
    index = cuda._index(device)
    if not 0 <= index < cuda.device_count():
        raise AssertionError("Invalid device id")
    return index


def _moved(t: Tensor, index: int) -> Tensor:
    """t on device `index`: a copy even when it is there already (each output of a Function is its own)."""
    target = _device(index)
    return t.clone() if t.device.type == "cuda" and t.device.index == index else t.to(target)


class Scatter(Function):
    """The input split along `dim` into one chunk per target device (sizes `chunk_sizes`, else even)."""

    @staticmethod
    def forward(ctx, target_devices, chunk_sizes, dim, input):
        ctx.dim, ctx.input_device = dim, input.device
        chunks = input.split(list(chunk_sizes), dim) if chunk_sizes else input.chunk(len(target_devices), dim)
        return tuple(_moved(c, d) for c, d in zip(chunks, target_devices))

    @staticmethod
    def backward(ctx, *grads):
        return None, None, None, Gather.apply(ctx.input_device, ctx.dim, *grads)


class Gather(Function):
    """The inputs joined along `dim` on `target_device` (0-d inputs become a vector, with torch's warning)."""

    @staticmethod
    def forward(ctx, target_device, dim, *inputs):
        if all(i.dim() == 0 for i in inputs):
            warnings.warn("Was asked to gather along dimension 0, but all input tensors were scalars; will instead "
                          "unsqueeze and return a vector.", UserWarning, stacklevel=2)
            inputs = tuple(i.view(1) for i in inputs)
            ctx.unsqueezed_scalar = True
        else:
            ctx.unsqueezed_scalar = False
        ctx.dim, ctx.input_devices = dim, [i.device.index for i in inputs]
        ctx.input_sizes = [i.shape[dim] for i in inputs]
        from ...ops.shape import cat
        return cat([i.to(target_device) for i in inputs], dim)

    @staticmethod
    def backward(ctx, grad):
        chunks = Scatter.apply(ctx.input_devices, ctx.input_sizes, ctx.dim, grad)
        if ctx.unsqueezed_scalar:
            chunks = tuple(c[0] for c in chunks)
        return (None, None) + tuple(chunks)


class Broadcast(Function):
    """Each input copied to every target device: outputs grouped device by device."""

    @staticmethod
    def forward(ctx, target_gpus, *inputs):
        ctx.target_gpus, ctx.num_inputs = target_gpus, len(inputs)
        ctx.input_devices = [i.device for i in inputs]
        outputs = tuple(_moved(i, d) for d in target_gpus for i in inputs)
        ctx.mark_non_differentiable(*[o for o, i in zip(outputs, inputs * len(target_gpus)) if not i.requires_grad])
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        """Each input's gradient: the sum of its copies' gradients, on the input's device."""
        n = ctx.num_inputs
        sums = []
        for j in range(n):
            total = None
            for g in grads[j::n]:
                if g is not None:
                    g = g.to(ctx.input_devices[j])
                    total = g if total is None else total + g
            sums.append(total)
        return (None,) + tuple(sums)


def _scatter_map(obj, target_gpus, dim):
    if isinstance(obj, Tensor):
        return Scatter.apply(target_gpus, None, dim, obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple
        return [type(obj)(*args) for args in zip(*(_scatter_map(o, target_gpus, dim) for o in obj))]
    if isinstance(obj, tuple) and obj:
        return list(zip(*(_scatter_map(o, target_gpus, dim) for o in obj)))
    if isinstance(obj, list) and obj:
        return [list(i) for i in zip(*(_scatter_map(o, target_gpus, dim) for o in obj))]
    if isinstance(obj, dict) and obj:
        return [type(obj)(i) for i in zip(*(_scatter_map(obj.items(), target_gpus, dim)))]
    return [obj for _ in target_gpus]


def scatter(inputs, target_gpus, dim: int = 0):
    """Tensors in `inputs` (nested in tuples, lists and dicts) split into one chunk per device; other
    objects referenced by every chunk."""
    return _scatter_map(inputs, target_gpus, dim)


def scatter_kwargs(inputs, kwargs, target_gpus, dim: int = 0):
    """scatter for positional and keyword arguments, padded to the same number of chunks."""
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(scattered_inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def gather(outputs, target_device, dim: int = 0):
    """Outputs of the replicas (tensors nested in tuples, lists and dicts) joined on `target_device`."""
    def gather_map(outs):
        out = outs[0]
        if isinstance(out, Tensor):
            return Gather.apply(target_device, dim, *outs)
        if out is None:
            return None
        if isinstance(out, dict):
            if not all(len(out) == len(d) for d in outs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, gather_map([d[k] for d in outs])) for k in out)
        if isinstance(out, tuple) and hasattr(out, "_fields"):
            return type(out)._make(map(gather_map, zip(*outs)))
        return type(out)(map(gather_map, zip(*outs)))
    return gather_map(outputs)


def replicate(network: Module, devices, detach: bool = False) -> list:
    """One copy of `network` per device, its parameters broadcast (gradients flow back to the originals
    unless `detach`) and its buffers copied."""
    devices = [_device_index(d) for d in devices]
    params = list(network.parameters())
    if detach or not params:
        param_copies = [[_moved(p.detach(), d) for p in params] for d in devices]
    else:
        flat = Broadcast.apply(devices, *params)
        param_copies = [list(flat[i * len(params):(i + 1) * len(params)]) for i in range(len(devices))]
    buffers = list(network.buffers())
    buffer_copies = [[_moved(b.detach(), d) for b in buffers] for d in devices]
    modules = list(network.modules())
    index = {id(m): i for i, m in enumerate(modules)}
    param_index = {id(p): i for i, p in enumerate(params)}
    buffer_index = {id(b): i for i, b in enumerate(buffers)}
    replicas = []
    for j in range(len(devices)):
        copies = []
        for m in modules:
            replica = object.__new__(type(m))
            replica.__dict__.update(m.__dict__, _parameters=dict(m._parameters), _buffers=dict(m._buffers),
                                    _modules=dict(m._modules), _is_replica=True)
            copies.append(replica)
        for m, replica in zip(modules, copies):
            for key, child in m._modules.items():
                replica._modules[key] = None if child is None else copies[index[id(child)]]
            for key, p in m._parameters.items():
                replica._parameters[key] = None if p is None else param_copies[j][param_index[id(p)]]
            for key, b in m._buffers.items():
                replica._buffers[key] = None if b is None else buffer_copies[j][buffer_index[id(b)]]
        replicas.append(copies[0])
    return replicas


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None) -> list:
    """Each module applied to its inputs on its device (one after another: the results are the same)."""
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs "
                             f"{len(inputs)}")
    kwargs_tup = kwargs_tup if kwargs_tup is not None else ({},) * len(modules)
    outputs = []
    for i, (module, args, kwargs) in enumerate(zip(modules, inputs, kwargs_tup)):
        index = _device_index(devices[i]) if devices is not None else \
            next((p.device.index for p in module.parameters()), cuda.current_device())
        with cuda.device(index):
            if not isinstance(args, (list, tuple)):
                args = (args,)
            outputs.append(module(*args, **kwargs))
    return outputs


class _Steps:
    """The four steps of a data-parallel call, as data_parallel takes them (DataParallel's methods, which a
    subclass may override, are the same steps)."""

    def __init__(self, dim: int, device_ids):
        self.dim, self.device_ids = dim, device_ids

    def scatter(self, inputs, kwargs, device_ids):
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def replicate(self, module: Module, device_ids) -> list:
        return replicate(module, device_ids)

    def parallel_apply(self, replicas, inputs, kwargs) -> list:
        return parallel_apply(replicas, inputs, kwargs, self.device_ids[:len(replicas)])

    def gather(self, outputs, output_device):
        return gather(outputs, _device(output_device), dim=self.dim)


def _run(steps, module: Module, inputs, kwargs, device_ids, output_device):
    """Scatter the inputs, run a replica per device (the module itself on one device), gather the outputs."""
    source = device(_device(device_ids[0]))
    for t in [*module.parameters(), *module.buffers()]:
        if t.device != source:
            raise RuntimeError(f"module must have its parameters and buffers on device {source} (device_ids[0]) but "
                               f"found one of them on device: {t.device}")
    inputs, module_kwargs = steps.scatter(inputs, kwargs, device_ids)
    if not inputs and not module_kwargs:  # no inputs: run once, on the first device
        inputs, module_kwargs = ((),), ({},)
    if len(device_ids) == 1:
        return module(*inputs[0], **module_kwargs[0])
    used = device_ids[:len(inputs)]
    replicas = steps.replicate(module, used)
    outputs = steps.parallel_apply(replicas, inputs, module_kwargs)
    return steps.gather(outputs, output_device)


def _device_ids(device_ids, output_device):
    device_ids = list(range(cuda.device_count())) if device_ids is None else device_ids
    device_ids = [_device_index(d) for d in device_ids]
    return device_ids, device_ids[0] if output_device is None else _device_index(output_device)


class DataParallel(Module):
    """Runs `module` on `device_ids` (all GPUs by default), the batch split along `dim`; the outputs are
    joined on `output_device` (device_ids[0] by default). Without a GPU it runs `module` as it is."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        if not cuda.is_available():
            self.module, self.device_ids = module, []
            return
        self.dim, self.module = dim, module
        self.device_ids, self.output_device = _device_ids(device_ids, output_device)
        self.src_device_obj = device(_device(self.device_ids[0]))
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        return _run(self, self.module, inputs, kwargs, self.device_ids, self.output_device)

    def replicate(self, module: Module, device_ids) -> list:
        return replicate(module, device_ids, not self.training)

    def scatter(self, inputs, kwargs, device_ids):
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def parallel_apply(self, replicas, inputs, kwargs) -> list:
        return parallel_apply(replicas, inputs, kwargs, self.device_ids[:len(replicas)])

    def gather(self, outputs, output_device):
        return gather(outputs, _device(output_device), dim=self.dim)


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None):
    """DataParallel's forward as a function: `module` applied to `inputs` across `device_ids`."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if not cuda.is_available():
        return module(*inputs, **(module_kwargs or {}))
    device_ids, output_device = _device_ids(device_ids, output_device)
    return _run(_Steps(dim, device_ids), module, inputs, module_kwargs, device_ids, output_device)
