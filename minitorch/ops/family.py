"""Publishing an op family: its functions in the torch namespace (argument-checked, with out= where torch
has it), as Tensor methods, and with their in-place forms."""
from __future__ import annotations

from ..tensor import Tensor
from .arguments import checked
from .inplace import make_inplace
from .out import with_out


def install(namespace: dict, module, *, functions: str, methods: str = "", in_place: str = "",
            with_out_names: str = "", elementwise: bool = True) -> None:
    """Publish `module`'s `functions` in `namespace`; `methods` become Tensor methods, `in_place` get a
    trailing-underscore form (elementwise: the result must broadcast to self), `with_out_names` take out=."""
    for name in functions.split():
        fn = checked(getattr(module, name))
        namespace[name] = with_out(fn) if name in with_out_names.split() else fn
    for name in methods.split():
        setattr(Tensor, name, checked(getattr(module, name), method=True))
    for name in in_place.split():
        setattr(Tensor, name + "_", make_inplace(getattr(Tensor, name), name + "_", elementwise=elementwise))
