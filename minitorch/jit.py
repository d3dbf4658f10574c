"""torch.jit as eager code sees it: minitorch runs every model eagerly, so nothing is ever being
scripted or traced, no object is a ScriptModule, and the decorators leave functions as they are
(torch's behaviour outside TorchScript). Libraries that test for these names (torchinfo,
torchmetrics, torchvision's models) run unchanged. Compiling with `script` or `trace` is not provided."""
from __future__ import annotations

__all__ = ["is_scripting", "is_tracing", "ScriptModule", "ScriptFunction", "ignore", "unused", "export",
           "annotate", "script", "trace", "Final"]


def is_scripting() -> bool:
    """False: minitorch code always runs eagerly."""
    return False


def is_tracing() -> bool:
    """False: minitorch has no TorchScript tracer."""
    return False


class ScriptModule:
    """The type of scripted modules; minitorch makes none, so `isinstance(m, ScriptModule)` is False."""


class ScriptFunction:
    """The type of scripted functions; minitorch makes none."""


def _marked(modifier: str):
    def decorator(fn=None, **kwargs):
        if fn is None:  # used with arguments, e.g. @ignore(drop=True)
            return lambda f: decorator(f)
        try:
            fn._torchscript_modifier = modifier  # what torch records for the compiler
        except (AttributeError, TypeError):
            pass
        return fn
    return decorator


ignore = _marked("ignore")   # leave to Python when compiling: eagerly, the function itself
unused = _marked("unused")   # replace by an exception when compiling: eagerly, the function itself
export = _marked("export")   # compile even if forward does not call it: eagerly, the function itself


def annotate(the_type, the_value):
    """A type hint for the compiler: eagerly, the value."""
    return the_value


try:
    from typing import Final  # noqa: F401  (torch.jit.Final is typing's)
except ImportError:  # pragma: no cover
    Final = None


def script(obj, *args, **kwargs):
    raise NotImplementedError("minitorch has no TorchScript compiler: run the module eagerly (it is the same "
                              "model), or use torch itself to script it")


def trace(func, example_inputs=None, *args, **kwargs):
    raise NotImplementedError("minitorch has no TorchScript tracer: run the module eagerly, or use torch itself "
                              "to trace it")
