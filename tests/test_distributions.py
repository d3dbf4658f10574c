"""minitorch.distributions against torch.distributions: the same parameters give the same shapes, moments,
log-probabilities, entropies, CDFs, samples after the same seed, gradients through rsample, log_prob and
kl_divergence, and the same validation errors."""
import numpy as np
import pytest
import torch

import minitorch as mt

RNG = np.random.default_rng(0)
F32 = dict(rtol=2e-5, atol=2e-6)


def positive(*shape):
    return ("positive", shape)


def real(*shape):
    return ("real", shape)


def prob(*shape):
    return ("prob", shape)


def simplex(*shape):
    return ("simplex", shape)


def spd(*shape):
    return ("spd", shape)


def tril(*shape):
    return ("tril", shape)


def _array(kind, shape, rng):
    if kind == "positive":
        return rng.uniform(0.3, 3.0, shape)
    if kind == "prob":
        return rng.uniform(0.05, 0.95, shape)
    if kind == "simplex":
        a = rng.uniform(0.1, 1.0, shape)
        return a / a.sum(-1, keepdims=True)
    if kind in ("spd", "tril"):
        a = rng.standard_normal(shape)
        m = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
        return np.linalg.cholesky(m) if kind == "tril" else m
    return rng.standard_normal(shape)


# name: (constructor(D, *params), parameter kinds, keyword parameter names (None: positional))
CASES = {
    "Normal": (lambda D, a, b: D.Normal(a, b), [real(3), positive(3)]),
    "Normal-broadcast": (lambda D, a, b: D.Normal(a, b), [real(2, 1), positive(3)]),
    "Uniform": (lambda D, a, b: D.Uniform(a, a + b), [real(4), positive(4)]),
    "Bernoulli-probs": (lambda D, p: D.Bernoulli(probs=p), [prob(3)]),
    "Bernoulli-logits": (lambda D, l: D.Bernoulli(logits=l), [real(2, 3)]),
    "Categorical-probs": (lambda D, p: D.Categorical(probs=p), [simplex(2, 4)]),
    "Categorical-logits": (lambda D, l: D.Categorical(logits=l), [real(5)]),
    "OneHotCategorical": (lambda D, p: D.OneHotCategorical(probs=p), [simplex(3, 4)]),
    "Exponential": (lambda D, r: D.Exponential(r), [positive(3)]),
    "Laplace": (lambda D, a, b: D.Laplace(a, b), [real(3), positive(3)]),
    "Gamma": (lambda D, a, b: D.Gamma(a, b), [positive(4), positive(4)]),
    "Beta": (lambda D, a, b: D.Beta(a, b), [positive(3), positive(3)]),
    "Dirichlet": (lambda D, c: D.Dirichlet(c), [positive(2, 3)]),
    "MultivariateNormal-cov": (lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=c), [real(2, 3), spd(3, 3)]),
    "MultivariateNormal-tril": (lambda D, m, l: D.MultivariateNormal(m, scale_tril=l), [real(3), tril(2, 3, 3)]),
    "MultivariateNormal-precision": (lambda D, m, p: D.MultivariateNormal(m, precision_matrix=p),
                                     [real(2), spd(2, 2)]),
    "Independent": (lambda D, a, b: D.Independent(D.Normal(a, b), 1), [real(2, 3), positive(2, 3)]),
}
CONTINUOUS = {"Normal", "Normal-broadcast", "Uniform", "Exponential", "Laplace", "Gamma", "Beta", "Dirichlet",
              "MultivariateNormal-cov", "MultivariateNormal-tril", "MultivariateNormal-precision", "Independent"}
WITH_CDF = {"Normal", "Uniform", "Exponential", "Laplace"}


def _build(name, dtype, requires_grad=True):
    make, kinds = CASES[name]
    rng = np.random.default_rng(len(name))
    arrays = [_array(kind, shape, rng).astype(dtype) for kind, shape in kinds]
    t = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    m = [mt.tensor(a, requires_grad=requires_grad) for a in arrays]
    return make(torch.distributions, *t), make(mt.distributions, *m), t, m


def _close(got, want, what, tol=F32):
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} != {tuple(want.shape)}"
    assert str(got.dtype) == str(want.dtype), f"{what}: dtype {got.dtype} != {want.dtype}"
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), err_msg=what, **tol)


def _grads_close(t_out, m_out, t_params, m_params, what):
    weights = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(t_out.detach().numpy().dtype)
    t_in = [p for p in t_params if p.requires_grad]
    m_in = [p for p in m_params if p.requires_grad]
    tg = torch.autograd.grad((t_out * torch.tensor(weights)).sum(), t_in, allow_unused=True, retain_graph=True)
    mg = mt.autograd.grad((m_out * mt.tensor(weights)).sum(), m_in, allow_unused=True, retain_graph=True)
    for i, (g, w) in enumerate(zip(mg, tg)):
        if w is None:
            assert g is None or not np.any(g.numpy()), f"{what}: grad {i} on one side only"
            continue
        _close(g, w, f"{what}: grad of parameter {i}", tol=dict(rtol=1e-4, atol=1e-5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_distribution_matches_torch(name, dtype):
    theirs, ours, t_params, m_params = _build(name, dtype)
    assert repr(ours) == repr(theirs)
    assert ours.batch_shape == theirs.batch_shape and ours.event_shape == theirs.event_shape
    assert (ours.has_rsample, ours.has_enumerate_support) == (theirs.has_rsample, theirs.has_enumerate_support)
    for prop in ("mean", "variance", "stddev", "mode"):
        try:
            want = getattr(theirs, prop)
        except NotImplementedError:
            continue
        _close(getattr(ours, prop), want, prop, tol=dict(rtol=1e-5, atol=1e-6, equal_nan=True))
    _close(ours.entropy(), theirs.entropy(), "entropy")
    _grads_close(theirs.entropy(), ours.entropy(), t_params, m_params, "entropy")
    for sample_shape in [(), (5,), (2, 3)]:
        torch.manual_seed(11), mt.manual_seed(11)
        t_s, m_s = theirs.sample(sample_shape), ours.sample(sample_shape)
        _close(m_s, t_s, f"sample{sample_shape}")
        assert not m_s.requires_grad
        assert torch.rand(()).item() == mt.rand(()).item(), "the generators' states after sampling"
        _close(ours.log_prob(m_s), theirs.log_prob(t_s), f"log_prob of sample{sample_shape}")
        _grads_close(theirs.log_prob(t_s), ours.log_prob(m_s), t_params, m_params, "log_prob")
        if theirs.has_rsample:
            torch.manual_seed(12), mt.manual_seed(12)
            t_r, m_r = theirs.rsample(sample_shape), ours.rsample(sample_shape)
            _close(m_r, t_r, f"rsample{sample_shape}")
            _grads_close(t_r, m_r, t_params, m_params, f"rsample{sample_shape}")
    if name in WITH_CDF:
        t_s = theirs.sample((4,))
        m_s = mt.tensor(t_s.numpy())
        _close(ours.cdf(m_s), theirs.cdf(t_s), "cdf")
        q = np.random.default_rng(2).uniform(0.05, 0.95, (4,) + tuple(theirs.batch_shape)).astype(dtype)
        _close(ours.icdf(mt.tensor(q)), theirs.icdf(torch.tensor(q)), "icdf")
    if theirs.has_enumerate_support:
        for expand in (True, False):
            _close(ours.enumerate_support(expand), theirs.enumerate_support(expand), f"enumerate_support({expand})")
    big = (2,) + tuple(theirs.batch_shape)
    t_e, m_e = theirs.expand(big), ours.expand(big)
    assert m_e.batch_shape == t_e.batch_shape and type(m_e).__name__ == type(t_e).__name__
    torch.manual_seed(13), mt.manual_seed(13)
    _close(m_e.sample(), t_e.sample(), "sample of the expanded distribution")


def _kl_case(make, params):
    rng = np.random.default_rng(3)
    arrays = [[_array(kind, shape, rng).astype("float64") for kind, shape in side] for side in params]
    out = []
    for lib in (torch, mt):
        tensors = [[lib.tensor(a, requires_grad=True) for a in side] for side in arrays]
        p, q = make(lib.distributions, *tensors[0]), make(lib.distributions, *tensors[1])
        out.append((lib.distributions.kl_divergence(p, q), tensors[0] + tensors[1]))
    return out


KL_CASES = {
    "Normal": (lambda D, a, b: D.Normal(a, b), ([real(3), positive(3)], [real(3), positive(3)])),
    "Bernoulli": (lambda D, p: D.Bernoulli(probs=p), ([prob(4)], [prob(4)])),
    "Categorical": (lambda D, p: D.Categorical(probs=p), ([simplex(2, 3)], [simplex(2, 3)])),
    "OneHotCategorical": (lambda D, p: D.OneHotCategorical(probs=p), ([simplex(3)], [simplex(3)])),
    "Beta": (lambda D, a, b: D.Beta(a, b), ([positive(3), positive(3)], [positive(3), positive(3)])),
    "Dirichlet": (lambda D, c: D.Dirichlet(c), ([positive(2, 4)], [positive(2, 4)])),
    "Gamma": (lambda D, a, b: D.Gamma(a, b), ([positive(3), positive(3)], [positive(3), positive(3)])),
    "Exponential": (lambda D, r: D.Exponential(r), ([positive(3)], [positive(3)])),
    "Laplace": (lambda D, a, b: D.Laplace(a, b), ([real(3), positive(3)], [real(3), positive(3)])),
    "Uniform": (lambda D, a, b: D.Uniform(a, a + b), ([real(3), positive(3)], [real(3), positive(3)])),
    "MultivariateNormal": (lambda D, m, l: D.MultivariateNormal(m, scale_tril=l),
                           ([real(2, 3), tril(3, 3)], [real(3), tril(2, 3, 3)])),
    "Independent": (lambda D, a, b: D.Independent(D.Normal(a, b), 1),
                    ([real(2, 3), positive(2, 3)], [real(2, 3), positive(2, 3)])),
}


@pytest.mark.parametrize("name", sorted(KL_CASES))
def test_kl_divergence_matches_torch(name):
    (t_kl, t_params), (m_kl, m_params) = _kl_case(*KL_CASES[name])
    _close(m_kl, t_kl, "kl", tol=dict(rtol=1e-7, atol=1e-9))
    _grads_close(t_kl, m_kl, t_params, m_params, "kl")


def test_kl_between_types_and_unregistered_pairs():
    for lib in (torch, mt):
        D = lib.distributions
        got = D.kl_divergence(D.Exponential(lib.tensor([0.5, 2.0])), D.Gamma(lib.tensor([2.0, 0.7]), lib.tensor(1.5)))
        mixed = D.kl_divergence(D.Uniform(lib.tensor([0.0]), lib.tensor([2.0])), D.Normal(lib.tensor(0.5), 1.5))
        if lib is torch:
            want, want_mixed = got, mixed
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    np.testing.assert_allclose(mixed.numpy(), want_mixed.numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q type "
                                                  "Bernoulli"):
        mt.distributions.kl_divergence(mt.distributions.Normal(0.0, 1.0), mt.distributions.Bernoulli(0.5))

    @mt.distributions.register_kl(mt.distributions.Normal, mt.distributions.Laplace)
    def _kl_normal_laplace(p, q):
        return p.loc * 0 + 42.0
    assert mt.distributions.kl_divergence(mt.distributions.Normal(0.0, 1.0),
                                          mt.distributions.Laplace(0.0, 1.0)).item() == 42.0


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e), str(e)
    return None


BAD = {
    "negative scale": lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
    "nan loc": lambda lib: lib.distributions.Normal(lib.tensor(float("nan")), 1.0),
    "probs and logits": lambda lib: lib.distributions.Bernoulli(probs=0.3, logits=0.1),
    "neither": lambda lib: lib.distributions.Categorical(),
    "probs outside [0, 1]": lambda lib: lib.distributions.Bernoulli(lib.tensor([0.2, 1.5])),
    "0-d categorical": lambda lib: lib.distributions.Categorical(lib.tensor(0.5)),
    "low >= high": lambda lib: lib.distributions.Uniform(lib.tensor([0.0, 2.0]), lib.tensor([1.0, 1.0])),
    "value outside the support": lambda lib: lib.distributions.Exponential(lib.tensor([1.0])).log_prob(
        lib.tensor([-1.0])),
    "value of the wrong event shape": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(3), lib.eye(3)).log_prob(lib.zeros(2)),
    "value not broadcastable": lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    "not positive definite": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "two matrices": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2)),
    "1-d covariance": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.ones(2)),
    "too many reinterpreted dims": lambda lib: lib.distributions.Independent(lib.distributions.Normal(
        lib.zeros(3), 1.0), 2),
    "dirichlet of a number": lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
    "negative concentration": lambda lib: lib.distributions.Gamma(lib.tensor([-1.0]), lib.tensor([1.0])),
    "not a value tensor": lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(0.5),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_invalid_distribution_arguments_raise_torch_errors(case):
    want, got = _error(lambda: BAD[case](torch)), _error(lambda: BAD[case](mt))
    assert want is not None and got is not None, (want, got)
    assert got[0] is want[0] and got[1] == want[1], f"{got} != torch's {want}"


def test_validation_can_be_turned_off():
    for lib in (torch, mt):
        d = lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0]), validate_args=False)
        assert d.scale.item() == -1.0
        lib.distributions.Distribution.set_default_validate_args(False)
        try:
            assert lib.distributions.Exponential(lib.tensor([1.0])).log_prob(lib.tensor([-1.0])).item() == 1.0
        finally:
            lib.distributions.Distribution.set_default_validate_args(True)


def test_constraints_print_and_check_as_torch():
    C, TC = mt.distributions.constraints, torch.distributions.constraints
    for name in ("real", "positive", "nonnegative", "unit_interval", "simplex", "boolean", "lower_cholesky",
                 "positive_definite", "real_vector", "one_hot", "nonnegative_integer"):
        assert repr(getattr(C, name)) == repr(getattr(TC, name)), name
    assert repr(C.interval(0.0, 2.0)) == repr(TC.interval(0.0, 2.0))
    assert repr(C.integer_interval(0, 4)) == repr(TC.integer_interval(0, 4))
    x = np.array([[0.2, 0.8], [0.5, 0.6], [-0.1, 1.1]], np.float32)
    for name in ("simplex", "unit_interval", "positive", "one_hot"):
        got, want = getattr(C, name).check(mt.tensor(x)), getattr(TC, name).check(torch.tensor(x))
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=name)


def test_gamma_draws_follow_torchs_sampler_for_small_and_large_concentrations():
    alpha = np.array([1e-3, 0.2, 0.9, 1.0, 4.0, 50.0, 1e4], np.float32)
    for dtype in (np.float32, np.float64):
        torch.manual_seed(5), mt.manual_seed(5)
        t = torch._standard_gamma(torch.tensor(alpha.astype(dtype)))
        m = mt.distributions.gamma_sampling.standard_gamma(mt.tensor(alpha.astype(dtype)))
        np.testing.assert_array_equal(m.numpy(), t.numpy())
