"""torch.linalg beyond the generic parity specs: errors for singular and indefinite matrices, the
layout LAPACK gives results, graph nodes of the raw factorisations, named results, out=, and the one
tangent where minitorch follows the mathematics rather than torch."""
import warnings

import numpy as np
import pytest
import torch

import minitorch as mt


def _both(a):
    return torch.tensor(a), mt.tensor(a)


@pytest.mark.parametrize("call", [
    lambda L, a: L.linalg.inv(a * 0),
    lambda L, a: L.linalg.inv(L.stack([a, a * 0])),
    lambda L, a: L.linalg.solve(a * 0, a[:, :1]),
    lambda L, a: L.linalg.cholesky(-a),
    lambda L, a: L.linalg.cholesky(L.stack([a @ a.T, -a])),
    lambda L, a: L.linalg.cholesky_ex(-a, check_errors=True),
    lambda L, a: L.linalg.inv_ex(a * 0, check_errors=True),
])
def test_singular_and_indefinite_matrices_raise_torchs_error(call):
    a = np.random.default_rng(0).standard_normal((3, 3)) + 3 * np.eye(3)
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        call(torch, torch.tensor(a))
    with pytest.raises(mt.linalg.LinAlgError) as ours:
        call(mt, mt.tensor(a))
    assert str(ours.value) == str(theirs.value)
    assert isinstance(ours.value, RuntimeError)


def test_info_outputs_report_failures_as_torch():
    a = np.stack([np.eye(3), -np.eye(3), np.diag([1.0, 0.0, 1.0])])
    for name in ("cholesky_ex", "inv_ex"):
        t_info = getattr(torch.linalg, name)(torch.tensor(a)).info
        m_info = getattr(mt.linalg, name)(mt.tensor(a)).info
        np.testing.assert_array_equal(m_info.numpy(), t_info.numpy())
        assert m_info.dtype == mt.int32


def test_results_are_laid_out_as_lapack_returns_them():
    a = np.random.default_rng(1).standard_normal((3, 3))
    spd = a @ a.T + np.eye(3)
    t, m = _both(spd)
    for name, args in [("inv", ()), ("cholesky", ()), ("qr", ()), ("svd", ()), ("eigh", ()), ("lu_factor", ()),
                       ("solve", (np.ones((3, 2)),))]:
        t_out = getattr(torch.linalg, name)(t, *(torch.tensor(x) for x in args))
        m_out = getattr(mt.linalg, name)(m, *(mt.tensor(x) for x in args))
        t_out = t_out if isinstance(t_out, tuple) else (t_out,)
        m_out = m_out if isinstance(m_out, tuple) else (m_out,)
        assert [o.stride() for o in m_out] == [o.stride() for o in t_out], name


def test_factorisations_carry_torchs_nodes_and_fields():
    a = np.random.default_rng(2).standard_normal((4, 3))
    t, m = (x.requires_grad_() for x in _both(a))
    for name, args in [("svd", (False,)), ("qr", ()), ("lu", ())]:
        t_out, m_out = getattr(torch.linalg, name)(t, *args), getattr(mt.linalg, name)(m, *args)
        assert all(getattr(t_out, f) is not None for f in m_out._fields)  # torch's field names
        assert [None if o.grad_fn is None else o.grad_fn.name() for o in m_out] == \
            [None if o.grad_fn is None else o.grad_fn.name() for o in t_out], name
    s = t[:3] @ t[:3].T
    w, v = torch.linalg.eigh(s)
    mw, mv = mt.linalg.eigh(m[:3] @ m[:3].T)
    assert (mw.grad_fn.name(), mv.grad_fn.name()) == (w.grad_fn.name(), v.grad_fn.name()) == \
        ("LinalgEighBackward0", "LinalgEighBackward0")


def test_out_arguments():
    a = np.random.default_rng(3).standard_normal((3, 3)) + 3 * np.eye(3)
    t, m = _both(a)
    t_out, m_out = torch.empty(3, 3, dtype=torch.float64), mt.empty(3, 3, dtype=mt.float64)
    torch.linalg.inv(t, out=t_out)
    assert mt.linalg.inv(m, out=m_out) is m_out
    np.testing.assert_allclose(m_out.numpy(), t_out.numpy(), rtol=1e-12)
    sign, logabs = mt.empty(0, dtype=mt.float64), mt.empty(0, dtype=mt.float64)
    mt.linalg.slogdet(m, out=(sign, logabs))
    np.testing.assert_allclose(logabs.numpy(), torch.linalg.slogdet(t).logabsdet.numpy(), rtol=1e-12)


def test_cholesky_inverse_tangent_is_the_derivative():
    """torch's forward-mode rule for cholesky_inverse multiplies in the wrong order (see FORWARD_AD_DIFFERS);
    minitorch's tangent equals the central difference of (L Lᵀ)⁻¹ along the tangent."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 3))
    factor = np.linalg.cholesky(x @ x.T + 3 * np.eye(3))
    d = np.tril(rng.standard_normal((3, 3)))
    fwad = mt.autograd.forward_ad
    with fwad.dual_level():
        y = mt.cholesky_inverse(fwad.make_dual(mt.tensor(factor), mt.tensor(d)))
        tangent = fwad.unpack_dual(y).tangent.numpy()
    f = (lambda f_: np.linalg.inv(f_ @ f_.T))
    eps = 1e-6
    np.testing.assert_allclose(tangent, (f(factor + eps * d) - f(factor - eps * d)) / (2 * eps), rtol=1e-6, atol=1e-8)
    # and the reverse mode, which torch gets right, agrees with torch (a gradient for every entry of the factor)
    b = rng.standard_normal((3, 2))
    for upper in (False, True):
        f_ = factor.T if upper else factor
        t = torch.tensor(f_, requires_grad=True)
        m = mt.tensor(f_, requires_grad=True)
        (torch.cholesky_inverse(t, upper).sum() + torch.cholesky_solve(torch.tensor(b), t, upper).sum()).backward()
        (mt.cholesky_inverse(m, upper).sum() + mt.cholesky_solve(mt.tensor(b), m, upper).sum()).backward()
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-9)


def test_ldl_factor_pivots_and_solves_as_lapack():
    """Bunch-Kaufman's choices (1 × 1 and 2 × 2 pivots, row swaps), singular and non-symmetric inputs and
    batches: LD, pivots and info equal torch's (LAPACK's sytrf), and ldl_solve matches torch's sytrs."""
    rng = np.random.default_rng(3)
    two_by_two = 0
    for case in range(60):
        n = int(rng.integers(1, 7))
        a = rng.standard_normal((2, n, n))
        if case % 2:
            a = a + a.swapaxes(-1, -2)
        if case % 7 == 0:
            a[1, :, int(rng.integers(0, n))] = 0
            a[1, int(rng.integers(0, n)), :] = 0
        ours, theirs = mt.linalg.ldl_factor_ex(mt.tensor(a)), torch.linalg.ldl_factor_ex(torch.tensor(a))
        np.testing.assert_array_equal(ours.pivots.numpy(), theirs.pivots.numpy())
        np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
        np.testing.assert_allclose(ours.LD.numpy(), theirs.LD.numpy(), rtol=1e-10, atol=1e-12)
        two_by_two += int((theirs.pivots < 0).any())
        if not bool((theirs.info > 0).any()):
            b = rng.standard_normal((n, 2))
            np.testing.assert_allclose(mt.linalg.ldl_solve(ours.LD, ours.pivots, mt.tensor(b)).numpy(),
                                       torch.linalg.ldl_solve(theirs.LD, theirs.pivots, torch.tensor(b)).numpy(),
                                       rtol=1e-9, atol=1e-10)
    assert two_by_two > 10  # the 2 × 2 pivots were exercised
    with pytest.raises(RuntimeError, match="D is singular"):
        mt.linalg.ldl_factor(mt.zeros(2, 2))


# Each function called on a matrix of 2 × 2 (or 0 × 0); solves take it twice, reflector functions a tau of 1.
_CALLS = {
    "linalg.cholesky": lambda L, a: L.linalg.cholesky(a), "linalg.cholesky_ex": lambda L, a: L.linalg.cholesky_ex(a),
    "cholesky": lambda L, a: L.cholesky(a), "linalg.inv": lambda L, a: L.linalg.inv(a),
    "linalg.inv_ex": lambda L, a: L.linalg.inv_ex(a), "inverse": lambda L, a: L.inverse(a),
    "linalg.det": lambda L, a: L.linalg.det(a), "logdet": lambda L, a: L.logdet(a),
    "linalg.slogdet": lambda L, a: L.linalg.slogdet(a), "linalg.solve": lambda L, a: L.linalg.solve(a, a),
    "linalg.lstsq": lambda L, a: L.linalg.lstsq(a, a), "linalg.qr": lambda L, a: L.linalg.qr(a),
    "geqrf": lambda L, a: L.geqrf(a), "linalg.svd": lambda L, a: L.linalg.svd(a),
    "linalg.svdvals": lambda L, a: L.linalg.svdvals(a), "linalg.eigh": lambda L, a: L.linalg.eigh(a),
    "linalg.eigvalsh": lambda L, a: L.linalg.eigvalsh(a), "linalg.lu": lambda L, a: L.linalg.lu(a),
    "linalg.lu_factor": lambda L, a: L.linalg.lu_factor(a), "linalg.matrix_rank": lambda L, a: L.linalg.matrix_rank(a),
    "linalg.pinv": lambda L, a: L.linalg.pinv(a), "linalg.cond": lambda L, a: L.linalg.cond(a),
    "linalg.cond(1)": lambda L, a: L.linalg.cond(a, 1), "linalg.tensorinv": lambda L, a: L.linalg.tensorinv(a, 1),
    "linalg.solve_triangular": lambda L, a: L.linalg.solve_triangular(a, a, upper=True),
    "triangular_solve": lambda L, a: L.triangular_solve(a, a), "cholesky_solve": lambda L, a: L.cholesky_solve(a, a),
    "cholesky_inverse": lambda L, a: L.cholesky_inverse(a),
    "linalg.lu_solve": lambda L, a: L.linalg.lu_solve(a, L.ones(a.shape[:-1], dtype=L.int32), a),
    "linalg.ldl_factor": lambda L, a: L.linalg.ldl_factor(a),
    "linalg.householder_product": lambda L, a: L.linalg.householder_product(a, a[0, :1]),
    "ormqr": lambda L, a: L.ormqr(a, a[0, :1], a),
    "linalg.matrix_norm(nuc)": lambda L, a: L.linalg.matrix_norm(a, "nuc"),
    "linalg.matrix_power(3)": lambda L, a: L.linalg.matrix_power(a, 3),
    "linalg.matrix_power(-1)": lambda L, a: L.linalg.matrix_power(a, -1),
    "linalg.vander": lambda L, a: L.linalg.vander(a[0]),
    "linalg.cross": lambda L, a: L.linalg.cross(a[:, :3], a[:, :3]),
}


@pytest.mark.parametrize("size", [2, 0])
@pytest.mark.parametrize("dtype", ["float16", "int64", "bool"])
@pytest.mark.parametrize("name", sorted(_CALLS))
def test_dtypes_lapack_lacks_are_refused_as_torch_refuses_them(name, dtype, size):
    """LAPACK has float32 and float64 only: torch refuses other dtypes with a kernel's "not implemented" (for
    some functions only when there is something to compute) or with the function's own check."""
    if size == 0 and name in ("linalg.householder_product", "ormqr", "linalg.cross", "linalg.vander"):
        pytest.skip("the call takes a row of the matrix")
    a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]) if name == "linalg.cross" else \
        np.array([[4.0, 1.0], [1.0, 3.0]])
    a = a[:size, :size].astype(dtype)
    outcomes = []
    for lib in (torch, mt):
        try:
            with warnings.catch_warnings():  # the deprecated cholesky and triangular_solve warn
                warnings.simplefilter("ignore")
                _CALLS[name](lib, lib.tensor(a))
            outcomes.append(None)
        except (RuntimeError, NotImplementedError) as e:
            outcomes.append((type(e), str(e)))
    assert outcomes[1] == outcomes[0] or outcomes[0] and outcomes[1] and outcomes[1][0] is outcomes[0][0]
    if outcomes[0] and outcomes[0][0] is NotImplementedError:  # the kernel's name and the dtype's word, as torch's
        assert outcomes[1][1] == outcomes[0][1]

