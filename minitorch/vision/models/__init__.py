"""torchvision's classification models: the same builders, module trees, state_dict keys,
initialisation and weights enums, so that checkpoints move between the two libraries.

Pretrained weights are read from torch's hub cache (`minitorch.hub`), never downloaded.
"""
from ._api import Weights, WeightsEnum, get_model, get_model_builder, get_model_weights, get_weight, list_models
from .resnet import *  # noqa: F401,F403
from .efficientnet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .mobilenetv3 import *  # noqa: F401,F403
from .alexnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .vision_transformer import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .convnext import *  # noqa: F401,F403
from .regnet import *  # noqa: F401,F403
from .swin_transformer import *  # noqa: F401,F403
