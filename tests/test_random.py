"""Random streams: torch-exact paths are in the parity suite; here the statistical ones and state."""
import numpy as np
import torch

import minitorch as mt


def test_exponential_and_random_have_the_right_distribution():
    mt.manual_seed(0)
    e = mt.empty(20000).exponential_(2.0)
    assert abs(e.mean().item() - 0.5) < 0.02 and e.min().item() >= 0
    r = mt.empty(20000, dtype=mt.int64).random_(3, 7)
    assert set(r.unique().tolist()) == {3, 4, 5, 6}


def test_multinomial_respects_probabilities():
    mt.manual_seed(0)
    draws = mt.multinomial(mt.tensor([0.1, 0.0, 0.9]), 2000, replacement=True)
    counts = mt.bincount(draws, minlength=3).tolist()
    assert counts[1] == 0 and 1650 < counts[2] < 1950
    no_repeat = mt.multinomial(mt.tensor([1.0, 1.0, 1.0, 1.0]), 4)
    assert sorted(no_repeat.tolist()) == [0, 1, 2, 3]


def test_streams_continue_like_torch_across_calls():
    mt.manual_seed(123)
    torch.manual_seed(123)
    for make in (lambda L: L.rand(5), lambda L: L.randn(3), lambda L: L.randn(40),
                 lambda L: L.randint(0, 10, (7,)), lambda L: L.randperm(9), lambda L: L.randn(2, dtype=L.float64),
                 lambda L: L.empty(17).normal_(), lambda L: L.empty(5).bernoulli_(0.5)):
        np.testing.assert_array_equal(make(mt).numpy(), make(torch).numpy())


def test_fork_state_and_default_seed():
    g = mt.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert mt.rand(4, generator=g).tolist() == torch.rand(4, generator=torch.Generator()).tolist()
    state = mt.get_rng_state()
    a = mt.randn(20)
    mt.set_rng_state(state)
    assert mt.equal(a, mt.randn(20))
