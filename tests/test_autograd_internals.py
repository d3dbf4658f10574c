"""torch's autograd introspection on minitorch: saved attributes, saved-tensor hooks, gradient edges,
node sources, and the graph the common layers build (each compared with torch)."""
import linecache

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.autograd import graph
from minitorch.testing.node_names import graph_node_names


def both(values, requires_grad=True):
    a = np.asarray(values, dtype=np.float32)
    return mt.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def test_saved_attributes_have_torchs_names_and_values():
    x, tx = both([0.5, -1.0, 2.0])
    for f in (lambda v: v * v.detach(), lambda v: v.exp(), lambda v: v.tanh(), lambda v: v.sigmoid(),
              lambda v: v / (v.detach() + 3), lambda v: v ** (v.detach() + 1)):
        node, tnode = f(x).grad_fn, f(tx).grad_fn
        names = [n for n in dir(tnode) if n.startswith("_saved_")]
        assert names, tnode.name()
        for name in names:
            ours, theirs = getattr(node, name), getattr(tnode, name)
            assert (ours is None) == (theirs is None), f"{tnode.name()}.{name}"  # saved only when needed
            if theirs is not None:
                np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                                           err_msg=f"{tnode.name()}.{name}")
    with pytest.raises(AttributeError, match="_saved_nothing"):
        (x * x).grad_fn._saved_nothing


def _saved(node) -> dict:
    """A node's saved attributes: tensors as NumPy arrays, other values as they are."""
    values = {}
    for name in dir(node):
        if name.startswith("_saved_"):
            value = getattr(node, name)
            values[name] = value.detach().numpy() if hasattr(value, "detach") else value
    return values


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.nn.functional.conv2d(x, x[:2, :, :2, :3].contiguous(), stride=(2, 1), padding=(1, 0)),
    lambda lib, x: lib.nn.functional.conv2d(x, x[:2, :, :3, :3].contiguous(), x[0, 0, 0, :2], dilation=2),
    lambda lib, x: x.flatten(1).sum(-1, keepdim=True),
    lambda lib, x: lib.cat([x, x], dim=-3).transpose(0, -1).reshape(-1)[2:9:3],
    lambda lib, x: x.mean((1, -1)).clamp(min=-0.5).pow(3),
], ids=["conv2d", "conv2d-bias-dilated", "flatten-sum", "cat-transpose-slice", "mean-clamp-pow"])
def test_saved_values_of_a_network_s_nodes_are_torchs(call):
    """Every node of the graph behind the output keeps torch's saved attributes, tensors and values: the
    convolution's, checked here for 2-d convolutions (the harness leaves ConvolutionBackward0 pending while
    the other kinds of convolution do not keep torch's yet), and a chain of views and reductions."""
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32)
    out, tout = call(mt, mt.tensor(x, requires_grad=True)), call(torch, torch.tensor(x, requires_grad=True))
    ours, theirs = [out.grad_fn], [tout.grad_fn]
    while theirs:
        node, tnode = ours.pop(), theirs.pop()
        assert node.name() == tnode.name()
        mine, want = _saved(node), _saved(tnode)
        assert sorted(mine) == sorted(want), tnode.name()
        for name, value in want.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_allclose(mine[name], value, rtol=1e-5, atol=1e-6, err_msg=f"{tnode.name()}.{name}")
            else:
                assert mine[name] == value and type(mine[name]) is type(value), f"{tnode.name()}.{name}"
        # a number operand (pow's exponent) is an input of minitorch's node with an empty edge, where torch's
        # node has no edge for it: the walk follows the edges to nodes
        ours.extend(n for n, _ in node.next_functions if n is not None)
        theirs.extend(n for n, _ in tnode.next_functions if n is not None)


IN_PLACE_SAVING_RESULT = {
    "exp_": lambda lib, y: y.exp_(),
    "sigmoid_": lambda lib, y: y.sigmoid_(),
    "elu": lambda lib, y: lib.nn.functional.elu(y, inplace=True),
    "celu": lambda lib, y: lib.nn.functional.celu(y, alpha=0.5, inplace=True),
    "selu": lambda lib, y: lib.nn.functional.selu(y, inplace=True),
}


@pytest.mark.parametrize("op", sorted(IN_PLACE_SAVING_RESULT))
def test_an_in_place_op_saving_its_result_keeps_the_tensor_itself(op):
    """The node of an in-place op that saves its result keeps the tensor it wrote (torch's output is self): its
    gradient is torch's, `_saved_result` is that tensor's values, and writing to it again makes backward refuse."""
    outcomes = []
    for lib, x in zip((mt, torch), both([[-1.0, 2.0], [0.5, -3.0]])):
        y = x.clone()
        z = IN_PLACE_SAVING_RESULT[op](lib, y)
        (z * z).sum().backward(retain_graph=True)
        saved = z.grad_fn._saved_result.detach().numpy().copy()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
        outcomes.append((x.grad.numpy(), saved))
    # the slope below zero is read off the result (result + scale·alpha), which cancels to a few units of float32
    # rounding where the result nears -scale·alpha: absolute, not relative, agreement there
    np.testing.assert_allclose(outcomes[0][0], outcomes[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outcomes[0][1], outcomes[1][1], rtol=1e-6)


def test_saved_attributes_are_gone_after_backward():
    x, _ = both([1.0, 2.0])
    y = x.exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn._saved_result


@pytest.mark.parametrize("lib", [mt, torch], ids=["minitorch", "torch"])
def test_saved_tensors_hooks_pack_and_unpack(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    shapes = []

    def pack(t):
        shapes.append(tuple(t.shape))
        return t * 2  # runs without hooks and without grad: no recursion, no graph

    with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = (x * x).sum()
    y.backward()
    assert shapes == [(2,), (2,)]                  # Mul saved self and other
    assert x.grad.tolist() == [4.0, 8.0]           # each saved x doubled: 2x + 2x


def test_hooks_agree_with_torch_on_a_small_network():
    w, tw = both([[0.3, -0.2], [0.1, 0.4]])
    counts = {}
    for lib, v in ((mt, w), (torch, tw)):
        packed = []
        with lib.autograd.graph.save_on_cpu():
            out = (v @ v).tanh().sum()
        with lib.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t):
            (v * v.detach()).sum()
        out.backward()
        counts[lib.__name__] = (v.grad.detach().numpy().copy(), len(packed))
    np.testing.assert_allclose(counts["minitorch"][0], counts["torch"][0], rtol=1e-6)
    assert counts["minitorch"][1] == counts["torch"][1] == 1  # only the factor x's gradient needs is saved


def test_raw_saved_tensors_take_hooks():
    x, tx = both([1.0, 2.0])
    for v in (x, tx):
        y = v * v
        y.grad_fn._raw_saved_self.register_hooks(lambda t: t * 10, lambda t: t)
        y.sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [11.0, 22.0]
    with pytest.raises(RuntimeError, match="only one pair of hooks"):
        y = x * x
        y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)
        y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)


def test_disabled_saved_tensor_hooks_refuse_new_hooks():
    with mt.autograd.graph.disable_saved_tensors_hooks("no hooks in here"):
        with pytest.raises(RuntimeError, match="no hooks in here"):
            with mt.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass


def test_gradient_edges_nodes_and_versions():
    x, tx = both([1.0, 2.0])
    y = x * 2
    edge = graph.get_gradient_edge(y)
    assert edge.node is y.grad_fn and edge.output_nr == 0 and isinstance(y.grad_fn, graph.Node)
    assert graph.get_gradient_edge(x).node.name() == torch.autograd.graph.get_gradient_edge(tx).node.name()
    with pytest.raises(RuntimeError, match="does not require gradients"):
        graph.get_gradient_edge(mt.ones(2))
    z = x.exp()
    graph.increment_version(z)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def _qualified_nodes(lib, x):
    """Outputs whose nodes torch names with a namespace: an in-place write through a view, a copy_ into a new
    tensor, an op without a derivative, and a leaf's AccumulateGrad."""
    through_view = x.clone()
    through_view[0] = 1
    copied = lib.empty_like(x).copy_(x)
    return [through_view, copied, lib.heaviside(x, x), x]


def test_nodes_torch_names_with_a_namespace_print_as_torch_prints_them():
    x, tx = both([1.0, 2.0])
    for out, tout in zip(_qualified_nodes(mt, x), _qualified_nodes(torch, tx)):
        node = out.grad_fn or graph.get_gradient_edge(out).node
        tnode = tout.grad_fn or torch.autograd.graph.get_gradient_edge(tout).node
        assert node.name() == tnode.name() and "::" in node.name()
        assert repr(node).split(" object")[0] == repr(tnode).split(" object")[0]
        assert str(out).split("grad_fn=")[-1] == str(tout).split("grad_fn=")[-1]


def test_source_points_at_the_ops_definition():
    x = mt.ones(2, requires_grad=True)
    where = graph.source(x.tanh().grad_fn)
    assert where.file.endswith("pointwise.py") and '"tanh"' in linecache.getline(where.file, where.backward_line)
    mul = graph.source((x * x).grad_fn)
    assert "def forward" in linecache.getline(mul.file, mul.forward_line)
    assert "def backward" in linecache.getline(mul.file, mul.backward_line)
    leaky = graph.source(mt.nn.functional.leaky_relu(x).grad_fn)  # a fused op: its one definition
    assert "x.where(x > 0, x * slope)" in linecache.getline(leaky.file, leaky.forward_line)
    silu = graph.source(mt.nn.functional.silu(x).grad_fn)  # a primitive with a kernel each way
    assert "def forward" in linecache.getline(silu.file, silu.forward_line) and silu.file.endswith("activation.py")


def test_an_mlp_with_cross_entropy_builds_torchs_linear_nodes():
    mt.manual_seed(0)
    ours = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.ReLU(), mt.nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    out, tout = ours(mt.tensor(x)), theirs(torch.tensor(x))
    assert graph_node_names(out) == graph_node_names(tout)
    assert graph_node_names(out)["TBackward0"] == 2
    loss = mt.nn.functional.cross_entropy(out, mt.tensor([0, 1, 2, 0, 1]))
    tloss = torch.nn.functional.cross_entropy(tout, torch.tensor([0, 1, 2, 0, 1]))
    assert loss.grad_fn.name() == tloss.grad_fn.name() == "NllLossBackward0"
    # cross-entropy is log_softmax then nll_loss, both nodes in the graph, as in torch
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    assert graph_node_names(loss) == graph_node_names(tloss)


def test_the_readme_inside_autograd_block_runs():
    """The README's "Inside autograd" example: its assertions are the claims it makes."""
    import pathlib
    text = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text.split("## Inside autograd", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md (Inside autograd)", "exec"), {})


# ---- autograd.functional ------------------------------------------------------------------------------

A = np.array([[1.0, 2.0], [3.0, -1.0]])


def _fns(lib):
    return {
        "vector": (lambda x: (lib.tensor(A) @ x).tanh() * x.sum(), lambda: [0.3, -0.2]),
        "scalar": (lambda x: (x ** 3).sum() * x[0] + x.exp().sum(), lambda: [0.3, -0.2, 0.7]),
        "pair": (lambda a, b: (a * b, (a + b).sin()), lambda: ([0.3, -0.2], [1.5, 0.4])),
    }


def _inputs(lib, values):
    if isinstance(values, tuple):
        return tuple(lib.tensor(v, dtype=lib.float64) for v in values)
    return lib.tensor(values, dtype=lib.float64)


def _flat(result):
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _flat(r)]
    return [result.detach().numpy()]


@pytest.mark.parametrize("name", ["vector", "pair"])
def test_jacobian_vjp_and_jvp_match_torch(name):
    results = {}
    for lib in (mt, torch):
        f, values = _fns(lib)[name]
        x = _inputs(lib, values())
        F = lib.autograd.functional
        args = x if isinstance(x, tuple) else (x,)
        v_in = tuple(lib.ones_like(a) for a in args)
        out = f(*args)
        v_out = tuple(lib.ones_like(o) for o in out) if isinstance(out, tuple) else lib.ones_like(out)
        results[lib.__name__] = _flat([F.jacobian(f, x), F.vjp(f, x, v_out)[1],
                                       F.jvp(f, x, v_in if isinstance(x, tuple) else v_in[0])[1]])
    for ours, theirs in zip(results["minitorch"], results["torch"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_hessian_hvp_and_vhp_match_torch():
    results = {}
    for lib in (mt, torch):
        f, values = _fns(lib)["scalar"]
        x = _inputs(lib, values())
        v = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)
        F = lib.autograd.functional
        results[lib.__name__] = _flat([F.hessian(f, x), F.hvp(f, x, v)[1], F.vhp(f, x, v)[1]])
    for ours, theirs in zip(results["minitorch"], results["torch"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_create_graph_results_can_be_differentiated_again():
    grads = []
    for lib in (mt, torch):
        x = lib.tensor([0.3, -0.2], dtype=lib.float64, requires_grad=True)
        f, _ = _fns(lib)["vector"]
        jac = lib.autograd.functional.jacobian(f, x, create_graph=True)
        assert jac.requires_grad
        (g,) = lib.autograd.grad(jac.sum(), x)
        grads.append(g.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_fused_ops_fed_one_tensor_through_several_inputs_differentiate_each_path_once():
    """A fused op whose inputs are computed from one another (addcmul(2x, mean(x), x), group_norm's statistics
    of its own input): with create_graph=True, as without, each input's gradient counts only the paths from
    that input, and the second derivatives are torch's."""
    x0 = np.array([[[0.3, -1.2, 2.5, 0.7]]])
    got = []
    for lib in (mt, torch):
        x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
        weight = lib.tensor([1.5], dtype=lib.float64, requires_grad=True)
        outs = [(x * 2).addcmul(x.mean(-1, keepdim=True), x), lib.nn.functional.group_norm(x, 1, weight)]
        for out in outs:
            seed = lib.tensor([[[1.0, -0.5, 0.25, 2.0]]], dtype=lib.float64)
            plain = lib.autograd.grad((out * seed).sum(), x, retain_graph=True)[0]
            first = lib.autograd.grad((out * seed).sum(), (x, weight), create_graph=True, allow_unused=True)
            second = lib.autograd.grad((first[0] ** 2).sum(), x)[0]
            got.append([plain.numpy(), first[0].detach().numpy(), second.numpy()])
    for ours, theirs in zip(got[:2], got[2:]):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_functional_errors_are_torchs():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64)
    F = mt.autograd.functional
    with pytest.raises(RuntimeError, match="independent of input 0. This is not allowed in strict mode"):
        F.vjp(lambda x: mt.ones(2, dtype=mt.float64), x, mt.ones(2, dtype=mt.float64), strict=True)
    with pytest.raises(RuntimeError, match="The vector v can only be None"):
        F.vjp(lambda x: x * 2, x)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        F.jacobian(lambda x: x, [1.0, 2.0])
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        F.jacobian(lambda x: x, x, strategy="forward-mode")
    assert F.vjp(lambda x: mt.ones(2, dtype=mt.float64), x, mt.ones(2, dtype=mt.float64))[1].tolist() == [0, 0]


def test_tensor_of_python_floats_with_a_dtype_keeps_double_precision():
    """Found by comparing jacobians with torch: the floats were parsed as float32 before the cast."""
    assert mt.tensor([0.3, -0.2], dtype=mt.float64).tolist() == torch.tensor([0.3, -0.2], dtype=torch.float64).tolist()
    assert mt.tensor(0.1, dtype=mt.float64).item() == 0.1


# ---- utils.checkpoint ------------------------------------------------------------------------------

def _block(lib, state=None):
    lib.manual_seed(0)
    block = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Dropout(0.5), lib.nn.Linear(8, 2))
    if state is not None:
        block.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in state.items()})
    return block


@pytest.mark.parametrize("reentrant", [False, True])
def test_checkpoint_gives_torchs_gradients_with_the_same_dropout_masks(reentrant):
    import torch.utils.checkpoint as torch_checkpoint
    from minitorch.utils.checkpoint import checkpoint
    ours = _block(mt)
    theirs = _block(torch, ours.state_dict())
    grads = {}
    for lib, block, cp in ((mt, ours, checkpoint), (torch, theirs, torch_checkpoint.checkpoint)):
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32), requires_grad=True)
        lib.manual_seed(1)
        out = cp(block, x, use_reentrant=reentrant)
        out.sum().backward()
        grads[lib.__name__] = (out.grad_fn.name(), x.grad.numpy(), block[0].weight.grad.numpy())
    assert grads["minitorch"][0] == grads["torch"][0]
    np.testing.assert_allclose(grads["minitorch"][1], grads["torch"][1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grads["minitorch"][2], grads["torch"][2], rtol=1e-5, atol=1e-7)


def test_checkpoint_recomputes_instead_of_keeping():
    from minitorch.utils.checkpoint import CheckpointError, checkpoint
    calls = []

    def block(x):
        calls.append(1)
        return (x.exp() * x).tanh()

    x = mt.tensor([0.1, 0.2, 0.3], requires_grad=True)
    out = checkpoint(block, x, use_reentrant=False)
    assert len(calls) == 1 and isinstance(out.grad_fn._saved_result, mt.Tensor)  # unpacking reruns the block
    assert len(calls) == 2
    out.sum().backward()
    expected = x.detach().clone().requires_grad_(True)
    block(expected).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy(), rtol=1e-6)

    shapes = iter([3, 2])
    with pytest.raises(CheckpointError, match="different metadata"):
        checkpoint(lambda v: (v[:next(shapes)] * 2).exp().sum(), x, use_reentrant=False).backward()
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(block, x)


def test_checkpoint_sequential_matches_the_plain_model():
    from minitorch.utils.checkpoint import checkpoint_sequential
    model = mt.nn.Sequential(*[mt.nn.Linear(4, 4) for _ in range(4)], mt.nn.Tanh())
    x = mt.randn(2, 4, requires_grad=True)
    checkpoint_sequential(model, 2, x, use_reentrant=False).sum().backward()
    got = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    model(x).sum().backward()
    for g, p in zip(got, model.parameters()):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-6)


def test_multi_grad_hooks_see_a_whole_pass_as_torch():
    seen = {}
    for lib in (mt, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0], requires_grad=True)
        c = lib.tensor([5.0], requires_grad=True)
        calls, firsts = [], []
        handle = lib.autograd.graph.register_multi_grad_hook(
            (a, b, c), lambda grads: calls.append([None if g is None else g.tolist() for g in grads]))
        (a * 2).sum().add(b.sum()).backward()
        (a * 3).sum().backward()
        handle.remove()
        (a * 4).sum().backward()
        lib.autograd.graph.register_multi_grad_hook((a, b), lambda g: firsts.append(g.tolist()), mode="any")
        (a.sum() + b.sum() * 2).backward()
        seen[lib.__name__] = (calls, firsts)
    assert seen["minitorch"] == seen["torch"] == ([[[2.0, 2.0], [1.0], None], [[3.0, 3.0], None, None]], [[2.0]])
    with pytest.raises(ValueError, match="Expects mode to be one of"):
        mt.autograd.graph.register_multi_grad_hook((mt.ones(1, requires_grad=True),), print, mode="some")


def test_functions_in_torch_2_style_with_setup_context():
    grads = []
    for lib in (mt, torch):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x ** 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                (x,) = inputs
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = Cube.apply(x)
        assert y.grad_fn.name() == "CubeBackward"
        y.sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [3.0, 12.0]


def test_batched_grad_outputs_give_one_gradient_per_entry():
    results = []
    for lib in (mt, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x.tanh() * x
        (g,) = lib.autograd.grad(y, x, lib.eye(3, dtype=lib.float64), is_grads_batched=True)
        results.append(g.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)  # the Jacobian, row by row


def test_second_derivatives_of_zero_dimensional_outputs_keep_their_graph():
    """A 0-d result is a NumPy scalar inside forward: it must still be saved as the node's output."""
    for lib in (mt, torch):
        x = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        for f in (lambda v: v.exp(), lambda v: v.tanh(), lambda v: v.sigmoid()):
            (g,) = lib.autograd.grad(f(x), x, create_graph=True)
            assert g.requires_grad
    x, tx = mt.tensor(0.7, dtype=mt.float64, requires_grad=True), torch.tensor(0.7, dtype=torch.float64,
                                                                              requires_grad=True)
    second = [lib.autograd.grad(lib.autograd.grad(v.tanh(), v, create_graph=True)[0], v)[0].item()
              for lib, v in ((mt, x), (torch, tx))]
    assert second[0] == pytest.approx(second[1], rel=1e-12)


def test_attention_keeps_its_output_so_an_in_place_change_refuses_backward_as_in_torch():
    errors = []
    for lib in (mt, torch):
        q = lib.ones(1, 2, 3, 4, requires_grad=True)
        out = lib.nn.functional.scaled_dot_product_attention(q, lib.ones(1, 2, 3, 4), lib.ones(1, 2, 3, 4))
        assert out.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
        assert out.grad_fn._saved_output.equal(out)
        out.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as caught:
            out.sum().backward()
        errors.append(str(caught.value).split(":")[0])
    assert errors[0] == errors[1]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("index_dtype", ["int32", "int64"])
def test_embedding_bag_saves_what_torchs_node_saves(mode, index_dtype):
    """Beyond the parity spec's cases: per_sample_weights that take a gradient (torch then keeps the weight), int32
    indices (its buffers keep their dtype) and a padding index."""
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((6, 3)).astype(np.float32)
    indices, offsets = np.array([1, 2, 4, 5, 2, 3], index_dtype), np.array([0, 2, 2, 5], index_dtype)
    scales = rng.random(6).astype(np.float32)
    nodes = []
    for lib in (mt, torch):
        kw = {"mode": mode, "padding_idx": 2}
        w = lib.tensor(weight, requires_grad=True)
        if mode == "sum":
            kw = {"mode": mode, "per_sample_weights": lib.tensor(scales, requires_grad=True)}
        out = lib.nn.functional.embedding_bag(lib.tensor(indices), w, lib.tensor(offsets), **kw)
        nodes.append(out.grad_fn)
    ours, theirs = nodes
    names = sorted(a for a in dir(theirs) if a.startswith("_saved_"))
    assert sorted(a for a in dir(ours) if a.startswith("_saved_")) == names
    for name in names:
        a, b = getattr(ours, name), getattr(theirs, name)
        if isinstance(b, torch.Tensor):
            assert str(a.dtype) == str(b.dtype) and np.array_equal(a.detach().numpy(), b.detach().numpy()), name
        else:
            assert a == b, name


def _gradient_op_cases(lib):
    F = lib.nn.functional
    weight = lib.tensor([0.3, -0.2, 0.5])
    target = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3).astype(np.float32))
    return {"relu": F.relu, "threshold": lambda x: F.threshold(x, 0.1, 2.0), "relu6": F.relu6,
            "hardtanh": F.hardtanh, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "hardshrink": F.hardshrink,
            "softshrink": F.softshrink, "hardsigmoid": F.hardsigmoid, "tanh": lambda x: x.tanh(),
            "sigmoid": lambda x: x.sigmoid(), "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
            "prelu": lambda x: F.prelu(x, weight), "elu": lambda x: F.elu(x, 0.7), "selu": F.selu,
            "celu": lambda x: F.celu(x, 0.5), "elu_": lambda x: F.elu(x * 1, 0.7, inplace=True),
            "softplus": lambda x: F.softplus(x, 2.0, 5.0), "hardswish": F.hardswish, "logsigmoid": F.logsigmoid,
            "mse_mean": lambda x: F.mse_loss(x, target), "mse_none": lambda x: F.mse_loss(x, target, reduction="none"),
            "cdist_mm": lambda x: lib.cdist(x, target, compute_mode="use_mm_for_euclid_dist"),
            "avg_pool2d": lambda x: F.avg_pool2d(x.reshape(1, 1, 4, 3) ** 2, 2, 1),
            "max_pool2d": lambda x: F.max_pool2d(x.reshape(1, 1, 4, 3) ** 2, 2, 1),
            "adaptive_max_pool2d": lambda x: F.adaptive_max_pool2d(x.reshape(1, 1, 4, 3) ** 2, 2),
            "conv2d": lambda x: F.conv2d(x.reshape(1, 1, 4, 3), weight.reshape(1, 1, 3, 1), padding=1) ** 2,
            "softmax": lambda x: F.softmax(x, 1) * target, "log_softmax": lambda x: F.log_softmax(x, 0) * target,
            "cross_entropy": lambda x: F.cross_entropy(x * x, lib.tensor([0, 2, 1, 1]), weight=weight.abs()),
            "nll_loss_2d": lambda x: F.nll_loss((x * x).reshape(1, 4, 3, 1), lib.tensor([[[1], [3], [0]]]),
                                                ignore_index=3, reduction="sum")}


@pytest.mark.parametrize("name", sorted(_gradient_op_cases(torch)))
def test_the_graph_of_a_gradient_has_torchs_gradient_ops(name):
    """With create_graph=True the gradient is torch's gradient op (ThresholdBackwardBackward0, EluBackwardBackward0,
    MseLossBackwardBackward0, ...): the same node, the same saved attributes, and the same second derivatives (or,
    for hardsigmoid, the same refusal); a gradient flat in the input still requires grad and differentiates to 0."""
    x0 = np.array([[1.0, -2.0, 0.3], [0.0, 2.5, -0.7], [-3.0, 3.0, 0.05], [4.0, -0.2, -5.0]], np.float32)
    seen = []
    for lib in (mt, torch):
        x = lib.tensor(x0, requires_grad=True)
        y = _gradient_op_cases(lib)[name](x)
        # an upstream gradient that requires grad too: the derivative in it is the Jacobian, not its transpose
        upstream = lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(np.float32),
                              requires_grad=True)
        (g,) = lib.autograd.grad(y, x, upstream, create_graph=True)
        node = g.grad_fn
        while node.name().count("Backward") < 2 and node.next_functions and node.name() != \
                "torch::autograd::NotImplemented":  # down to the first gradient op (XBackward...Backward0)
            node = node.next_functions[0][0]
        saved = sorted(a for a in dir(node) if a.startswith("_saved_"))
        try:
            second = np.concatenate([d.numpy().ravel() for d in lib.autograd.grad((g * g).sum(), (x, upstream))])
        except RuntimeError as e:
            second = str(e)
        seen.append((node.name(), saved, g.requires_grad, g.detach().numpy(), second))
    (ours, theirs) = seen
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6, atol=1e-6)
    if isinstance(theirs[4], str):
        assert ours[4] == theirs[4]
    else:
        np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-5, atol=1e-5)
