"""Autograd: ``Function`` for ops, the backward engine, ``grad``, grad modes, anomaly mode."""

from .anomaly import detect_anomaly
from .engine import backward, grad
from .function import Function, Node
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "Node", "backward", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "detect_anomaly"]
