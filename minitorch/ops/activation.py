"""Activation functions: relu and friends, softmax/log_softmax (stable), with torch's gradients."""
from __future__ import annotations

import math

from .. import dtypes as D
from ..autograd.function import Primitive, WithoutDerivative
from ..autograd.saved_values import attribute, torch_int
from ..tensor import Tensor
from ._helpers import wrap_dim


class Relu(Primitive):
    """max(x, 0); the gradient is 1 where x > 0 (0 at the kink, as torch)."""

    formula = "grad_self = grad · (y > 0)"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        y = ctx.backend.relu(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):  # with a graph of the gradient: torch's threshold_backward(grad, result, 0)
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(gy, y, threshold=0)

    @staticmethod
    def backward_arrays(ctx, gy):
        (y,) = ctx.saved_arrays
        return ctx.backend.relu_backward(gy, y)  # +0 where blocked, as torch's threshold_backward


def relu(input: Tensor) -> Tensor:
    if input._dtype is D.bool_:
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return Relu.apply(input)


def _softmax_input(input, dim, dtype, name="softmax"):
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"{name}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    if dtype is not None:
        input = input.to(dtype)
    if not input._dtype.is_floating_point and input._data.size:  # no kernel runs for no elements
        raise NotImplementedError(f"\"softmax_lastdim_kernel_impl\" not implemented for '{input._dtype.word}'")
    return input, wrap_dim(dim, input._data.ndim)


def _rowwise(xp, kernel, dim, *arrays):
    """Run a fused kernel along `dim`: half precision is computed in float32 (as torch's CPU kernels
    accumulate), a 0-d tensor as one row of one, an empty one not at all."""
    out_dtype = arrays[0].dtype
    if arrays[0].size == 0:
        return xp.zeros_like(arrays[0])
    if arrays[0].ndim == 0:
        return kernel(*[a.reshape(1) for a in arrays], 0).reshape(()).astype(out_dtype, copy=False)
    if out_dtype == xp.float16:
        arrays = [a.astype(xp.float32) for a in arrays]
    return kernel(*arrays, dim).astype(out_dtype, copy=False)


class _RowKernel(Primitive):
    """An op along `dim` computed by one fused kernel forward (`kernel`) and one backward
    (`kernel_backward`, from the output). When a graph of the gradient is requested
    (create_graph=True) the backward is torch's gradient op (`gradient`), which has derivatives itself."""

    kernel = kernel_backward = ""
    saved_names = ("result",)  # torch's name for the saved output
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @classmethod
    def forward(cls, ctx, x, *, dim, given_dim=None):
        ctx.dim = dim
        ctx.given_dim = dim if given_dim is None else given_dim  # the dim as the call named it (torch saves it)
        kernels = ctx.backend
        fused = getattr(kernels, cls.kernel)
        y = _rowwise(ctx.xp, lambda a, d: kernels.rowwise(fused, d, a), dim, x)
        ctx.save_for_backward(y)
        return y

    gradient = None  # torch's gradient op (a _RowGradient), which the graph of a gradient shows

    @staticmethod
    def backward_arrays(ctx, gy):
        (y,) = ctx.saved_arrays
        return _row_gradient(ctx, type(ctx).kernel_backward, gy, y, ctx.dim)

    @classmethod
    def backward(cls, ctx, gy):  # with a graph of the gradient
        (y,) = ctx.saved_tensors
        return cls.gradient.apply(gy, y, dim=ctx.dim, given_dim=ctx.given_dim)


def _row_gradient(ctx, kernel: str, gy, y, dim):
    """A row op's gradient from its output, by the backend's fused backward kernel along `dim`."""
    kernels = ctx.backend
    fused = getattr(kernels, kernel)
    return _rowwise(ctx.xp, lambda g, a, d: kernels.rowwise(fused, d, g, a), dim, gy, y)


class _RowGradient(Primitive):
    """torch's _softmax_backward_data / _log_softmax_backward_data(grad, y, dim): a row op's gradient from its
    output, as an op of its own. Its derivatives are torch's: `grad_derivative` in grad (the Jacobian applied to
    the incoming gradient: the op again where the Jacobian is symmetric), `output_derivative` in y."""

    saved_names = ("grad_output", "output")
    saved_values = {"dim": attribute("given_dim", torch_int)}
    kernel = ""

    @classmethod
    def forward(cls, ctx, gy, y, *, dim, given_dim):
        ctx.dim, ctx.given_dim = dim, given_dim
        ctx.save_for_backward(gy, y)
        return _row_gradient(ctx, cls.kernel, gy, y, dim)

    @classmethod
    def backward(cls, ctx, gg):
        gy, y = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (cls.grad_derivative(gg, y, ctx.dim, ctx.given_dim) if na[0] else None,
                cls.output_derivative(gg, gy, y, ctx.dim) if na[1] else None)


class SoftmaxBackwardData(_RowGradient):
    """y · (grad − Σ grad · y); d/dy = grad · gg − Σ(y · grad) · gg − grad · Σ(y · gg)."""

    node_name = "SoftmaxBackwardDataBackward0"
    kernel = "softmax_backward"
    grad_derivative = staticmethod(lambda gg, y, dim, given_dim: SoftmaxBackwardData.apply(gg, y, dim=dim,
                                                                                         given_dim=given_dim))
    output_derivative = staticmethod(lambda gg, gy, y, dim: gy * gg - (y * gy).sum(dim, keepdim=True) * gg
                                     - gy * (y * gg).sum(dim, keepdim=True))


class LogSoftmaxBackwardData(_RowGradient):
    """grad − e^y · Σ grad; d/dgrad = gg − Σ gg · e^y (the Jacobian is not symmetric); d/dy = −Σ grad · e^y · gg."""

    node_name = "LogSoftmaxBackwardDataBackward0"
    kernel = "log_softmax_backward"
    grad_derivative = staticmethod(lambda gg, y, dim, given_dim: gg - (gg * y.exp()).sum(dim, keepdim=True))
    output_derivative = staticmethod(lambda gg, gy, y, dim: -gy.sum(dim, keepdim=True) * y.exp() * gg)


class Softmax(_RowKernel):
    """exp(x) / sum(exp(x)) along dim."""

    formula = "grad_self = y · (grad - Σ_dim grad · y)"

    kernel, kernel_backward = "softmax", "softmax_backward"
    gradient = SoftmaxBackwardData


class LogSoftmax(_RowKernel):
    """x - log(sum(exp(x))) along dim (shifted by the maximum)."""

    formula = "grad_self = grad - exp(y) · Σ_dim grad"

    kernel, kernel_backward = "log_softmax", "log_softmax_backward"
    gradient = LogSoftmaxBackwardData


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim`, shifted by the maximum so it never overflows."""
    input, d = _softmax_input(input, dim, dtype)
    return LogSoftmax.apply(input, dim=d, given_dim=dim)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`: rows that sum to one."""
    input, d = _softmax_input(input, dim, dtype)
    return Softmax.apply(input, dim=d, given_dim=dim)


class Gelu(Primitive):
    saved_names = ("self",)
    saved_values = {"approximate": attribute("approximate")}

    """x * Phi(x) (or the tanh approximation), with a fused kernel each way."""

    @staticmethod
    def forward(ctx, x, *, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        y = _rowwise(ctx.xp, lambda a, _: ctx.backend.gelu(a, approximate), None, x)
        if approximate == "none" and (x.size == 1 or not x.flags.c_contiguous):
            # torch's vectorised kernel (contiguous input, several elements) gives NaN at +inf; its scalar
            # formula, which takes one element or strided input, keeps +inf
            y = ctx.xp.where(ctx.xp.isposinf(x), x, y)
        return y

    @staticmethod
    def backward(ctx, gy):  # when a graph of the gradient is wanted: the gradient as its own op, as in torch
        (x,) = ctx.saved_tensors
        return GeluBackward.apply(gy, x, approximate=ctx.approximate)

    @staticmethod
    def backward_arrays(ctx, gy):
        (x,) = ctx.saved_arrays
        return _gelu_gradient(ctx, gy, x, ctx.approximate)


def _gelu_gradient(ctx, gy, x, approximate):
    """gy · gelu'(x) on arrays, with the fused kernel."""
    return _rowwise(ctx.xp, lambda g, a, _: ctx.backend.gelu_backward(g, a, approximate), None, gy, x)


class GeluBackward(Primitive):
    """torch's gelu_backward(grad, x) = grad · gelu'(x): Gelu's gradient as an op of its own, so that the graph of a
    gradient (create_graph=True) has torch's node and torch's derivatives: d/dgrad is gelu_backward again and
    d/dx = ggrad · grad · gelu''(x), with gelu'' written as torch writes it (for the exact form 2φ − x·x·φ, so that
    where x·x overflows to inf beside φ = 0 the result is NaN, as in torch)."""

    saved_names = ("grad_output", "self")
    saved_values = {"approximate": attribute("approximate")}

    @staticmethod
    def forward(ctx, gy, x, *, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(gy, x)
        return _gelu_gradient(ctx, gy, x, approximate)

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (GeluBackward.apply(gg, x, approximate=ctx.approximate) if na[0] else None,
                gg * gy * _gelu_second_derivative(x, ctx.approximate) if na[1] else None)


class Silu(Primitive):
    """x σ(x) = x / (1 + e^-x); d/dx = σ(x) (1 + x (1 − σ(x))), one fused kernel each way."""

    formula = "grad_self = grad · σ(x) (1 + x (1 − σ(x)))"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _rowwise(ctx.xp, lambda a, _: ctx.backend.silu(a), None, x)

    @staticmethod
    def backward(ctx, gy):  # in minitorch ops: used when a graph of the gradient is wanted
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return gy * (s * (1 + x * (1 - s)))

    @staticmethod
    def backward_arrays(ctx, gy):
        (x,) = ctx.saved_arrays
        return _rowwise(ctx.xp, lambda g, a, _: ctx.backend.silu_backward(g, a), None, gy, x)


def _gelu_second_derivative(x: Tensor, approximate: str) -> Tensor:
    """gelu''(x) in minitorch ops, step for step as torch's double backward computes it. Exact form: φ(x) (2 − x²),
    φ the standard normal density. Tanh form, with u = β (x + κ x³), t = tanh u, f = x / 2, g = 1 − t², h = β (1 +
    3κ x²): 2 f' g h + f h g' + f g h', where g' = −2 sech²(u) t h and h' = 6κβ x."""
    import math
    if approximate == "tanh":
        beta, kappa = math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5, 0.044715
        inner = (x + x.pow(3) * kappa) * beta
        tanh_inner, sech_inner = inner.tanh(), 1 / inner.cosh()
        f, g, h = x * 0.5, 1 - tanh_inner * tanh_inner, (1 + x * x * (3 * kappa)) * beta
        g_prime = (sech_inner * 2) * (-sech_inner * tanh_inner) * h
        return (g * h * 0.5) * 2 + f * h * g_prime + f * g * (x * (6 * kappa) * beta)
    pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
    return pdf * 2 - x * x * pdf


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with Phi the standard normal CDF, or torch's tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"GeluKernelImpl\" not implemented for '{input._dtype.word}'")
    return Gelu.apply(input, approximate=approximate)


class Softplus(Primitive):
    """log(1 + exp(beta x)) / beta, linear above the threshold; d/dx = sigmoid(beta x) (1 above it)."""

    saved_names = ("self",)
    saved_values = {"beta": attribute("beta"), "threshold": attribute("threshold")}

    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        xp = ctx.xp
        z = x * beta
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        return xp.where(z > threshold, x, xp.log1p(xp.exp(xp.minimum(z, threshold))) / beta).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):  # torch's softplus_backward, an op of its own (its node shows in a gradient's graph)
        (x,) = ctx.saved_tensors
        return SoftplusBackward.apply(gy, x, beta=ctx.beta, threshold=ctx.threshold)


class SoftplusBackward(Primitive):
    """torch's softplus_backward(grad, x) = grad · σ(βx), or grad where βx is above the threshold. Its derivatives
    are torch's: in grad the op again; in x, gg · grad · β · σ(βx)(1 − σ(βx)) where βx is below the threshold."""

    saved_names = ("grad_output", "self")
    saved_values = {"beta": attribute("beta"), "threshold": attribute("threshold")}

    @staticmethod
    def forward(ctx, gy, x, *, beta, threshold):
        xp = ctx.xp
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(gy, x)
        z = x * beta
        return (gy * xp.where(z > threshold, 1, 1 / (1 + xp.exp(-z)))).astype(gy.dtype)

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        na = ctx.needs_input_grad
        grad_gy = SoftplusBackward.apply(gg, x, beta=ctx.beta, threshold=ctx.threshold) if na[0] else None
        grad_x = None
        if na[1]:
            z = x * ctx.beta
            s = z.sigmoid()
            grad_x = (gg * gy) * (1 - s) * s * (z < ctx.threshold).to(gg.dtype) * ctx.beta
        return grad_gy, grad_x


class StepGradient(Primitive):
    """The gradient of an activation whose slope is a step function of its input (relu's, threshold's, hardtanh's,
    the shrinks'): grad where the input lets it pass, else 0. torch computes it with an op of its own
    (threshold_backward, hardtanh_backward, ...), which a graph of the gradient (create_graph=True) shows; so does
    minitorch. It is linear in grad (its derivative there is the op again) and flat in the input (its derivative
    there is zeros, as torch's zeros_like(grad)). Subclasses give `blocked(x, **params)`, where the gradient stops,
    or override `gradient(xp, gy, x, **params)`."""

    saved_names = ("self",)
    blocked = None

    @classmethod
    def gradient(cls, xp, gy, x, **params):
        return xp.where(cls.blocked(x, **params), gy.dtype.type(0), gy)

    @classmethod
    def forward(cls, ctx, gy, x, **params):
        ctx.params = params
        ctx.__dict__.update(params)  # the saved_values read them
        ctx.save_for_backward(x)
        return cls.gradient(ctx.xp, gy, x, **params)

    @classmethod
    def backward(cls, ctx, gg):
        (x,) = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (cls.apply(gg, x, **ctx.params) if na[0] else None), (gg.new_zeros(gg.shape) if na[1] else None)


class ThresholdBackward(StepGradient):
    node_name = "ThresholdBackwardBackward0"
    saved_values = {"threshold": attribute("threshold")}
    blocked = staticmethod(lambda x, threshold: x <= threshold)  # NaN passes, as in torch


class HardtanhBackward(StepGradient):
    node_name = "HardtanhBackwardBackward0"
    saved_values = {"max_val": attribute("max_val"), "min_val": attribute("min_val")}
    blocked = staticmethod(lambda x, min_val, max_val: (x <= min_val) | (x >= max_val))


class LeakyReluBackward(StepGradient):
    """grad where x > 0, else negative_slope · grad (torch's leaky_relu_backward)."""

    node_name = "LeakyReluBackwardBackward0"
    saved_values = {"negative_slope": attribute("negative_slope")}

    @classmethod
    def gradient(cls, xp, gy, x, negative_slope):
        return xp.where(x > 0, gy, gy * gy.dtype.type(negative_slope))


class HardshrinkBackward(StepGradient):
    node_name = "HardshrinkBackwardBackward0"
    saved_values = {"lambd": attribute("lambd")}
    blocked = staticmethod(lambda x, lambd: (x >= -lambd) & (x <= lambd))


class SoftshrinkBackward(HardshrinkBackward):
    node_name = "SoftshrinkBackwardBackward0"


class Hardtanh(Primitive):
    saved_names = ("self",)
    saved_values = {"max_val": attribute("hi"), "min_val": attribute("lo")}

    """clamp(x, min, max) whose gradient is zero at the bounds too (torch's hardtanh)."""

    @staticmethod
    def forward(ctx, x, *, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return ctx.xp.clip(x, lo, hi).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):  # NaN passes the gradient, as in torch
        (x,) = ctx.saved_tensors
        return HardtanhBackward.apply(gy, x, min_val=ctx.lo, max_val=ctx.hi)


class LogSigmoid(Primitive):
    """log σ(x) = min(x, 0) - log1p(exp(-|x|)) (torch's stable form); the gradient is σ(-x)."""

    formula = "grad_self = grad · σ(-x)"
    saved_names = ("self", "buffer")  # buffer: e^(-|x|), which torch's CPU kernel keeps for its backward

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        buffer = xp.exp(-xp.abs(x))
        ctx.save_for_backward(x, buffer)
        return (xp.minimum(x, 0) - xp.log1p(buffer)).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):  # torch's log_sigmoid_backward, an op of its own (its node shows in a gradient's graph)
        x, buffer = ctx.saved_tensors
        return LogSigmoidBackward.apply(gy, x, buffer)


class LogSigmoidBackward(Primitive):
    """torch's log_sigmoid_backward(grad, x, buffer) = grad · σ(−x), from the buffer e^(−|x|) its forward kept. Its
    derivatives are torch's: in grad the op again; in x, gg · grad · (σ(x) − 1) σ(x); none in the buffer."""

    saved_names = ("grad_output", "self", "buffer")

    @staticmethod
    def forward(ctx, gy, x, buffer):
        xp = ctx.xp
        ctx.save_for_backward(gy, x, buffer)
        return (gy * xp.where(x < 0, 1 - buffer / (1 + buffer), buffer / (1 + buffer))).astype(gy.dtype)

    @staticmethod
    def backward(ctx, gg):
        gy, x, buffer = ctx.saved_tensors
        na = ctx.needs_input_grad
        grad_gy = LogSigmoidBackward.apply(gg, x, buffer) if na[0] else None
        s = x.sigmoid() if na[1] else None
        return grad_gy, ((gg * gy) * (s - 1) * s if na[1] else None), None


class Hardswish(Primitive):
    """x · min(max(x + 3, 0), 6) / 6; the gradient is 0 up to -3, x/3 + 1/2 below 3, then 1."""

    formula = "grad_self = grad · (0 if x ≤ -3, x/3 + 1/2 if x < 3, else 1)"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * ctx.xp.clip(x + 3, 0, 6) / 6).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):  # torch's hardswish_backward, an op of its own (its node shows in a gradient's graph)
        (x,) = ctx.saved_tensors
        return HardswishBackward.apply(gy, x)


class HardswishBackward(Primitive):
    """torch's hardswish_backward(grad, x) = grad · (0 up to −3, x/3 + 1/2 below 3, else 1; NaN takes 1). Its
    derivatives are torch's: in grad the op again; in x, gg · grad / 3 strictly between −3 and 3."""

    saved_names = ("grad_output", "self")

    @staticmethod
    def forward(ctx, gy, x):
        xp = ctx.xp
        ctx.save_for_backward(gy, x)
        slope = xp.where(x <= -3, 0, xp.where(x < 3, x / x.dtype.type(3) + x.dtype.type(0.5), 1))
        return (gy * slope).astype(gy.dtype)

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        na = ctx.needs_input_grad
        inside = (x > -3) & (x < 3)
        return (HardswishBackward.apply(gg, x) if na[0] else None,
                (gg * gy / 3).where(inside, 0.0) if na[1] else None)


class Hardsigmoid(Primitive):
    """min(max(x + 3, 0), 6) / 6; the gradient is 1/6 strictly between -3 and 3, else 0."""

    formula = "grad_self = grad / 6 where -3 < x < 3, else 0"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (ctx.xp.clip(x + 3, 0, 6) / 6).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return HardsigmoidBackward.apply(gy, x)

    @staticmethod
    def jvp(ctx, tx):
        """Forward mode, torch's rule: the gradient op applied to the tangent."""
        (x,) = ctx.saved_tensors
        return HardsigmoidBackward.apply(tx, x)


class HardsigmoidBackward(WithoutDerivative):
    """torch's hardsigmoid_backward(grad, x) = grad / 6 strictly between -3 and 3, else 0; torch defines no
    derivative for it, so a graph of hardsigmoid's gradient cannot be differentiated again, in torch as here."""

    aten_name = "hardsigmoid_backward"

    @staticmethod
    def forward(ctx, gy, x):
        return ctx.xp.where((x > -3) & (x < 3), gy / gy.dtype.type(6), gy.dtype.type(0))


# ---- the rest of torch's activations ----------------------------------------------------------

class Mish(Primitive):
    """x · tanh(softplus(x)); d/dx = t + x σ(x) (1 − t²) with t = tanh(softplus(x))."""

    formula = "grad_self = grad · (t + x σ(x) (1 − t²)), t = tanh(softplus(x))"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        ctx.save_for_backward(x)
        return (x * xp.tanh(xp.log1p(xp.exp(x)))).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        t = Softplus.apply(x, beta=1.0, threshold=20.0).tanh()  # log1p(e^x) without overflow in the derivative
        return gy * (t + x * x.sigmoid() * (1 - t * t))


class Threshold(Primitive):
    """x where x > threshold, else value; the gradient passes where x > threshold."""

    formula = "grad_self = grad where x > threshold, else 0"
    saved_names = ("self",)
    saved_values = {"threshold": attribute("threshold")}

    @staticmethod
    def forward(ctx, x, *, threshold, value):
        xp = ctx.xp
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        if x.dtype.kind in "iu" and isinstance(threshold, float) and math.isfinite(threshold):
            threshold = int(threshold)  # torch's kernel compares in the tensor's dtype: the threshold truncated
        # NaN is not above the threshold, yet torch keeps it (its kernel tests x <= threshold)
        return xp.where(x <= threshold, ctx.backend.scalar(value, x.dtype), x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return ThresholdBackward.apply(gy, x, threshold=ctx.threshold)


class Hardshrink(Primitive):
    """x where |x| > lambd, else 0; the gradient passes where |x| > lambd."""

    formula = "grad_self = grad where x < -lambd or x > lambd, else 0"
    saved_names = ("self",)
    saved_values = {"lambd": attribute("lambd")}

    @staticmethod
    def forward(ctx, x, *, lambd):
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        return ctx.xp.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x)

    gradient = HardshrinkBackward

    @classmethod
    def backward(cls, ctx, gy):
        (x,) = ctx.saved_tensors
        return cls.gradient.apply(gy, x, lambd=ctx.lambd)


class Softshrink(Hardshrink):
    """x − lambd above lambd, x + lambd below −lambd, else 0; the gradient as hardshrink's."""

    formula = "grad_self = grad where x < -lambd or x > lambd, else 0"
    gradient = SoftshrinkBackward

    @staticmethod
    def forward(ctx, x, *, lambd):
        xp = ctx.xp
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        shifted = xp.where(x > lambd, x - x.dtype.type(lambd), x + x.dtype.type(lambd))
        return xp.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), shifted)


class Glu(Primitive):
    """a · σ(b) with a, b the two halves of x along dim; the gradient is [σ(b), a σ(b)(1 − σ(b))] · grad."""

    formula = "grad_self = cat(grad · σ(b), grad · a σ(b) (1 − σ(b)))"
    saved_names = ("self",)
    saved_values = {"dim": lambda node: torch_int(node.given_dim)}

    @staticmethod
    def forward(ctx, x, *, dim, given_dim=None):
        xp = ctx.xp
        ctx.dim = dim
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        ctx.save_for_backward(x)
        h = x.shape[dim] // 2
        a, b = xp.split(x, [h], axis=dim)
        return (a / (1 + xp.exp(-b))).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        h = x.shape[ctx.dim] // 2
        a, b = x.narrow(ctx.dim, 0, h), x.narrow(ctx.dim, h, h)
        s = b.sigmoid()
        from .shape import cat
        return cat([gy * s, gy * a * s * (1 - s)], ctx.dim)


class PreluKernel(Primitive):
    """x where x > 0, else w · x (w broadcast over the channels); torch's _prelu_kernel."""

    formula = "grad_self = grad where x > 0, else w · grad; grad_weight = x · grad where x ≤ 0"
    saved_names = ("self", "weight")

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return ctx.xp.where(x > 0, x, w * x).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):  # the gradient as its own op (torch's _prelu_kernel_backward), so it has torch's node
        x, w = ctx.saved_tensors
        return PreluKernelBackward.apply(gy, x, w)

    @staticmethod
    def jvp(ctx, tx, tw):
        """Forward mode, torch's rule: ẋ where x ≥ 0, else w · ẋ + ẇ · x (at x = 0 the tangent is ẋ, where
        backward takes w's side)."""
        x, w = ctx.saved_tensors
        return tx.where(x >= 0, w * tx + tw * x)


class PreluKernelBackward(Primitive):
    """torch's _prelu_kernel_backward(grad, x, w) = (grad where x > 0 else w · grad, 0 where x > 0 else x · grad),
    the second in x's shape (the engine sums it to w's). Its derivatives are torch's, which take x = 0 on the
    positive side (≥ 0) where the first derivative took w's: with gg_x and gg_w the gradients of the two outputs,
    d/dgrad = gg_x where x ≥ 0 else gg_x · w + gg_w · x; d/dx = 0 where x ≥ 0 else grad · gg_w; d/dw = 0 where
    x ≥ 0 else grad · gg_x. An output without a gradient adds no term (and zeros where nothing else is left)."""

    saved_names = ("grad_output", "self", "weight")

    @staticmethod
    def forward(ctx, gy, x, w):
        xp = ctx.xp
        positive = x > 0
        ctx.save_for_backward(gy, x, w)
        ctx.set_materialize_grads(False)
        return xp.where(positive, gy, w * gy).astype(x.dtype), xp.where(positive, 0, x * gy).astype(x.dtype)

    @staticmethod
    def backward(ctx, gg_x, gg_w):
        gy, x, w = ctx.saved_tensors
        nonnegative = x >= 0
        na = ctx.needs_input_grad
        grad_gy = grad_x = grad_w = None
        if na[0]:
            if gg_x is None:
                grad_gy = (gg_w * x).masked_fill(nonnegative, 0)
            else:
                grad_gy = gg_x.where(nonnegative, gg_x * w if gg_w is None else gg_x * w + gg_w * x)
        if na[1]:
            grad_x = x.new_zeros(x.shape) if gg_w is None else (gy * gg_w).masked_fill(nonnegative, 0)
        if na[2]:
            grad_w = x.new_zeros(x.shape) if gg_x is None else (gy * gg_x).masked_fill(nonnegative, 0)
        return grad_gy, grad_x, grad_w


class RreluWithNoise(Primitive):
    """x where x > 0, else noise · x, with the noise drawn before (training) or (lower + upper) / 2."""

    formula = "grad_self = grad · noise (noise = 1 where x > 0)"
    saved_names = ("self", "noise")
    saved_values = {"lower": attribute("lower"), "upper": attribute("upper"), "training": attribute("training")}

    @classmethod
    def forward(cls, ctx, x, noise, *, lower, upper, training):
        ctx.lower, ctx.upper, ctx.training = float(lower), float(upper), training
        y = (x * noise).astype(x.dtype)
        ctx.save_for_backward(y if cls.saves_output else x, noise)
        return y

    saves_output = False  # the in-place form keeps its result (self, once written) in place of the input

    @staticmethod
    def backward(ctx, gy):
        noise = ctx.saved_tensors[1]
        return gy * noise, None


class Elu(Primitive):
    """scale · x where x > 0, else scale · alpha · (e^(input_scale · x) − 1): torch's elu kernel, which
    SELU (fixed alpha and scale) and CELU (input_scale = 1/alpha) share. The derivative below zero is
    scale · alpha · input_scale · e^(input_scale · x), taken at x = 0 too."""

    formula = "grad_self = grad · (scale if x > 0, else scale · alpha · input_scale · e^(input_scale · x))"
    saved_names = ("self",)
    saved_values = {"alpha": attribute("alpha"), "scale": attribute("scale"), "input_scale": attribute("input_scale")}

    @staticmethod
    def forward(ctx, x, *, alpha, scale=1, input_scale=1):
        xp = ctx.xp
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        ctx.save_for_backward(x)
        below = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)  # no overflow where x > 0
        # x = ±0 gives scale · x, which the exponential branch also gives unless alpha is NaN (then torch's 0)
        return xp.where(x >= 0, x * scale, below).astype(x.dtype)

    saves_result = False

    @classmethod
    def backward(cls, ctx, gy):  # torch's elu_backward, an op of its own (its node shows in a gradient's graph)
        (saved,) = ctx.saved_tensors
        return EluBackward.apply(gy, saved, alpha=ctx.alpha, scale=ctx.scale, input_scale=ctx.input_scale,
                                 is_result=cls.saves_result)


class EluInplace(Elu):
    """In place, torch's node keeps the result (input's memory holds it now) and reads the slope from it: scale
    above zero, input_scale · (result + scale · alpha) at and below."""

    node_name = "EluBackward1"  # torch numbers the in-place node 1
    formula = "grad_self = grad · (scale if result > 0, else input_scale · (result + scale · alpha))"
    saved_names = ("result",)

    @classmethod
    def forward(cls, ctx, x, *, alpha, scale=1, input_scale=1):
        y = Elu.forward(ctx, x, alpha=alpha, scale=scale, input_scale=input_scale)
        ctx.save_for_backward(y)
        return y

    saves_result = True


class EluBackward(Primitive):
    """torch's elu_backward(grad, x or y): grad · scale above zero; at and below, grad · scale · alpha · input_scale ·
    e^(input_scale · x) from the input, or grad · input_scale · (y + scale · alpha) from the result (in-place elu).
    Its derivatives are torch's: in grad the op again; in the saved tensor, nonzero only strictly below zero:
    elu_backward(gg · grad · input_scale, ...) · (x < 0) from the input, gg · grad · input_scale · (y < 0) from the
    result."""

    saved_names = ("grad_output", "self_or_result")
    saved_values = {"alpha": attribute("alpha"), "scale": attribute("scale"), "input_scale": attribute("input_scale"),
                    "is_result": attribute("is_result")}

    @staticmethod
    def forward(ctx, gy, saved, *, alpha, scale, input_scale, is_result):
        xp = ctx.xp
        ctx.alpha, ctx.scale, ctx.input_scale, ctx.is_result = alpha, scale, input_scale, is_result
        ctx.save_for_backward(gy, saved)
        if is_result:
            below = (saved + scale * alpha) * input_scale
        else:  # the exponent is 0 from 0 up, so the branch not taken stays finite
            below = xp.exp(xp.minimum(saved, 0) * input_scale) * (alpha * scale * input_scale)
        return (gy * xp.where(saved <= 0, below, scale)).astype(gy.dtype)

    @staticmethod
    def backward(ctx, gg):
        gy, saved = ctx.saved_tensors
        na = ctx.needs_input_grad
        params = dict(alpha=ctx.alpha, scale=ctx.scale, input_scale=ctx.input_scale)
        grad_gy = EluBackward.apply(gg, saved, is_result=ctx.is_result, **params) if na[0] else None
        grad_saved = None
        if na[1]:
            scaled = gg * gy * ctx.input_scale
            if not ctx.is_result:
                scaled = EluBackward.apply(scaled, saved, is_result=False, **params)
            grad_saved = scaled * (saved < 0).to(gg.dtype)
        return grad_gy, grad_saved


class Celu(Elu):
    saved_values = {"alpha": attribute("alpha")}


class CeluInplace(EluInplace):
    node_name = "CeluBackward1"
    saved_values = Celu.saved_values
