"""Gamma and Dirichlet draws as torch's CPU kernels make them, and their reparameterised gradients.

A standard Gamma(α) draw is Marsaglia and Tsang's acceptance-rejection method: with d = α − 1/3 and
c = 1/√(9d), draw x ~ N(0, 1) until y = 1 + c·x > 0, then accept v = y³ with u ~ U(0, 1) when
u < 1 − 0.0331·x⁴ or log u < x²/2 + d·(1 − v + log v); the draw is d·v. For α < 1 it draws Gamma(α + 1)
and scales by u^(1/α). torch runs it element by element on its CPU generator, in double precision
(with some constants rounded to float, as its source writes them), so we do the same to draw the same
numbers after the same seed. On CUDA tensors the draws come from the CPU generator too.

The gradient of a draw x with respect to α is the implicit reparameterisation −(∂F/∂α)/f at x (F the
CDF, f the density), which torch approximates piecewise: a Taylor series for small x, Rice's saddle-point
expansion for large α, and a bivariate rational fit elsewhere. Dirichlet draws normalise Gamma draws;
their gradient is built from the same kind of approximation for the Beta marginals.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function, Primitive
from ..ops._helpers import host_array
from ..random import _gen

F32 = np.float32
THIRD_F = float(F32(1.0) / F32(3.0))   # 1.0f / 3.0f
SQUEEZE_F = float(F32(0.0331))         # 0.0331f


def _uniform(g) -> float:
    return float(g._uniform(1, np.float64)[0])


def _sample_gamma(alpha: float, g, single: bool) -> float:
    """One standard Gamma(alpha) draw; `single`: alpha is a float32, whose arithmetic torch keeps in float."""
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        inverse = float(F32(1.0) / F32(alpha)) if single else 1.0 / alpha
        scale *= (1.0 - _uniform(g)) ** inverse
        alpha = float(F32(alpha) + F32(1.0)) if single else alpha + 1.0
    d = float(F32(alpha) - F32(THIRD_F)) if single else alpha - THIRD_F
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = g._standard_normal_double()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - _uniform(g)
        xx = x * x
        if u < 1.0 - SQUEEZE_F * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _draw_gammas(alpha, single: bool):
    """Standard Gamma draws for each alpha (row-major), from the CPU generator."""
    g = _gen(None)
    return np.array([_sample_gamma(float(a), g, single) for a in alpha.reshape(-1)], np.float64).reshape(alpha.shape)


class StandardGamma(Primitive):
    """x ~ Gamma(α, 1) elementwise; dx/dα by implicit reparameterisation (standard_gamma_grad)."""

    formula = "grad_self = grad · standard_gamma_grad(self, result)"
    saved_names = ("self", "result")

    @staticmethod
    def forward(ctx, alpha):
        host = host_array(alpha)
        draws = _draw_gammas(host, single=alpha.dtype == np.float32)
        tiny = np.finfo(alpha.dtype).tiny
        out = ctx.xp.asarray(np.maximum(draws.astype(alpha.dtype), tiny))
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        alpha, x = ctx.saved_tensors
        return gy * standard_gamma_grad(alpha, x)


def standard_gamma(alpha):
    """Standard Gamma draws with concentrations `alpha` (torch._standard_gamma)."""
    return StandardGamma.apply(alpha)


def sample_dirichlet(alpha):
    """Dirichlet draws along the last dim: Gamma draws (in double) normalised, clamped into (0, 1)."""
    from ..tensor import Tensor
    host = alpha.detach().cpu()._data
    gammas = np.maximum(_draw_gammas(host.astype(np.float64), single=False), np.finfo(np.float64).tiny)
    ratio = (gammas / gammas.sum(-1, keepdims=True)).astype(host.dtype)
    top = np.nextafter(host.dtype.type(1), host.dtype.type(0))
    out = np.minimum(top, np.maximum(np.finfo(host.dtype).tiny, ratio))
    return Tensor._wrap(out, alpha._device) if alpha._device.type == "cpu" else Tensor._wrap(out).to(alpha.device)


# ---- reparameterised gradients ----------------------------------------------------------------

_DIGAMMA_ASYMPTOTIC = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                       -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                       8.33333333333333333333E-2)
PSI_10 = 2.25175258906672110764


def _digamma(x: float) -> float:
    """ψ(x) by recurrence up to 10 and the asymptotic series (as torch's digamma_one)."""
    if x == 0:
        return math.inf
    extra = 0.0
    if x < 0:
        if x == math.floor(x):
            return math.inf
        extra = -math.pi / math.tan(math.pi * x)
        x = 1 - x
    result = 0.0
    while x < 10:
        result -= 1 / x
        x += 1
    if x == 10:
        return result + PSI_10 + extra
    y = 0.0
    if x < 1.0e17:
        z = 1.0 / (x * x)
        y = z * np.polyval(_DIGAMMA_ASYMPTOTIC, z)
    return result + math.log(x) - 0.5 / x - y + extra


_GAMMA_RATIONAL = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
                   (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
                    -0.00058392623),
                   (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
                    0.00085092367, -1.5247877e-07))


def _gamma_grad_one(alpha: float, x: float) -> float:
    """dx/dα for x ~ Gamma(α, 1): −(∂F/∂α)/f at x, approximated in three regimes."""
    if x < 0.8:  # Taylor series of the lower incomplete gamma function
        numer, denom = 1.0, alpha
        series1, series2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer *= -x / i
            denom += 1
            series1 += numer / denom
            series2 += numer / (denom * denom)
        pow_x_alpha = x ** alpha
        pdf = x ** (alpha - 1) * math.exp(-x)
        cdf = pow_x_alpha * series1
        cdf_alpha = (math.log(x) - _digamma(alpha)) * cdf - pow_x_alpha * series2 if x > 0 else math.nan
        result = -cdf_alpha / pdf if pdf else math.nan
        return 0.0 if math.isnan(result) else result
    if alpha > 8.0:  # Rice's saddle-point expansion
        if 0.9 * alpha <= x <= 1.1 * alpha:
            numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
            numer_2 = 1440 * alpha * alpha + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x)
            return numer_1 * numer_2 / (1244160 * alpha ** 4)
        denom = math.sqrt(8 * alpha)
        term2 = denom / (alpha - x)
        term3 = (x - alpha - alpha * math.log(x / alpha)) ** -1.5
        term23 = term2 - term3 if x < alpha else term2 + term3
        term1 = math.log(x / alpha) * term23 - math.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) ** 2)
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        return -stirling * x * term1 / denom
    u, v = math.log(x / alpha), math.log(alpha)
    coef = [a + u * (b + u * c) for a, b, c in zip(*_GAMMA_RATIONAL)]
    p = coef[0] + v * (coef[1] + v * (coef[2] + v * coef[3]))
    q = coef[4] + v * (coef[5] + v * (coef[6] + v * coef[7]))
    return math.exp(p / q)


def standard_gamma_grad(alpha, x):
    """dx/dα for standard Gamma draws x (torch._standard_gamma_grad); no gradient of its own."""
    from ..tensor import Tensor
    a, s = alpha.detach().cpu()._data, x.detach().cpu()._data
    a, s = np.broadcast_arrays(a, s)
    out = np.array([_gamma_grad_one(float(ai), float(si)) for ai, si in zip(a.reshape(-1), s.reshape(-1))],
                   np.float64).reshape(a.shape).astype(alpha._data.dtype)
    return Tensor._wrap(out).to(alpha.device)


def _beta_grad_alpha_small(x, alpha, beta):
    """∂x/∂α of a Beta(α, β) draw near 0 (Taylor series)."""
    factor = _digamma(alpha) - _digamma(alpha + beta) - math.log(x)
    numer = 1.0
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer *= (i - beta) * x / i
        denom = alpha + i
        series += numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** -beta * series
    return 0.0 if math.isnan(result) else result


def _beta_grad_beta_small(x, alpha, beta):
    """∂x/∂β of a Beta(α, β) draw near 0 (Taylor series)."""
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer, betas, dbetas, series = 1.0, 1.0, 0.0, factor / alpha
    for i in range(1, 9):
        numer *= -x / i
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series += numer / (alpha + i) * (dbetas + factor * betas)
    result = -(1 - x) ** (1 - beta) * series
    return 0.0 if math.isnan(result) else result


def _beta_grad_alpha_mid(x, alpha, beta):
    """∂x/∂α of a Beta(α, β) draw for large α and β (Rice's saddle-point expansion)."""
    total = alpha + beta
    mean = alpha / total
    std = math.sqrt(alpha * beta / (total + 1)) / total
    if mean - 0.1 * std <= x <= mean + 0.1 * std:  # near the mean: the expansion's singularity avoided
        poly = 47 * x * beta ** 4 + alpha * (
            (43 + 20 * (16 + 27 * beta) * x) * beta ** 3 + alpha * (
                3 * (59 + 180 * beta - 90 * x) * beta ** 2 + alpha * (
                    (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))))
        prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
        prefactor_den = 12960 * alpha ** 3 * beta ** 2 * (1 + 12 * total)
        return prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / math.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    term1_num = 2 * alpha * alpha * (x - 1) + alpha * beta * (x - 1) - x * beta * beta
    axbx = alpha * (x - 1) + beta * x
    term1 = term1_num / (math.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx)
    term2 = 0.5 * math.log(alpha / (total * x))
    term3 = math.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4 = (beta * math.log(beta / (total * (1 - x))) + alpha * math.log(alpha / (total * x))) ** -1.5
    return stirling * prefactor * (term1 + term2 * (term3 + (term4 if x < mean else -term4)))


# the rational correction's coefficients: [numerator, denominator][power of u][power of a][power of b]
_DIRICHLET_RATIONAL = (
    (((1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
      (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
      (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013)),
     ((0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
      (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
      (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05)),
     ((-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
      (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
      (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05))),
    (((1, -0.02924021934, -0.04438342661, 0.007285809825),
      (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
      (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149)),
     ((0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
      (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
      (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05)),
     ((0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
      (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
      (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06))))


def _dirichlet_grad_one(x, alpha, total):
    """−(∂F/∂α)/f/(1 − x) for x the Beta(α, total − α) marginal of a Dirichlet draw."""
    beta = total - alpha
    boundary = total * x * (1 - x)
    if x <= 0.5 and boundary < 2.5:
        return _beta_grad_alpha_small(x, alpha, beta)
    if x >= 0.5 and boundary < 0.75:
        return -_beta_grad_beta_small(1 - x, beta, alpha)
    if alpha > 6 and beta > 6:
        return _beta_grad_alpha_mid(x, alpha, beta)
    u = math.log(x)
    a = math.log(alpha) - u
    b = math.log(total) - a
    p = q = 0.0
    for i, pu in enumerate((1.0, u, u * u)):
        for j, pa in enumerate((1.0, a, a * a)):
            ua = pu * pa
            n, d = _DIRICHLET_RATIONAL[0][i][j], _DIRICHLET_RATIONAL[1][i][j]
            p += ua * (n[0] + b * (n[1] + b * (n[2] + b * n[3])))
            q += ua * (d[0] + b * (d[1] + b * (d[2] + b * d[3])))
    return p / q * x * (_digamma(total) - _digamma(alpha)) / beta


def dirichlet_grad(x, alpha, total):
    """The per-coordinate reparameterised gradient of Dirichlet draws x (torch._dirichlet_grad)."""
    from ..tensor import Tensor
    arrays = [t.detach().cpu()._data for t in (x, alpha, total)]
    xs, al, to = np.broadcast_arrays(*arrays)
    out = np.array([_dirichlet_grad_one(float(a), float(b), float(c))
                    for a, b, c in zip(xs.reshape(-1), al.reshape(-1), to.reshape(-1))], np.float64)
    return Tensor._wrap(out.reshape(xs.shape).astype(arrays[0].dtype)).to(x.device)


class Dirichlet(Function):
    """A differentiable Dirichlet draw: forward samples, backward applies the reparameterised gradient."""

    @staticmethod
    def forward(ctx, concentration):
        x = sample_dirichlet(concentration)
        ctx.save_for_backward(x, concentration)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        x, concentration = ctx.saved_tensors
        total = concentration.sum(-1, True).expand_as(concentration)
        grad = dirichlet_grad(x, concentration, total)
        return grad * (grad_output - (x * grad_output).sum(-1, True))
