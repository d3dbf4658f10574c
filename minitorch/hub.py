"""torch.hub's checkpoint cache, read from disk and never downloaded.

Pretrained weights live where torch keeps them: `<hub dir>/checkpoints/<file name of the URL>`,
the hub dir being `$TORCH_HOME/hub` (TORCH_HOME defaults to `$XDG_CACHE_HOME/torch`, else
`~/.cache/torch`). A user who has run torchvision's code once, or copied the `.pth` file there,
gets the real weights; when the file is absent the error names the file, the URL to fetch it from
and where to put it.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse

from .serialization import load

__all__ = ["get_dir", "set_dir", "load_state_dict_from_url", "download_url_to_file"]

_hub_dir: str | None = None


def _torch_home() -> str:
    default = os.path.join(os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache")), "torch")
    return os.path.expanduser(os.getenv("TORCH_HOME", default))


def get_dir() -> str:
    """The hub directory: the one set by `set_dir`, else `$TORCH_HOME/hub`."""
    if os.getenv("TORCH_HUB"):
        import warnings
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead")
    return _hub_dir if _hub_dir is not None else os.path.join(_torch_home(), "hub")


def set_dir(d) -> None:
    """Use `d` as the hub directory from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """minitorch downloads nothing: this names the file to fetch and where to put it."""
    raise RuntimeError(f"minitorch does not download files. Fetch {url} yourself (or let torch fetch it) and save "
                       f"it as {dst}.")


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = False) -> dict:
    """The state dict saved at `<model_dir>/<file name>` (model_dir defaults to `<hub dir>/checkpoints`),
    the file name being the URL's unless `file_name` is given. `check_hash` concerns downloads: torch
    checks the hash in the file name against a fresh download only, never against a cached file, and
    minitorch reads cached files only."""
    model_dir = os.path.join(get_dir(), "checkpoints") if model_dir is None else model_dir
    filename = file_name or os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        raise FileNotFoundError(f"{filename} is not in the hub cache, and minitorch does not download files. "
                                f"Fetch {url} (or run the same torchvision code once, which saves it) and put the "
                                f"file at {cached_file}.")
    return load(cached_file, map_location=map_location, weights_only=weights_only)
