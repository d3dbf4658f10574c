"""Attention: scaled dot-product attention and the multi-head attention forward of nn.MultiheadAttention.

Both are composed from matmul, the fused softmax and dropout, so their gradients (of any order)
come from those ops. Masks follow torch: for scaled_dot_product_attention a boolean mask says
where attention is *allowed*; for multi-head attention a boolean mask says where it is *not*.
A float mask is added to the scores. In scaled_dot_product_attention (and so in multi-head
attention with need_weights=False) a row with no allowed position gives zeros, as torch's
does; multi-head attention with need_weights=True gives nan there, as torch's does.
"""
from __future__ import annotations

import math

from .. import dtypes as D
from ..tensor import Tensor
from ._helpers import check_broadcast, size_at
from .activation import softmax
from .creation import ones, zeros
from .dropout import dropout
from .fused import Fused, saved_argument
from ..autograd.grad_mode import no_grad, state as _mode
from .linalg import bmm, linear
from .linalg_products import baddbmm
from .resample import pad
from .shape import broadcast_shapes, cat

NEG_INF = float("-inf")


def _masked_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim where a row entirely at -inf gives zeros (not nan)."""
    dead = (scores == NEG_INF).all(-1, keepdim=True).detach()
    if not scores.is_cuda and not dead._data.any():  # on a GPU the question would wait for the device
        return softmax(scores, -1)
    return softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ · scale + mask) V over the last two dims; batch and head dims broadcast."""
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    given_mask = attn_mask
    if attn_mask is not None:
        if attn_mask.dtype not in (D.bool_, D.float32, query.dtype):  # torch's "float" is float32
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {attn_mask.dtype.c_name} and  query.dtype: {query.dtype.c_name} "
                               "instead.")
        check_broadcast(tuple(query.shape[:-1]) + (key.shape[-2],), tuple(attn_mask.shape))
        if attn_mask.is_floating_point():
            attn_mask = attn_mask.to(query.dtype)  # the scores keep the query's dtype
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(groups, -3), value.repeat_interleave(groups, -3)
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if _takes_flash_kernel(query, key, value, dropout_p):  # one node, as in torch
        if attn_mask is not None:
            size_at(attn_mask, -2)  # the fused kernel reads the mask's row count
        return FlashAttention.apply(query, key, value, attn_mask, is_causal, factor, [],
                                    given={"attn_mask": given_mask, "scale": scale})
    weights = _attention_weights(query, key, attn_mask, is_causal, factor)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value


def _takes_flash_kernel(query, key, value, dropout_p) -> bool:
    """Where torch's CPU build runs its fused flash-attention kernel: no dropout, (N, heads, L, E) inputs with
    the same batch and heads, one head size, non-empty sequences and unit stride along E."""
    return (dropout_p == 0.0 and query.dim() == key.dim() == value.dim() == 4
            and query.shape[:2] == key.shape[:2] == value.shape[:2]
            and query.shape[-1] == key.shape[-1] == value.shape[-1]
            and query.shape[-2] > 0 and key.shape[-2] > 0
            and query.stride(-1) == key.stride(-1) == value.stride(-1) == 1)


def _attention_weights(query, key, attn_mask, is_causal, factor):
    """softmax(Q Kᵀ · scale + mask) over the last dim."""
    return _masked_softmax(_attention_scores(query, key, attn_mask, is_causal, factor))


def _attention_scores(query, key, attn_mask, is_causal, factor):
    """Q Kᵀ · scale + mask, -inf where attention is not allowed."""
    L, S = query.shape[-2], key.shape[-2]
    scores = (query @ key.transpose(-2, -1)) * factor
    if is_causal:
        allowed = ones(L, S, dtype=D.bool_, device=query.device).tril()
        scores = scores.masked_fill(~allowed, NEG_INF)
    if attn_mask is not None:
        _check_adds_in_place(scores, attn_mask)
        if attn_mask.dtype is D.bool_:
            scores = scores.masked_fill(~attn_mask, NEG_INF)
        else:
            scores = scores + attn_mask
    return scores


def _check_adds_in_place(scores: Tensor, mask: Tensor) -> None:
    """torch adds the mask into the scores in place: the mask must not widen them."""
    full = broadcast_shapes(scores.shape, mask.shape)
    if tuple(full) != tuple(scores.shape):
        raise RuntimeError(f"output with shape {list(scores.shape)} doesn't match the broadcast shape {list(full)}")


def _attention(query, key, value, attn_mask, is_causal, factor, kept):
    weights = _attention_weights(query, key, attn_mask, is_causal, factor)
    kept[:] = [weights]  # the attention weights, for the backward that needs no graph of its own
    return weights @ value


def _in_memory_order_of(array, like, xp):
    """`array` laid out in memory as `like` is (torch's preserve_format for a dense, non-overlapping tensor):
    its dims ordered by `like`'s strides; a contiguous copy otherwise."""
    order = sorted(range(like.ndim), key=lambda d: -like.strides[d])
    expected = like.itemsize
    for d in reversed(order):  # dense and non-overlapping: each stride the product of the sizes inside it
        if like.shape[d] != 1 and like.strides[d] != expected:
            return array
        expected *= like.shape[d]
    inverse = sorted(range(like.ndim), key=order.__getitem__)
    return xp.ascontiguousarray(array.transpose(order)).transpose(inverse)


def _saved_mask(node):
    """The mask torch's kernel is given: a boolean one as its additive form (0 where allowed, -inf elsewhere) in the
    query's dtype, a float one as the call gave it."""
    mask = node.given["attn_mask"]
    if mask is None or mask.dtype is not D.bool_:
        return mask
    query = node.saved_tensors[0]
    return zeros(mask.shape, dtype=query.dtype, device=mask.device).masked_fill(~mask, NEG_INF)


def _saved_logsumexp(node):
    """log Σ exp of each row of the scores (what the kernel keeps to rebuild the weights); 0 for a row with no
    allowed position, as torch's kernel leaves it."""
    query, key = node.saved_tensors[:2]
    with no_grad():
        scores = _attention_scores(query, key, saved_argument(3)(node), node.args[4], node.args[5])
        lse = scores.logsumexp(-1)
        return lse.masked_fill(lse == NEG_INF, 0.0)


class FlashAttention(Fused):
    """Attention as one node. Backward from the kept weights W (P = softmax(S), O = P V):
    dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP - rowsum(dP ⊙ P)), dQ = dS K · scale, dK = dSᵀ Q · scale;
    under create_graph it differentiates the definition instead, so higher derivatives are right."""

    node_name = "ScaledDotProductFlashAttentionForCpuBackward0"
    definition = staticmethod(_attention)
    saves_result = True  # the output, after the inputs (torch's `_saved_output`)
    saved_names = ("query", "key", "value")
    saved_values = {"attn_mask": _saved_mask, "dropout_p": lambda node: 0.0, "is_causal": lambda node: node.args[4],
                    "scale": lambda node: node.given["scale"], "output": lambda node: node.saved_tensors[-1],
                    "logsumexp": _saved_logsumexp}

    @classmethod
    def forward(cls, ctx, *args, **params):
        """torch's kernel allocates its output like the query (empty_like): the query's memory order, so
        that MultiheadAttention's later permute back to (L, N, heads, E) needs no copy, as in torch."""
        out = super().forward(ctx, *args, **params)
        out = Tensor._wrap(_in_memory_order_of(out._data, args[0]._data, out._device.backend.xp), out._device)
        ctx.save_for_backward(*ctx._to_save[:-1], out)  # the output as returned
        return out

    @classmethod
    def backward(cls, ctx, grad):
        if _mode.enabled:
            return super().backward(ctx, grad)
        query, key, value, *mask = ctx.saved_tensors[:-1]
        (weights,) = ctx.args[-1]
        factor = ctx.args[5]
        needs = ctx.needs_input_grad
        d_weights = grad @ value.transpose(-2, -1)
        d_scores = weights * (d_weights - (d_weights * weights).sum(-1, keepdim=True))
        return ((d_scores @ key) * factor if needs[0] else None,
                (d_scores.transpose(-2, -1) @ query) * factor if needs[1] else None,
                weights.transpose(-2, -1) @ grad if needs[2] else None,
                d_scores if mask and needs[3] else None, None, None, None)


def _canonical_mask(mask, name: str, dtype):
    """A boolean "not allowed" mask becomes an additive float mask of -inf; float masks pass through."""
    if mask is None:
        return None
    if mask.dtype is D.bool_:
        return zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, NEG_INF)
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _in_projection(q, k, v, w, b, w_q=None, w_k=None, w_v=None):
    """Project query, key and value with one packed (3E, E) weight or three separate ones, as torch does:
    self-attention in one linear, encoder-decoder attention with key and value in one."""
    if w is None:
        b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
        return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)
    E = q.shape[-1]
    if k is v and q is k:  # self-attention
        proj = _unpacked(linear(q, w, b), 3, E)
        return proj[0], proj[1], proj[2]
    if k is v:  # encoder-decoder attention
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        kv = _unpacked(linear(k, w_kv, b_kv), 2, E)
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _unpacked(proj, parts: int, E: int):
    """(..., parts·E) projections as (parts, ..., E), contiguous: torch's unflatten, unsqueeze, transpose,
    squeeze and copy, whose nodes its graph shows."""
    return proj.unflatten(-1, (parts, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()


def _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's assertions on the inputs' dims (2-D unbatched or 3-D batched); whether they are batched."""
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                             "tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.dim()}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{query.dim() - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
    return batched


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check, num_heads,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn, dropout_p,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch's multi-head attention on (L, N, E) inputs (or unbatched (L, E)); returns (output, weights)."""
    batched = _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if isinstance(num_heads, bool):
        num_heads = int(num_heads)  # torch's arithmetic on it gives ints
    if not use_separate_proj_weight and in_proj_weight is None:  # torch asserts this
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the causal hint replaces the mask in scaled_dot_product_attention
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False

    if use_separate_proj_weight:
        q, k, v = _in_projection(query, key, value, None, in_proj_bias, q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                               f"{(bsz * num_heads, tgt_len, src_len)}.")
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None

    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        k = cat([k, zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype, device=v.device)], dim=1)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / head_dim)
        if attn_mask is not None:  # torch adds the mask in baddbmm, which takes one dtype
            if attn_mask.dtype is not q.dtype:
                raise RuntimeError(f"Input dtypes must be the same, got: input {attn_mask.dtype.c_name}, batch1: "
                                   f"{q.dtype.c_name}, batch2: {k.dtype.c_name}")
            scores = baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            scores = bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(scores, -1)  # torch's weights path: a fully masked row gives nan here
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        attn_mask = attn_mask.view(bsz, num_heads, -1, src_len) if attn_mask.shape[0] != 1 else \
            attn_mask.unsqueeze(0)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
    return (out if batched else out.squeeze(1)), None
