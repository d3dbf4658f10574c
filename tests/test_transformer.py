"""MultiheadAttention, Transformer layers and a course-style ViT against torch from identical weights."""
import numpy as np
import pytest
import torch

import minitorch as mt

F32 = dict(rtol=1e-4, atol=2e-5)  # float32, attention and layer norms summed in a different order


def _run(lib, make, inputs, call, seed=0):
    """Build a module in `lib`, copy torch's weights in, run `call` and backpropagate a fixed upstream grad."""
    lib.manual_seed(seed)
    module = make(lib.nn)
    tensors = [lib.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
               for a in inputs(lib)]
    outputs = call(module, *tensors)
    outputs = [o for o in (outputs if isinstance(outputs, tuple) else (outputs,)) if o is not None]
    rng = np.random.default_rng(1)
    total = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)).astype(np.float32))).sum() for o in outputs)
    total.backward()
    grads = {k: p.grad.numpy() for k, p in module.named_parameters() if p.grad is not None}
    input_grads = [t.grad.numpy() for t in tensors if hasattr(t, "grad") and t.grad is not None]
    return [o.detach().numpy() for o in outputs], input_grads, grads, module


def compare(make, inputs, call, train=True):
    """Same seed: our module must get torch's initial weights; then outputs and every gradient agree."""
    results = {}
    for lib in (mt, torch):
        def build(nn, lib=lib):
            m = make(nn)
            return m.train(train)
        results[lib.__name__] = _run(lib, build, inputs, call)
    (mo, mi, mg, mm), (to, ti, tg, tm) = results["minitorch"], results["torch"]
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(mm.state_dict()[k].numpy(), v.numpy(), err_msg=f"initial {k}")
    assert len(mo) == len(to)
    for a, b in zip(mo, to):
        np.testing.assert_allclose(a, b, **F32, err_msg="output")
    for a, b in zip(mi, ti):
        np.testing.assert_allclose(a, b, **F32, err_msg="input grad")
    assert mg.keys() == tg.keys()
    for k in tg:
        np.testing.assert_allclose(mg[k], tg[k], **F32, err_msg=f"grad of {k}")


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


E, H, L, S, N = 8, 2, 5, 4, 3


def _masks(lib, kind, batch_first=True):
    rng = np.random.default_rng(5)
    if kind == "none":
        return {}
    if kind == "bool-attn":
        return {"attn_mask": lib.tensor(rng.random((L, S)) < 0.3)}
    if kind == "float-attn-3d":
        return {"attn_mask": lib.tensor(rng.standard_normal((N * H, L, S)).astype(np.float32))}
    if kind == "key-padding":
        pad = np.zeros((N, S), dtype=bool)
        pad[0, -2:] = True
        return {"key_padding_mask": lib.tensor(pad)}
    if kind == "both":
        pad = np.zeros((N, S), dtype=bool)
        pad[1, 0] = True
        return {"key_padding_mask": lib.tensor(pad), "attn_mask": lib.tensor(rng.random((L, S)) < 0.2)}
    raise ValueError(kind)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("mask", ["none", "bool-attn", "float-attn-3d", "key-padding", "both"])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_multihead_cross_attention(batch_first, mask, need_weights, average):
    def inputs(lib):
        shapes = [(N, L, E), (N, S, E), (N, S, E)] if batch_first else [(L, N, E), (S, N, E), (S, N, E)]
        return arrays(*shapes)

    compare(lambda nn: nn.MultiheadAttention(E, H, batch_first=batch_first), inputs,
            lambda m, q, k, v: m(q, k, v, need_weights=need_weights, average_attn_weights=average,
                                 **_masks(mt if isinstance(m, mt.nn.Module) else torch, mask)))


@pytest.mark.parametrize("options", [dict(), dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
                                     dict(kdim=3, vdim=6), dict(dropout=0.3)])
def test_multihead_self_attention_options(options):
    kdim, vdim = options.get("kdim", E), options.get("vdim", E)

    def inputs(lib):
        return arrays((N, L, E), (N, L, kdim), (N, L, vdim))

    def call(m, q, k, v):
        if kdim == E and vdim == E:
            k = v = q  # self-attention: the packed projection path
        return m(q, k, v, need_weights=False)

    # dropout in eval mode is off; the train-mode masks equal torch's after the same seed
    compare(lambda nn: nn.MultiheadAttention(E, H, batch_first=True, **options), inputs, call,
            train=options.get("dropout", 0) == 0)


def test_multihead_unbatched_and_causal():
    def call(m, x):
        lib = mt if isinstance(m, mt.nn.Module) else torch
        causal = lib.nn.Transformer.generate_square_subsequent_mask(L)
        return m(x, x, x, attn_mask=causal, is_causal=True, need_weights=False)
    compare(lambda nn: nn.MultiheadAttention(E, H), lambda lib: arrays((L, E)), call)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("train", [True, False])
def test_transformer_encoder_layer(norm_first, activation, train):
    compare(lambda nn: nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0, activation=activation,
                                                  batch_first=True, norm_first=norm_first),
            lambda lib: arrays((N, L, E)), lambda m, x: m(x), train=train)


@pytest.mark.parametrize("train", [True, False])
def test_transformer_encoder_stack_with_masks(train):
    def make(nn):
        layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0, activation="gelu")
        return nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(E), enable_nested_tensor=False)

    def call(m, x):
        lib = mt if isinstance(m, mt.nn.Module) else torch
        mask = lib.tensor(np.triu(np.full((L, L), -np.inf, dtype=np.float32), 1))
        return m(x, mask=mask)

    compare(make, lambda lib: arrays((L, N, E)), call, train=train)


def test_transformer_decoder_stack():
    def make(nn):
        layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=True)
        return nn.TransformerDecoder(layer, num_layers=2)

    compare(make, lambda lib: arrays((N, L, E), (N, S, E)), lambda m, tgt, mem: m(tgt, mem))


def test_encoder_layers_are_independent_deep_copies():
    layer = mt.nn.TransformerEncoderLayer(E, H, dim_feedforward=16)
    enc = mt.nn.TransformerEncoder(layer, num_layers=3)
    weights = [lay.linear1.weight for lay in enc.layers]
    assert len({id(w) for w in weights}) == 3
    assert all(np.array_equal(w.detach().numpy(), layer.linear1.weight.detach().numpy()) for w in weights)
    assert list(enc.state_dict())[:2] == ["layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias"]


def test_full_transformer():
    compare(lambda nn: nn.Transformer(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                                      dim_feedforward=16, dropout=0.0),
            lambda lib: arrays((S, N, E), (L, N, E)),
            lambda m, src, tgt: m(src, tgt, tgt_mask=(mt if isinstance(m, mt.nn.Module) else torch)
                                  .nn.Transformer.generate_square_subsequent_mask(L), tgt_is_causal=True))


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("pad_at", ["end", "middle"])
def test_encoder_inference_with_padding_matches_torchs_nested_tensor_path(pad_at):
    """In eval without grad, torch packs left-aligned padded batches: padded positions come out zero."""
    pad = np.zeros((N, L), dtype=bool)
    pad[0, -2:] = True
    if pad_at == "middle":
        pad[1, 1] = True  # not left-aligned: torch keeps the dense path

    def make(nn):
        layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0, batch_first=True)
        return nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(E))

    outs = []
    for lib in (mt, torch):
        lib.manual_seed(0)
        enc = make(lib.nn).eval()
        with lib.no_grad():
            outs.append(enc(lib.tensor(arrays((N, L, E))[0]), src_key_padding_mask=lib.tensor(pad)).numpy())
    np.testing.assert_allclose(outs[0], outs[1], **F32)
