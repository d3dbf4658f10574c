"""einsum as torch computes it, so that its graph has torch's nodes: the equation's labels give every
operand one shared dim order (diagonals for repeated labels, unsqueezed dims for missing ones, one
permute); the operands are then contracted left to right, each pair by permute, reshape, bmm, view and
permute (torch's sumproduct_pair), with dims that only one operand still holds summed beforehand.
Without a graph to build (no operand requires grad) one array einsum computes the same values."""
from __future__ import annotations

import string
from collections import deque

from .. import dtypes as D
from ..autograd.grad_mode import state as _mode
from ..tensor import Tensor
from .linalg import bmm

LABELS = string.ascii_uppercase + string.ascii_lowercase  # torch's label numbering: A-Z, then a-z
ELLIPSIS = len(LABELS)


def einsum(*args) -> Tensor:
    """Einstein summation: einsum('bij,bjk->bik', a, b), einsum('ij->j', [a]), or the sublist form
    einsum(a, [0, 1], b, [1, 2], [0, 2])."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at least one "
                        "operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
    else:
        equation, operands = _sublist_equation(args)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(t).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    plan = _Plan(equation, operands)
    if _needs_no_graph(operands):
        for i, t in enumerate(operands):
            plan.steps(i, t._data.shape)  # torch's size checks
        xp = operands[0]._device.backend.xp
        return Tensor._wrap(xp.einsum(plan.numpy_equation(), *[t._data for t in operands], optimize=True),
                            operands[0]._device)
    return plan.contract([plan.align(i, t) for i, t in enumerate(operands)])


def _needs_no_graph(operands) -> bool:
    """Operands of one float dtype and no graph to record: the composition's values in one array einsum."""
    dtype = operands[0]._dtype
    return (dtype in (D.float32, D.float64) and all(t._dtype is dtype for t in operands) and not _mode.forward_ad
            and not (_mode.enabled and any(t._requires_grad for t in operands))
            and len({t._device for t in operands}) == 1)


class _Plan:
    """The parsed equation: each operand's labels, and the shared dim order (the output's dims first, then
    the dims to sum), with torch's checks and messages."""

    def __init__(self, equation: str, operands):
        self.equation = equation
        self.labels, lhs_length = self._operand_labels(equation, len(operands))
        counts = [0] * ELLIPSIS
        self.ell_dims = 0  # the most dims any ellipsis covers
        for i, (labels, t) in enumerate(zip(self.labels, operands)):
            named = sum(s != ELLIPSIS for s in labels)
            for s in labels:
                if s != ELLIPSIS:
                    counts[s] += 1
            ndim, has_ell = t._data.ndim, ELLIPSIS in labels
            if has_ell:
                self.ell_dims = max(self.ell_dims, ndim - named)
            if named > ndim if has_ell else named != ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) "
                    f"{'is more than' if has_ell else 'does not match'} the number of dimensions ({ndim}) for "
                    f"operand {i}{'' if has_ell else ' and no ellipsis was given'}")
        self.index = [-1] * ELLIPSIS  # each label's position in the shared dim order
        self.ell_index, self.ell_in_output = 0, False
        position = self._output_positions(equation, counts, lhs_length)
        self.out_dims = position
        if not self.ell_in_output:
            self.ell_index = position
            position += self.ell_dims
        for s in range(ELLIPSIS):
            if counts[s] and self.index[s] == -1:
                self.index[s] = position
                position += 1
        self.total = position
        self.label_size = [1] * ELLIPSIS
        self.ell_sizes = [1] * self.ell_dims
        self.dim_counts = [0] * position  # how many operands hold each dim with a size other than 1

    @staticmethod
    def _operand_labels(equation: str, n: int):
        lhs = equation.split("->", 1)[0]
        labels, ell, current, i = [[] for _ in range(n)], False, 0, 0
        while i < len(lhs):
            c = lhs[i]
            if c == ".":
                if ell:
                    raise RuntimeError(f"einsum(): found '.' for operand {current} for which an ellipsis was "
                                       "already found")
                if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                    raise RuntimeError(f"einsum(): found '.' for operand {current} that is not part of any ellipsis")
                i += 2
                labels[current].append(ELLIPSIS)
                ell = True
            elif c == ",":
                current += 1
                if current >= n:
                    raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
                ell = False
            elif c != " ":
                if c not in LABELS:
                    raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                                       "subscripts must be in [a-zA-Z]")
                labels[current].append(LABELS.index(c))
            i += 1
        if current != n - 1:
            raise RuntimeError("einsum(): more operands were provided than specified in the equation")
        return labels, len(lhs)

    def _output_positions(self, equation: str, counts, lhs_length: int) -> int:
        """Place the output's labels first; return how many dims the output has."""
        arrow = equation.find("->")
        if arrow < 0:  # implicit output: the ellipsis, then the labels seen once, in label order
            position, self.ell_in_output = self.ell_dims, True
            for s in range(ELLIPSIS):
                if counts[s] == 1:
                    self.index[s] = position
                    position += 1
            return position
        rhs, position, i = equation[arrow + 2:], 0, 0
        while i < len(rhs):
            c = rhs[i]
            if c == ".":
                if self.ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis (...)")
                i += 2
                self.ell_index, self.ell_in_output = position, True
                position += self.ell_dims
            elif c != " ":
                if c not in LABELS:
                    raise RuntimeError(f"einsum(): invalid subscript given at index {lhs_length + 2 + i} in the "
                                       "equation string, subscripts must be in [a-zA-Z]")
                s = LABELS.index(c)
                if not counts[s] or self.index[s] != -1:
                    raise RuntimeError(f"einsum(): output subscript {c}" + (
                        " appears more than once in the output" if self.index[s] > -1 else
                        " does not appear in the equation for any input operand"))
                self.index[s] = position
                position += 1
            i += 1
        return position

    def steps(self, i: int, shape) -> tuple:
        """How operand i (of this shape) takes the shared dims, checking its sizes: the dims to take the
        diagonal of (a repeated label, kept in the first occurrence's place), how many size-1 dims to add
        (the labels it lacks), and the permute into the shared order."""
        shape, permutation, diagonals, dim = list(shape), [-1] * self.total, [], 0
        for s in self.labels[i]:
            if s == ELLIPSIS:
                covered = len(shape) + len(diagonals) - (len(self.labels[i]) - 1)
                for j in range(self.ell_dims - covered, self.ell_dims):
                    size = shape[dim]
                    if size != 1:
                        if self.ell_sizes[j] not in (1, size):
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}has size {size} which "
                                f"does not broadcast with previously seen ellipsis with size {self.ell_sizes[j]} for "
                                "the respective dimension")
                        self.ell_sizes[j] = size
                        self.dim_counts[self.ell_index + j] += 1
                    permutation[self.ell_index + j] = dim
                    dim += 1
            elif permutation[self.index[s]] == -1:
                size = shape[dim]
                if size != 1:
                    if self.label_size[s] not in (1, size):
                        raise RuntimeError(f"einsum(): subscript {LABELS[s]} has size {size} for operand {i} which "
                                           f"does not broadcast with previously seen size {self.label_size[s]}")
                    self.label_size[s] = size
                    self.dim_counts[self.index[s]] += 1
                permutation[self.index[s]] = dim
                dim += 1
            else:
                prev = permutation[self.index[s]]
                if shape[dim] != shape[prev]:
                    raise RuntimeError(f"einsum(): subscript {LABELS[s]} is repeated for operand {i} but the sizes "
                                       f"don't match, {shape[dim]} != {shape[prev]}")
                diagonals.append((prev, dim))
                del shape[dim]
        added = 0
        for k, val in enumerate(permutation):
            if val == -1:
                permutation[k] = dim + added
                added += 1
        return diagonals, dim, added, permutation

    def align(self, i: int, op: Tensor) -> Tensor:
        """Operand i in the shared dims: diagonals for repeated labels, a size-1 dim for each label it lacks,
        then one permute into the shared order."""
        diagonals, dim, added, permutation = self.steps(i, op._data.shape)
        for prev, d in diagonals:
            op = op.diagonal(0, prev, d).movedim(-1, prev)
        for k in range(added):
            op = op.unsqueeze(dim + k)
        return op.permute(permutation)

    def contract(self, ops) -> Tensor:
        """Contract left to right; a dim no later operand holds is summed in the pair's product, a dim only
        one of the pair holds is summed from it first."""
        ops, counts = deque(ops), self.dim_counts
        while len(ops) > 1:
            a, b = ops.popleft(), ops.popleft()
            sum_dims, a_dims, b_dims = [], [], []
            for d in range(self.out_dims, self.total):
                in_a, in_b = a._data.shape[d] != 1, b._data.shape[d] != 1
                if in_a and in_b:
                    counts[d] -= 1
                    if counts[d] == 1:
                        sum_dims.append(d)
                        counts[d] = 0
                elif counts[d] == 1 and (in_a or in_b):
                    (a_dims if in_a else b_dims).append(d)
                    counts[d] = 0
            if a_dims:
                a = a.sum(a_dims, keepdim=True)
            if b_dims:
                b = b.sum(b_dims, keepdim=True)
            ops.appendleft(_sumproduct_pair(a, b, sum_dims))
        result = ops[0]
        if self.total == self.out_dims:
            return result
        if len(self.labels) > 1:  # the contracted dims are all of size 1 now
            return result.view(result.shape[:self.out_dims])
        return result.sum(list(range(self.out_dims, self.total)))

    def numpy_equation(self) -> str:
        """The equation spelled for an array einsum (labels as letters, '...' for the ellipsis)."""
        def word(labels):
            return "".join("..." if s == ELLIPSIS else LABELS[s] for s in labels)
        order = sorted((p, LABELS[s]) for s, p in enumerate(self.index) if -1 < p < self.out_dims)
        out = "".join(c for _, c in order)
        if self.ell_in_output:
            before = sum(p < self.ell_index for p, _ in order)
            out = out[:before] + "..." + out[before:]
        return ",".join(word(labels) for labels in self.labels) + "->" + out


def _sumproduct_pair(left: Tensor, right: Tensor, sum_dims) -> Tensor:
    """(left · right) summed over sum_dims (kept as size 1), as torch's sumproduct_pair: permuted to
    (both, left only, summed) and (both, summed, right only), flattened to three dims, one bmm, then viewed
    and permuted back."""
    if not sum_dims:
        return left * right
    both, left_only, right_only = [], [], []
    n_both = n_left = n_right = n_sum = 1
    for i in range(left._data.ndim):
        a, b = left._data.shape[i], right._data.shape[i]
        if i in sum_dims:
            if a != 1 and b != 1:
                if a != b:
                    raise RuntimeError("non-broadcast dimensions must match")
                n_sum *= a
            elif a != 1:
                left = left.sum(i, keepdim=True)
            elif b != 1:
                right = right.sum(i, keepdim=True)
        elif a != 1 and b != 1:
            if a != b:
                raise RuntimeError("non-broadcast dimensions must match")
            both.append(i)
            n_both *= a
        elif a != 1:
            left_only.append(i)
            n_left *= a
        else:
            right_only.append(i)
            n_right *= b
    out_size = ([left._data.shape[d] for d in both + left_only] + [1] * len(sum_dims)
                + [right._data.shape[d] for d in right_only])
    order = both + left_only + list(sum_dims) + right_only
    back = [0] * len(order)
    for k, d in enumerate(order):
        back[d] = k
    left = left.permute(order).reshape(n_both, n_left, n_sum)
    right = right.permute(both + list(sum_dims) + right_only + left_only).reshape(n_both, n_sum, n_right)
    return bmm(left, right).view(out_size).permute(back)


def _sublist_equation(args):
    """The equation of einsum's sublist form: operands each followed by a list of dim numbers (0-51),
    optionally ending with the output's list."""
    letters = string.ascii_letters

    def word(sub):
        return "".join("..." if s is Ellipsis else letters[s] for s in sub)
    operands, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(subs) < len(operands):  # the last element was the output's sublist
        out = operands.pop()
    equation = ",".join(word(s) for s in subs) + ("" if out is None else "->" + word(out))
    return equation, tuple(operands)
