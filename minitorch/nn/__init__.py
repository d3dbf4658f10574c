"""minitorch.nn: modules, parameters, functional forms and initialisers (as torch.nn)."""
from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403

from . import parameter
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter
from .parallel import DataParallel
