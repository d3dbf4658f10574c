"""minitorch.special: torch.special's functions. Most are the torch-namespace ops under special's names
(expit is sigmoid, gammaln is lgamma, psi is digamma, ...); ndtr, entr and xlog1py are ops of their own,
with torch's SpecialNdtrBackward0, SpecialEntrBackward0 and SpecialXlog1PyBackward0 nodes."""
from __future__ import annotations

import math

from . import dtypes as D
from .autograd.function import Primitive
from .ops import activation as _act
from .ops import pointwise as _pw
from .ops.reduction import logsumexp as _logsumexp
from .ops._helpers import is_tensor, operands
from .tensor import Tensor

# torch.special's names for torch's functions (the checked public forms)
from . import (digamma, erf, erfc, erfinv, exp2, expm1, lgamma as gammaln, log1p, logit, polygamma,  # noqa: E402
               sigmoid as expit, sinc, xlogy)

psi = digamma


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, to `decimals` places (always the decimals form: RoundBackward1)."""
    return _pw.round(input, decimals=decimals)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return _act.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return _act.log_softmax(input, dim, dtype)


def _floating(input: Tensor) -> Tensor:
    return input if input._dtype.is_floating_point else input.to(D.get_default_dtype())


def ndtr(input: Tensor) -> Tensor:
    """Φ(x), the standard normal CDF, computed as torch computes it: (1 + erf(x / √2)) / 2."""
    x = _floating(input)
    return _pw.mul_by_number(_pw.add_by_number(_pw.erf(_pw.mul_by_number(x, math.sqrt(0.5))), 1), 0.5)


class SpecialEntr(Primitive):
    """−x log x for x > 0, 0 at 0 and −inf below; the gradient is −(1 + log x)."""

    formula = "grad_self = −grad · (1 + log x)"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        ctx.save_for_backward(x)
        import numpy as np
        with np.errstate(all="ignore"):
            y = xp.where(x > 0, -x * xp.log(x), xp.where(x == 0, x.dtype.type(0), x.dtype.type(-math.inf)))
        return xp.where(xp.isnan(x), x, y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * -(x.log() + 1)


def entr(input: Tensor) -> Tensor:
    return SpecialEntr.apply(_floating(input))


class SpecialXlog1py(Primitive):
    """x · log1p(y), taken as 0 where x == 0 (unless y is NaN)."""

    node_name = "SpecialXlog1PyBackward0"
    formula = "grad_self = grad · log1p(y) (0 where x == 0 and y ≤ −1), grad_other = grad · x / (1 + y)"
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx, x, y, *, given=None):
        ctx.given = given  # the number operand, if one was (see number_operand_nodes)
        xp = ctx.xp
        ctx.save_for_backward(x, y)
        import numpy as np
        with np.errstate(all="ignore"):
            return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), x * xp.log1p(y)).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        """d/dx = log1p(y) (torch keeps it where x == 0, except where also y ≤ −1); d/dy = x / (1 + y)."""
        x, y = ctx.saved_tensors
        return SpecialXlog1py.apply(gy, y).masked_fill((x == 0) & (y <= -1), 0.0), gy * x / (y + 1)


# xlog1py(number, tensor) and xlog1py(tensor, number)
SpecialXlog1pySelfScalar, SpecialXlog1pyOtherScalar = _pw.number_operand_nodes(
    SpecialXlog1py, "SpecialXlog1PyBackward1", "SpecialXlog1PyBackward2")


def xlog1py(input, other) -> Tensor:
    dt = D.float_result(D.result_type(input, other))
    a, b, _ = operands(input, other, dtype=dt)
    node = SpecialXlog1py if is_tensor(input) and is_tensor(other) else \
        SpecialXlog1pySelfScalar if is_tensor(other) else SpecialXlog1pyOtherScalar
    given = None if node is SpecialXlog1py else other if node is SpecialXlog1pyOtherScalar else input
    return node.apply(a, b, given=given)


def zeta(input, other) -> Tensor:
    """The Hurwitz zeta function Σ_k (k + other)^(−input) (no gradient, as in torch)."""
    dt = D.float_result(D.result_type(input, other))
    a, b, _ = operands(input, other, dtype=dt)
    xp = a._device.backend.xp
    out = a._device.backend.zeta(*xp.broadcast_arrays(a._data, b._data))
    return Tensor._wrap(xp.asarray(out).astype(dt.np), a._device)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    return _logsumexp(input, dim, keepdim)


from .ops.special_functions import erfcx, i0, i0e, i1, i1e, log_ndtr, ndtri  # noqa: E402
from .ops.special_functions import igamma as gammainc, igammac as gammaincc, mvlgamma as _mvlgamma  # noqa: E402


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension p (torch.mvlgamma)."""
    return _mvlgamma(input, p)


from .ops.special_bessel import OPS as _BESSEL_AND_POLYNOMIALS  # noqa: E402
from .ops.out import with_out as _with_out  # noqa: E402

globals().update({_name: _with_out(_op) for _name, _op in _BESSEL_AND_POLYNOMIALS.items()})

# torch's argument checks, as its C functions make them
from .ops.arguments import checked as _checked  # noqa: E402

for _name in ("round", "softmax", "log_softmax", "ndtr", "entr", "xlog1py", "zeta", "logsumexp", "erfcx", "i0e", "i1",
              "i1e", "log_ndtr", "ndtri", "multigammaln", "i0", "gammainc", "gammaincc"):
    globals()[_name] = _checked(globals()[_name], aliases=False)

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
           "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
           "zeta"] + sorted(_BESSEL_AND_POLYNOMIALS)
