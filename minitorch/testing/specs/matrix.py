"""Parity specs for torch.linalg and the torch-namespace matrix functions (det, solve, factorisations,
norms, addmm and friends, cdist, cross). Samplers build well-conditioned matrices (a shifted diagonal,
distinct singular values and eigenvalues), where the functions and their gradients are well defined.
Where a factorisation is unique only up to signs (eigenvectors, singular vectors), the spec fixes the
sign of each vector by its largest entry, in both libraries, so the comparison is of the same vectors."""
import numpy as np
from hypothesis import strategies as st

from ..registry import Arg, FLOATS, register
from ..strategies import layouts, tensor_arg

FAMILY = "linalg"
LAPACK = "LAPACK builds (torch's MKL, NumPy's OpenBLAS) factor in different orders"
TOL = dict(rtol=1e-5, atol=1e-6, grad_rtol=1e-4, grad_atol=1e-5, reason=LAPACK)


def _batch(draw):
    return draw(st.sampled_from([(), (), (2,), (1, 2)]))


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))


def _orthogonal(rng, batch, n):
    q, _ = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q


def matrix(draw, dtype, kind="general", n=None, m=None, batch=None):
    """A sampled matrix (batch): 'general' (diagonally shifted), 'spd', 'sym' (distinct eigenvalues),
    'spectral' (distinct singular values, m x n) or 'upper'/'lower' triangular."""
    rng = _rng(draw)
    batch = _batch(draw) if batch is None else batch
    n = draw(st.integers(1, 4)) if n is None else n
    m = n if m is None else m
    if kind == "spd":
        x = rng.standard_normal(batch + (n, n))
        a = x @ x.swapaxes(-1, -2) + n * np.eye(n)
    elif kind == "sym":
        q = _orthogonal(rng, batch, n)
        w = np.arange(1, n + 1) * rng.choice([-1.0, 1.0], size=n) + rng.uniform(-0.3, 0.3, size=n)
        a = (q * w[..., None, :]) @ q.swapaxes(-1, -2)
    elif kind == "spectral":
        k = min(n, m)
        u, v = _orthogonal(rng, batch, n)[..., :k], _orthogonal(rng, batch, m)[..., :k]
        s = np.arange(k, 0, -1) + rng.uniform(0.1, 0.4, size=k)
        a = (u * s[..., None, :]) @ v.swapaxes(-1, -2)
    elif kind == "near_identity":  # eigenvalues near 1: high powers stay finite in float32
        a = rng.uniform(-0.15, 0.15, batch + (n, n)) + np.eye(n)
    else:
        a = rng.uniform(-1, 1, batch + (n, m)) + 3 * np.eye(n, m) * rng.choice([-1.0, 1.0], size=min(n, m)).sum()
        if kind in ("upper", "lower"):
            a = np.triu(a) if kind == "upper" else np.tril(a)
    return Arg(a.astype(dtype), draw(layouts()), True)


def _rhs(draw, dtype, a, vector=False, k=None):
    shape = a.array.shape[:-1] if vector else a.array.shape[:-1] + (draw(st.integers(1, 3)) if k is None else k,)
    return tensor_arg(draw, shape, dtype)


def _one(kind="general", rect=False):
    def sample(draw, dtype):
        return [matrix(draw, dtype, kind, m=draw(st.integers(1, 4)) if rect else None)], {}
    return sample


def _linalg(name):
    return lambda lib, *a, **k: getattr(lib.linalg, name)(*a, **k)


def _torch(name):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


for _name, _kind in [("det", "general"), ("slogdet", "general"), ("inv", "general"), ("inv_ex", "general"),
                     ("matrix_exp", "general"), ("cholesky", "spd"), ("cholesky_ex", "spd"), ("eigvalsh", "sym"),
                     ("lu_factor_ex", "general"), ("cond", "general"), ("matrix_rank", "general")]:
    register(f"linalg.{_name}", _linalg(_name), _one(_kind), dtypes=FLOATS, grad=(0,), family=FAMILY, **TOL)
for _name in ("lu_factor", "lu"):  # square, wide and tall matrices (lu_factor_ex runs the same code)
    register(f"linalg.{_name}", _linalg(_name), _one("general", rect=True), dtypes=FLOATS, grad=(0,), family=FAMILY,
             **TOL)
for _name, _kind in [("det", "general"), ("logdet", "spd"), ("inverse", "general"), ("matrix_exp", "general")]:
    register(_name, _torch(_name), _one(_kind), dtypes=FLOATS, grad=(0,), family=FAMILY, **TOL)


def _upper_sample(draw, dtype):
    return [matrix(draw, dtype, "spd")], {"upper": draw(st.booleans())}


register("linalg.cholesky(upper)", _linalg("cholesky"), _upper_sample, dtypes=FLOATS, family=FAMILY, **TOL)
register("cholesky", lambda lib, a, upper: _quiet(lib.cholesky, a, upper),
         lambda draw, dt: ([matrix(draw, dt, "spd"), draw(st.booleans())], {}), dtypes=FLOATS, family=FAMILY, **TOL)


def _quiet(fn, *args, **kwargs):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation warnings
        return fn(*args, **kwargs)


def _solve_sample(draw, dtype):
    a = matrix(draw, dtype)
    left = draw(st.booleans())
    if left:
        b = _rhs(draw, dtype, a, vector=draw(st.booleans()))
    else:
        b = tensor_arg(draw, a.array.shape[:-2] + (draw(st.integers(1, 3)), a.array.shape[-1]), dtype)
    return [a, b], {"left": left}


register("linalg.solve", _linalg("solve"), _solve_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)
register("linalg.solve_ex", _linalg("solve_ex"), _solve_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)


def _triangular_sample(draw, dtype):
    upper = draw(st.booleans())
    a = matrix(draw, dtype, "upper" if upper else "lower")
    left = draw(st.booleans())
    k = draw(st.integers(1, 3))
    shape = a.array.shape[:-1] + (k,) if left else a.array.shape[:-2] + (k, a.array.shape[-1])
    return [a, tensor_arg(draw, shape, dtype)], {"upper": upper, "left": left,
                                                 "unitriangular": draw(st.booleans())}


register("linalg.solve_triangular", _linalg("solve_triangular"), _triangular_sample, dtypes=FLOATS, grad=(0, 1),
         family=FAMILY, **TOL)


def _signed(lib, vectors, dim):
    """The vectors (along `dim`) with the sign that makes each one's largest entry positive."""
    idx = vectors.abs().argmax(dim, keepdim=True)
    return lib.gather(vectors, dim, idx).sign()


def _eigh(lib, a, uplo):
    w, v = lib.linalg.eigh(a, uplo)
    return w, v * _signed(lib, v, -2)


def _svd(lib, a, full_matrices):
    u, s, vh = lib.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    sign = _signed(lib, u[..., :, :k], -2)
    return u[..., :, :k] * sign, s, vh[..., :k, :] * sign.transpose(-2, -1)


# Their outputs end in the spec's sign normalisation, a product whose saved factor is each library's own signs
# (LAPACK's choice): its saved attributes are not comparable; the outputs and gradients are.
register("linalg.eigh", _eigh, lambda draw, dt: ([matrix(draw, dt, "sym"), draw(st.sampled_from(["L", "U"]))], {}),
         dtypes=FLOATS, family=FAMILY, compare_saved=False, **TOL)
register("linalg.svd", _svd, lambda draw, dt: ([matrix(draw, dt, "spectral", m=draw(st.integers(1, 4))),
                                               draw(st.booleans())], {}),
         dtypes=FLOATS, family=FAMILY, compare_saved=False, **TOL)
register("linalg.svdvals", _linalg("svdvals"), _one("spectral", rect=True), dtypes=FLOATS, family=FAMILY, **TOL)
register("linalg.qr", _linalg("qr"), lambda draw, dt: ([matrix(draw, dt, "spectral", m=draw(st.integers(1, 4)))],
                                                       {"mode": draw(st.sampled_from(["reduced", "complete", "r"]))}),
         dtypes=FLOATS, family=FAMILY, **TOL)
register("linalg.pinv", _linalg("pinv"), _one("spectral", rect=True), dtypes=FLOATS, family=FAMILY, **TOL)
register("pinverse", _torch("pinverse"), _one("spectral", rect=True), dtypes=FLOATS, family=FAMILY, **TOL)


def _lu_solve_sample(draw, dtype):
    a = matrix(draw, dtype)
    return [a, _rhs(draw, dtype, a)], {"left": True, "adjoint": draw(st.booleans())}


def _lu_solve(lib, a, b, **k):
    lu, pivots = lib.linalg.lu_factor(a)
    return lib.linalg.lu_solve(lu, pivots, b, **k)


register("linalg.lu_solve", _lu_solve, _lu_solve_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)


def _lstsq(lib, a, b):
    return lib.linalg.lstsq(a, b)[0]


register("linalg.lstsq", _lstsq, lambda draw, dt: ([a := matrix(draw, dt, "spectral", n=draw(st.integers(2, 4)),
                                                                m=2), _rhs(draw, dt, a)], {}),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)


def _norm_sample(draw, dtype):
    a = matrix(draw, dtype, "spectral", m=draw(st.integers(1, 4)))
    return [a], {"ord": draw(st.sampled_from(["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")])),
                 "keepdim": draw(st.booleans())}


register("linalg.matrix_norm", _linalg("matrix_norm"), _norm_sample, dtypes=FLOATS, family=FAMILY, **TOL)


def _vector_norm_sample(draw, dtype):
    x = tensor_arg(draw, draw(st.sampled_from([(3,), (2, 3), (2, 1, 3)])), dtype, "nonzero")
    return [x], {"ord": draw(st.sampled_from([2, 1, 3, 0.5, float("inf"), -float("inf"), 0])),
                 "dim": draw(st.sampled_from([None, -1, (0, -1)])), "keepdim": draw(st.booleans())}


register("linalg.vector_norm", _linalg("vector_norm"), _vector_norm_sample, dtypes=FLOATS, family=FAMILY,
         rtol=1e-5, reason="pow and sum in another order")
register("linalg.norm", _linalg("norm"), lambda draw, dt: ([matrix(draw, dt, "spectral", m=3)],
                                                           {"ord": draw(st.sampled_from([None, "fro", 2, 1]))}),
         dtypes=FLOATS, family=FAMILY, **TOL)


def _power_sample(draw, dtype):
    return [matrix(draw, dtype, "near_identity"), draw(st.integers(-3, 5))], {}


register("linalg.matrix_power", _linalg("matrix_power"), _power_sample, dtypes=FLOATS, family=FAMILY, **TOL)


def _multi_dot_sample(draw, dtype):
    dims = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(3, 5)))]
    mats = [tensor_arg(draw, (dims[i], dims[i + 1]), dtype) for i in range(len(dims) - 1)]
    if draw(st.booleans()):
        mats[0] = tensor_arg(draw, (dims[1],), dtype)
    return [mats], {}


register("linalg.multi_dot", _linalg("multi_dot"), _multi_dot_sample, dtypes=FLOATS, family=FAMILY,
         rtol=1e-5, reason="BLAS summation order")
register("linalg.vander", _linalg("vander"),
         lambda draw, dt: ([tensor_arg(draw, (draw(st.integers(1, 4)),), dt, "small")],
                           {"N": draw(st.sampled_from([None, 1, 3]))}), dtypes=FLOATS + ("int64",), family=FAMILY)
register("linalg.vecdot", _linalg("vecdot"),
         lambda draw, dt: ([tensor_arg(draw, s := draw(st.sampled_from([(3,), (2, 3)])), dt), tensor_arg(draw, s, dt)],
                           {}), dtypes=FLOATS, grad=(0, 1), family=FAMILY)


def _cross_sample(draw, dtype):
    shape = draw(st.sampled_from([(3,), (2, 3), (3, 2)]))
    dim = shape.index(3)
    return [tensor_arg(draw, shape, dtype), tensor_arg(draw, shape, dtype)], {"dim": dim}


register("linalg.cross", _linalg("cross"), _cross_sample, dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY)
register("cross", _torch("cross"), _cross_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY)
register("linalg.diagonal", _linalg("diagonal"),
         lambda draw, dt: ([tensor_arg(draw, (2, 3, 4), dt)], {"offset": draw(st.integers(-2, 2))}),
         dtypes=FLOATS, family=FAMILY)
register("diagonal", _torch("diagonal"),
         lambda draw, dt: ([tensor_arg(draw, (3, 4, 2), dt)], {"offset": draw(st.integers(-2, 2)),
                                                               "dim1": draw(st.sampled_from([0, 1])), "dim2": 2}),
         dtypes=FLOATS + ("int64",), family=FAMILY)
register("diag_embed", _torch("diag_embed"),
         lambda draw, dt: ([tensor_arg(draw, draw(st.sampled_from([(3,), (2, 3)])), dt)],
                           {"offset": draw(st.integers(-1, 1))}), dtypes=FLOATS, family=FAMILY)
register("trace", _torch("trace"), lambda draw, dt: ([tensor_arg(draw, (draw(st.integers(1, 4)), 3), dt)], {}),
         dtypes=FLOATS + ("int64",), family=FAMILY)
register("vdot", _torch("vdot"), lambda draw, dt: ([tensor_arg(draw, (4,), dt), tensor_arg(draw, (4,), dt)], {}),
         dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY)


def _tensorinv_sample(draw, dtype):
    a = matrix(draw, dtype, n=4, batch=())
    return [Arg(a.array.reshape(2, 2, 4), a.layout, True)], {"ind": 2}


register("linalg.tensorinv", _linalg("tensorinv"), _tensorinv_sample, dtypes=FLOATS, family=FAMILY, **TOL)
register("linalg.tensorsolve", _linalg("tensorsolve"),
         lambda draw, dt: ([Arg(matrix(draw, dt, n=4, batch=()).array.reshape(2, 2, 4), "contiguous", True),
                            tensor_arg(draw, (2, 2), dt)], {}), dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)


# ---- β · input + α · product, cdist -------------------------------------------------------------

def _scaled(draw):
    return {"beta": draw(st.sampled_from([1, 0.5, 0, True])), "alpha": draw(st.sampled_from([1, 2.0, -1, True]))}


def _addmm_sample(draw, dtype):
    n, k, m = (draw(st.integers(0, 4)) for _ in range(3))
    c = draw(st.sampled_from([(n, m), (m,), (1, m)]))
    return [tensor_arg(draw, c, dtype), tensor_arg(draw, (n, k), dtype), tensor_arg(draw, (k, m), dtype)], _scaled(draw)


def _addmv_sample(draw, dtype):
    # k ≥ 1: with no terms, torch returns input unbroadcast (with a resize warning), a deviation in the README
    n, k = draw(st.integers(0, 4)), draw(st.integers(1, 4))
    return [tensor_arg(draw, (n,), dtype), tensor_arg(draw, (n, k), dtype), tensor_arg(draw, (k,), dtype)], _scaled(draw)


def _addr_sample(draw, dtype):
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return [tensor_arg(draw, (n, m), dtype), tensor_arg(draw, (n,), dtype), tensor_arg(draw, (m,), dtype)], _scaled(draw)


def _bmm_sample(summed):
    def sample(draw, dtype):
        b, n, k, m = (draw(st.integers(0, 3)) for _ in range(4))
        c = (n, m) if summed else (b, n, m)
        return [tensor_arg(draw, c, dtype), tensor_arg(draw, (b, n, k), dtype), tensor_arg(draw, (b, k, m), dtype)], \
            _scaled(draw)
    return sample


for _name, _sample in [("addmm", _addmm_sample), ("addmv", _addmv_sample), ("addr", _addr_sample),
                       ("baddbmm", _bmm_sample(False)), ("addbmm", _bmm_sample(True))]:
    register(_name, _torch(_name), _sample, dtypes=FLOATS + ("int64", "int32", "uint8", "bool"), grad=(0, 1, 2),
             family=FAMILY, rtol=1e-5, reason="BLAS summation order")


def _cdist_sample(draw, dtype):
    batch = draw(st.sampled_from([(), (2,)]))
    p_rows, r_rows, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    kw = {"p": draw(st.sampled_from([2.0, 1.0, 0.0, 3.0, float("inf")]))}
    if draw(st.booleans()):
        kw["compute_mode"] = draw(st.sampled_from(["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"]))
    return [tensor_arg(draw, batch + (p_rows, m), dtype, "any"), tensor_arg(draw, batch + (r_rows, m), dtype, "any")], kw


register("cdist", _torch("cdist"), _cdist_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-4, atol=1e-5,
         reason="the euclidean path sums |x|² + |y|² − 2x·y in float32")


# ---- the torch-namespace forms and in-place methods ------------------------------------------------

def _in_place(name):
    """x.<name>_(...) on a copy of x, which must return that copy."""
    def call(lib, x, *args, **kw):
        y = x.clone()
        assert getattr(y, name + "_")(*args, **kw) is y
        return y
    return call


for _name, _sample in [("addmm", _addmm_sample), ("addmv", _addmv_sample), ("addr", _addr_sample),
                       ("baddbmm", _bmm_sample(False)), ("addbmm", _bmm_sample(True))]:
    def _full_input(draw, dtype, _sample=_sample, _name=_name):  # in place, input takes the result's shape
        args, kw = _sample(draw, dtype)
        shape = {"addmv": lambda: args[1].array.shape[:1], "addr": lambda: (args[1].array.shape[0],
                                                                            args[2].array.shape[0]),
                 "addbmm": lambda: (args[1].array.shape[1], args[2].array.shape[2])}.get(
            _name, lambda: args[1].array.shape[:-1] + args[2].array.shape[-1:])()
        args[0] = tensor_arg(draw, shape, dtype)
        return args, kw
    register(_name + "_", _in_place(_name), _full_input, dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY, rtol=1e-5,
             reason="BLAS summation order")

register("linalg.matmul", _linalg("matmul"),
         lambda draw, dt: ([tensor_arg(draw, (2, 3), dt), tensor_arg(draw, draw(st.sampled_from([(3,), (3, 2)])), dt)],
                           {}), dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
register("slogdet", _torch("slogdet"), _one("general"), dtypes=FLOATS, family=FAMILY, **TOL)
register("matrix_power", _torch("matrix_power"), _power_sample, dtypes=FLOATS, family=FAMILY, **TOL)
register("chain_matmul", lambda lib, mats: _quiet(lib.chain_matmul, *mats),
         lambda draw, dt: ([[tensor_arg(draw, (2, 3), dt), tensor_arg(draw, (3, 4), dt), tensor_arg(draw, (4, 2), dt)]],
                           {}), dtypes=FLOATS, family=FAMILY, rtol=1e-5, reason="BLAS summation order")
register("qr", _torch("qr"), lambda draw, dt: ([matrix(draw, dt, "spectral", m=draw(st.integers(1, 4)))],
                                              {"some": draw(st.booleans())}), dtypes=FLOATS, family=FAMILY, **TOL)


def _svd_legacy(lib, a, some):
    u, s, v = lib.svd(a, some=some)
    k = s.shape[-1]
    sign = _signed(lib, u[..., :, :k], -2)
    return u[..., :, :k] * sign, s, v[..., :, :k] * sign


register("svd", _svd_legacy, lambda draw, dt: ([matrix(draw, dt, "spectral", m=draw(st.integers(1, 4))),
                                                draw(st.booleans())], {}), dtypes=FLOATS, family=FAMILY, **TOL)


def _spd_and_rhs(draw, dtype):
    a = matrix(draw, dtype, "spd")
    return a, _rhs(draw, dtype, a)


def _cholesky_solve(lib, b, a, upper):
    factor = lib.linalg.cholesky(a, upper=upper)
    return lib.cholesky_solve(b, factor, upper=upper)


register("cholesky_solve", _cholesky_solve,
         lambda draw, dt: ([(pair := _spd_and_rhs(draw, dt))[1], pair[0], draw(st.booleans())], {}),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)
register("cholesky_inverse", lambda lib, a, upper: lib.cholesky_inverse(lib.linalg.cholesky(a, upper=upper), upper),
         lambda draw, dt: ([matrix(draw, dt, "spd"), draw(st.booleans())], {}), dtypes=FLOATS, family=FAMILY, **TOL)


def _triangular_solve_sample(draw, dtype):
    upper = draw(st.booleans())
    a = matrix(draw, dtype, "upper" if upper else "lower")
    return [_rhs(draw, dtype, a), a], {"upper": upper, "transpose": draw(st.booleans()),
                                       "unitriangular": draw(st.booleans())}


register("triangular_solve", lambda lib, b, a, **k: _quiet(lib.triangular_solve, b, a, **k), _triangular_solve_sample,
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)


def _lu_unpack(lib, a, **flags):
    lu, pivots = lib.linalg.lu_factor(a)
    return lib.lu_unpack(lu, pivots, **flags)


def _lu_unpack_sample(draw, dtype):
    return [matrix(draw, dtype, "general", m=draw(st.integers(1, 4)))], \
        {"unpack_data": draw(st.booleans()), "unpack_pivots": draw(st.booleans())}


register("lu_unpack", _lu_unpack, _lu_unpack_sample, dtypes=FLOATS, family=FAMILY, **TOL)


def _lu_solve_legacy(lib, a, b):
    lu, pivots = lib.linalg.lu_factor(a)
    return _quiet(lib.lu_solve, b, lu, pivots)


register("lu_solve", _lu_solve_legacy, lambda draw, dt: ([a := matrix(draw, dt), _rhs(draw, dt, a)], {}),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, **TOL)


def _lu_legacy_sample(draw, dtype):
    return [matrix(draw, dtype), True, draw(st.booleans())], {}  # pivot=False is not implemented on the CPU


register("lu", lambda lib, a, pivot, infos: _quiet(lib.lu, a, pivot, infos), _lu_legacy_sample, dtypes=FLOATS,
         family=FAMILY, **TOL)


def _lowrank_sample(draw, dtype):
    """A seed, a matrix (m × n, maybe batched) of distinct singular values, a rank q and a subspace iteration count."""
    a = matrix(draw, dtype, "spectral", m=draw(st.integers(1, 5)))
    m, n = a.array.shape[-2:]
    return [draw(st.integers(0, 2**31)), a], {"q": draw(st.integers(0, min(m, n))), "niter": draw(st.integers(0, 3))}


def _lowrank(name):
    def call(lib, seed, a, **kw):
        lib.manual_seed(seed)
        u, s, v = getattr(lib, name)(a, **kw)
        # the singular values and the rank-q approximation U diag(S) Vᴴ: unique, where the vectors' signs are
        # LAPACK's choice and, for a rank-deficient A, any basis of the null space will do
        return s, (u * s.unsqueeze(-2)) @ v.mT
    return call


# As linalg.svd's: the outputs end in a product whose saved factors carry each library's signs (LAPACK's choice) and
# layouts of LAPACK's results, so its saved attributes are not comparable; the outputs and gradients are.
register("svd_lowrank", _lowrank("svd_lowrank"), _lowrank_sample, dtypes=FLOATS, grad=(1,), family=FAMILY,
         cpu_only="draws its test matrix from torch's CPU stream; CUDA tensors draw from CuPy's generator",
         compare_saved=False, **TOL)
def _pca_sample(draw, dtype):
    args, kw = _lowrank_sample(draw, dtype)
    return args, {**kw, "center": draw(st.booleans())}


register("pca_lowrank", _lowrank("pca_lowrank"), _pca_sample, dtypes=FLOATS, grad=(1,), family=FAMILY,
         cpu_only="draws its test matrix from torch's CPU stream; CUDA tensors draw from CuPy's generator",
         compare_saved=False, **TOL)


def _reflectors_sample(draw, dtype, extra=False):
    """Reflector vectors packed in an m × n matrix (m ≥ n, maybe batched) and their scales τ in [0, 2]."""
    rng = _rng(draw)
    n = draw(st.integers(1, 3))
    m = n + draw(st.integers(0, 2))
    batch = draw(st.sampled_from([(), (2,)]))
    a = Arg(rng.uniform(-1, 1, batch + (m, n)).astype(dtype))
    tau = Arg(rng.uniform(0, 2, batch + (draw(st.integers(0, n)) if not extra else n,)).astype(dtype))
    return a, tau, m, batch, rng


def _householder_sample(draw, dtype):
    a, tau, _, _, _ = _reflectors_sample(draw, dtype)
    return [a, tau], {}


def _ormqr_sample(draw, dtype):
    a, tau, m, batch, rng = _reflectors_sample(draw, dtype, extra=True)  # τ: one per column (min(m, n) = n)
    left = draw(st.booleans())
    k = draw(st.integers(1, 3))
    other = Arg(rng.standard_normal(batch + ((m, k) if left else (k, m))).astype(dtype))
    return [a, tau, other], {"left": left, "transpose": draw(st.booleans())}


# products of k reflectors: in float32 each adds its rounding, and torch's backward is its own formula where ours
# differentiates the product, so the gradients (and the second derivatives, 10x that) agree to about 1e-3
REFLECTORS = dict(TOL, grad_rtol=1e-3, grad_atol=1e-4,
                  reason=LAPACK + "; gradients of products of reflectors composed in another order")
register("linalg.householder_product", _linalg("householder_product"), _householder_sample, dtypes=FLOATS,
         grad=(0, 1), family=FAMILY, **REFLECTORS)
register("orgqr", _torch("orgqr"), _householder_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY, **REFLECTORS)
register("ormqr", _torch("ormqr"), _ormqr_sample, dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY, **REFLECTORS)
def _symmetric_or_not(draw, dtype):
    """A symmetric matrix with eigenvalues of both signs (Bunch-Kaufman's 2 × 2 pivots), or a general one (only its
    lower triangle is read)."""
    return matrix(draw, dtype, draw(st.sampled_from(["sym", "general"])))


def _ldl_factor_sample(draw, dtype):
    return [_symmetric_or_not(draw, dtype)], {"hermitian": draw(st.booleans())}


register("linalg.ldl_factor", _linalg("ldl_factor"), _ldl_factor_sample, dtypes=FLOATS, grad=None, family=FAMILY,
         **TOL)
register("linalg.ldl_factor_ex", _linalg("ldl_factor_ex"), _ldl_factor_sample, dtypes=FLOATS, grad=None,
         family=FAMILY, **TOL)


def _ldl_solve(lib, a, b, **k):
    ld, pivots = lib.linalg.ldl_factor(a)
    return lib.linalg.ldl_solve(ld, pivots, b, **k)


def _ldl_solve_sample(draw, dtype):
    a = _symmetric_or_not(draw, dtype)
    return [a, _rhs(draw, dtype, a)], {"hermitian": draw(st.booleans())}


register("linalg.ldl_solve", _ldl_solve, _ldl_solve_sample, dtypes=FLOATS, grad=None, family=FAMILY, **TOL)
register("geqrf", _torch("geqrf"), _one("general", rect=True), dtypes=FLOATS, grad=None, family=FAMILY, **TOL)
