"""Parity specs of the window functions: torch's factories (hann_window, ...) and torch.signal.windows."""
from hypothesis import strategies as st

from ..registry import register
from .creation import _lib_dtype

FAMILY = "windows"
DTYPES = ("float32", "float64", "int64")


def _factory_sample(extra):
    def sample(draw, dtype):
        args = [draw(st.integers(-1, 9)), draw(st.booleans())] + [draw(st.sampled_from(v)) for v in extra]
        return args, {"dtype": draw(st.sampled_from([None, dtype])), "requires_grad": draw(st.booleans())}
    return sample


def _factory(name):
    return lambda lib, *a, dtype=None, **k: getattr(lib, name)(*a, dtype=_lib_dtype(lib, dtype), **k)


for _name, _extra in [("hann_window", ()), ("bartlett_window", ()), ("blackman_window", ()),
                      ("hamming_window", ((0.54, 0.6, 1.0), (0.46, 0.3))), ("kaiser_window", ((12.0, 0.0, 5.5),))]:
    register(_name, _factory(_name), _factory_sample(_extra), dtypes=DTYPES, grad=None, family=FAMILY, rtol=1e-5,
             reason="cosines and Bessel I₀ in NumPy, against torch's vectorised kernels")


def _signal_sample(options):
    def sample(draw, dtype):
        kw = {"sym": draw(st.booleans()), "dtype": draw(st.sampled_from([None, dtype]))}
        for key, values in options.items():
            if draw(st.booleans()):
                kw[key] = draw(st.sampled_from(values))
        return [draw(st.integers(-1, 9))], kw
    return sample


def _signal(name):
    return lambda lib, m, dtype=None, **k: getattr(lib.signal.windows, name)(m, dtype=_lib_dtype(lib, dtype), **k)


def _general_cosine_sample(draw, dtype):
    args, kw = _signal_sample({})(draw, dtype)
    return args, {**kw, "a": draw(st.sampled_from([[0.5, 0.5], [0.3, 0.4, 0.3], []]))}  # a is required


for _name, _sample in [("bartlett", _signal_sample({})), ("blackman", _signal_sample({})),
                       ("cosine", _signal_sample({})), ("hamming", _signal_sample({})), ("hann", _signal_sample({})),
                       ("nuttall", _signal_sample({})),
                       ("exponential", _signal_sample({"tau": (1.0, 0.5, 3.0, -1.0), "center": (None, 1.5)})),
                       ("gaussian", _signal_sample({"std": (1.0, 2.5, 0.0)})),
                       ("kaiser", _signal_sample({"beta": (12.0, 0.5, -1.0)})),
                       ("general_cosine", _general_cosine_sample),
                       ("general_hamming", _signal_sample({"alpha": (0.54, 0.7)}))]:
    register(f"signal.windows.{_name}", _signal(_name), _sample, dtypes=DTYPES, grad=None, family=FAMILY, rtol=1e-5,
             reason="linspace and elementwise ops in a different order of rounding")
