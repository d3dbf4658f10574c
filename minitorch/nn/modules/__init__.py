from .activation import (ELU, GELU, Dropout, Dropout1d, Dropout2d, Dropout3d, Flatten, Hardsigmoid, Hardswish,
                         Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Tanh, Unflatten)
from .activation_more import (CELU, GLU, SELU, Hardshrink, Mish, PReLU, RReLU, Softmax2d, Softmin, Softshrink,
                              Softsign, Tanhshrink, Threshold)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .container import Container, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool2d, AvgPool2d, Conv1d, Conv2d,
                   ConvTranspose2d, MaxPool2d)
from .linear import Bilinear, Identity, Linear
from .conv_nd import (AdaptiveMaxPool1d, AdaptiveMaxPool3d, AvgPool1d, AvgPool3d, Conv3d, ConvTranspose1d,
                      ConvTranspose3d, FractionalMaxPool2d, FractionalMaxPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool1d,
                      MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
from .pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .loss import (BCELoss, BCEWithLogitsLoss, CosineSimilarity, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, NLLLoss, NLLLoss2d, PairwiseDistance, SmoothL1Loss)
from .loss import (CTCLoss, CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,
                   MultiLabelMarginLoss,
                   MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
                   TripletMarginWithDistanceLoss)
from .loss import LinearCrossEntropyLoss
from .fold import Fold, Unfold
from .cross_map_lrn import CrossMapLRN2d
from .sync_batchnorm import SyncBatchNorm
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .module import Module
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d,
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d,
                   LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear, LazyModuleMixin)
from .normalization import BatchNorm1d, BatchNorm2d, Embedding, GroupNorm, LayerNorm
from .normalization import (BatchNorm3d, EmbeddingBag, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                            LocalResponseNorm, RMSNorm)
from .activation import AlphaDropout, FeatureAlphaDropout
from .transformer import (MultiheadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .padding import (CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d,
                      ReplicationPad1d, ReplicationPad2d, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d,
                      ZeroPad1d, ZeroPad2d)
from .padding import (CircularPad1d, CircularPad3d, ConstantPad3d, ReflectionPad3d, ReplicationPad3d,  # noqa: E402
                      ZeroPad3d)

__all__ = ["ELU", "GELU", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "Flatten", "Unflatten", "Hardtanh", "LogSigmoid", "ReLU6", "Hardswish", "Hardsigmoid",
           "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "SiLU", "Softmax", "Softplus", "Tanh", "ModuleDict",
           "ModuleList", "ParameterList", "Sequential", "Identity", "Linear", "Bilinear", "BCELoss",
           "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss", "NLLLoss",
           "SmoothL1Loss", "CosineSimilarity", "PairwiseDistance", "Module", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool2d", "AvgPool2d", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "BatchNorm1d",
           "BatchNorm2d", "Embedding", "GroupNorm", "LayerNorm", "ConstantPad1d", "ConstantPad2d", "ZeroPad1d",
           "ZeroPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d",
           "CircularPad2d", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "MultiheadAttention",
           "Transformer", "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder",
           "CELU", "GLU", "SELU", "Hardshrink", "Mish", "PReLU", "RReLU", "Softmax2d", "Softmin", "Softshrink",
           "Softsign", "Tanhshrink", "Threshold", "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell",
           "RNNCellBase", "MarginRankingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CosineEmbeddingLoss", "HingeEmbeddingLoss", "PoissonNLLLoss", "GaussianNLLLoss", "SoftMarginLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool3d", "Conv3d", "ConvTranspose1d", "ConvTranspose3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxPool1d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "ChannelShuffle", "PixelShuffle", "PixelUnshuffle", "BatchNorm3d", "EmbeddingBag", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "RMSNorm", "AlphaDropout", "FeatureAlphaDropout", "CircularPad1d", "CircularPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d", "ZeroPad3d", "ParameterDict", "FractionalMaxPool2d", "FractionalMaxPool3d", "CTCLoss", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
           "LazyModuleMixin", "LinearCrossEntropyLoss", "Fold", "Unfold",
           "AdaptiveLogSoftmaxWithLoss", "Container", "NLLLoss2d", "CrossMapLRN2d", "SyncBatchNorm"]
