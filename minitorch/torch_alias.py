"""Run torch code on minitorch: an import hook that answers `import torch` with minitorch.

    minitorch.as_torch()      # from here on, `import torch` gives minitorch, and
    import torch              # `import torchvision` gives minitorch.vision

`torch.X` maps to `minitorch.X` and `torchvision.X` to `minitorch.vision.X`. A submodule that
minitorch lacks fails as a missing module does (ModuleNotFoundError naming it): nothing stands in
silently. `minitorch run script.py` runs a script this way.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

_ALIASES = (("torchvision", "minitorch.vision"), ("torch", "minitorch"))


def _target(fullname: str):
    for theirs, ours in _ALIASES:
        if fullname == theirs or fullname.startswith(theirs + "."):
            return ours + fullname[len(theirs):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, fullname: str, target: str):
        self.fullname, self.target = fullname, target

    def create_module(self, spec):
        try:
            return importlib.import_module(self.target)
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(f"No module named '{self.fullname}' (minitorch has no {exc.name})",
                                      name=self.fullname) from None

    def exec_module(self, module):
        pass  # the minitorch module is already executed


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        ours = _target(fullname)
        if ours is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(fullname, ours))


_FINDER = _AliasFinder()


def as_torch() -> None:
    """Make `import torch` (and `import torchvision`) give minitorch from now on in this process."""
    loaded = [name for name in sys.modules if _target(name) is not None and not _is_alias(name)]
    if loaded:
        raise RuntimeError(f"the real {loaded[0].split('.')[0]} is already imported in this process; "
                           "call minitorch.as_torch() before anything imports torch")
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def _is_alias(name: str) -> bool:
    module = sys.modules.get(name)
    return getattr(module, "__name__", "").startswith("minitorch")


def run_script(path: str, argv: list) -> None:
    """Run a torch script on minitorch, as `python path argv...` would."""
    import runpy
    as_torch()
    sys.argv = [path, *argv]
    runpy.run_path(path, run_name="__main__")
