"""Tensor semantics that course code relies on: views, printing, conversions, dtypes, devices."""
import itertools
import os
import signal
import time

import numpy as np
import pytest
import torch

import minitorch as mt

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_promotion_matches_torch(a, b):
    assert repr(mt.promote_types(getattr(mt, a if a != "bool" else "bool"), getattr(mt, b))) == \
        repr(torch.promote_types(getattr(torch, a), getattr(torch, b)))
    for shape_a, shape_b in [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]:
        ta, tb = torch.zeros(shape_a, dtype=getattr(torch, a)), torch.zeros(shape_b, dtype=getattr(torch, b))
        ma, mb = mt.zeros(shape_a, dtype=getattr(mt, a)), mt.zeros(shape_b, dtype=getattr(mt, b))
        assert repr(mt.result_type(ma, mb)) == repr(torch.result_type(ta, tb))
    for scalar in (True, 2, 2.5):
        assert repr(mt.result_type(mt.zeros(2, dtype=getattr(mt, a)), scalar)) == \
            repr(torch.result_type(torch.zeros(2, dtype=getattr(torch, a)), scalar))
    assert mt.can_cast(getattr(mt, a), getattr(mt, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


def test_default_dtype_and_division():
    assert (mt.tensor([1, 2]) / 2).dtype is mt.float32
    assert mt.tensor([1.0]).dtype is mt.float32
    assert mt.tensor([True]).sum().dtype is mt.int64
    mt.set_default_dtype(mt.float64)
    try:
        assert mt.tensor([1.0]).dtype is mt.float64 and (mt.tensor([1]) / 2).dtype is mt.float64
    finally:
        mt.set_default_dtype(mt.float32)
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        mt.tensor([1, 2]).mean()


def test_views_share_memory_and_version():
    x = mt.arange(12.0).reshape(3, 4)
    z = x.view(4, 3)
    z[:, 0] = 5
    assert x.flatten()[::3].tolist() == [5.0] * 4
    col = x[:, 1]
    col.fill_(-1)
    assert x[:, 1].tolist() == [-1.0] * 3
    assert x._version == z._version == col._version > 0
    t = x.t()
    assert t.stride() == (1, 4) and not t.is_contiguous() and t.contiguous().is_contiguous()
    with pytest.raises(RuntimeError, match="Use .reshape"):
        t.view(12)
    assert x.stride() == (4, 1) and x.storage_offset() == 0 and x[1].storage_offset() == 4


def test_printing_matches_torch():
    cases = [
        lambda L: L.tensor([[0.8823, 0.915], [1.0, -2.5]]),
        lambda L: L.tensor([1.0, 2.0, 3.0]),
        lambda L: L.tensor(3.0),
        lambda L: L.tensor([1e-6, 1.0]),
        lambda L: L.tensor([1, 2, 3]),
        lambda L: L.tensor([True, False]),
        lambda L: L.tensor([1.5], dtype=L.float64),
        lambda L: L.zeros(0, 3),
        lambda L: L.tensor([]),
        lambda L: L.arange(2000.0),
        lambda L: L.arange(30.0).reshape(3, 10) * 1234.5,
        lambda L: L.tensor([float("nan"), float("inf"), -1.0]),
        lambda L: L.ones(2, requires_grad=True),
        lambda L: L.ones(2, requires_grad=True) * 2,
        lambda L: L.tensor([1, 2], dtype=L.int32),
        lambda L: L.tensor(2.5, dtype=L.float16),
    ]
    for make in cases:
        assert repr(make(mt)) == repr(make(torch))
    assert repr(mt.device("cpu")) == "device(type='cpu')"
    assert repr(mt.zeros(2, 3).shape) == "torch.Size([2, 3])"
    mt.manual_seed(42)
    torch.manual_seed(42)
    assert str(mt.rand(3, 4)) == str(torch.rand(3, 4))


def test_scalar_conversions_and_format():
    loss = mt.tensor(0.123456)
    assert f"{loss:.5f}" == "0.12346"
    assert [10, 20, 30][mt.tensor(1)] == 20
    assert int(mt.tensor([3])) == 3 and float(mt.tensor(2.5)) == 2.5 and bool(mt.tensor([1]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.tensor([1, 2]))
    assert mt.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert len(mt.zeros(5, 2)) == 5 and len(list(mt.zeros(5, 2))) == 5


def test_numpy_interop():
    a = np.arange(6.0).reshape(2, 3)
    t = mt.from_numpy(a)
    a[0, 0] = 100
    assert t[0, 0].item() == 100
    assert np.asarray(t.T).shape == (3, 2)
    assert mt.tensor(a).dtype is mt.float64
    x = mt.arange(10)
    idx = np.array([1, 3, 5])
    assert x[idx].tolist() == [1, 3, 5]
    assert isinstance(x[idx], mt.Tensor)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        mt.ones(2, requires_grad=True).numpy()


def test_sklearn_split_returns_tensors():
    from sklearn.model_selection import train_test_split
    X = mt.arange(20.0).reshape(10, 2)
    y = mt.arange(10)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    assert isinstance(Xtr, mt.Tensor) and Xtr.shape == (7, 2) and yte.shape == (3,)


def test_type_conversions():
    x = mt.tensor([1.7, -2.2])
    assert x.type() == "torch.FloatTensor"
    assert x.type(mt.LongTensor).tolist() == [1, -2]
    assert x.long().dtype is mt.int64 and x.half().dtype is mt.float16 and x.double().dtype is mt.float64
    assert x.to(mt.int32).tolist() == [1, -2]
    assert mt.LongTensor([1, 2]).dtype is mt.int64 and mt.FloatTensor(2, 3).shape == (2, 3)


def test_cuda_absent_is_harmless():
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    mt.cuda.manual_seed(42)
    mt.cuda.manual_seed_all(42)
    assert mt.backends.mps.is_available() is False
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        mt.ones(2).to("cuda")
    with pytest.raises(AssertionError):
        mt.zeros(2, device="cuda")


def test_errors_read_like_torch():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(32x784 and 512x10\)"):
        mt.zeros(32, 784) @ mt.zeros(512, 10)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        mt.zeros(2, 2) @ mt.zeros(2, 2, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="The size of tensor a \\(3\\) must match the size of tensor b \\(4\\)"):
        mt.zeros(3) + mt.zeros(4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.zeros(2).sum(3)


def test_generator_state_round_trip():
    g = mt.Generator().manual_seed(7)
    state = g.get_state()
    a = mt.rand(5, generator=g)
    g.set_state(state)
    assert mt.equal(a, mt.rand(5, generator=g))
    tg = torch.Generator().manual_seed(7)
    assert a.tolist() == torch.rand(5, generator=tg).tolist()
    assert mt.Generator().manual_seed(3).initial_seed() == 3


def test_erf_fallback_without_scipy_is_exact_enough():
    import math
    from minitorch.backends.numpy_backend import erf_numpy
    x = np.linspace(-6, 6, 2001)
    np.testing.assert_allclose(erf_numpy(x), [math.erf(v) for v in x], rtol=1e-13, atol=1e-15)
    assert erf_numpy(np.array([np.nan, np.inf, -np.inf], dtype=np.float32)).tolist()[1:] == [1.0, -1.0]


def test_erfinv_fallback_without_scipy_inverts_erf():
    import math
    from minitorch.backends.numpy_backend import erfinv_numpy
    x = np.concatenate([np.linspace(-3.5, 3.5, 2001), [1e-300, -1e-12]])  # beyond, y=erf(x) is too close to 1 to invert
    y = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erfinv_numpy(y), x, rtol=1e-9, atol=1e-12)
    special = erfinv_numpy(np.array([1.0, -1.0, 1.5, np.nan, 0.0]))
    assert special[:2].tolist() == [np.inf, -np.inf] and np.isnan(special[2:4]).all() and special[4] == 0


def test_pickle_deepcopy_and_assert_close():
    import copy
    import pickle

    from minitorch.testing import assert_close
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    for y in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert y.requires_grad and y is not x
        assert_close(y, x)
    with pytest.raises(AssertionError):
        assert_close(x * 1.1, x)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_split_work_after_a_fork(monkeypatch):
    """A forked child (a DataLoader worker) starts its own helper threads: the parent's kept ones do
    not exist there, and waiting on them would hang."""
    from minitorch.backends import numpy_backend as nb
    monkeypatch.setattr(nb, "PARALLEL_MIN", 8)
    monkeypatch.setattr(nb, "_threads", lambda: 2)
    t = mt.arange(100.0)
    assert t.sum().item() == 4950.0  # the parent's helper thread now exists
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its sum, then leave without running the parent's cleanup
        os.write(write, str((t * 2).sum().item()).encode())
        os._exit(0)
    os.close(write)
    for _ in range(200):  # up to 10 s: a child waiting on threads it lacks would never finish
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung splitting a sum")
    assert status == 0 and os.read(read, 64).decode() == "9900.0"
    os.close(read)


def test_large_array_kernels_split_between_threads(monkeypatch):
    """The two-thread paths of reductions and elementwise ops (forced on small arrays here)."""
    from minitorch.backends import numpy_backend as nb
    monkeypatch.setattr(nb, "PARALLEL_MIN", 8)
    monkeypatch.setattr(nb, "_threads", lambda: 3)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 9)).astype(np.float32)
    t = mt.tensor(x)
    np.testing.assert_allclose(t.sum().item(), x.sum(), rtol=1e-5)
    np.testing.assert_allclose(t.mean().item(), x.mean(), rtol=1e-5)
    assert t.max().item() == x.max() and t.min().item() == x.min()
    np.testing.assert_allclose(t.sum(-1, keepdim=True).numpy(), x.sum(-1, keepdims=True), rtol=1e-5)
    assert t.amax(-1).tolist() == x.max(-1).tolist()
    np.testing.assert_allclose(t.exp().numpy(), np.exp(x), rtol=1e-6)
    xg = mt.tensor(x, requires_grad=True)
    g = mt.nn.functional.gelu(xg)
    np.testing.assert_array_equal(g.detach().numpy(), nb.backend.gelu(x, "none"))  # the unsplit kernel
    g.backward(mt.ones_like(g))
    np.testing.assert_array_equal(xg.grad.numpy(), nb.backend.gelu_backward(np.ones_like(x), x, "none"))
    with_nan = x.copy()
    with_nan[3, 4] = np.nan
    assert np.isnan(mt.tensor(with_nan).max().item())


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("form", ["varargs", "tuple", "list", "size_kw"])
def test_factories_take_torchs_size_forms(name, form):
    """rand(2, 3), rand((2, 3)), rand([2, 3]) and rand(size=(2, 3)): the course uses all four."""
    import torch

    def call(lib):
        lib.manual_seed(7)
        f = getattr(lib, name)
        return {"varargs": lambda: f(2, 3), "tuple": lambda: f((2, 3)), "list": lambda: f([2, 3]),
                "size_kw": lambda: f(size=(2, 3))}[form]()
    ours, theirs = call(mt), call(torch)
    assert tuple(ours.shape) == tuple(theirs.shape) == (2, 3) and str(ours.dtype) == str(theirs.dtype)
    if name != "empty":
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", ["zeros", "rand"])
def test_factories_refuse_a_size_given_twice_or_as_an_int(name):
    import torch
    for args, kwargs in (((2,), {"size": (2,)}), ((), {"size": 2})):
        with pytest.raises(TypeError):
            getattr(torch, name)(*args, **kwargs)
        with pytest.raises(TypeError, match=f"{name}\\(\\).*'size'"):  # torch's wording varies by overload
            getattr(mt, name)(*args, **kwargs)


def test_complex_accessors_of_a_real_tensor_match_torch():
    """A real tensor is its own real part and conjugate, never a lazy conjugate or negation; imag is refused."""
    import torch
    for lib in (torch, mt):
        x = lib.tensor([1.0, -2.0])
        assert x.real is x and lib.real(x) is x and x.conj() is x and x.resolve_neg() is x
        assert x.is_conj() is False and lib.is_neg(x) is False and x.conj_physical_() is x
        with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
            x.imag


@pytest.mark.parametrize("indices", [[-1], [2, 1], [7], [-9, 3], [0, 0, 5], 3, [1, 4]])
def test_tensor_split_slices_from_each_index_to_the_next_as_torch(indices):
    """Each piece is input[previous index : index] with the indices as given (a slice wraps negative ones and is
    empty where they decrease), and its SliceBackward0 saves those bounds."""
    pieces = []
    for lib in (mt, torch):
        x = lib.arange(5.0).requires_grad_()
        pieces.append([(p.tolist(), p.grad_fn._saved_start, p.grad_fn._saved_end) for p in lib.tensor_split(x, indices)])
    assert pieces[0] == pieces[1]


@pytest.mark.parametrize("source_shape", [(3,), ()])
def test_index_reduce_along_a_dim_the_source_lacks_is_torchs_error(source_shape):
    messages = []
    for lib in (mt, torch):
        with pytest.raises(RuntimeError) as info:
            lib.ones(2, 3).index_reduce(1, lib.tensor([0, 1][:max(len(source_shape), 1)]), lib.ones(source_shape),
                                        "prod")
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
def test_a_tensor_with_a_python_float_as_torch_with_or_without_a_graph(op):
    """`x <op> 0.5` runs on the arrays where nothing records; recorded, profiled or under forward mode it is the op
    with torch's wrapped number, and either way torch's values and dtypes."""
    dunder = f"__{op}__"
    # float16 is left out: minitorch rounds the number to float16 before the op, where torch's kernel keeps it in
    # float32 (a README deviation), so some results differ by one float16 rounding
    for dtype in ("float32", "float64"):
        a = np.array([[1.5, -2.0], [0.0, 3.25]], dtype)
        ours, theirs = getattr(mt.tensor(a), dunder)(0.3), getattr(torch.tensor(a), dunder)(0.3)
        assert str(ours.dtype) == str(theirs.dtype) and ours.grad_fn is None
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    recorded = getattr(mt.tensor(a, requires_grad=True), dunder)(0.3)
    expected = getattr(torch.tensor(a, requires_grad=True), dunder)(0.3)
    assert recorded.grad_fn.name() == expected.grad_fn.name()
    with mt.profiler.profile() as prof:
        getattr(mt.tensor(a), dunder)(0.3)
    assert [e.name for e in prof.events()] == [f"aten::{ {'truediv': 'div'}.get(op, op)}"]
