"""Convolution: the op states the math and its gradients; the backend computes them (im2col
columns and one GEMM per group in `backends/base.py`; on the CPU, stride-1 convolutions in
cache-sized blocks of positions, `backends/blocked_conv.py`).

`Im2Col` and `Col2Im` are each other's backward, so convolution (composed from them and
matmul) has first and second derivatives for free; both call named backend kernels.
"""
from __future__ import annotations

from ..autograd.forward_ad import LINEAR
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute
from ..tensor import Tensor
from ._helpers import _pair, c_type_name, check_window, floats_only, out_size, wrap_dim
from .fused import Fused


def _blocks(hw, k, s, p, d, blocks=None):
    return blocks or tuple(out_size(n, *args) for n, args in zip(hw, zip(k, s, p, d)))


def _batch_major(cols, n, length):
    """(C*kh*kw, N*L) channel-major columns as torch's (N, C*kh*kw, L)."""
    return cols.reshape(cols.shape[0], n, length).transpose(1, 0, 2)


def _channel_major(cols):
    """torch's (N, C*kh*kw, L) columns as the backend's (C*kh*kw, N*L)."""
    n, ck, length = cols.shape
    return cols.transpose(1, 0, 2).reshape(ck, n * length)


def _window_values():
    """The window's saved values on the unfold and fold nodes, from `node.args` (kernel, stride, padding,
    dilation)."""
    return {name: (lambda node, i=i: tuple(node.args[i])) for i, name in
            enumerate(("kernel_size", "stride", "padding", "dilation"))}


class Im2Col(Primitive):
    """(N, C, H, W) -> (N, C*kh*kw, Ho*Wo): every window as a column (torch's unfold)."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {**_window_values(), "self_sym_argsize_minus_1": lambda node: node.shape[-1],
                    "self_sym_argsize_minus_2": lambda node: node.shape[-2]}

    @staticmethod
    def forward(ctx, x, *, k, s, p, d, blocks=None):
        ctx.shape = x.shape
        ctx.args = (k, s, p, d, _blocks(x.shape[2:], k, s, p, d, blocks))
        return _batch_major(ctx.backend.im2col(x, *ctx.args), x.shape[0], ctx.args[4][0] * ctx.args[4][1])

    @staticmethod
    def backward(ctx, gy):
        k, s, p, d, blocks = ctx.args
        return Col2Im.apply(gy, hw=ctx.shape[2:], k=k, s=s, p=p, d=d, blocks=blocks)

    @staticmethod
    def backward_arrays(ctx, gy):
        return ctx.backend.col2im(_channel_major(gy), ctx.shape, *ctx.args)


class Col2Im(Primitive):
    """The adjoint of Im2Col: columns summed back into an (N, C, H, W) image (torch's fold).

    `blocks` overrides the window count when the image has trailing rows no window starts in
    (conv_transpose2d's output_padding).
    """
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = _window_values()

    @staticmethod
    def forward(ctx, cols, *, hw, k, s, p, d, blocks=None):
        ctx.args = (k, s, p, d, _blocks(hw, k, s, p, d, blocks))
        n, ck, _ = cols.shape
        shape = (n, ck // (k[0] * k[1])) + tuple(hw)
        return ctx.backend.col2im(_channel_major(cols), shape, *ctx.args)

    @staticmethod
    def backward(ctx, gy):
        k, s, p, d, blocks = ctx.args
        return Im2Col.apply(gy, k=k, s=s, p=p, d=d, blocks=blocks)

    @staticmethod
    def backward_arrays(ctx, gy):
        blocks = ctx.args[4]
        return _batch_major(ctx.backend.im2col(gy, *ctx.args), gy.shape[0], blocks[0] * blocks[1])


class Conv2d(Primitive):
    """Convolution: out[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c] (⋆ cross-correlation, over the group's
    channels). Its gradients: gw[o, c] = Σ_n gy[n, o] ⋆ x[n, c], and gx the "full" convolution of gy
    with the flipped kernel (the adjoint of the forward).

    The forward and the array backward are the backend's kernels: one GEMM per group over im2col
    columns, or, on the CPU, blocks of output positions that never hold all the columns
    (`backends/base.py`, `backends/numpy_backend.py`). With create_graph=True the backward below is
    written with Im2Col/Col2Im and matmul instead, which are differentiable again.
    """

    node_name = "ConvolutionBackward0"
    kept = None  # what the forward's kernel kept for the backward (columns), released when the graph is freed
    saved_names = ("input", "weight")
    saved_values = {"bias_sym_sizes_opt": attribute("bias_sizes"), "stride": lambda node: node.geometry[2],
                    "padding": lambda node: (0,) if node.valid else node.geometry[3],
                    "dilation": lambda node: node.geometry[4], "groups": lambda node: node.geometry[6],
                    "transposed": lambda node: False, "output_padding": lambda node: (0,) if node.valid else (0, 0)}

    @staticmethod
    def forward(ctx, x, w, b, *, s, p, d, groups, valid=False):
        ctx.bias_sizes = (0,) if b is None else tuple(b.shape)  # torch's (0,) for no bias
        ctx.valid = valid  # padding="valid": torch's node keeps padding and output_padding as (0,)
        kh, kw = w.shape[2:]
        blocks = (out_size(x.shape[2], kh, s[0], p[0], d[0]), out_size(x.shape[3], kw, s[1], p[1], d[1]))
        ctx.geometry = (x.shape, (kh, kw), s, p, d, blocks, groups)
        ctx.save_for_backward(x, w)
        out, ctx.kept = ctx.backend.conv2d(x, w, b, s, p, d, groups, blocks)
        return out

    @staticmethod
    def backward_arrays(ctx, gy):
        _, _, s, p, d, _, groups = ctx.geometry
        x, w = ctx.saved_arrays
        na = ctx.needs_input_grad
        gx, gw = ctx.backend.conv2d_backward(gy, x, w, ctx.kept, s, p, d, groups, na)
        gb = ctx.backend.conv2d_bias_grad(gy) if len(na) > 2 and na[2] else None
        return gx, gw, gb

    @staticmethod
    def backward(ctx, gy):  # with a graph of the gradient: torch's convolution_backward, an op of its own
        x, w = ctx.saved_tensors
        na = ctx.needs_input_grad
        gx, gw, gb = ConvolutionBackward.apply(gy, x, w, geometry=ctx.geometry, kept=ctx.kept, valid=ctx.valid)
        return (gx if na[0] else None), (gw if na[1] else None), (gb if len(na) > 2 and na[2] else None)

    def _free(self):
        super()._free()
        if self.kept is not None:  # after the last backward: the columns' memory can serve the next step
            self.backend.release(self.kept)
        self.kept = None


def _input_grad(gy, w, geometry):
    """The convolution's input gradient in minitorch ops (differentiable again): the output gradient against the
    kernel, as columns, summed back into the image by Col2Im."""
    (n, c, h, wd), k, s, p, d, blocks, groups = geometry
    o = w.shape[0]
    gcols = w.reshape(groups, o // groups, -1).mT @ gy.reshape(n, groups, o // groups, blocks[0] * blocks[1])
    return Col2Im.apply(gcols.reshape(n, c * k[0] * k[1], -1), hw=(h, wd), k=k, s=s, p=p, d=d, blocks=blocks)


def _weight_grad(gy, x, geometry, weight_shape):
    """The convolution's weight gradient in minitorch ops: the output gradient against the input's columns."""
    (n, _, _, _), k, s, p, d, blocks, groups = geometry
    o, cg = weight_shape[:2]
    length = blocks[0] * blocks[1]
    cols = Im2Col.apply(x, k=k, s=s, p=p, d=d).reshape(n, groups, cg * k[0] * k[1], length)
    return (gy.reshape(n, groups, o // groups, length) @ cols.mT).sum(0).reshape(weight_shape)


class ConvolutionBackward(Primitive):
    """torch's convolution_backward(grad, x, w): the input, weight and bias gradients of a convolution, as one op,
    so that the graph of a gradient shows torch's node. Its derivatives are torch's double backward: with gg_x,
    gg_w, gg_b the gradients of its three outputs, d/dgrad = conv(gg_x, w) + conv(x, gg_w) + gg_b; d/dx = the
    input gradient of gg_w against grad; d/dw = the weight gradient of grad against gg_x."""

    node_name = "ConvolutionBackwardBackward0"
    saved_names = ("grad_output", "input", "weight")
    saved_values = {name: read for name, read in Conv2d.saved_values.items() if name != "bias_sym_sizes_opt"}

    @staticmethod
    def forward(ctx, gy, x, w, *, geometry, kept, valid):
        ctx.geometry, ctx.valid = geometry, valid
        _, _, s, p, d, _, groups = geometry
        ctx.save_for_backward(gy, x, w)
        ctx.set_materialize_grads(False)
        gx, gw = ctx.backend.conv2d_backward(gy, x, w, kept, s, p, d, groups, (True, True))
        return gx, gw, ctx.backend.conv2d_bias_grad(gy)

    @staticmethod
    def backward(ctx, gg_x, gg_w, gg_b):
        gy, x, w = ctx.saved_tensors
        _, _, s, p, d, _, groups = geometry = ctx.geometry
        na = ctx.needs_input_grad
        grad_gy = None
        if na[0]:
            terms = [Conv2d.apply(a, b, None, s=s, p=p, d=d, groups=groups)
                     for a, b in ((gg_x, w), (x, gg_w)) if a is not None and b is not None]
            if gg_b is not None:
                terms.append(gg_b.reshape(1, -1, 1, 1).expand(gy.shape))
            for term in terms:
                grad_gy = term if grad_gy is None else grad_gy + term
        grad_x = _input_grad(gy, gg_w, geometry) if na[1] and gg_w is not None else None
        grad_w = _weight_grad(gy, gg_x, geometry, w.shape) if na[2] and gg_x is not None else None
        return grad_gy, grad_x, grad_w


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C, H, W) -> (N, C*kh*kw, L): every sliding block as a column (an unbatched (C, H, W) too)."""
    floats_only(input, "im2col_out_cpu")
    if input.dim() < 3:
        wrap_dim(input.dim(), input.dim())  # torch reads a size past the last dim: IndexError
    if input.dim() > 4 or 0 in input.shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    k, s, p, d = _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation)
    check_window(k, s, p, d)
    blocks = tuple(out_size(n, *args) for n, args in zip(input.shape[-2:], zip(k, s, p, d)))
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(input.shape[-2:])}, kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of sliding blocks as "
                           f"{blocks}, but its components must be at least one.")
    if input.dim() == 3:
        return Im2Col.apply(input.unsqueeze(0), k=k, s=s, p=p, d=d).squeeze(0)
    return Im2Col.apply(input, k=k, s=s, p=p, d=d)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C*kh*kw, L) -> (N, C, H, W): the columns summed back into place (the adjoint of unfold)."""
    floats_only(input, "col2im_out_cpu")
    k, s, p, d = _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation)
    hw = _pair(output_size)
    check_window(k, s, p, d)
    if input.dim() not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    batch = input if input.dim() == 3 else input.unsqueeze(0)
    if batch.shape[1] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={batch.shape[1]} and kernel_size={k}.")
    blocks = tuple(out_size(n, *args) for n, args in zip(hw, zip(k, s, p, d)))
    if min(blocks) < 1 or batch.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={hw}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)="
                           f"{batch.shape[2]}.")
    out = Col2Im.apply(batch, hw=hw, k=k, s=s, p=p, d=d)
    return out if input.dim() == 3 else out.squeeze(0)


def _check_weight(weight: Tensor, bias, ndim: int, name: str) -> None:
    if weight.dim() != ndim:
        raise RuntimeError(f"{name}() expects a {ndim}-dimensional weight, but got weight of size "
                           f"{list(weight.shape)}")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead")


def check_bias_dtype(input: Tensor, bias) -> None:
    """A convolution's bias is of the input's dtype (transposed 1-d and 2-d convolutions excepted)."""
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({c_type_name(input._dtype)}) and bias type ({c_type_name(bias._dtype)}) "
                           "should be the same")


def _as_batch(input: Tensor, name: str):
    """(C, H, W) inputs run as a batch of one; returns the 4-d input and whether to squeeze it back."""
    if input.dim() == 3:
        return input.unsqueeze(0), True
    if input.dim() != 4:
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to {name}, but got input of size: "
                           f"{list(input.shape)}")
    return input, False


def _same_padding(input: Tensor, k, d):
    """padding='same': d*(k-1) split evenly, the odd pixel going to the right/bottom (as torch)."""
    total = [di * (ki - 1) for ki, di in zip(k, d)]
    if any(t % 2 for t in total):
        from .resample import pad
        input = pad(input, (0, total[1] % 2, 0, total[0] % 2))
    return input, tuple(t // 2 for t in total)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """Cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight, by im2col + matmul."""
    input, unbatched = _as_batch(input, "conv2d")
    s, d = _pair(stride), _pair(dilation)
    _check_weight(weight, bias, 4, "conv2d")
    check_window(stride=s, dilation=d, padding=(0, 0) if isinstance(padding, str) else _pair(padding))
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    o, cg, kh, kw = weight.shape
    n, c, h, w = input.shape
    if c != cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {cg * groups} channels, but got {c} channels instead")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and s != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        input, p = (input, (0, 0)) if padding == "valid" else _same_padding(input, (kh, kw), d)
        n, c, h, w = input.shape
    else:
        p = _pair(padding)
    if h + 2 * p[0] < d[0] * (kh - 1) + 1 or w + 2 * p[1] < d[1] * (kw - 1) + 1:
        raise RuntimeError(f"Calculated padded input size per channel: ({h + 2 * p[0]} x {w + 2 * p[1]}). Kernel "
                           f"size: ({d[0] * (kh - 1) + 1} x {d[1] * (kw - 1) + 1}). Kernel size can't be greater "
                           "than actual input size")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same")
    check_bias_dtype(input, bias)
    out = Conv2d.apply(input, weight, bias, s=s, p=p, d=d, groups=groups, valid=padding == "valid")
    return out.squeeze(0) if unbatched else out


def _conv1d(input, weight, bias, stride, padding, dilation, groups):
    pad = padding if isinstance(padding, str) else (0, padding if isinstance(padding, int) else padding[0])
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _pair(stride)[0]), pad,
                 (1, _pair(dilation)[0]), groups)
    return out.squeeze(-2)


def convolution_saved_values(n: int, transposed: bool, positions: dict) -> dict:
    """torch's saved attributes of ConvolutionBackward0 (besides input and weight) for a Fused n-d convolution
    node whose constant arguments sit at `positions` ({"stride": 3, ...}, indices into the op's arguments):
    each size an n-tuple (padding and output padding (0,) after padding="valid", as torch keeps them), "same"
    resolved, the bias's sizes or (0,) without one."""
    def ints(name, default=0):
        def read(node):
            value = node.args[positions[name]] if name in positions else default
            return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
        return read

    def padding(node):
        value = node.args[positions["padding"]]
        if value == "valid":
            return (0,)
        if value == "same":  # the total split evenly, the odd element padded beforehand
            return tuple(d * (k - 1) // 2 for d, k in zip(ints("dilation")(node), node.shapes[1][2:]))
        return ints("padding")(node)
    return {"bias_sym_sizes_opt": lambda node: tuple(node.shapes[2]) if len(node.shapes) > 2 else (0,),
            "stride": ints("stride"), "padding": padding, "dilation": ints("dilation"),
            "groups": lambda node: node.args[positions["groups"]], "transposed": lambda node: transposed,
            "output_padding": lambda node: (0,) if node.args[positions["padding"]] == "valid" else
            ints("output_padding")(node)}


class Convolution1d(Fused):
    node_name = "ConvolutionBackward0"  # torch's one convolution node, for every kind of convolution
    definition = staticmethod(_conv1d)
    saved_names = ("input", "weight", "")
    saved_values = convolution_saved_values(1, False, {"stride": 3, "padding": 4, "dilation": 5, "groups": 6})


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-d convolution as a 2-d one over a height of 1."""
    _check_weight(weight, bias, 3, "conv1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input.shape)}")
    if padding == "same" and _pair(stride)[0] == 1 and weight.dim() == 3:  # the odd pixel padded first, as torch
        total = _pair(dilation)[0] * (weight.shape[-1] - 1)
        if total % 2:
            from .resample import pad
            input = pad(input, (0, 1))
        padding = total // 2
    return Convolution1d.apply(input, weight, bias, stride, padding, dilation, groups)



def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv2d: each input pixel scatters weight-scaled copies of the kernel (matmul + col2im).

    Weight is (C_in, C_out/groups, kh, kw); H_out = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1.
    """
    return ConvolutionTranspose2d.apply(input, weight, bias, stride, padding, output_padding, groups, dilation)


def empty_transposed_output(batch: int, sizes) -> bool:
    """torch's transposed convolution of a batch of several gives an empty output where a spatial size works out
    to 0 (a batch of one raises "Output size is too small", as for any size below 1)."""
    return batch > 1 and min(sizes) == 0


def _conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation):
    input, unbatched = _as_batch(input, "conv_transpose2d")
    s, p, op, d = _pair(stride), _pair(padding), _pair(output_padding), _pair(dilation)
    if weight.dim() != 4:
        raise RuntimeError(f"conv_transpose2d() expects a 4-dimensional weight, but got weight of size "
                           f"{list(weight.shape)}")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[1] * groups} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    check_window(stride=s, padding=p, dilation=d)
    if min(op) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: {s[0]} "
                           f"stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}")
    n, c, h, w = input.shape
    cin, og, kh, kw = weight.shape
    if c != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {cin} channels, but got {c} channels instead")
    hw = tuple((i - 1) * si - 2 * pi + di * (ki - 1) + oi + 1 for i, si, pi, di, ki, oi
               in zip((h, w), s, p, d, (kh, kw), op))
    if weight._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same")
    if min(hw) < 1 and not empty_transposed_output(n, hw):
        raise RuntimeError(f"Given input size per channel: ({h} x {w}). Calculated output size per channel: "
                           f"({hw[0]} x {hw[1]}). Output size is too small")
    x = input.reshape(n, groups, c // groups, h * w)
    kernel = weight.reshape(groups, c // groups, og * kh * kw).transpose(1, 2)   # (g, O/g*kh*kw, C/g)
    cols = (kernel @ x).reshape(n, groups * og * kh * kw, h * w)
    out = Col2Im.apply(cols, hw=hw, k=(kh, kw), s=s, p=p, d=d, blocks=(h, w))
    if bias is not None:  # torch reads a bias of another dtype in the input's
        out = out + bias.to(out.dtype).reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


class ConvolutionTranspose2d(Fused):
    node_name = "ConvolutionBackward0"
    definition = staticmethod(_conv_transpose2d)
    saved_names = ("input", "weight", "")
    saved_values = convolution_saved_values(2, True, {"stride": 3, "padding": 4, "output_padding": 5, "groups": 6,
                                                      "dilation": 7})
