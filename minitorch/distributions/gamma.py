"""The Gamma distribution with a concentration (shape) and a rate."""
from __future__ import annotations

import numbers

from .. import dtypes as D
from ..tensor import Size
from . import constraints
from .distribution import Distribution
from .gamma_sampling import standard_gamma
from .utils import broadcast_all


class Gamma(Distribution):
    """Gamma(α, β): density β^α x^(α−1) e^(−βx) / Γ(α) for x ≥ 0."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(Size() if scalar else self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(Gamma, batch_shape, _instance, ('concentration', 'rate'))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()):
        """A standard Gamma(α) draw over the rate, kept above the dtype's smallest normal number."""
        shape = self._extended_shape(sample_shape)
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=D.finfo(value.dtype).tiny)
        return value

    def log_prob(self, value):
        """α log β + (α − 1) log x − βx − log Γ(α)."""
        from ..ops.creation import as_tensor
        value = as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration.xlogy(self.rate) + (self.concentration - 1).xlogy(value) - self.rate * value
                - self.concentration.lgamma())

    def entropy(self):
        """α − log β + log Γ(α) + (1 − α) ψ(α)."""
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()
