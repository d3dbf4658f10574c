"""Recurrent cells and layers, computed as torch's CPU kernels compute them, so that the backward graph
has torch's nodes: the input projection of a whole sequence is one linear (view, addmm, view), unbound
into steps; each step adds the hidden projection (addmm) and runs the cell's gates on unsafe_chunk
pieces; a layer's outputs are stacked. torch runs a float32 LSTM without projections through oneDNN,
one `MkldnnRnnLayerBackward0` node per layer and direction: here that node is one fused op whose
backward differentiates the same step-by-step definition.

Cells take (input, hidden, params, input_is_projected) and return the new hidden state: a tensor,
or (h, c) for the LSTM. `params` is (w_ih, w_hh, b_ih, b_hh, w_hr), the biases and the projection
optional (None): always five entries.
"""
from __future__ import annotations

from .. import dtypes as D
from .fused import Fused
from .linalg import linear, matmul
from .shape import TransposeInPlace, cat, stack, unsafe_chunk


def _gates(input, hidden, params, input_is_projected):
    """W_hh h + b_hh + (W_ih x + b_ih), the second term computed before when the input is projected."""
    w_ih, w_hh, b_ih, b_hh = params[:4]
    return linear(hidden, w_hh, b_hh) + (input if input_is_projected else linear(input, w_ih, b_ih))


def rnn_tanh_step(input, hidden, params, input_is_projected=False):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    return _gates(input, hidden, params, input_is_projected).tanh()


def rnn_relu_step(input, hidden, params, input_is_projected=False):
    """h' = relu(W_ih x + b_ih + W_hh h + b_hh)."""
    return _gates(input, hidden, params, input_is_projected).relu()


def lstm_step(input, hidden, params, input_is_projected=False):
    """Gates i, f, g, o from one projection; c' = f c + i g, h' = o tanh(c') (then W_hr h' with a projection)."""
    h, c = hidden
    i, f, g, o = unsafe_chunk(_gates(input, h, params, input_is_projected), 4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    w_hr = params[4]
    return (h if w_hr is None else matmul(h, w_hr.t())), c


def gru_step(input, hidden, params, input_is_projected=False):
    """r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r h_n), h' = (h − n) z + n."""
    w_ih, w_hh, b_ih, b_hh = params[:4]
    x_r, x_z, x_n = unsafe_chunk(input if input_is_projected else linear(input, w_ih, b_ih), 3, 1)
    h_r, h_z, h_n = unsafe_chunk(linear(hidden, w_hh, b_hh), 3, 1)
    reset = (h_r + x_r).sigmoid()
    update = (h_z + x_z).sigmoid()
    new = (x_n + h_n * reset).tanh()
    return (hidden - new) * update + new


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step, "GRU": gru_step}


def _output_of(hidden):
    return hidden[0] if isinstance(hidden, tuple) else hidden


def full_layer(step, input, hidden, params, reverse=False):
    """One layer over a (seq, batch, features) input: the outputs stacked over time, and the last hidden."""
    w_ih, b_ih = params[0], params[2]
    steps = linear(input, w_ih, b_ih).unbind(0)
    if not steps:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    outputs = []
    for x in (reversed(steps) if reverse else steps):
        hidden = step(x, hidden, params, True)
        outputs.append(_output_of(hidden))
    if reverse:
        outputs.reverse()
    return stack(outputs, 0), hidden


def _lstm_layer(input, w_ih, w_hh, b_ih, b_hh, h, c, reverse):
    params = (w_ih, w_hh, b_ih, b_hh, None)
    output, (h, c) = full_layer(lstm_step, input, (h, c), params, reverse)
    return output, h, c


class MkldnnRnnLayer(Fused):
    """One float32 LSTM layer (one direction) as one node, as torch's oneDNN kernel: its backward
    differentiates the step-by-step definition (`full_layer` with `lstm_step`)."""

    node_name = "MkldnnRnnLayerBackward0"
    definition = staticmethod(_lstm_layer)


def uses_mkldnn(mode, input, params) -> bool:
    """Where torch's CPU LSTM runs on oneDNN: float32 LSTM without projections, on a non-empty input."""
    return mode == "LSTM" and input._dtype is D.float32 and params[4] is None and input.numel() > 0


def transpose_in_place_node(output):
    """output.transpose(0, 1) with the node of torch's in-place transpose_."""
    axes = (1, 0) + tuple(range(2, output.dim()))
    return TransposeInPlace.apply(output, axes=axes, given=(0, 1))


# ---- packed sequences: the batch shrinks as sequences end ------------------------------------------

def _slice_hidden(hidden, start, end):
    if isinstance(hidden, tuple):
        return tuple(h.narrow(0, start, end - start) for h in hidden)
    return hidden.narrow(0, start, end - start)


def _cat_hidden(hiddens):
    if isinstance(hiddens[0], tuple):
        return tuple(cat(list(parts), 0) for parts in zip(*hiddens))
    return cat(hiddens, 0)


def packed_layer(step, data, batch_sizes, hidden, params):
    """One layer forward over packed data (time-major rows, `batch_sizes[t]` rows at step t): finished
    sequences leave the hidden state, which is put back together at the end."""
    steps = linear(data, params[0], params[2])
    outputs, finished, offset, last = [], [], 0, batch_sizes[0]
    for n in batch_sizes:
        x = steps.narrow(0, offset, n)
        offset += n
        if n < last:
            finished.append(_slice_hidden(hidden, n, last))
            hidden = _slice_hidden(hidden, 0, n)
        last = n
        hidden = step(x, hidden, params, True)
        outputs.append(_output_of(hidden))
    finished.append(hidden)
    finished.reverse()
    return cat(outputs, 0), _cat_hidden(finished)


def reversed_packed_layer(step, data, batch_sizes, hidden, params):
    """One layer backward in time over packed data: the hidden state grows as sequences begin."""
    steps = linear(data, params[0], params[2])
    outputs, offset, last = [], data.shape[0], batch_sizes[-1]
    full = hidden
    hidden = _slice_hidden(full, 0, last)
    for n in reversed(batch_sizes):
        if n > last:
            hidden = _cat_hidden([hidden, _slice_hidden(full, last, n)])
        x = steps.narrow(0, offset - n, n)
        offset -= n
        last = n
        hidden = step(x, hidden, params, True)
        outputs.append(_output_of(hidden))
    outputs.reverse()
    return cat(outputs, 0), hidden


def run_layers(mode, input, hiddens, params, num_layers, dropout, train, bidirectional, batch_sizes=None):
    """The layer stack: `hiddens` and `params` hold one entry per layer and direction (direction-minor).
    Returns the last layer's output and the final hidden state of every layer and direction."""
    from .dropout import dropout as _dropout
    step = STEPS[mode]
    directions = 2 if bidirectional else 1
    finals = []
    for layer in range(num_layers):
        if layer and dropout and train:
            input = _dropout(input, dropout, True)
        if batch_sizes is None and uses_mkldnn(mode, input, params[layer * directions]):
            input = input.contiguous()  # oneDNN reads a row-major input (a batch_first one is copied)
        outputs = []
        for d in range(directions):
            k = layer * directions + d
            out, final = _run_direction(mode, step, input, hiddens[k], params[k], d == 1, batch_sizes)
            outputs.append(out)
            finals.append(final)
        input = outputs[0] if directions == 1 else cat(outputs, outputs[0].dim() - 1)
    return input, finals


def _run_direction(mode, step, input, hidden, params, reverse, batch_sizes):
    if batch_sizes is not None:
        layer = reversed_packed_layer if reverse else packed_layer
        return layer(step, input, batch_sizes, hidden, params)
    if uses_mkldnn(mode, input, params):
        out, h, c = MkldnnRnnLayer.apply(input, *params[:4], *hidden, reverse)
        return out, (h, c)
    return full_layer(step, input, hidden, params, reverse)

