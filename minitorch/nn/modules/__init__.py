from .activation import (ELU, GELU, Dropout, Flatten, Hardtanh, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax,
                         Softplus, Tanh)
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, Embedding, GroupNorm, LayerNorm

__all__ = ["ELU", "GELU", "Dropout", "Flatten", "Hardtanh", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "SiLU",
           "Softmax", "Softplus", "Tanh", "ModuleDict", "ModuleList", "ParameterList", "Sequential", "Identity",
           "Linear", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss", "MSELoss", "NLLLoss",
           "SmoothL1Loss", "Module", "AdaptiveAvgPool2d", "AvgPool2d", "Conv1d", "Conv2d", "MaxPool2d",
           "BatchNorm1d", "BatchNorm2d", "Embedding", "GroupNorm", "LayerNorm"]
