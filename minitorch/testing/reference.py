"""The reference libraries the tests and benchmarks compare against, imported in one place."""
from __future__ import annotations

_TORCHVISION_SCHEMAS = None  # the operator declarations must outlive the import


def import_torchvision():
    """torchvision, importable beside the CPU build of torch.

    The torchvision wheel on the package index is a CUDA build: beside the CPU torch its compiled
    extension does not load, and its import stops where it registers fake kernels for operators that
    extension would have defined ("operator torchvision::nms does not exist"). Declaring those
    operators' schemas through torch.library first lets the pure-Python parts (models, transforms)
    import and run; nothing here calls the operators themselves.
    """
    global _TORCHVISION_SCHEMAS
    import torch
    try:
        torch.ops.torchvision.nms
    except (AttributeError, RuntimeError):
        _TORCHVISION_SCHEMAS = torch.library.Library("torchvision", "DEF")
        for name in ("nms", "qnms"):
            _TORCHVISION_SCHEMAS.define(f"{name}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision
    return torchvision
