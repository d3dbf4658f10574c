"""Autograd: graph nodes, the backward engine, grad modes and checking tools."""
from . import engine, events, forward_ad, functional, graph, profiler
from .engine import backward, grad
from .function import Function, FunctionCtx, Primitive, once_differentiable
from .tracer import trace
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                        is_grad_enabled, is_inference_mode_enabled, no_grad, set_detect_anomaly,
                        set_grad_enabled)

__all__ = ["Function", "FunctionCtx", "backward", "grad", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "inference_mode", "set_grad_enabled", "detect_anomaly", "once_differentiable",
           "graph", "trace", "profiler", "functional", "forward_ad"]
