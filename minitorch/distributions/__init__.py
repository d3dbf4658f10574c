"""minitorch.distributions: torch.distributions' probability distributions.

Each distribution has torch's parameters, shapes (sample_shape + batch_shape + event_shape), argument
validation, `log_prob`, `entropy`, moments, and `sample`/`rsample` that draw the same numbers as torch
after the same seed (the CPU generator's stream, with torch's Gamma and Dirichlet samplers). `rsample`
is differentiable in the parameters: location-scale families by reparameterisation, Gamma, Beta and
Dirichlet by torch's implicit-reparameterisation gradients. `kl_divergence` dispatches on the pair of
types to closed forms.
"""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma", "Independent",
           "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform", "constraints", "kl_divergence",
           "register_kl"]
