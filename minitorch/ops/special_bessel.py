"""torch.special's Bessel and Airy functions and its orthogonal polynomials.

Values only, as in torch, whose derivative table gives them none: the result never requires grad. They are
computed on the host by `backends/bessel_numpy.py` and `backends/polynomials_numpy.py` and brought back to the
input's device. Integer inputs give the default float dtype; a polynomial's x and degree n promote together.
"""
from __future__ import annotations

from .. import dtypes as D
from ..backends import bessel_numpy as B
from ..backends import polynomials_numpy as P
from ..tensor import Tensor
from ._helpers import computed_from, operands


def _on_host(kernel, dtype, inputs, arrays) -> Tensor:
    """kernel(*arrays) computed on the host, as a tensor of `dtype` on the inputs' device."""
    device = inputs[0]._device
    backend = device.backend
    host = [backend.to_host(a) for a in arrays]
    return computed_from(backend.from_host(kernel(*host).astype(dtype.np, copy=False)), device, *inputs)


def _function(name: str):
    kernel = getattr(B, name)

    def op(input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        dt = D.float_result(input._dtype)
        return _on_host(kernel, dt, (input,), (input._data,))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = kernel.__doc__.split("\n")[0] + " Elementwise, without a gradient."
    op.differentiable = False
    return op


def _polynomial(name: str, kernel, **options):
    def op(input, n) -> Tensor:
        if not (isinstance(input, Tensor) or isinstance(n, Tensor)) or not all(
                isinstance(v, (Tensor, int, float)) for v in (input, n)):
            raise TypeError(f"special_{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(n).__name__}), but expected one of: (Tensor input, "
                            "Tensor n), (Number input, Tensor n), (Tensor input, Number n)")
        dt = D.float_result(D.result_type(input, n))
        x, degree, _ = operands(input, n, dtype=dt)
        xp = x._device.backend.xp
        return _on_host(lambda a, b: kernel(a, b, **options), dt, (x, degree), xp.broadcast_arrays(x._data, degree._data))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = kernel.__doc__.split("\n")[0].replace("(x)", "(input)") + \
        " (shifted to [0, 1]: x ↦ 2x − 1)" * bool(options) + ", of degree n (truncated to an integer), without a gradient."
    op.differentiable = False
    return op


FUNCTIONS = ("airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
             "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
             "scaled_modified_bessel_k1", "spherical_bessel_j0")
POLYNOMIALS = ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
               "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p")

OPS = {name: _function(name) for name in FUNCTIONS}
for _name in POLYNOMIALS:
    _shifted = _name.startswith("shifted_")
    OPS[_name] = _polynomial(_name, getattr(P, _name.removeprefix("shifted_")), **({"shifted": True} if _shifted else {}))
