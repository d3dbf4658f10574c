"""torch.jit as eager code sees it, and `trace`: minitorch runs every model eagerly, so nothing is ever
being scripted, and the decorators leave functions as they are (torch's behaviour outside
TorchScript); libraries that test for these names (torchinfo, torchmetrics, torchvision's models) run
unchanged. `trace` records the ops a function or module runs and replays them (see _trace);
compiling with `script` is not provided."""
from __future__ import annotations

from ._trace import ScriptFunction, ScriptModule, TracedModule, TracerWarning, is_tracing, trace

__all__ = ["is_scripting", "is_tracing", "ScriptModule", "ScriptFunction", "ignore", "unused", "export",
           "annotate", "script", "trace", "Final", "TracedModule", "TracerWarning"]


def is_scripting() -> bool:
    """False: minitorch code always runs eagerly."""
    return False


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
