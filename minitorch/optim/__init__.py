"""minitorch.optim: optimisers that update parameters in place, as torch.optim."""
from .adadelta import Adadelta
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .asgd import ASGD
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import Adagrad, RMSprop
from .rprop import Rprop
from .sgd import SGD
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "RAdam", "NAdam", "Adamax", "Adadelta", "ASGD",
           "Rprop", "LBFGS"]
