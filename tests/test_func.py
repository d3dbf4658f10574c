"""minitorch.func against torch.func: the transforms' values, their composition (per-sample gradients,
Hessians, Jacobians of modules through functional_call), their errors, and vmap's randomness modes."""
import numpy as np
import pytest

import minitorch

torch = pytest.importorskip("torch")


def both(fn):
    return fn(minitorch), fn(torch)


def close(ours, theirs, tol=1e-6):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            close(o, t, tol)
        return
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys()
        for k in theirs:
            close(ours[k], theirs[k], tol)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


def f(lib, x, y):
    return (x.sin() * y).sum() + (x ** 2).mean()


X, Y = [[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]], [1.5, -0.5, 0.25]


def inputs(lib):
    return lib.tensor(X, dtype=lib.float64), lib.tensor(Y, dtype=lib.float64)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), -1])
def test_grad_and_grad_and_value(argnums):
    def run(lib):
        x, y = inputs(lib)
        g = lib.func.grad(lambda a, b: f(lib, a, b), argnums=argnums)(x, y)
        gv = lib.func.grad_and_value(lambda a, b: f(lib, a, b), argnums=argnums)(x, y)
        return g, gv
    (mg, mgv), (tg, tgv) = both(run)
    close(mg, tg)
    close(mgv, tgv)
    leaves = mg if isinstance(mg, tuple) else (mg,)
    assert not any(t.requires_grad for t in leaves)  # plain tensors at the outermost level, as torch's


def test_grad_of_grad_and_has_aux():
    def run(lib):
        x = lib.tensor(0.7, dtype=lib.float64)
        d2 = lib.func.grad(lib.func.grad(lambda t: t.sin() * t ** 3))(x)
        g, aux = lib.func.grad(lambda t: ((t ** 2).sum(), t.mean()), has_aux=True)(lib.tensor([1.0, 2.0]))
        return d2, g, aux
    close(*both(run))


def test_per_sample_gradients_with_vmap_of_grad():
    """The course of torch.func's tutorial: one model's gradients for each sample of a batch."""
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))
        params = {k: v.detach() for k, v in model.named_parameters()}
        x, t = lib.randn(5, 4), lib.tensor([0, 2, 1, 1, 0])

        def loss(p, sample, target):
            out = lib.func.functional_call(model, p, (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, target.unsqueeze(0))
        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, x, t)
        # the mean of the per-sample gradients is the batch gradient
        model.zero_grad()
        lib.nn.functional.cross_entropy(model(x), t).backward()
        return per_sample, {k: v.grad for k, v in model.named_parameters()}
    (ours, our_batch), (theirs, their_batch) = both(run)
    close(ours, theirs, 1e-5)
    for k in ours:
        close(ours[k].mean(0), our_batch[k], 1e-5)


def test_vjp_jvp_and_linearize():
    def run(lib):
        x, y = inputs(lib)
        out, vjp_fn = lib.func.vjp(lambda a, b: a.sin() * b, x, y)
        cot = lib.ones_like(out)
        v = lib.full_like(x, 0.5)
        value, jv = lib.func.jvp(lambda a: a.exp() * y, (x,), (v,))
        lin_out, jvp_fn = lib.func.linearize(lambda a: a.tanh(), x)
        return out, vjp_fn(cot), value, jv, lin_out, jvp_fn(v)
    close(*both(run))


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobians(transform):
    def run(lib):
        x, y = inputs(lib)
        jac = getattr(lib.func, transform)
        return (jac(lambda a: a.sin() * y)(x), jac(lambda a, b: (a * b).sum(0), argnums=(0, 1))(x, y),
                jac(lambda a: (a.exp(), a.sum()))(y))
    close(*both(run))


def test_hessian_and_the_functional_api_agree():
    def run(lib):
        x = lib.tensor([0.3, -0.2, 0.9], dtype=lib.float64)
        fn = lambda a: (a.sin() * a.cos().sum()).sum()  # noqa: E731
        return lib.func.hessian(fn)(x), lib.autograd.functional.hessian(fn, x)
    (mh, mf), (th, tf) = both(run)
    close(mh, th)
    close(mf, mh)


def test_jvp_inside_a_dual_level_transposes_reverse_mode():
    x, v = minitorch.tensor([0.4, 1.1], dtype=minitorch.float64), minitorch.tensor([1.0, -2.0], dtype=minitorch.float64)
    with minitorch.autograd.forward_ad.dual_level():
        _, inner = minitorch.func.jvp(lambda a: a.sin() * a, (x,), (v,))
    _, outer = minitorch.func.jvp(lambda a: a.sin() * a, (x,), (v,))
    close(inner, outer)


def test_vmap_in_dims_out_dims_and_nesting():
    def run(lib):
        a = lib.arange(24, dtype=lib.float32).reshape(2, 3, 4)
        b = lib.tensor([1.0, 2.0, 3.0])
        return (lib.func.vmap(lambda t: t.sum(0))(a),
                lib.func.vmap(lambda t, s: t * s, in_dims=(1, 0))(a, b),
                lib.func.vmap(lambda t: t.max(), in_dims=2, out_dims=0)(a),
                lib.func.vmap(lambda t: (t, t.mean()), out_dims=(1, 0))(a),
                lib.func.vmap(lib.func.vmap(lambda t: t.norm()))(a),
                lib.func.vmap(lambda d: d["x"] + d["y"])({"x": b, "y": b * 2}))
    close(*both(run))


@pytest.mark.parametrize("case", ["in_dim range", "sizes", "non-tensor", "structure", "returns int", "random"])
def test_vmap_errors_are_torchs(case):
    def run(lib):
        vmap = lib.func.vmap
        calls = {
            "in_dim range": lambda: vmap(lambda x: x, in_dims=2)(lib.ones(3, 4)),
            "sizes": lambda: vmap(lambda x, y: x + y)(lib.ones(3, 4), lib.ones(2, 4)),
            "non-tensor": lambda: vmap(lambda x: x)(3.0),
            "structure": lambda: vmap(lambda x: x, in_dims=(0, 0))(lib.ones(2, 3)),
            "returns int": lambda: vmap(lambda x: 3)(lib.ones(3)),
            "random": lambda: vmap(lambda x: lib.rand(1) + x)(lib.ones(3)),
        }
        with pytest.raises(Exception) as info:
            calls[case]()
        return type(info.value), str(info.value).split("\n")[0][:60]
    ours, theirs = both(run)
    assert ours == theirs


# functions that read a batched tensor's values, write batched values into an unbatched tensor, or do what torch's
# vmap has no rule for: refused with torch's error; the same reads of an unbatched tensor inside vmap are allowed
REFUSALS = {
    "item": lambda lib: lambda t: t.sum().item() * t,
    "float": lambda lib: lambda t: float(t[0]) * t,
    "branch": lambda lib: lambda t: t if t.sum() > 0 else -t,
    "tolist": lambda lib: lambda t: lib.tensor(t.tolist()),
    "numpy": lambda lib: lambda t: t.numpy().sum() * t,
    "nonzero": lambda lib: lambda t: t.nonzero(),
    "unique": lambda lib: lambda t: t.unique(),
    "where(cond)": lambda lib: lambda t: lib.where(t > 0)[0],
    "mask index": lambda lib: lambda t: t[t > 0],
    "mask assignment": lambda lib: lambda t: t.clone().__setitem__(t > 0, 0.0),
    "masked_select": lambda lib: lambda t: t.masked_select(t > 0),
    "into unbatched": lambda lib: lambda t: lib.zeros(3).mul_(t),
    "copy into unbatched": lambda lib: lambda t: lib.zeros(3).copy_(t),
    "setitem into unbatched": lambda lib: lambda t: lib.zeros(3).__setitem__(0, t[0]),
    "index_add_ into unbatched": lambda lib: lambda t: lib.zeros(3).index_add_(0, lib.tensor([0]), t[:1]),
    "out=": lambda lib: lambda t: lib.add(t, t, out=lib.empty(3)),
    "requires_grad_": lambda lib: lambda t: t * lib.ones(1).requires_grad_(),
    "one_hot": lambda lib: lambda t: lib.nn.functional.one_hot((t > 0).long()),
    "running stats": lambda lib: lambda t: lib.nn.functional.batch_norm(t.reshape(1, 3, 1).expand(2, 3, 1), lib.zeros(3),
                                                                       lib.ones(3), training=True),
    "equal": lambda lib: lambda t: lib.equal(t, t) * t,
    "allclose": lambda lib: lambda t: lib.allclose(t, t) * t,
    "moveaxis": lambda lib: lambda t: lib.moveaxis(t.reshape(1, 3), 0, 1),
    "random": lambda lib: lambda t: t + lib.rand(3),
}
ALLOWED = {
    "item of unbatched": lambda lib: lambda t: t * lib.tensor(2.0).item(),
    "branch on unbatched": lambda lib: lambda t: t if lib.tensor(1.0) > 0 else -t,
    "nonzero of unbatched": lambda lib: lambda t: t * lib.tensor([1.0, 0.0, 2.0]).nonzero().sum(),
    "unbatched mask": lambda lib: lambda t: t[lib.tensor([True, False, True])],
    "in place on the slice": lambda lib: lambda t: t.clone().mul_(2),
    "one_hot with classes": lambda lib: lambda t: lib.nn.functional.one_hot((t > 0).long(), 2),
    "masked_fill": lambda lib: lambda t: t.masked_fill(t > 0, 1.0),
    "named tuple": lambda lib: lambda t: t.max(0),
    "movedim": lambda lib: lambda t: lib.movedim(t.reshape(1, 3), 0, 1),
    "as one op": lambda lib: lambda t: lib.nn.functional.pad(t, (1, 1)) + lib.diff(t, prepend=t[:1]).sum(),
    "factory requiring grad": lambda lib: lambda t: t * lib.ones(3, requires_grad=True),
    "grad of a fused op": lambda lib: lambda t: lib.func.grad(lambda a: lib.nn.functional.mse_loss(a, lib.zeros(3)))(t),
    "checkpoint": lambda lib: lambda t: lib.utils.checkpoint.checkpoint(lib.sin, t, use_reentrant=False),
}


def _vmapped_outcome(lib, make):
    x = lib.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, 0.0]])
    try:
        return lib.func.vmap(make(lib))(x)
    except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
        return e


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_vmap_refuses_what_torch_refuses(case):
    ours, theirs = _vmapped_outcome(minitorch, REFUSALS[case]), _vmapped_outcome(torch, REFUSALS[case])
    assert isinstance(theirs, RuntimeError), theirs
    assert type(ours) is RuntimeError and str(ours).split("\n")[0] == str(theirs).split("\n")[0]


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_vmap_allows_what_torch_allows(case):
    ours, theirs = _vmapped_outcome(minitorch, ALLOWED[case]), _vmapped_outcome(torch, ALLOWED[case])
    assert not isinstance(ours, Exception), ours
    close(ours, theirs)
    if case == "named tuple":
        assert type(ours).__name__ == type(theirs).__name__ == "max"


def test_vmap_in_place_on_a_mapped_input_writes_into_it():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        lib.func.vmap(lambda t: t.mul_(10))(x)
        return x
    close(*both(run))


def test_vmap_randomness_same_and_different():
    minitorch.manual_seed(3)
    same = minitorch.func.vmap(lambda x: minitorch.rand(2) + x, randomness="same")(minitorch.zeros(4))
    assert all(bool((row == same[0]).all()) for row in same)
    minitorch.manual_seed(3)
    different = minitorch.func.vmap(lambda x: minitorch.rand(2) + x, randomness="different")(minitorch.zeros(4))
    assert len({tuple(r.tolist()) for r in different}) == 4
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        minitorch.func.vmap(lambda x: x, randomness="sometimes")


def test_functional_call_and_stack_module_state():
    def run(lib):
        lib.manual_seed(1)
        models = [lib.nn.Linear(3, 2) for _ in range(4)]
        params, buffers = lib.func.stack_module_state(models)
        x = lib.tensor([[1.0, -1.0, 0.5]])
        base = lib.nn.Linear(3, 2)

        def one(p, b, inp):
            return lib.func.functional_call(base, (p, b), (inp,))
        ensemble = lib.func.vmap(one, in_dims=(0, 0, None))(params, buffers, x)
        swapped = lib.func.functional_call(base, {"weight": lib.ones(2, 3), "bias": lib.zeros(2)}, x)
        return params, ensemble, swapped, base.weight.detach().clone()
    (mp, me, ms, mw), (tp, te, ts, tw) = both(run)
    close(mp, tp)
    close(me, te)
    close(ms, ts)
    close(mw, tw)  # the module's own weight is back after the call
    assert mp["weight"].requires_grad and mp["weight"].grad_fn is None


def test_functional_call_strict_and_tied_weights():
    lin = minitorch.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        minitorch.func.functional_call(lin, {"weight": minitorch.ones(2, 2)}, (minitorch.ones(1, 2),), strict=True)
    model = minitorch.nn.Sequential(lin, lin)  # one module under two names: its weight is tied
    out = minitorch.func.functional_call(model, {"0.weight": minitorch.zeros(2, 2), "0.bias": minitorch.ones(2)},
                                         (minitorch.ones(1, 2),))
    assert out.tolist() == [[1.0, 1.0]]


def test_autograd_functional_forward_mode_strategies():
    def run(lib):
        fn = lib.autograd.functional
        x, y = inputs(lib)
        jac = fn.jacobian(lambda a, b: (a.sin()[0] * b, a.sum()), (x, y), strategy="forward-mode", vectorize=True)
        hess = fn.hessian(lambda a: (a.sin() * a.sum()).sum(), y, outer_jacobian_strategy="forward-mode",
                          vectorize=True)
        with pytest.raises(NotImplementedError) as info:
            fn.jacobian(lambda a: a * 2, y, strategy="forward-mode")
        return jac, hess, str(info.value)
    (mj, mh, me), (tj, th, te) = both(run)
    assert isinstance(mj, list) and isinstance(mj[0], list)
    close(mj, tj)
    close(mh, th)
    assert me == te
