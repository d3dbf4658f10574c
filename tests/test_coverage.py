"""Every public op has a parity spec, or a commented reason in EXEMPT."""
import inspect

import minitorch
from minitorch.testing import load_all

SPECS = load_all()

# Not ops: tested elsewhere or nothing to compare against torch numerically.
EXEMPT = {
    # types, namespaces and constructors of objects (tests/test_tensor.py, tests/test_autograd.py)
    "Tensor", "Size", "Generator", "dtype", "device", "finfo", "iinfo", "FloatTensor", "DoubleTensor",
    "layout", "memory_format", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor",
    "no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled",
    "is_inference_mode_enabled",
    # global state (tests/test_tensor.py)
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "set_default_dtype",
    "get_default_dtype", "set_printoptions", "use_deterministic_algorithms", "set_num_threads",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",  # (tests/test_runtime.py)
    "get_num_threads", "promote_types", "result_type", "can_cast",
    "set_default_device", "get_default_device",  # (tests/test_cuda.py)
    # random without a bit-exact torch stream to compare: random_ (statistical tests in tests/test_random.py)
    "random_",
    # checkpoints (tests/test_serialization.py)
    "save", "load",
    # the `import torch` alias, not an op (tests/test_instruments.py)
    "as_torch",
    # autograd methods (tests/test_autograd.py)
    "backward", "retain_grad", "register_hook", "register_post_accumulate_grad_hook", "detach_",
    "requires_grad_",
    # attributes checked by Tensor.* specs under another name
    "ndimension", "nelement", "get_device", "storage_offset", "data_ptr", "untyped_storage",
    "is_shared", "is_complex", "diag", "H", "mH", "cuda",
    "is_floating_point", "numel", "new_ones", "new_full", "new_tensor", "new_empty",
    # a real tensor's complex accessors that return flags or raise (tests/test_tensor.py)
    "is_conj", "is_neg", "imag",
}

# Tensor methods that appear under a "Tensor.<name>" spec
TENSOR_SPEC_ALIASES = {"shape", "size", "dim", "numel", "stride", "is_contiguous", "contiguous", "clone", "detach",
                       "item", "tolist", "float", "double", "half", "long", "int", "short", "bool", "byte", "char",
                       "to", "type", "type_as", "cpu", "T", "mT", "numpy", "element_size", "new_zeros"}

OPERATORS = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
             "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
             "__neg__", "__pos__", "__abs__", "__invert__", "__and__", "__rand__", "__or__", "__ror__", "__xor__",
             "__rxor__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__getitem__", "__setitem__",
             "__iadd__", "__isub__", "__imul__", "__itruediv__", "__len__", "__iter__", "__bool__", "__float__",
             "__int__", "__index__", "__format__", "__repr__", "__array__"]


def _covered(name):
    return name in SPECS or f"Tensor.{name}" in SPECS or name in EXEMPT or \
        any(s.startswith(name + "(") or s.startswith(name + "_") and s[len(name) + 1:] in (
            "rounding", "alpha", "elementwise", "single", "sequence", "state") for s in SPECS)


def public_functions():
    names = []
    for name, obj in vars(minitorch).items():
        if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
            continue
        names.append(name)
    return sorted(names)


def public_tensor_methods():
    names = [n for n in dir(minitorch.Tensor) if not n.startswith("_")]
    return sorted(set(names) - {"data", "grad", "grad_fn", "requires_grad", "is_leaf", "dtype", "device", "ndim",
                                "is_cuda", "is_cpu", "layout", "itemsize", "nbytes", "retains_grad"}) + OPERATORS


def test_every_public_function_has_a_spec():
    missing = [n for n in public_functions() if not _covered(n)]
    assert not missing, f"public functions without a parity spec or exemption: {missing}"


def test_every_tensor_method_and_operator_has_a_spec():
    missing = [n for n in public_tensor_methods() if not (_covered(n) or n in TENSOR_SPEC_ALIASES)]
    assert not missing, f"Tensor methods without a parity spec or exemption: {missing}"


def test_exemptions_are_still_needed():
    stale = [n for n in EXEMPT if n in SPECS]
    assert not stale, f"exempt names that now have specs: {stale}"


def test_every_nn_functional_has_a_spec():
    import minitorch.nn.functional as F
    missing = [n for n in F.__all__ if not (f"nn.functional.{n}" in SPECS or n in SPECS or
                                            any(s.startswith(f"nn.functional.{n}(") for s in SPECS))]
    assert not missing, f"nn.functional without a parity spec: {missing}"


def test_every_linalg_function_has_a_spec():
    missing = [n for n in minitorch.linalg.__all__
               if n != "LinAlgError" and f"linalg.{n}" not in SPECS and not any(
                   s.startswith(f"linalg.{n}(") for s in SPECS)]
    assert not missing, f"torch.linalg functions without a parity spec: {missing}"


def test_every_rnn_utility_is_tested():
    """nn.utils.rnn's functions are checked against torch in tests/test_rnn.py (they take and return
    PackedSequence objects, outside the generic harness): each must be called there."""
    import pathlib
    source = (pathlib.Path(__file__).parent / "test_rnn.py").read_text()
    missing = [n for n in minitorch.nn.utils.rnn.__all__ if f"rnn.{n}(" not in source and f"{n}(" not in source]
    assert not missing, f"nn.utils.rnn functions not tested against torch: {missing}"


def test_every_special_function_has_a_spec():
    missing = [n for n in minitorch.special.__all__ if f"special.{n}" not in SPECS]
    assert not missing, f"torch.special functions without a parity spec: {missing}"


def test_every_distribution_is_tested():
    """Each distribution and helper of minitorch.distributions is compared with torch's in
    tests/test_distributions.py, and the namespace covers torch's distributions in scope."""
    import pathlib

    import torch
    source = (pathlib.Path(__file__).parent / "test_distributions.py").read_text()
    missing = [n for n in minitorch.distributions.__all__ if f"D.{n}(" not in source and f".{n}(" not in source
               and f"distributions.{n}" not in source]
    assert not missing, f"distributions not tested against torch: {missing}"
    in_scope = {"Normal", "Uniform", "Bernoulli", "Categorical", "OneHotCategorical", "Beta", "Gamma", "Exponential",
                "Laplace", "MultivariateNormal", "Independent", "Dirichlet", "kl_divergence", "register_kl"}
    assert in_scope <= set(torch.distributions.__all__) and in_scope <= set(minitorch.distributions.__all__)


def test_every_nn_module_is_tested():
    """Each module class of minitorch.nn is built and compared with torch's somewhere: the layers in
    test_modules.py's cases, lazy layers in test_lazy_modules.py, recurrent ones in test_rnn.py, transformers in
    test_transformer.py, containers in test_nn.py."""
    import pathlib
    here = pathlib.Path(__file__).parent
    source = "".join((here / f).read_text() for f in ("test_modules.py", "test_lazy_modules.py", "test_rnn.py",
                                                      "test_transformer.py", "test_nn.py"))
    bases = {"Module", "RNNBase", "RNNCellBase", "LazyModuleMixin"}  # built through their subclasses
    missing = [n for n in minitorch.nn.modules.__all__ if n not in bases and f"nn.{n}(" not in source]
    assert not missing, f"nn modules not compared with torch: {missing}"


def test_every_signal_window_has_a_spec():
    missing = [n for n in minitorch.signal.windows.__all__ if f"signal.windows.{n}" not in SPECS]
    assert not missing, f"torch.signal.windows functions without a parity spec: {missing}"
