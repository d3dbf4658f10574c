"""SyncBatchNorm: batch normalisation whose statistics cover the whole batch across the processes of a group.

In training, with an initialised process group of more than one process, each process computes its
inputs' per-channel mean and 1/√(var + eps), the group all-gathers them with the counts, and every
process normalises with the combined statistics; backward all-reduces Σ dy and Σ dy (x − mean) so the
input gradient is the one of the whole batch. Otherwise it is BatchNorm. As in torch, only inputs on a
GPU synchronise: a CPU input in a group raises torch's ValueError.
"""
from __future__ import annotations

from ...autograd.function import Function
from .normalization import _BatchNorm


def _channel_view(t, ndim: int):
    """A per-channel vector shaped to broadcast against an (N, C, ...) input."""
    return t.view((1, -1) + (1,) * (ndim - 2))


def _reduce_dims(ndim: int) -> list:
    return [0] + list(range(2, ndim))


class SyncBatchNormFunction(Function):
    """y = (x − mean) / √(var + eps) · weight + bias with the group's mean and variance."""

    node_name = "SyncBatchNormBackward"

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, eps, momentum, process_group, world_size):
        from ... import distributed as dist
        from ...ops.creation import full, zeros
        from ...ops.shape import cat
        input = input.contiguous()
        channels = input.shape[1]
        size = input.numel() // channels if channels else 0
        if size == 1 and world_size < 2:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
        dims = _reduce_dims(input.dim())
        if input.numel() > 0:
            mean = input.mean(dims)
            invstd = (input.var(dims, correction=0) + eps).rsqrt()
            combined = cat([mean, invstd, full((1,), size, dtype=mean.dtype, device=mean.device)])
        else:  # an empty input still joins the collective, with a zero count that drops its statistics
            combined = zeros(2 * channels + 1, dtype=input.dtype, device=input.device)
        gathered = combined.new_empty((world_size * combined.numel(),))
        dist.all_gather_into_tensor(gathered, combined, process_group)
        gathered = gathered.view(world_size, -1)
        mean_all, invstd_all, count_all = gathered[:, :channels], gathered[:, channels:-1], gathered[:, -1:]
        kept = count_all.squeeze(-1) >= 1
        mean_all, invstd_all, count_all = mean_all[kept], invstd_all[kept], count_all[kept]
        mean, invstd = _combine_statistics(mean_all, invstd_all, count_all, running_mean, running_var, momentum, eps)
        ctx.save_for_backward(input, weight, mean, invstd, count_all)
        ctx.process_group = process_group
        if input.numel() == 0:
            return input.new_empty(input.shape)
        out = (input - _channel_view(mean, input.dim())) * _channel_view(invstd, input.dim())
        if weight is not None:
            out = out * _channel_view(weight, input.dim())
        if bias is not None:
            out = out + _channel_view(bias, input.dim())
        return out

    @staticmethod
    def backward(ctx, grad):
        """dx = weight · invstd · (dy − mean(dy) − (x − mean) · invstd² · mean(dy (x − mean))), the means over
        the group's batch; dweight = Σ dy (x − mean) invstd and dbias = Σ dy over this process's inputs
        (DistributedDataParallel averages them)."""
        from ... import distributed as dist
        from ...ops.creation import zeros
        from ...ops.shape import cat
        input, weight, mean, invstd, count = ctx.saved_tensors
        channels = input.shape[1]
        grad_input = grad_weight = grad_bias = None
        if input.numel() == 0:  # nothing to compute here, but the peers wait for this process's zeros
            if ctx.needs_input_grad[0]:
                dist.all_reduce(zeros(2 * channels, dtype=input.dtype, device=input.device), group=ctx.process_group)
            return None, None, None, None, None, None, None, None, None
        grad = grad.contiguous()
        dims, n = _reduce_dims(input.dim()), input.dim()
        centred = input - _channel_view(mean, n)
        sum_dy, sum_dy_xmu = grad.sum(dims), (grad * centred).sum(dims)
        if weight is not None and ctx.needs_input_grad[1]:
            grad_weight = sum_dy_xmu * invstd
        if weight is not None and ctx.needs_input_grad[2]:
            grad_bias = sum_dy
        if ctx.needs_input_grad[0]:
            combined = cat([sum_dy, sum_dy_xmu])
            dist.all_reduce(combined, group=ctx.process_group)
            total = count.sum()
            mean_dy, mean_dy_xmu = combined[:channels] / total, combined[channels:] / total
            scale = invstd if weight is None else invstd * weight
            grad_input = (grad - _channel_view(mean_dy, n) - centred * _channel_view(invstd * invstd * mean_dy_xmu, n)) \
                * _channel_view(scale, n)
        return grad_input, grad_weight, grad_bias, None, None, None, None, None, None


def _combine_statistics(means, invstds, counts, running_mean, running_var, momentum: float, eps: float):
    """The whole batch's mean and 1/√(var + eps) from each process's (mean, invstd, count); the running
    statistics move toward the mean and the unbiased variance by `momentum`."""
    total = counts.sum()
    mean = (means * counts).sum(0) / total
    variances = invstds.pow(-2) - eps
    var = ((variances + (means - mean) ** 2) * counts).sum(0) / total
    if running_mean is not None:
        running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype) * momentum)
    if running_var is not None:
        unbiased = var * total / (total - 1)
        running_var.mul_(1 - momentum).add_(unbiased.to(running_var.dtype) * momentum)
    return mean, (var + eps).rsqrt()


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over the inputs of every process in `process_group` (the world by default)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype,
                         bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input):
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def forward(self, input):
        from ... import distributed as dist
        from .. import functional as F
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / self.num_batches_tracked.item() if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        tracked = not self.training or self.track_running_stats
        running_mean, running_var = (self.running_mean, self.running_var) if tracked else (None, None)
        need_sync = bn_training and self.training and dist.is_available() and dist.is_initialized()
        if need_sync:
            if input.device.type != "cuda":
                raise ValueError("SyncBatchNorm expected input tensor to be on GPU or XPU or privateuseone")
            process_group = self.process_group or dist.group.WORLD
            world_size = dist.get_world_size(process_group)
            need_sync = world_size > 1
        if not need_sync:
            return F.batch_norm(input, running_mean, running_var, self.weight, self.bias, bn_training, factor,
                                self.eps)
        return SyncBatchNormFunction.apply(input, self.weight, self.bias, running_mean, running_var, self.eps,
                                           factor, process_group, world_size)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm*d layer in it replaced by a SyncBatchNorm sharing its parameters and
        running statistics (a new SyncBatchNorm when `module` is itself one)."""
        output = module
        if isinstance(module, _BatchNorm):
            output = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                         process_group, bias=module.bias is not None)
            if module.affine:
                output.weight, output.bias = module.weight, module.bias
            output.running_mean, output.running_var = module.running_mean, module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output
