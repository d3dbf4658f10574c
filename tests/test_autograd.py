"""The autograd engine: graph exploration, backward/grad options, hooks, modes, errors."""
import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.autograd.graph import Stepper, describe, nodes, to_dot


def test_graph_nodes_match_torch_names():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([3.0, 4.0], requires_grad=True)
    loss = ((x * w).sum() + 1).mean()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    tw = torch.tensor([3.0, 4.0], requires_grad=True)
    tloss = ((tx * tw).sum() + 1).mean()

    def names(node):
        return [(n.name() if n is not None else None) for n, _ in node.next_functions]
    assert loss.grad_fn.name() == tloss.grad_fn.name() == "MeanBackward0"
    assert names(loss.grad_fn) == names(tloss.grad_fn)
    add = loss.grad_fn.next_functions[0][0]
    assert add.name() == "AddBackward0"
    mul = add.next_functions[0][0].next_functions[0][0]
    assert mul.name() == "MulBackward0"
    leaf = mul.next_functions[0][0]
    assert leaf.name() == "torch::autograd::AccumulateGrad" and leaf.variable is x
    assert repr(loss) == repr(tloss)


def test_backward_accumulates_and_retain_graph():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy())
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_second_backward_without_saved_tensors_is_allowed_like_torch():
    x = mt.tensor([1.0], requires_grad=True)
    y = x + 1
    y.backward()
    y.backward()
    assert x.grad.item() == 2.0


def test_grad_of_non_scalar_needs_gradient():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(mt.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_no_grad_output_cannot_backward():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(2).sum().backward()


def test_autograd_grad_and_inputs():
    x = mt.tensor(2.0, requires_grad=True)
    y = mt.tensor(3.0, requires_grad=True)
    z = x * x * y
    gx, gy = mt.autograd.grad(z, [x, y])
    assert gx.item() == 12.0 and gy.item() == 4.0
    assert x.grad is None
    z2 = x * y
    z2.backward(inputs=[y])
    assert y.grad.item() == 2.0 and x.grad is None


def test_grad_unused_input():
    x = mt.tensor(1.0, requires_grad=True)
    u = mt.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        mt.autograd.grad(x * 2, [x, u])
    gx, gu = mt.autograd.grad(x * 2, [x, u], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_higher_order_tanh_matches_torch():
    x = mt.tensor([0.3, -1.2, 2.0], requires_grad=True)
    tx = torch.tensor([0.3, -1.2, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad(x.tanh().sum(), x, create_graph=True)
    (gg,) = mt.autograd.grad(g.sum(), x)
    (tg,) = torch.autograd.grad(tx.tanh().sum(), tx, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-5)


def test_hessian_vector_product():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = mt.tensor([1.0, -1.0], dtype=mt.float64, requires_grad=True)
    A = mt.tensor(a)
    f = 0.5 * (x @ (A @ x)) + (x ** 3).sum()
    (g,) = mt.autograd.grad(f, x, create_graph=True)
    v = mt.tensor([0.5, 2.0], dtype=mt.float64)
    (hv,) = mt.autograd.grad(g @ v, x)
    hessian = a + np.diag(6 * np.array([1.0, -1.0]))
    np.testing.assert_allclose(hv.numpy(), hessian @ np.array([0.5, 2.0]))


def test_deep_chain_has_no_recursion_limit():
    x = mt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    assert abs(x.grad.item() - 1.0001 ** 10_000) < 1e-2


def test_retain_grad_and_hooks():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]
    assert seen == [[1.0, 1.0]]
    assert x.grad.tolist() == [30.0, 30.0]
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_node_hooks_see_gradients():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    calls = []
    y.grad_fn.register_hook(lambda gin, gout: calls.append((gin[0].tolist(), gout[0].tolist())))
    y.sum().backward()
    assert calls and calls[0][1] == [1.0, 1.0]


def test_version_counter_detects_in_place_change():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx.exp()
    ty.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


def test_in_place_on_leaf_requiring_grad_raises():
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w.add_(1)
    with mt.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0, 2.0]


def test_in_place_accumulation_of_loss_like_a_training_loop():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    total = 0
    for _ in range(3):
        total += (w * w).sum()
    total.backward()
    assert w.grad.tolist() == [6.0, 12.0]
    with mt.inference_mode():
        acc = mt.zeros(2)
        acc += w
        assert not acc.requires_grad


def test_grad_modes():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        assert not (x * 2).requires_grad
        with mt.enable_grad():
            assert (x * 2).requires_grad
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled()

    @mt.no_grad()
    def f():
        return x * 2

    @mt.no_grad
    def g():
        return x * 2
    assert not f().requires_grad and not g().requires_grad
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled()
    mt.set_grad_enabled(True)
    with mt.inference_mode():
        assert mt.is_inference_mode_enabled() and not (x * 2).requires_grad


def test_custom_function_like_torch():
    class MyExp(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True,)
            return gy * y

    x = mt.tensor([0.5, 1.0], requires_grad=True)
    y = MyExp.apply(x)
    assert y.grad_fn.name() == "MyExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)
    assert mt.autograd.gradcheck(MyExp.apply, (mt.tensor([0.3, 0.7], dtype=mt.float64, requires_grad=True),))


def test_once_differentiable_blocks_double_backward():
    class Square(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @mt.autograd.once_differentiable
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * 2 * x

    x = mt.tensor([3.0], requires_grad=True)
    (g,) = mt.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.item() == 6.0
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_mark_non_differentiable():
    class SortIdx(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            v, i = x.sort()
            ctx.mark_non_differentiable(i)
            return v, i

        @staticmethod
        def backward(ctx, gv, gi):
            return gv

    v, i = SortIdx.apply(mt.tensor([2.0, 1.0], requires_grad=True))
    assert v.requires_grad and not i.requires_grad


def test_gradcheck_and_gradgradcheck_on_composites():
    x = mt.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: (t.sigmoid() * t.tanh()).sum(-1), (x,))
    assert mt.autograd.gradgradcheck(lambda t: (t.exp() * t).logsumexp(1), (x,))
    assert mt.autograd.gradgradcheck(lambda t: t.std(0) + t.norm(dim=1).sum(), (x,))
    with pytest.raises(mt.autograd.GradcheckError):
        mt.autograd.gradcheck(_custom(mt, lambda gy: gy * 3).apply, (x,))  # backward says 3, forward is 2x


def test_anomaly_mode_names_the_op():
    """torch's error names the node; the forward call that made it comes as a warning, as torch's."""
    x = mt.tensor([-1.0, 1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(RuntimeError) as error, pytest.warns(UserWarning) as warned:
            y.sum().backward()
    assert str(error.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    message = str(warned[0].message)
    assert message.startswith("Error detected in SqrtBackward0. Traceback of forward call that caused the error:")
    assert "y = x.sqrt()" in message


def test_engine_names_op_with_wrong_gradient_shape():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, gy):
            return mt.ones(5)

    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Function BadBackward returned an invalid gradient at index 0"):
        Bad.apply(x).sum().backward()


def test_grad_dtype_follows_input_across_promotion():
    x = mt.ones(2, requires_grad=True)
    y = mt.ones(2, dtype=mt.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype is mt.float32 and y.grad.dtype is mt.float64


def test_leaf_grad_owns_its_memory():
    a = mt.ones(2, requires_grad=True)
    b = mt.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(5)
    assert b.grad.tolist() == [1.0, 1.0]


def test_stepper_walks_the_same_engine():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * 2).sum()
    stepper = Stepper(loss)
    first = stepper.step()
    assert first.node.name() == "SumBackward0"
    assert x.grad is None
    rest = stepper.run()
    assert [s.node.name() for s in rest] == ["SumBackward0", "MulBackward0", "ExpBackward0",
                                             "torch::autograd::AccumulateGrad"]
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)
    assert "MulBackward0" in describe(rest[1])


def test_dot_rendering_lists_every_node():
    x = mt.tensor([1.0], requires_grad=True)
    loss = (x * 2 + x).sum()
    dot = to_dot(loss)
    # Sum <- Add <- (Mul <- leaf, leaf): four nodes, four edges, the leaf shared; then Sum -> output
    assert dot.startswith("digraph") and dot.count("->") == 5
    assert [n.name() for n in nodes(loss)][:2] == ["SumBackward0", "AddBackward0"] and len(nodes(loss)) == 4


def test_detach_and_requires_grad_rules():
    x = mt.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mt.ones(2, dtype=mt.int64).requires_grad_()
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    d[0] = 7
    assert y[0].item() == 7  # detach shares memory


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "gelu", "gelu_tanh", "layer_norm", "avg_pool2d",
                                  "max_pool2d", "embedding", "cross_entropy"])
def test_fused_ops_have_first_and_second_derivatives(name):
    """The fused kernels' backward, and the composed backward used under create_graph=True."""
    F = mt.nn.functional
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mt.tensor(rng.standard_normal(4), requires_grad=True)
    b = mt.tensor(rng.standard_normal(4), requires_grad=True)
    fn, inputs = {
        "softmax": (lambda x: F.softmax(x, dim=1), (x,)),
        "log_softmax": (lambda x: F.log_softmax(x, dim=0), (x,)),
        "gelu": (lambda x: F.gelu(x), (x,)),
        "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), (x,)),
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b)),
        "avg_pool2d": (lambda x: F.avg_pool2d(x.reshape(1, 1, 3, 4), 2, 1, 1, ceil_mode=True,
                                              count_include_pad=False) ** 2, (x,)),
        "max_pool2d": (lambda x: F.max_pool2d(x.reshape(1, 1, 2, 6), 2) ** 2, (x,)),  # the 2x2 fast path
        # (padding_idx and scale_grad_by_freq change the gradient on purpose: the parity spec checks them)
        "embedding": (lambda x: F.embedding(mt.tensor([[0, 2], [2, 1]]), x) ** 2, (x,)),
        "cross_entropy": (lambda x: F.cross_entropy(x, mt.tensor([0, 3, 1]), w.detach().abs() + 0.1,
                                                    label_smoothing=0.2), (x,)),
    }[name]
    assert mt.autograd.gradcheck(fn, inputs)
    assert mt.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("lib", [mt, torch], ids=["minitorch", "torch"])
def test_post_accumulate_grad_hook_sees_the_accumulated_grad(lib):
    """The hook runs once per backward, after `.grad` holds the sum so far (as in torch)."""
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    (w * 3).sum().backward()
    (w * w).sum().backward()
    assert seen == [[3.0, 3.0], [5.0, 7.0]]
    handle.remove()
    (w * 3).sum().backward()
    assert len(seen) == 2
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        lib.ones(2).register_post_accumulate_grad_hook(lambda p: None)


def test_queued_callbacks_run_once_backward_is_done():
    from minitorch.autograd.engine import queue_callback
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    order = []

    def hook(p):
        order.append("hook")
        queue_callback(lambda: order.append(("callback", p.grad.tolist())))
    w.register_post_accumulate_grad_hook(hook)
    (w * w).sum().backward()
    assert order == ["hook", ("callback", [2.0, 4.0])]
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass"):
        queue_callback(lambda: None)


def _custom(lib, backward):
    class Op(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return backward(g)
    return Op


@pytest.mark.parametrize("lib", [mt, torch], ids=["minitorch", "torch"])
def test_gradcheck_catches_what_torchs_catches(lib):
    x = lib.tensor([0.3, -0.7], dtype=lib.float64, requires_grad=True)
    assert lib.autograd.gradcheck(_custom(lib, lambda g: g * 2).apply, (x,), nondet_tol=0.0)
    noisy = _custom(lib, lambda g: g * 2 + (g != 0) * lib.rand(g.shape, dtype=g.dtype) * 1e-9)
    with pytest.raises(RuntimeError, match="Backward is not reentrant"):  # GradcheckError in both
        lib.autograd.gradcheck(noisy.apply, (x,))
    assert lib.autograd.gradcheck(noisy.apply, (x,), nondet_tol=1e-6)
    not_scaled = _custom(lib, lambda g: g * 2 + 1)
    with pytest.raises(RuntimeError, match="Jacobian mismatch|backward not multiplied by grad_output"):
        lib.autograd.gradcheck(not_scaled.apply, (x,))

    class NoneUnaware(lib.autograd.Function):  # answers a missing gradient (None) with a non-zero one
        @staticmethod
        def forward(ctx, t):
            ctx.set_materialize_grads(False)
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return lib.ones(2, dtype=lib.float64) if g is None else g * 2
    with pytest.raises(RuntimeError, match="Expected all input grads to be undefined or zero when all output"):
        lib.autograd.gradcheck(NoneUnaware.apply, (x,))
    assert lib.autograd.gradcheck(NoneUnaware.apply, (x,), check_undefined_grad=False)


def test_gradcheck_refuses_checks_it_cannot_make():
    x = mt.tensor([0.3], dtype=mt.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="check_batched_grad needs vmap's batching rules"):
        mt.autograd.gradcheck(lambda t: t * 2, (x,), check_batched_grad=True)
    with pytest.raises(TypeError):
        mt.autograd.gradcheck(lambda t: t * 2, (x,), not_an_option=True)
    assert mt.autograd.gradgradcheck(lambda t: (t * t).sin(), (mt.rand(2, 3, dtype=mt.float64, requires_grad=True),),
                                     gen_non_contig_grad_outputs=True)


def test_gradcheck_checks_forward_mode_too():
    x = mt.tensor([0.3, -0.7], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: (t * t).sin(), (x,), check_forward_ad=True)
    assert mt.autograd.gradgradcheck(lambda t: (t * t).sin(), (x,), check_fwd_over_rev=True)

    class WrongJvp(mt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 3
    with pytest.raises(mt.autograd.GradcheckError, match="Jacobian computed with forward mode mismatch"):
        mt.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True)
    assert mt.autograd.gradcheck(WrongJvp.apply, (x,))  # backward alone is right


class _TimesThree(mt.autograd.Function):
    """A custom Function: its backward takes Tensors, so the array engine wraps around it."""

    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, g):
        return g * 3


def _mixed_graph(seed_arrays):
    """A graph with what the array engine must hand over or conform: a broadcast input, an int input, a
    tensor hook and retain_grad, a node hook, a two-output node, a custom Function, an unused branch."""
    a, b, c = (mt.tensor(v, requires_grad=True) for v in seed_arrays)
    h = a * b + c
    h.retain_grad()
    h.register_hook(lambda g: g * 2)
    values, indices = h.max(dim=1)
    scaled = _TimesThree.apply(h)
    scaled.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] + 1,))
    shifted = h + mt.arange(4)            # an int operand: no gradient to it
    unused = (a * 5).sum()                # noqa: F841  (never reaches the loss)
    loss = values.sum() + scaled.sum() + shifted.tanh().sum() + indices.float().sum() * 0
    return loss, (a, b, c, h)


def test_the_array_engine_gives_the_stepping_engine_s_gradients():
    from minitorch.autograd import engine
    rng = np.random.default_rng(0)
    seeds = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4,), (3, 1))]
    loss, leaves = _mixed_graph(seeds)
    loss.backward()                       # the array engine
    via_arrays = [t.grad.numpy() for t in leaves]
    loss, leaves = _mixed_graph(seeds)
    engine.run(engine.steps([loss], [mt.ones(())], record=True))  # node by node, on Tensors
    via_steps = [t.grad.numpy() for t in leaves]
    for ours, theirs in zip(via_arrays, via_steps):
        assert ours.shape == theirs.shape and np.array_equal(ours, theirs)
    assert via_arrays[1].shape == (4,) and via_arrays[2].shape == (3, 1)  # broadcasts summed back
    loss, (a, b, c, h) = _mixed_graph(seeds)
    grads = mt.autograd.grad(loss, [b, h])  # captured gradients, and only the paths that lead to them
    assert np.array_equal(grads[0].numpy(), via_arrays[1]) and grads[0].grad_fn is None
    assert np.array_equal(grads[1].numpy(), via_arrays[3])
