"""Recurrent layers and nn.utils.rnn against torch: outputs and final states, gradients, graphs,
packed sequences, same-seed weights, state_dicts both ways, errors, and training step for step."""
import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.testing.node_names import graph_node_names

TOL = dict(rtol=1e-4, atol=1e-5)


def _pair(make):
    """The layer built by torch and by minitorch after the same seed (so with the same weights)."""
    torch.manual_seed(3), mt.manual_seed(3)
    return make(torch.nn), make(mt.nn)


def _host(t):
    return t.detach().cpu().numpy()


def _states(out):
    """Every tensor a recurrent layer returns, flattened (output, h_n[, c_n]; packed data for packed)."""
    output, hidden = out
    output = output.data if hasattr(output, "batch_sizes") else output
    return [output] + (list(hidden) if isinstance(hidden, tuple) else [hidden])


def _inputs(*shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return torch.tensor(a, requires_grad=True), mt.tensor(a, requires_grad=True)


LAYERS = {
    "rnn-tanh": lambda nn: nn.RNN(3, 5),
    "rnn-relu-2-layers": lambda nn: nn.RNN(3, 5, num_layers=2, nonlinearity="relu"),
    "gru-bidirectional": lambda nn: nn.GRU(3, 5, bidirectional=True),
    "gru-batch-first-2-layers": lambda nn: nn.GRU(3, 5, 2, batch_first=True),
    "lstm": lambda nn: nn.LSTM(3, 5),
    "lstm-2-layers-bidirectional": lambda nn: nn.LSTM(3, 5, 2, bidirectional=True),
    "lstm-projections-bidirectional": lambda nn: nn.LSTM(3, 5, proj_size=2, bidirectional=True),
    "lstm-no-bias-batch-first": lambda nn: nn.LSTM(3, 5, bias=False, batch_first=True),
}


def _initial_state(theirs, batch, seed=5):
    """A random initial hidden state (and cell state for the LSTM) for both libraries."""
    layers = theirs.num_layers * (2 if theirs.bidirectional else 1)
    h_size = theirs.proj_size or theirs.hidden_size
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((layers, batch, h_size)).astype(np.float32)
    c = rng.standard_normal((layers, batch, theirs.hidden_size)).astype(np.float32)
    if isinstance(theirs, torch.nn.LSTM):
        return (torch.tensor(h), torch.tensor(c)), (mt.tensor(h), mt.tensor(c))
    return torch.tensor(h), mt.tensor(h)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_with_initial_state_matches_torch(name):
    theirs, ours = _pair(LAYERS[name])
    for (k, t), (k2, m) in zip(theirs.state_dict().items(), ours.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(_host(m), _host(t), err_msg=f"same seed, same weights: {k}")
    tx, mx = _inputs(2, 4, 3) if theirs.batch_first else _inputs(4, 2, 3)
    th, mh = _initial_state(theirs, 2)
    t_out, m_out = theirs(tx, th), ours(mx, mh)
    t_all, m_all = _states(t_out), _states(m_out)
    for t, m in zip(t_all, m_all):
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(_host(m), _host(t), **TOL)
        assert graph_node_names(m) == graph_node_names(t)
    weights = [np.random.default_rng(i).standard_normal(tuple(t.shape)).astype(np.float32) for i, t in enumerate(t_all)]
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_all, weights)).backward()
    sum((m * mt.tensor(w)).sum() for m, w in zip(m_all, weights)).backward()
    np.testing.assert_allclose(_host(mx.grad), _host(tx.grad), **TOL)
    for (k, t), (_, m) in zip(theirs.named_parameters(), ours.named_parameters()):
        np.testing.assert_allclose(_host(m.grad), _host(t.grad), **TOL, err_msg=k)


@pytest.mark.parametrize("name", ["rnn-tanh", "gru-bidirectional", "lstm-2-layers-bidirectional",
                                  "lstm-projections-bidirectional"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(name, enforce_sorted):
    theirs, ours = _pair(LAYERS[name])
    lengths = [4, 3, 3, 1] if enforce_sorted else [3, 4, 1, 3]
    tx, mx = _inputs(4, 4, 3, seed=1)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    m_packed = mt.nn.utils.rnn.pack_padded_sequence(mx, lengths, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(m_packed.batch_sizes.numpy(), t_packed.batch_sizes.numpy())
    th, mh = _initial_state(theirs, 4)
    t_out, m_out = theirs(t_packed, th), ours(m_packed, mh)
    assert type(m_out[0]).__name__ == "PackedSequence"
    t_all, m_all = _states(t_out), _states(m_out)
    for t, m in zip(t_all, m_all):
        np.testing.assert_allclose(_host(m), _host(t), **TOL)
        assert graph_node_names(m) == graph_node_names(t)
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_out[0], batch_first=True, total_length=6)
    m_pad, m_len = mt.nn.utils.rnn.pad_packed_sequence(m_out[0], batch_first=True, total_length=6)
    np.testing.assert_allclose(_host(m_pad), _host(t_pad), **TOL)
    np.testing.assert_array_equal(m_len.numpy(), t_len.numpy())
    assert graph_node_names(m_pad) == graph_node_names(t_pad)
    (t_pad.sum() + sum(t.sum() for t in t_all[1:])).backward()
    (m_pad.sum() + sum(m.sum() for m in m_all[1:])).backward()
    np.testing.assert_allclose(_host(mx.grad), _host(tx.grad), **TOL)
    for (k, t), (_, m) in zip(theirs.named_parameters(), ours.named_parameters()):
        np.testing.assert_allclose(_host(m.grad), _host(t.grad), **TOL, err_msg=k)


def test_padding_helpers_match_torch():
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (2, 4, 1)]
    for kw in ({}, {"batch_first": True, "padding_value": -1.0}, {"padding_side": "left"}):
        t = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kw)
        m = mt.nn.utils.rnn.pad_sequence([mt.tensor(s) for s in seqs], **kw)
        np.testing.assert_array_equal(_host(m), _host(t))
    t_packed = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    m_packed = mt.nn.utils.rnn.pack_sequence([mt.tensor(s) for s in seqs], enforce_sorted=False)
    for t, m in zip(t_packed, m_packed):
        np.testing.assert_array_equal(_host(m), _host(t))
    for t, m in zip(torch.nn.utils.rnn.unpack_sequence(t_packed), mt.nn.utils.rnn.unpack_sequence(m_packed)):
        np.testing.assert_array_equal(_host(m), _host(t))
    padded = [rng.standard_normal((4, 3, 2)).astype(np.float32)]
    lengths = [4, 2, 1]
    for t, m in zip(torch.nn.utils.rnn.unpad_sequence(torch.tensor(padded[0]), torch.tensor(lengths)),
                    mt.nn.utils.rnn.unpad_sequence(mt.tensor(padded[0]), mt.tensor(lengths))):
        np.testing.assert_array_equal(_host(m), _host(t))
    legacy = mt.nn.utils.rnn.PackedSequence((m_packed.data, m_packed.batch_sizes))  # the (data, batch_sizes) form
    assert legacy.sorted_indices is None and legacy.data is m_packed.data
    perm = mt.tensor([2, 0, 1])
    np.testing.assert_array_equal(mt.nn.utils.rnn.invert_permutation(perm).numpy(), [1, 2, 0])
    assert m_packed.double().data.dtype == mt.float64 and m_packed.batch_sizes.dtype == mt.int64


@pytest.mark.parametrize("call, error", [
    (lambda nn, lib: nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [1, 2]), RuntimeError),
    (lambda nn, lib: nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [2, 0]), RuntimeError),
    (lambda nn, lib: nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [2]), RuntimeError),
    (lambda nn, lib: nn.utils.rnn.pad_packed_sequence(
        nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [3, 2]), total_length=2), ValueError),
    (lambda nn, lib: nn.utils.rnn.pad_sequence([lib.zeros(2)], padding_side="top"), RuntimeError),
    (lambda nn, lib: nn.LSTM(3, 4, proj_size=4), ValueError),
    (lambda nn, lib: nn.GRU(3, 4, proj_size=2), ValueError),
    (lambda nn, lib: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError),
    (lambda nn, lib: nn.RNN(3, 0), ValueError),
    (lambda nn, lib: nn.RNN(3, 4, dropout=1.5), ValueError),
    (lambda nn, lib: nn.RNN(3.0, 4), TypeError),
    (lambda nn, lib: nn.GRU(3, 4)(lib.zeros(2, 3, 4)), RuntimeError),
    (lambda nn, lib: nn.GRU(3, 4)(lib.zeros(2, 3, 3, 1)), ValueError),
    (lambda nn, lib: nn.GRU(3, 4)(lib.zeros(2, 3, 3), lib.zeros(1, 2, 4)), RuntimeError),
    (lambda nn, lib: nn.GRU(3, 4)(lib.zeros(2, 3, 3), lib.zeros(3, 4)), RuntimeError),
    (lambda nn, lib: nn.LSTM(3, 4)(lib.zeros(2, 3, 3), (lib.zeros(1, 3, 4), lib.zeros(1, 3, 5))), RuntimeError),
    (lambda nn, lib: nn.LSTM(3, 4)(lib.zeros(2, 3, 3, dtype=lib.float64)), ValueError),
    (lambda nn, lib: nn.LSTM(3, 4)(lib.zeros(0, 3, 3)), RuntimeError),
    (lambda nn, lib: nn.RNNCell(3, 4)(lib.zeros(2, 5)), RuntimeError),
    (lambda nn, lib: nn.GRUCell(3, 4)(lib.zeros(2, 3), lib.zeros(3, 4)), RuntimeError),
    (lambda nn, lib: nn.LSTMCell(3, 4)(lib.zeros(2, 3), (lib.zeros(2, 4), lib.zeros(2, 5))), RuntimeError),
    (lambda nn, lib: nn.LSTMCell(3, 4)(lib.zeros(2, 3, 1)), ValueError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch.nn, torch)
    with pytest.raises(error) as ours:
        call(mt.nn, mt)
    assert str(ours.value) == str(theirs.value)


def test_cells_with_states_and_reprs():
    for make in (lambda nn: nn.RNNCell(3, 4, bias=False), lambda nn: nn.GRUCell(3, 4), lambda nn: nn.LSTMCell(3, 4)):
        theirs, ours = _pair(make)
        assert repr(ours) == repr(theirs)
        tx, mx = _inputs(2, 3)
        h = np.random.default_rng(9).standard_normal((2, 4)).astype(np.float32)
        if isinstance(theirs, torch.nn.LSTMCell):
            t_out, m_out = theirs(tx, (torch.tensor(h), torch.tensor(h))), ours(mx, (mt.tensor(h), mt.tensor(h)))
        else:
            t_out, m_out = (theirs(tx, torch.tensor(h)),), (ours(mx, mt.tensor(h)),)
        for t, m in zip(t_out, m_out):
            np.testing.assert_allclose(_host(m), _host(t), **TOL)
    for make in LAYERS.values():
        theirs, ours = _pair(make)
        assert repr(ours) == repr(theirs)
        assert ours._flat_weights_names == theirs._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in theirs.all_weights]


def test_state_dicts_move_both_ways():
    theirs, ours = _pair(lambda nn: nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2))
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(2.0)
    assert str(ours.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    fresh = torch.nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    for (k, t), (_, f) in zip(theirs.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(f.numpy(), t.numpy(), err_msg=k)


class _Tagger:
    """A small sequence model: embedding, a recurrent layer, a linear head on every step."""

    def __init__(self, lib, kind):
        nn = lib.nn
        lib.manual_seed(11)
        self.embed = nn.Embedding(10, 4)
        self.rnn = getattr(nn, kind)(4, 6, num_layers=2, batch_first=True, dropout=0.25)
        self.head = nn.Linear(6, 3)
        self.modules = nn.ModuleList([self.embed, self.rnn, self.head])

    def __call__(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_training_steps_match_torch(kind):
    """Five Adam steps with dropout between the layers: the losses and the weights stay torch's."""
    theirs, ours = _Tagger(torch, kind), _Tagger(mt, kind)
    ours.modules.load_state_dict(theirs.modules.state_dict())
    t_opt = torch.optim.Adam(theirs.modules.parameters(), lr=0.01)
    m_opt = mt.optim.Adam(ours.modules.parameters(), lr=0.01)
    rng = np.random.default_rng(4)
    torch.manual_seed(0), mt.manual_seed(0)
    for _ in range(5):
        tokens = rng.integers(0, 10, size=(3, 7))
        labels = rng.integers(0, 3, size=(3 * 7,))
        losses = []
        for lib, model, opt in ((torch, theirs, t_opt), (mt, ours, m_opt)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(tokens)).reshape(-1, 3), lib.tensor(labels))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)
    for (k, t), (_, m) in zip(theirs.modules.state_dict().items(), ours.modules.state_dict().items()):
        np.testing.assert_allclose(_host(m), _host(t), rtol=1e-4, atol=1e-5, err_msg=k)
