"""Forward-mode AD (autograd.forward_ad) against torch's: the API, its errors, custom Functions' jvp,
in-place ops, and tangents that are differentiable in turn. Every op's tangent is checked against torch's
by the parity harness (run_spec's forward-AD pass)."""
import numpy as np
import pytest

import minitorch
from minitorch.autograd import forward_ad as mfw

torch = pytest.importorskip("torch")
tfw = torch.autograd.forward_ad


def both(fn):
    """fn(lib, fwAD) run on minitorch and on torch."""
    return fn(minitorch, mfw), fn(torch, tfw)


def assert_close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_tangent_of_a_composite_function_matches_torch():
    def run(lib, fw):
        x = lib.tensor([0.3, -1.2, 2.0])
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor([1.0, 0.5, -2.0]))
            y = (d.sin() * d.exp() + d ** 2).softmax(0).sum() * d.mean()
            primal, tangent = fw.unpack_dual(y)
        return primal, tangent
    (mp, mt), (tp, tt) = both(run)
    assert_close(mp, tp)
    assert_close(mt, tt)


def test_make_dual_and_unpack_dual_behave_as_torch():
    with mfw.dual_level() as level:
        assert level == 0
        x = minitorch.ones(3)
        t = minitorch.full((3,), 2.0)
        d = mfw.make_dual(x, t)
        assert d._base is x  # a view of the primal
        unpacked = mfw.unpack_dual(d)
        assert isinstance(unpacked, mfw.UnpackedDualTensor) and unpacked.tangent is t
        assert mfw.unpack_dual(x).tangent is None and mfw.unpack_dual(x).primal is x
        assert repr(d) == "tensor([1., 1., 1.], tangent=tensor([2., 2., 2.]))"
        assert mfw.unpack_dual(d.detach()).tangent is None  # detach drops the tangent, as torch's
    assert mfw.unpack_dual(d).tangent is None  # closing the level drops every tangent made in it
    assert repr(d) == "tensor([1., 1., 1.])"


@pytest.mark.parametrize("case", ["no level", "sizes", "int primal", "int tangent", "nested", "twice", "exit"])
def test_errors_are_torchs(case):
    def run(lib, fw):
        def attempt():
            if case == "no level":
                return fw.make_dual(lib.ones(2), lib.ones(2))
            if case == "exit":
                return fw.exit_dual_level()
            with fw.dual_level():
                if case == "sizes":
                    return fw.make_dual(lib.ones(3), lib.ones(4))
                if case == "int primal":
                    return fw.make_dual(lib.arange(3), lib.arange(3))
                if case == "int tangent":
                    return fw.make_dual(lib.ones(3), lib.arange(3))
                if case == "nested":
                    return fw.enter_dual_level()
                return fw.make_dual(fw.make_dual(lib.ones(2), lib.ones(2)), lib.ones(2))
        with pytest.raises(Exception) as info:
            attempt()
        return type(info.value), str(info.value)
    ours, theirs = both(run)
    assert ours == theirs


def test_non_tensor_arguments_raise_a_type_error():
    with mfw.dual_level():
        with pytest.raises(TypeError, match="argument 'tensor' must be Tensor, not float"):
            mfw.make_dual(1.0, minitorch.ones(1))
        with pytest.raises(TypeError, match="must be Tensor, not float"):
            mfw.unpack_dual(1.0)


def test_dual_level_is_a_decorator_too():
    @mfw.dual_level()
    def jvp_of_square(x, t):
        return mfw.unpack_dual(mfw.make_dual(x, t) ** 2).tangent
    assert jvp_of_square(minitorch.tensor([3.0]), minitorch.tensor([1.0])).tolist() == [6.0]
    assert not minitorch.autograd.grad_mode.state.forward_ad


def test_custom_function_jvp_reads_what_save_for_forward_kept():
    def run(lib, fw):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                raise AssertionError("forward mode does not call backward")

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * t
        with fw.dual_level():
            return fw.unpack_dual(Cube.apply(fw.make_dual(lib.tensor([2.0, -1.0]), lib.tensor([1.0, 3.0])))).tangent
    ours, theirs = both(run)
    assert_close(ours, theirs)


def test_custom_function_without_jvp_raises_torchs_error():
    def run(lib, fw):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        with fw.dual_level(), pytest.raises(NotImplementedError) as info:
            Double.apply(fw.make_dual(lib.ones(2), lib.ones(2)))
        return str(info.value)
    ours, theirs = both(run)
    assert ours == theirs


def test_in_place_ops_carry_tangents():
    def run(lib, fw):
        with fw.dual_level():
            d = fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, -1.0]))
            y = d * 2
            y.mul_(d).add_(1.0)          # y = 2 d² + 1: ẏ = 4 d ḋ
            z = lib.zeros(2)
            z.add_(d.exp())               # a plain tensor takes a tangent from an in-place op
            return fw.unpack_dual(y).tangent, fw.unpack_dual(z).tangent
    (my, mz), (ty, tz) = both(run)
    assert_close(my, ty)
    assert_close(mz, tz)


def test_forward_mode_under_no_grad_and_through_layers():
    def run(lib, fw):
        lib.manual_seed(0)
        layer = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.GELU(), lib.nn.LayerNorm(4), lib.nn.Linear(4, 2))
        x = lib.tensor([[0.5, -1.0, 2.0]])
        with lib.no_grad(), fw.dual_level():
            out = layer(fw.make_dual(x, lib.tensor([[1.0, 0.0, 0.0]])))
            return fw.unpack_dual(out).tangent
    ours, theirs = both(run)
    assert_close(ours, theirs)
    assert not ours.requires_grad


def test_reverse_over_forward_gives_a_hessian_vector_product():
    """The tangent is itself differentiable: d/dx (∇f · v) = H v."""
    def run(lib, fw):
        x = lib.tensor([0.5, -0.3, 1.2], requires_grad=True)
        v = lib.tensor([1.0, 2.0, -1.0])
        with fw.dual_level():
            y = (fw.make_dual(x, v).tanh() ** 3).sum()
            jvp = fw.unpack_dual(y).tangent
        (hvp,) = lib.autograd.grad(jvp, x)
        return jvp, hvp
    (mj, mh), (tj, th) = both(run)
    assert_close(mj, tj)
    assert_close(mh, th)


def test_forward_over_reverse_gives_a_hessian_vector_product():
    """Backward run on dual tensors pushes tangents through the gradient: the tangent of ∇f is H v."""
    def run(lib, fw):
        v = lib.tensor([1.0, 2.0, -1.0])
        with fw.dual_level():
            x = fw.make_dual(lib.tensor([0.5, -0.3, 1.2]), v).requires_grad_()
            # x * x: backward multiplies by a factor that is upstream of the other (the op's Jacobian, not the graph's)
            (g,) = lib.autograd.grad((x.sin() * x).sum() + (x * x).exp().sum(), x, create_graph=True)
            return fw.unpack_dual(g).tangent
    ours, theirs = both(run)
    assert_close(ours, theirs)
