"""``minigrad.nn``: modules, layers, losses, init and functional, mirroring ``torch.nn``."""

from . import functional, init
from .container import ModuleList, Sequential
from .conv import Conv1d, Conv2d
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
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .summary import summary

__all__ = ["functional", "init", "Module", "Parameter", "Sequential", "ModuleList", "Linear",
           "Dense", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "Flatten", "Dropout", "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "SmoothL1Loss", "HuberLoss", "summary",
           "BatchNorm1d", "BatchNorm2d", "Dropout2d", "LazyLinear", "LazyModuleMixin",
           "UninitializedParameter", "Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d",
           "AdaptiveAvgPool2d"]
