"""``minigrad.nn``: modules, layers, losses, init and functional, mirroring ``torch.nn``."""

from . import functional, init
from .container import ModuleList, Sequential
from .layers import (
    Dense,
    Dropout,
    Dropout2d,
    Flatten,
    Identity,
    LazyLinear,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .lazy import LazyModuleMixin
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import Parameter, UninitializedParameter
from .summary import summary

__all__ = ["functional", "init", "Module", "Parameter", "Sequential", "ModuleList", "Linear",
           "Dense", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "Flatten", "Dropout", "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "SmoothL1Loss", "HuberLoss", "summary",
           "BatchNorm1d", "BatchNorm2d", "Dropout2d", "LazyLinear", "LazyModuleMixin",
           "UninitializedParameter"]
