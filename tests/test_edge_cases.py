"""Inputs at the edges of an op's domain, each run through the parity harness against torch: 0-d and empty
tensors, empty dim lists, zero divisors, repeated einsum subscripts, the nuclear norm. The generic parity test
draws its samples at random and seldom lands on these, so they are listed here once."""
import numpy as np
import pytest

from minitorch.testing import load_all, run_spec
from minitorch.testing.registry import Arg

SPECS = load_all()


def t(values, dtype="float32", requires_grad=True):
    return Arg(np.asarray(values, dtype=dtype), "contiguous", requires_grad)


def empty(*shape, dtype="float32"):
    return Arg(np.zeros(shape, dtype=dtype), "contiguous", dtype == "float32")


def index(values):
    return Arg(np.asarray(values, dtype="int64"), "contiguous", False)


MATRIX = t([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
CASES = [
    ("flip", [MATRIX, ()], {}),
    ("flip", [t(2.0), []], {}),
    ("nn.functional.binary_cross_entropy", [t([0.2, 0.7, 0.4]), t([0.0, 1.0, 0.3])], {}),
    ("nn.functional.binary_cross_entropy", [t([[0.2, 0.9]]), t([[0.5, 1.0]])],
     {"weight": t([1.0, 2.0], requires_grad=False), "reduction": "sum"}),
    ("gather", [t(3.0), 0, index(0)], {}),
    ("gather", [t(3.0), 0, index([0, 0])], {}),
    ("gather", [empty(0, 3), 0, empty(0, 3, dtype="int64")], {}),
    ("gather", [MATRIX, 1, empty(2, 0, dtype="int64")], {}),
    ("index_select", [t(3.0), 0, index(0)], {}),
    ("index_select", [t(3.0), 0, index([0, 0])], {}),
    ("index_select", [MATRIX, 1, empty(0, dtype="int64")], {}),
    ("index_add", [t(3.0), 0, index(0), t(2.0)], {}),
    ("index_add", [MATRIX, 1, empty(0, dtype="int64"), empty(2, 0)], {}),
    ("prod", [t(3.0)], {}),
    ("prod", [t(3.0), 0], {}),
    ("prod", [empty(0, 3), 0], {}),
    ("prod", [empty(0, 3)], {}),
    ("prod", [t([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0]]), 1], {}),
    ("cat", [[empty(0), t([1.0, 2.0])], 0], {}),
    ("cat", [[empty(2, 0), MATRIX], 1], {}),
    ("nn.functional.nll_loss", [t([-1.0, -2.0]), index(1)], {}),
    ("nn.functional.nll_loss", [empty(0, 3), empty(0, dtype="int64")], {}),
    ("nn.functional.nll_loss", [empty(0, 3), empty(0, dtype="int64")], {"reduction": "sum"}),
    ("nn.functional.group_norm", [empty(0, 4, 2), 2, t([1.0, 2.0, 3.0, 4.0]), t([0.0, 1.0, 0.0, 1.0])], {}),
    ("nn.functional.unfold", [empty(0, 1, 3, 3)], {"kernel_size": 2}),
    ("nn.functional.batch_norm", [empty(0, 3), t([0.0, 0.0, 0.0], requires_grad=False),
                                  t([1.0, 1.0, 1.0], requires_grad=False), t([1.0, 2.0, 3.0]), t([0.5, 0.5, 0.5])],
     {"training": True}),
    ("nn.functional.avg_pool2d", [t(np.arange(16.0).reshape(1, 1, 4, 4))], {"kernel_size": 2, "divisor_override": 3}),
    ("nn.functional.avg_pool2d", [t(np.arange(16.0).reshape(1, 1, 4, 4))],
     {"kernel_size": 3, "padding": 1, "divisor_override": 2}),
    ("nn.functional.avg_pool2d", [t(np.arange(16.0).reshape(1, 1, 4, 4))], {"kernel_size": 2, "divisor_override": 0}),
    ("repeat_interleave", [t([1.0, 2.0]), index([2, 1])], {"output_size": 3}),
    ("repeat_interleave", [t([1.0, 2.0]), index([2, 1])], {"output_size": 4}),
    ("repeat_interleave", [t([1.0, 2.0]), 2], {"output_size": 3}),
    ("einsum", ["ii->i", t([[1.0, 2.0], [3.0, 4.0]])], {}),
    ("einsum", ["ii", t([[1.0, 2.0], [3.0, 4.0]])], {}),
    ("einsum", ["iij,jk->ik", t(np.arange(8.0).reshape(2, 2, 2)), t([[1.0, -1.0], [2.0, 0.5]])], {}),
    ("einsum", ["ii", MATRIX], {}),
    ("norm", [MATRIX], {"p": "nuc"}),
    ("norm", [t(np.arange(12.0).reshape(2, 2, 3) - 5)], {"p": "nuc", "dim": (1, 2)}),
    ("norm", [t([1.0, 2.0])], {"p": "nuc"}),
    ("norm", [t(np.ones((2, 2, 2)))], {"p": "fro", "dim": (0, 1, 2)}),
]


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_edge_case(name, args, kwargs, device):
    run_spec(SPECS[name], args, kwargs, "float32", device=device)
