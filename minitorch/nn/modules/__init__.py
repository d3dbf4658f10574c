__all__ = ["Flatten", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Tanh", "ModuleDict", "ModuleList",
           "ParameterList", "Sequential", "Identity", "Linear", "CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss",
           "Module"]
from .activation import Flatten, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
