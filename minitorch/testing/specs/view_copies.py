"""Parity specs of the `_copy` forms of the view ops: each draws its view's samples and calls the copy."""
from hypothesis import strategies as st

from ..registry import SPECS, register
from ..strategies import shapes, tensor_arg
from . import arrangement, indexing, matrix, shape  # noqa: F401  (the view specs, registered first)

FAMILY = "view copies"

for _copy, _view in [("as_strided_copy", "as_strided"), ("diagonal_copy", "diagonal"), ("narrow_copy", "narrow"),
                     ("permute_copy", "permute"), ("select_copy", "select"), ("split_copy", "split"),
                     ("split_with_sizes_copy", "split_with_sizes"), ("squeeze_copy", "squeeze"), ("t_copy", "t"),
                     ("transpose_copy", "transpose"), ("unbind_copy", "unbind"), ("unfold_copy", "Tensor.unfold"),
                     ("unsqueeze_copy", "unsqueeze"), ("view_copy", "view")]:
    _spec = SPECS[_view]
    register(_copy, lambda lib, *a, _n=_copy, **k: getattr(lib, _n)(*a, **k), _spec.sample, dtypes=_spec.dtypes,
             family=FAMILY)


def _any_sample(draw, dtype):
    return [tensor_arg(draw, draw(shapes()), dtype)], {}


def _slice_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1)), dtype)
    n = x.array.ndim
    kw = {"dim": draw(st.integers(-n, n - 1))}
    size = x.array.shape[kw["dim"]]
    for key in ("start", "end"):
        if draw(st.booleans()):
            kw[key] = draw(st.integers(-size - 2, size + 2))
    if draw(st.booleans()):
        kw["step"] = draw(st.integers(1, 3))
    return [x], kw


register("alias_copy", lambda lib, x: lib.alias_copy(x), _any_sample, dtypes=("float32", "float64", "int64"),
         family=FAMILY)
register("slice_copy", lambda lib, x, **k: lib.slice_copy(x, **k), _slice_sample, dtypes=("float32", "float64", "int64"),
         family=FAMILY)
