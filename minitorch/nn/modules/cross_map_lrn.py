"""CrossMapLRN2d: torch's legacy (Lua Torch) local response normalisation across channels, computed as its
Function computes it, running window sums and all, so values and gradients match torch's exactly. The newer
LocalResponseNorm is the one to use; this one exists for code that still names it."""
from __future__ import annotations

from ...autograd import batched
from ...autograd.function import Primitive
from .module import Module


class CrossMapLRN2d_(Primitive):
    """y = x · scale^(−β), scale_c = k + α/size · (a running sum of x² over channels near c).

    The running sum is torch's: channel 0 starts with the first ⌊(size−1)/2⌋+1 squares; each next channel
    adds the square entering the window and, past the first `pre_pad` channels, drops the one leaving it."""

    node_name = "CrossMapLRN2dBackward"

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        xp = ctx.xp
        channels = x.shape[1]
        squares = x * x
        pre_pad = int((size - 1) / 2 + 1)
        scale = xp.empty_like(x)
        scale[:, 0] = squares[:, :min(pre_pad, channels)].sum(1)
        for c in range(1, channels):
            scale[:, c] = scale[:, c - 1]
            if c < channels - pre_pad + 1:
                scale[:, c] += squares[:, c + pre_pad - 1]
            if c > pre_pad:
                scale[:, c] -= squares[:, c - pre_pad]
        scale = scale * (alpha / size) + k
        out = scale ** -beta * x
        ctx.save_for_backward(x, out)
        ctx.scale, ctx.size, ctx.alpha, ctx.beta = scale, size, alpha, beta
        return out

    @staticmethod
    def backward(ctx, grad):
        """torch's backward: scale^(−β) g − 2αβ/size · x · (a window sum of g · y / scale)."""
        from ...tensor import Tensor
        x, out = (t._data for t in ctx.saved_tensors)
        g, scale, size = grad._data, ctx.scale, ctx.size
        xp = ctx.xp
        batch, channels = x.shape[:2]
        grad_input = scale ** -ctx.beta * g
        before = int(size - (size - 1) / 2)
        ratio = xp.zeros((batch, channels + size - 1) + x.shape[2:], dtype=x.dtype)
        ratio[:, before:before + channels] = g * out / scale
        running = ratio[:, :size - 1].sum(1)
        factor = 2 * ctx.alpha * ctx.beta / size
        for c in range(channels):
            running = running + ratio[:, c + size - 1]
            grad_input[:, c] -= factor * x[:, c] * running
            running = running - ratio[:, c]
        return Tensor._wrap(grad_input, grad.device)


class CrossMapLRN2d(Module):
    """Local response normalisation across `size` channels of a 4-d input (torch's legacy layer)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        batched.refuse_legacy_function()  # torch's CrossMapLRN2d is an old-style autograd.Function
        return CrossMapLRN2d_.apply(input, size=self.size, alpha=self.alpha, beta=self.beta, k=self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
