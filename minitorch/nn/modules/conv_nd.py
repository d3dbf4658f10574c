"""Convolution and pooling layers in one and three dimensions, power-average pooling and max-unpooling."""
from __future__ import annotations

from ...ops import conv_nd as C
from ...ops import pool_nd as P
from .conv import AvgPool2d, ConvTranspose2d, MaxPool2d, _ConvNd
from .module import Module


class Conv3d(_ConvNd):
    _dims = 3

    def forward(self, input):
        input, padding = self._padded(input)
        return C.conv3d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class _ConvTransposeNd(ConvTranspose2d):
    """A transposed convolution of `_dims` dims; output_size fixes the output padding as in ConvTranspose2d."""

    function = None

    def forward(self, input, output_size=None):
        return type(self).function(input, self.weight, self.bias, self.stride, self.padding,
                                   self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    _dims = 1
    function = staticmethod(C.conv_transpose1d)


class ConvTranspose3d(_ConvTransposeNd):
    _dims = 3
    function = staticmethod(C.conv_transpose3d)


class _MaxPoolNd(MaxPool2d):
    """MaxPool2d's options, with the pool of another number of dims."""

    function = None

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                                   self.return_indices)


class MaxPool1d(_MaxPoolNd):
    function = staticmethod(P.max_pool1d)


class MaxPool3d(_MaxPoolNd):
    function = staticmethod(P.max_pool3d)


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class AvgPool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding, self.ceil_mode, self.count_include_pad = _single(padding), ceil_mode, count_include_pad

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    def forward(self, input):
        return P.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptiveMaxPoolNd(Module):
    function = None

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return type(self).function(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    function = staticmethod(P.adaptive_max_pool1d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    function = staticmethod(P.adaptive_max_pool3d)


class _LPPoolNd(Module):
    """(Σ over each window of xᵖ)^(1/p)."""

    function = None

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input):
        return type(self).function(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    function = staticmethod(P.lp_pool1d)


class LPPool2d(_LPPoolNd):
    function = staticmethod(P.lp_pool2d)


class LPPool3d(_LPPoolNd):
    function = staticmethod(P.lp_pool3d)


class _MaxUnpoolNd(Module):
    """The partial inverse of max pooling: values back at their indices, zeros elsewhere."""

    _dims = 2
    function = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * self._dims)
        self.kernel_size = tup(kernel_size)
        self.stride = tup(stride if stride is not None else kernel_size)
        self.padding = tup(padding)

    def forward(self, input, indices, output_size=None):
        return type(self).function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    _dims = 1
    function = staticmethod(P.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    function = staticmethod(P.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    _dims = 3
    function = staticmethod(P.max_unpool3d)


class _FractionalMaxPoolNd(Module):
    """Max pooling with pseudo-random fractional strides (F.fractional_max_pool2d/3d)."""

    _dims = 2
    function = None

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                 _random_samples=None):
        super().__init__()
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * self._dims)
        self.kernel_size, self.return_indices = tup(kernel_size), return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = tup(output_size) if output_size is not None else None
        self.output_ratio = tup(output_ratio) if output_ratio is not None else None
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                                   _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    function = staticmethod(P.fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    _dims = 3
    function = staticmethod(P.fractional_max_pool3d)
