"""DistributedDataParallel: the same model on every rank, gradients averaged during backward.

As torch's reducer does: at construction the parameters' shapes are compared across ranks and
rank 0's parameters and buffers are copied to every rank; the parameters are split into buckets
(reverse order of `parameters()`, at most `bucket_cap_mb` each, the last one of at most 1 MB when
the cap is the default). During backward, a hook on each parameter's gradient accumulation copies
the gradient into its bucket; a full bucket is divided by the world size and its sum over ranks
started at once (`all_reduce` in the background, buckets always in the same order on every rank),
so communication overlaps the rest of backward. When backward ends, every bucket is waited for and
each `.grad` receives its averaged gradient.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

from ...autograd import engine
from ...autograd.function import AccumulateGrad
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...tensor import Tensor
from ..modules.module import Module

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024


class _Bucket:
    """Parameters whose gradients travel together, and the flat tensor they travel in."""

    def __init__(self, index, params):
        self.index = index
        self.params = params
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        from ...ops.creation import zeros
        self.flat = zeros(n, dtype=params[0].dtype, device=params[0].device)
        self.pending = 0
        self.work = None
        self.write_back = None

    def view(self, i, p) -> Tensor:
        """The part of the flat tensor that holds parameter i's gradient, shaped like it."""
        return self.flat[self.offsets[i]:self.offsets[i] + p.numel()].view(p.shape)


def _assign_buckets(params, first_cap: int, cap: int) -> list[list]:
    """Group parameters (in order) by dtype and device into buckets of at most `cap` bytes (the
    first of each kind at most `first_cap`); then reverse them, so that the parameters whose
    gradients come first in backward (the model's last) are in bucket 0."""
    open_buckets, done = {}, []
    for p in params:
        key = (p.dtype, p.device)
        bucket, size = open_buckets.get(key, ([], 0))
        bucket.append(p)
        size += p.numel() * p.element_size()
        limit = first_cap if not any(k == key for k, _ in done) else cap
        if size >= limit:
            done.append((key, bucket))
            bucket, size = [], 0
        open_buckets[key] = (bucket, size)
    done += [(key, b) for key, (b, _) in open_buckets.items() if b]
    position = {id(p): i for i, p in enumerate(params)}
    done.sort(key=lambda kb: position[id(kb[1][0])])
    return [b for _, b in reversed(done)]


def _tensors_in(obj):
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _tensors_in(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors_in(o)


def _reachable_params(outputs) -> set:
    """ids of the leaf tensors whose AccumulateGrad nodes the outputs' graphs reach."""
    seen, found = set(), set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    stack += [t._accumulator() for t in outputs if t.grad_fn is None and t.requires_grad]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if isinstance(node, AccumulateGrad):
            found.add(id(node.variable))
        stack.extend(n for n, _ in node.next_functions)
    return found


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training over `process_group` (the default group if None)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        super().__init__()
        from ... import distributed as dist
        from ...distributed import c10d
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh),
                            ("bucket_cap_mb_list", bucket_cap_mb_list)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: {name} is not supported by minitorch")
        for name, value in (("skip_all_reduce_unused_params", skip_all_reduce_unused_params),
                            ("batched_grad_copy", batched_grad_copy)):
            if value:
                raise NotImplementedError(f"DistributedDataParallel: {name}=True is not supported by minitorch")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        devices = {p.device for p in module.parameters()}
        if device_ids is not None or output_device is not None:
            if len(devices) != 1 or next(iter(devices)).type != "cuda" or (device_ids is not None and len(device_ids) != 1):
                raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                                 "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                                 f"{device_ids}, output_device {output_device}, and module parameters "
                                 f"{devices}.")
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is deprecated. "
                          "Please avoid using it.", FutureWarning, stacklevel=2)
        if broadcast_buffers is not None:
            warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead.",
                          FutureWarning, stacklevel=2)
        self.module = module
        self.device_ids = None if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim
        self.process_group = c10d._group(process_group)
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        self.gradient_as_bucket_view = gradient_as_bucket_view
        if forward_sync_buffers is not None:
            self.forward_sync_buffers, init_sync_buffers = forward_sync_buffers, True
        else:
            self.forward_sync_buffers = init_sync_buffers = broadcast_buffers is not False
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((bucket_cap_mb or _DEFAULT_BUCKET_CAP_MB) * _MB)
        first_cap = _DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        if init_sync:
            self._verify_same_model(dist, params)
            with no_grad():
                c10d._broadcast_coalesced(self.process_group, list(module.parameters()) +
                                          (list(module.buffers()) if init_sync_buffers else []))
        self._params = params
        self._buckets = [_Bucket(i, b) for i, b in enumerate(_assign_buckets(params, first_cap, self.bucket_bytes_cap))]
        self._where = {id(p): (b, i) for b in self._buckets for i, p in enumerate(b.params)}
        self._grad_hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]
        self._expect_hooks = False
        self._incomplete = None  # parameters the last backward gave no gradient, reported at the next forward

    # ---- construction -------------------------------------------------------------------
    def _verify_same_model(self, dist, params):
        mine = [(tuple(p.shape), str(p.dtype)) for p in params]
        every = [None] * self.process_group.size()
        dist.all_gather_object(every, mine, group=self.process_group)
        for r, theirs in enumerate(every):
            if len(theirs) != len(mine):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {self.process_group.rank()} "
                                   f"has {len(mine)} params, while rank {r} has inconsistent {len(theirs)} params.")
            for i, (a, b) in enumerate(zip(mine, theirs)):
                if a != b:
                    raise RuntimeError(f"DDP expects same model across all ranks: parameter {i} is {a[1]} "
                                       f"{list(a[0])} on rank {self.process_group.rank()} but {b[1]} {list(b[0])} "
                                       f"on rank {r}.")

    # ---- forward ------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._incomplete:
            missing, self._incomplete = self._incomplete, None
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This "
                "error indicates that your module has parameters that were not used in producing loss. You can "
                "enable unused parameter detection by passing the keyword argument `find_unused_parameters=True` "
                "to `torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function "
                "outputs participate in calculating loss.\nParameter indices which did not receive grad for "
                f"rank {self.process_group.rank()}: {' '.join(map(str, missing))}")
        if self.require_forward_param_sync and self.forward_sync_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                from ...distributed import c10d
                with no_grad():
                    c10d._broadcast_coalesced(self.process_group, buffers)
        if self.device_ids:
            device = self._params[0].device
            inputs = tuple(x.to(device) if isinstance(x, Tensor) else x for x in inputs)
            kwargs = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self._prepare_for_backward(output)
        else:
            self.require_forward_param_sync = False
            self._expect_hooks = False
        return output

    @contextmanager
    def no_sync(self):
        """Inside, forward/backward passes accumulate gradients locally; the first pass after it
        averages everything accumulated."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # ---- the reducer ----------------------------------------------------------------------
    def _prepare_for_backward(self, output):
        for b in self._buckets:
            b.pending, b.work, b.write_back = len(b.params), None, None
        self._next_bucket = 0
        self._ready = set()
        self._used = {id(p) for p in self._params}
        self._callback_queued = False
        self._expect_hooks = True
        if self.find_unused_parameters or self.static_graph:
            reached = _reachable_params(list(_tensors_in(output)))
            for p in self._params:
                if id(p) not in reached:
                    self._used.discard(id(p))
                    self._mark_ready(p, None)

    def _grad_ready(self, p):
        if not self._expect_hooks:
            return
        if not self._callback_queued:
            engine.queue_callback(self._finish_backward)
            self._callback_queued = True
        self._mark_ready(p, p.grad)
        for b in self._buckets[:self._next_bucket]:  # MPI moves data only inside its calls: let it
            if not b.work._done:                     # progress the buckets in flight
                b.work.is_completed()

    def _mark_ready(self, p, grad):
        self._ready.add(id(p))
        bucket, i = self._where[id(p)]
        view = bucket.view(i, p)
        if grad is None:
            view._data[...] = 0
        elif grad._data is not view._data:
            view._data[...] = grad._data
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready()

    def _launch_ready(self):
        """Start the all-reduce of every full bucket, in bucket order (the same on every rank)."""
        from ...distributed import c10d
        from ...distributed.process_group import RedOpType
        pg = self.process_group
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            b = self._buckets[self._next_bucket]
            b.flat._data /= pg.size()
            buf, b.write_back = c10d._stage(pg, b.flat)
            b.work = pg.engine.allreduce(buf, RedOpType.SUM)
            self._next_bucket += 1

    def _finish_backward(self):
        """End of backward: find which unused parameters some rank used, wait for every bucket and hand
        each parameter its averaged gradient."""
        self._expect_hooks = False
        late = [p for p in self._params if id(p) not in self._ready]
        if self.find_unused_parameters or self.static_graph:
            for p in late:  # reached by the forward but not by this backward: unused here too
                self._used.discard(id(p))
                self._mark_ready(p, None)
            used = self._globally_used()
        else:
            used = None
            if late:
                position = {id(p): i for i, p in enumerate(self._params)}
                self._incomplete = [position[id(p)] for p in late]
        with no_grad():
            for b in self._buckets:
                if b.work is None:
                    continue
                b.work.wait()
                if b.write_back is not None:
                    b.write_back()
                for i, p in enumerate(b.params):
                    if used is not None and not used[id(p)]:
                        continue
                    self._set_grad(p, b.view(i, p))

    def _globally_used(self) -> dict:
        """Whether any rank used each parameter (torch's locally-used map, summed over ranks)."""
        from ...distributed import c10d
        from ...distributed.process_group import RedOpType
        from ...ops.creation import tensor
        local = tensor([1 if id(p) in self._used else 0 for p in self._params], dtype="int32")
        buf, back = c10d._stage(self.process_group, local)
        self.process_group.engine.allreduce(buf, RedOpType.MAX).wait()
        if back is not None:
            back()
        return {id(p): bool(flag) for p, flag in zip(self._params, local.tolist())}

    def _set_grad(self, p, averaged: Tensor):
        if self.gradient_as_bucket_view:
            p.grad = averaged
        elif p.grad is None:
            p.grad = averaged.clone()
        else:
            p.grad._data[...] = averaged._data
