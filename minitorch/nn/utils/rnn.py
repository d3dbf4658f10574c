"""Variable-length sequences for the recurrent layers: PackedSequence and the functions that pack,
pad and unpad, as torch.nn.utils.rnn.

A packed sequence stores the batch time-major with the finished sequences dropped: step t holds
`batch_sizes[t]` rows, the sequences sorted longest first (`sorted_indices` says how, when the
batch was not sorted already). The recurrent layers take it and shrink their hidden state as
sequences end.
"""
from __future__ import annotations

from collections import namedtuple

from ... import dtypes as D
from ...autograd.function import Primitive
from ...ops.creation import arange, as_tensor, empty_like, full, tensor
from ...ops.indexing import sort
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices); build it with pack_padded_sequence or
    pack_sequence rather than by hand."""

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # the legacy form: PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                             "created manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn. "
                             "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> "PackedSequence":
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The data moved or cast (batch_sizes stay on the CPU); the indices follow the data's device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to(*args, device="cuda", **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to(*args, device="cpu", **kwargs)

    def double(self):
        return self.to(dtype=D.float64)

    def float(self):
        return self.to(dtype=D.float32)

    def half(self):
        return self.to(dtype=D.float16)

    def long(self):
        return self.to(dtype=D.int64)

    def int(self):
        return self.to(dtype=D.int32)

    def short(self):
        return self.to(dtype=D.int16)

    def char(self):
        return self.to(dtype=D.int8)

    def byte(self):
        return self.to(dtype=D.uint8)

    def pin_memory(self):
        return self

    def is_pinned(self) -> bool:
        return False

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    output = empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel(), device=permutation.device))
    return output


class PackPaddedSequence(Primitive):
    """The rows of a padded (T, B, *) batch that hold data, time-major: step t gives its first
    batch_sizes[t] rows. The gradient scatters back into a zero-padded batch."""

    formula = "grad_input = grad scattered back to the padded positions (zeros elsewhere)"

    @staticmethod
    def forward(ctx, x, *, batch_sizes, batch_first):
        xp = ctx.xp
        if batch_first:
            x = xp.swapaxes(x, 0, 1)
        ctx.shape, ctx.batch_sizes, ctx.batch_first = x.shape, batch_sizes, batch_first
        return xp.concatenate([x[t, :n] for t, n in enumerate(batch_sizes)], axis=0)

    @staticmethod
    def backward(ctx, grad):
        from ...ops.shape import cat, stack
        steps, offset = [], 0
        for n in ctx.batch_sizes:
            rows = grad.narrow(0, offset, n)
            offset += n
            pad = ctx.shape[1] - n
            steps.append(rows if not pad else cat([rows, rows.new_zeros((pad,) + tuple(rows.shape[1:]))], 0))
        out = stack(steps, 0)
        return out.transpose(0, 1) if ctx.batch_first else out


def _lengths_tensor(lengths) -> Tensor:
    if isinstance(lengths, Tensor):
        return lengths.to(dtype=D.int64)
    return as_tensor(lengths, dtype=D.int64, device="cpu")


def pack_padded_sequence(input: Tensor, lengths: Tensor | list[int], batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) whose sequence b has lengths[b] steps.
    With enforce_sorted=False the batch is sorted longest first and the order kept in the result."""
    lengths = _lengths_tensor(lengths)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lengths.device.type != "cpu" or lengths.dim() != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D "
                           f"{lengths.device.type} Long tensor")
    values = [int(n) for n in lengths.tolist()]
    batch = input.shape[0 if batch_first else 1] if input.dim() >= 2 else 0
    if len(values) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} "
                           f"(batch_size={batch})")
    if values and values[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if any(a < b for a, b in zip(values, values[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    steps = input.shape[1 if batch_first else 0]
    if values and values[0] > steps:
        raise RuntimeError(f"Expected max sequence length ({values[0]}) to be at most the padded length "
                           f"({steps})")
    batch_sizes = [sum(n > t for n in values) for t in range(values[0] if values else 0)]
    data = PackPaddedSequence.apply(input, batch_sizes=batch_sizes, batch_first=batch_first)
    return PackedSequence(data, tensor(batch_sizes, dtype=D.int64), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo pack_padded_sequence: the padded batch (T, B, *) (or (B, T, *)) and each sequence's length.
    Runs of steps with the same batch size are copied in one slice each, as torch copies them."""
    data, sizes = sequence.data, [int(n) for n in sequence.batch_sizes.tolist()]
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = sizes[0] if sizes else 0
    output = full((steps, batch) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    lengths = [0] * batch
    offset, start, previous = 0, 0, batch
    for t in range(len(sizes) + 1):
        n = sizes[t] if t < len(sizes) else 0
        if n != previous:
            rows = previous * (t - start)
            output[start:t, :previous] = data[offset:offset + rows].view(t - start, previous, *data.shape[1:])
            offset, start = offset + rows, t
        for b in range(n, previous):
            lengths[b] = t
        previous = n
    if batch_first:
        output = output.transpose(0, 1)
    lengths = tensor(lengths, dtype=D.int64)
    if sequence.unsorted_indices is not None:
        output = output.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.cpu()]
    return output, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths (L_i, *) into (T, B, *) (or (B, T, *)), padding each at its
    right (or left) end with `padding_value`."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    first = sequences[0]
    shape = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = full(shape + tuple(first.shape[1:]), padding_value, dtype=first.dtype, device=first.device)
    for b, s in enumerate(sequences):
        n = s.shape[0]
        steps = slice(0, n) if padding_side == "right" else slice(longest - n, longest)
        out[(b, steps) if batch_first else (steps, b)] = s
    return out


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """pack_padded_sequence of pad_sequence(sequences): a list of (L_i, *) tensors packed."""
    lengths = tensor([s.shape[0] for s in sequences], dtype=D.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    steps = arange(padded_sequences.shape[1], device=lengths.device)
    return [seq[steps < n] for seq, n in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
