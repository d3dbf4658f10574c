"""Every layer and loss against torch's: torch's state_dict loaded into ours, then outputs, input
gradients, parameter gradients and buffers compared, in train mode (same seed, so dropout masks
match) and in eval mode."""
import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.testing.node_names import MODULE_PENDING, graph_node_names

F32 = dict(rtol=1e-4, atol=1e-5)  # float32 results of differently ordered sums


def x(*shape):
    return ("float", shape)


def prob(*shape):
    return ("prob", shape)


def index(high, *shape):
    return ("index", shape, high)


def distinct(high, *shape):
    """Positions below `high`, none repeated within an (N, C) plane (the indices max-unpooling scatters to)."""
    return ("distinct", shape, high)


def const(kind, *shape):
    """An input without gradient (targets)."""
    return ("const-" + kind, shape)


CASES = {
    "Linear": (lambda nn, lib: nn.Linear(5, 3), [x(4, 5)]),
    "Linear-nobias-3d": (lambda nn, lib: nn.Linear(5, 3, bias=False), [x(2, 4, 5)]),
    "Bilinear": (lambda nn, lib: nn.Bilinear(3, 4, 2), [x(5, 3), x(5, 4)]),
    "Identity": (lambda nn, lib: nn.Identity(7, foo=1), [x(2, 3)]),
    "Conv1d": (lambda nn, lib: nn.Conv1d(3, 4, 3, stride=2, padding=1), [x(2, 3, 9)]),
    "Conv1d-same-even": (lambda nn, lib: nn.Conv1d(3, 4, 2, padding="same"), [x(2, 3, 7)]),
    "Conv2d-groups": (lambda nn, lib: nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3, bias=False),
                      [x(2, 3, 8, 8)]),
    "Conv2d-same-dilated": (lambda nn, lib: nn.Conv2d(3, 4, (2, 3), padding="same", dilation=2), [x(2, 3, 7, 6)]),
    "Conv2d-reflect": (lambda nn, lib: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), [x(2, 3, 5, 6)]),
    "Conv2d-circular": (lambda nn, lib: nn.Conv2d(2, 2, 3, padding=(2, 1), padding_mode="circular"), [x(1, 2, 4, 5)]),
    "Conv2d-unbatched": (lambda nn, lib: nn.Conv2d(3, 2, 3), [x(3, 6, 6)]),
    "ConvTranspose2d": (lambda nn, lib: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                        [x(2, 4, 5, 5)]),
    "ConvTranspose2d-dilated": (lambda nn, lib: nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), dilation=2),
                                [x(2, 3, 4, 4)]),
    "MaxPool2d": (lambda nn, lib: nn.MaxPool2d(2), [x(2, 3, 8, 8)]),
    "MaxPool2d-ceil": (lambda nn, lib: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [x(2, 3, 8, 7)]),
    "MaxPool2d-dilated": (lambda nn, lib: nn.MaxPool2d(3, dilation=2, return_indices=True), [x(1, 2, 9, 9)]),
    "AvgPool2d": (lambda nn, lib: nn.AvgPool2d(2), [x(2, 3, 8, 8)]),
    "AvgPool2d-ceil-exclude-pad": (lambda nn, lib: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                                   [x(2, 3, 8, 7)]),
    "AdaptiveAvgPool1d": (lambda nn, lib: nn.AdaptiveAvgPool1d(3), [x(2, 3, 7)]),
    "AdaptiveAvgPool2d": (lambda nn, lib: nn.AdaptiveAvgPool2d((3, 2)), [x(2, 3, 7, 8)]),
    "AdaptiveAvgPool3d": (lambda nn, lib: nn.AdaptiveAvgPool3d((2, None, 3)), [x(2, 3, 5, 4, 7)]),
    "AdaptiveMaxPool2d": (lambda nn, lib: nn.AdaptiveMaxPool2d(3), [x(2, 3, 7, 8)]),
    "Flatten": (lambda nn, lib: nn.Flatten(), [x(2, 3, 4, 5)]),
    "Flatten-2-3": (lambda nn, lib: nn.Flatten(start_dim=2, end_dim=3), [x(2, 3, 4, 5)]),
    "Unflatten": (lambda nn, lib: nn.Unflatten(1, (2, 3)), [x(4, 6)]),
    "ReLU": (lambda nn, lib: nn.ReLU(), [x(3, 4)]),
    "LeakyReLU": (lambda nn, lib: nn.LeakyReLU(0.2), [x(3, 4)]),
    "ELU": (lambda nn, lib: nn.ELU(alpha=0.5), [x(3, 4)]),
    "GELU": (lambda nn, lib: nn.GELU(), [x(3, 4)]),
    "GELU-tanh": (lambda nn, lib: nn.GELU(approximate="tanh"), [x(3, 4)]),
    "SiLU": (lambda nn, lib: nn.SiLU(), [x(3, 4)]),
    "Sigmoid": (lambda nn, lib: nn.Sigmoid(), [x(3, 4)]),
    "Tanh": (lambda nn, lib: nn.Tanh(), [x(3, 4)]),
    "Softmax": (lambda nn, lib: nn.Softmax(dim=1), [x(3, 4, 2)]),
    "LogSoftmax": (lambda nn, lib: nn.LogSoftmax(dim=-1), [x(3, 4)]),
    "Softplus": (lambda nn, lib: nn.Softplus(beta=2, threshold=5), [x(3, 4)]),
    "ReLU6": (lambda nn, lib: nn.ReLU6(), [x(3, 4)]),
    "LogSigmoid": (lambda nn, lib: nn.LogSigmoid(), [x(3, 4)]),
    "Hardswish": (lambda nn, lib: nn.Hardswish(), [x(3, 4)]),
    "Hardsigmoid": (lambda nn, lib: nn.Hardsigmoid(), [x(3, 4)]),
    "Hardtanh": (lambda nn, lib: nn.Hardtanh(-0.5, 0.5), [x(3, 4)]),
    "SELU": (lambda nn, lib: nn.SELU(), [x(3, 4)]),
    "CELU": (lambda nn, lib: nn.CELU(alpha=0.7), [x(3, 4)]),
    "Mish": (lambda nn, lib: nn.Mish(), [x(3, 4)]),
    "Softsign": (lambda nn, lib: nn.Softsign(), [x(3, 4)]),
    "Softmin": (lambda nn, lib: nn.Softmin(dim=0), [x(3, 4)]),
    "Softmax2d": (lambda nn, lib: nn.Softmax2d(), [x(2, 3, 4, 2)]),
    "GLU": (lambda nn, lib: nn.GLU(dim=1), [x(3, 4, 2)]),
    "PReLU": (lambda nn, lib: nn.PReLU(), [x(3, 4)]),
    "PReLU-channels": (lambda nn, lib: nn.PReLU(3, init=0.1), [x(2, 3, 4)]),
    "RReLU": (lambda nn, lib: nn.RReLU(0.1, 0.3), [x(3, 8)]),
    "Threshold": (lambda nn, lib: nn.Threshold(0.1, 20.0), [x(3, 4)]),
    "Hardshrink": (lambda nn, lib: nn.Hardshrink(0.3), [x(3, 4)]),
    "Softshrink": (lambda nn, lib: nn.Softshrink(), [x(3, 4)]),
    "Tanhshrink": (lambda nn, lib: nn.Tanhshrink(), [x(3, 4)]),
    "RNN": (lambda nn, lib: nn.RNN(3, 4), [x(5, 2, 3)]),
    "RNN-relu-2-layers-bidirectional": (lambda nn, lib: nn.RNN(3, 4, 2, "relu", bidirectional=True), [x(4, 2, 3)]),
    "LSTM": (lambda nn, lib: nn.LSTM(3, 4), [x(5, 2, 3)]),
    "LSTM-batch-first-bidirectional": (lambda nn, lib: nn.LSTM(3, 4, batch_first=True, bidirectional=True),
                                       [x(2, 5, 3)]),
    "LSTM-projections-2-layers": (lambda nn, lib: nn.LSTM(3, 5, num_layers=2, proj_size=2), [x(4, 2, 3)]),
    "GRU-dropout": (lambda nn, lib: nn.GRU(3, 4, num_layers=2, dropout=0.4), [x(4, 3, 3)]),
    "GRU-unbatched-no-bias": (lambda nn, lib: nn.GRU(3, 4, bias=False), [x(5, 3)]),
    "RNNCell": (lambda nn, lib: nn.RNNCell(3, 4, nonlinearity="relu"), [x(2, 3)]),
    "LSTMCell": (lambda nn, lib: nn.LSTMCell(3, 4), [x(2, 3)]),
    "GRUCell": (lambda nn, lib: nn.GRUCell(3, 4), [x(3)]),
    "Dropout": (lambda nn, lib: nn.Dropout(0.3), [x(6, 40)]),
    "Dropout1d": (lambda nn, lib: nn.Dropout1d(0.5), [x(2, 6, 4)]),
    "Dropout2d": (lambda nn, lib: nn.Dropout2d(0.4), [x(2, 5, 3, 3)]),
    "BatchNorm1d": (lambda nn, lib: nn.BatchNorm1d(5), [x(6, 5)]),
    "BatchNorm1d-3d-cumulative": (lambda nn, lib: nn.BatchNorm1d(5, momentum=None, affine=False), [x(6, 5, 3)]),
    "BatchNorm2d": (lambda nn, lib: nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), [x(4, 3, 5, 5)]),
    # outside a process group SyncBatchNorm is BatchNorm (tests/distributed/sync_batchnorm.py syncs two ranks)
    "SyncBatchNorm": (lambda nn, lib: nn.SyncBatchNorm(3, momentum=0.2), [x(4, 3, 2, 2)]),
    "SyncBatchNorm-cumulative": (lambda nn, lib: nn.SyncBatchNorm(2, momentum=None, affine=False), [x(5, 2, 3)]),
    "BatchNorm2d-no-stats": (lambda nn, lib: nn.BatchNorm2d(3, track_running_stats=False), [x(4, 3, 2, 2)]),
    "LayerNorm": (lambda nn, lib: nn.LayerNorm([4, 5]), [x(2, 3, 4, 5)]),
    "LayerNorm-plain": (lambda nn, lib: nn.LayerNorm(5, elementwise_affine=False), [x(2, 5)]),
    "GroupNorm": (lambda nn, lib: nn.GroupNorm(2, 4), [x(3, 4, 5)]),
    "Embedding": (lambda nn, lib: nn.Embedding(10, 4, padding_idx=0), [index(10, 3, 5)]),
    "Upsample-nearest": (lambda nn, lib: nn.Upsample(scale_factor=2), [x(2, 3, 4, 5)]),
    "Upsample-bilinear": (lambda nn, lib: nn.Upsample(size=(5, 7), mode="bilinear"), [x(2, 3, 4, 5)]),
    "Upsample-bicubic": (lambda nn, lib: nn.Upsample(scale_factor=1.5, mode="bicubic", align_corners=True),
                         [x(1, 2, 4, 4)]),
    "UpsamplingBilinear2d": (lambda nn, lib: nn.UpsamplingBilinear2d(scale_factor=2), [x(1, 2, 3, 3)]),
    "ZeroPad2d": (lambda nn, lib: nn.ZeroPad2d((1, 2, 0, 1)), [x(2, 3, 4)]),
    "ConstantPad1d": (lambda nn, lib: nn.ConstantPad1d(2, 1.5), [x(2, 3, 4)]),
    "ReflectionPad2d": (lambda nn, lib: nn.ReflectionPad2d(1), [x(2, 3, 4, 4)]),
    "ReplicationPad2d": (lambda nn, lib: nn.ReplicationPad2d((2, 0, 1, 1)), [x(2, 3, 4, 4)]),
    "CosineSimilarity": (lambda nn, lib: nn.CosineSimilarity(dim=1), [x(4, 6), x(4, 6)]),
    "PairwiseDistance": (lambda nn, lib: nn.PairwiseDistance(p=1.5, keepdim=True), [x(4, 6), x(4, 6)]),
    "MSELoss": (lambda nn, lib: nn.MSELoss(), [x(4, 3), const("float", 4, 3)]),
    "L1Loss": (lambda nn, lib: nn.L1Loss(reduction="sum"), [x(4, 3), const("float", 4, 3)]),
    "SmoothL1Loss": (lambda nn, lib: nn.SmoothL1Loss(beta=0.5), [x(4, 3), const("float", 4, 3)]),
    "HuberLoss": (lambda nn, lib: nn.HuberLoss(delta=0.5, reduction="none"), [x(4, 3), const("float", 4, 3)]),
    "BCELoss": (lambda nn, lib: nn.BCELoss(weight=lib.tensor([1.0, 2.0, 0.5])), [prob(4, 3), const("prob", 4, 3)]),
    "BCEWithLogitsLoss": (lambda nn, lib: nn.BCEWithLogitsLoss(pos_weight=lib.tensor([1.0, 3.0, 0.5])),
                          [x(4, 3), const("prob", 4, 3)]),
    "CrossEntropyLoss": (lambda nn, lib: nn.CrossEntropyLoss(), [x(6, 4), index(4, 6)]),
    "CrossEntropyLoss-options": (lambda nn, lib: nn.CrossEntropyLoss(weight=lib.tensor([1.0, 2.0, 0.5, 1.0]),
                                                                     ignore_index=2, label_smoothing=0.1),
                                 [x(6, 4, 3), index(4, 6, 3)]),
    "CrossEntropyLoss-probs": (lambda nn, lib: nn.CrossEntropyLoss(label_smoothing=0.2), [x(6, 4), const("simplex", 6, 4)]),
    "NLLLoss": (lambda nn, lib: nn.NLLLoss(reduction="sum"), [x(6, 4), index(4, 6)]),
    # on the CPU the module runs as it is; on the CUDA device the (gradient-free) inputs move to device 0
    "DataParallel": (lambda nn, lib: nn.DataParallel(nn.Sequential(nn.Linear(4, 3), nn.Tanh())), [const("float", 5, 4)]),
    "NLLLoss2d": (lambda nn, lib: nn.NLLLoss2d(ignore_index=1), [x(2, 4, 3, 3), index(4, 2, 3, 3)]),
    "Conv3d": (lambda nn, lib: nn.Conv3d(4, 6, (2, 3, 2), stride=(1, 2, 1), padding=1, groups=2), [x(2, 4, 4, 5, 4)]),
    "Conv3d-unbatched-same": (lambda nn, lib: nn.Conv3d(2, 3, 2, padding="same"), [x(2, 3, 4, 3)]),
    "ConvTranspose1d": (lambda nn, lib: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                        [x(2, 4, 5)]),
    "ConvTranspose3d": (lambda nn, lib: nn.ConvTranspose3d(2, 3, 2, stride=2, padding=(0, 1, 0)), [x(1, 2, 3, 3, 2)]),
    "MaxPool1d": (lambda nn, lib: nn.MaxPool1d(3, stride=2, padding=1, return_indices=True), [x(2, 3, 9)]),
    "MaxPool3d": (lambda nn, lib: nn.MaxPool3d(2, stride=(1, 2, 2), padding=1, ceil_mode=True), [x(2, 2, 4, 5, 5)]),
    "AvgPool1d": (lambda nn, lib: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), [x(2, 3, 9)]),
    "AvgPool3d": (lambda nn, lib: nn.AvgPool3d((2, 3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                  [x(2, 2, 5, 6, 5)]),
    "AvgPool3d-divisor": (lambda nn, lib: nn.AvgPool3d(2, divisor_override=3), [x(1, 2, 4, 4, 4)]),
    "AdaptiveMaxPool1d": (lambda nn, lib: nn.AdaptiveMaxPool1d(3), [x(2, 3, 8)]),
    "AdaptiveMaxPool3d": (lambda nn, lib: nn.AdaptiveMaxPool3d((2, 3, 2), return_indices=True), [x(2, 2, 5, 6, 5)]),
    "LPPool1d": (lambda nn, lib: nn.LPPool1d(2, 3, stride=2), [x(2, 3, 9)]),
    "LPPool2d": (lambda nn, lib: nn.LPPool2d(1.5, 2), [prob(2, 3, 6, 6)]),
    "LPPool3d": (lambda nn, lib: nn.LPPool3d(2, 2), [x(1, 2, 4, 4, 4)]),
    "PixelShuffle": (lambda nn, lib: nn.PixelShuffle(2), [x(2, 8, 3, 3)]),
    "PixelUnshuffle": (lambda nn, lib: nn.PixelUnshuffle(2), [x(2, 2, 4, 6)]),
    "ChannelShuffle": (lambda nn, lib: nn.ChannelShuffle(2), [x(2, 4, 3, 3)]),
    "BatchNorm3d": (lambda nn, lib: nn.BatchNorm3d(3), [x(2, 3, 2, 3, 3)]),
    "InstanceNorm1d": (lambda nn, lib: nn.InstanceNorm1d(3, affine=True), [x(2, 3, 6)]),
    "InstanceNorm2d-stats": (lambda nn, lib: nn.InstanceNorm2d(3, track_running_stats=True), [x(2, 3, 4, 4)]),
    "InstanceNorm3d-unbatched": (lambda nn, lib: nn.InstanceNorm3d(2, affine=True), [x(2, 3, 3, 3)]),
    "RMSNorm": (lambda nn, lib: nn.RMSNorm([3, 4]), [x(2, 3, 4)]),
    "RMSNorm-eps": (lambda nn, lib: nn.RMSNorm(4, eps=1e-3, elementwise_affine=False), [x(3, 4)]),
    "LocalResponseNorm": (lambda nn, lib: nn.LocalResponseNorm(3), [x(2, 5, 4, 4)]),
    "CrossMapLRN2d": (lambda nn, lib: nn.CrossMapLRN2d(3, alpha=0.5, beta=0.75, k=1.5), [x(2, 6, 3, 3)]),
    "CrossMapLRN2d-even-size": (lambda nn, lib: nn.CrossMapLRN2d(4, alpha=0.3, beta=0.5), [x(2, 5, 2, 3)]),
    "LocalResponseNorm-3d": (lambda nn, lib: nn.LocalResponseNorm(2, alpha=0.1, beta=0.5, k=2.0), [x(2, 5, 7)]),
    "AlphaDropout": (lambda nn, lib: nn.AlphaDropout(0.3), [x(4, 5)]),
    "FeatureAlphaDropout": (lambda nn, lib: nn.FeatureAlphaDropout(0.4), [x(3, 4, 5)]),
    "EmbeddingBag-max": (lambda nn, lib: nn.EmbeddingBag(10, 3, mode="max"), [index(10, 4, 3)]),
    "EmbeddingBag-sum-padding": (lambda nn, lib: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2), [index(10, 3, 4)]),
    "ZeroPad3d": (lambda nn, lib: nn.ZeroPad3d((1, 0, 2, 1, 0, 1)), [x(1, 2, 3, 3, 3)]),
    "ConstantPad3d": (lambda nn, lib: nn.ConstantPad3d(1, 2.5), [x(1, 2, 2, 2, 2)]),
    "ReflectionPad3d": (lambda nn, lib: nn.ReflectionPad3d(1), [x(1, 2, 3, 3, 3)]),
    "ReplicationPad3d": (lambda nn, lib: nn.ReplicationPad3d((2, 1, 0, 1, 1, 0)), [x(2, 2, 3, 3, 3)]),
    "CircularPad1d": (lambda nn, lib: nn.CircularPad1d((2, 1)), [x(2, 3, 5)]),
    "CircularPad3d": (lambda nn, lib: nn.CircularPad3d(1), [x(1, 2, 3, 3, 3)]),
    "CircularPad2d": (lambda nn, lib: nn.CircularPad2d((1, 2, 0, 1)), [x(2, 2, 3, 4)]),
    "ConstantPad2d": (lambda nn, lib: nn.ConstantPad2d((1, 0, 2, 1), -0.5), [x(2, 3, 3, 4)]),
    "ZeroPad1d": (lambda nn, lib: nn.ZeroPad1d((0, 2)), [x(2, 3, 4)]),
    "ReflectionPad1d": (lambda nn, lib: nn.ReflectionPad1d((2, 1)), [x(2, 3, 5)]),
    "ReplicationPad1d": (lambda nn, lib: nn.ReplicationPad1d(2), [x(3, 4)]),
    "UpsamplingNearest2d": (lambda nn, lib: nn.UpsamplingNearest2d(size=(5, 3)), [x(1, 2, 3, 2)]),
    "Dropout3d": (lambda nn, lib: nn.Dropout3d(0.5), [x(2, 4, 2, 3, 2)]),
    "MaxUnpool1d": (lambda nn, lib: nn.MaxUnpool1d(2), [x(2, 3, 4), distinct(8, 2, 3, 4)]),
    "MaxUnpool2d": (lambda nn, lib: nn.MaxUnpool2d(3, stride=2, padding=1), [x(1, 2, 3, 3), distinct(25, 1, 2, 3, 3)]),
    "MaxUnpool3d": (lambda nn, lib: nn.MaxUnpool3d(2), [x(1, 2, 2, 2, 2), distinct(64, 1, 2, 2, 2, 2)]),
    "FractionalMaxPool2d": (lambda nn, lib: nn.FractionalMaxPool2d(2, output_ratio=0.6, return_indices=True),
                            [x(2, 3, 7, 6)]),
    "FractionalMaxPool3d": (lambda nn, lib: nn.FractionalMaxPool3d((2, 1, 2), output_size=3), [x(1, 2, 5, 4, 5)]),
    "MarginRankingLoss": (lambda nn, lib: nn.MarginRankingLoss(margin=0.3), [x(5), x(5), const("sign", 5)]),
    "TripletMarginLoss": (lambda nn, lib: nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True), [x(4, 3), x(4, 3), x(4, 3)]),
    "TripletMarginWithDistanceLoss": (lambda nn, lib: nn.TripletMarginWithDistanceLoss(reduction="sum"),
                                      [x(4, 3), x(4, 3), x(4, 3)]),
    "CosineEmbeddingLoss": (lambda nn, lib: nn.CosineEmbeddingLoss(margin=0.1), [x(4, 3), x(4, 3), const("sign", 4)]),
    "HingeEmbeddingLoss": (lambda nn, lib: nn.HingeEmbeddingLoss(margin=2.0), [x(4, 3), const("sign", 4, 3)]),
    "PoissonNLLLoss": (lambda nn, lib: nn.PoissonNLLLoss(), [x(4, 3), const("prob", 4, 3)]),
    "PoissonNLLLoss-full-rates": (lambda nn, lib: nn.PoissonNLLLoss(log_input=False, full=True, reduction="sum"),
                                  [prob(4, 3), const("count", 4, 3)]),
    "GaussianNLLLoss": (lambda nn, lib: nn.GaussianNLLLoss(full=True), [x(4, 3), const("float", 4, 3), prob(4, 1)]),
    "SoftMarginLoss": (lambda nn, lib: nn.SoftMarginLoss(), [x(4, 3), const("sign", 4, 3)]),
    "MultiLabelMarginLoss": (lambda nn, lib: nn.MultiLabelMarginLoss(), [x(3, 4), ("labels", (3, 4))]),
    "MultiLabelSoftMarginLoss": (lambda nn, lib: nn.MultiLabelSoftMarginLoss(weight=lib.tensor([1.0, 2.0, 0.5])),
                                 [x(4, 3), const("prob", 4, 3)]),
    "LinearCrossEntropyLoss": (lambda nn, lib: nn.LinearCrossEntropyLoss(4, 3, bias=True, label_smoothing=0.1),
                               [x(5, 4), index(3, 5)]),
    "LinearCrossEntropyLoss-k-dim": (lambda nn, lib: nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), reduction="sum"),
                                     [x(5, 4), index(3, 5, 2)]),
    "AdaptiveLogSoftmaxWithLoss": (lambda nn, lib: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [2, 6], div_value=2.0,
                                                                               head_bias=True),
                                   [x(6, 8), index(10, 6)]),
    "Unfold": (lambda nn, lib: nn.Unfold(kernel_size=(2, 3), padding=1, stride=2), [x(2, 3, 5, 6)]),
    "Fold": (lambda nn, lib: nn.Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=1), [x(2, 8, 30)]),
    "MultiMarginLoss": (lambda nn, lib: nn.MultiMarginLoss(p=2, margin=0.5, weight=lib.tensor([1.0, 2.0, 0.5, 1.0])),
                        [x(6, 4), index(4, 6)]),
    "KLDivLoss": (lambda nn, lib: nn.KLDivLoss(reduction="batchmean"), [x(4, 5), const("prob", 4, 5)]),
    "KLDivLoss-log-target": (lambda nn, lib: nn.KLDivLoss(reduction="sum", log_target=True),
                             [x(4, 5), const("float", 4, 5)]),
}


def _inputs(specs, seed):
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        kind, shape = spec[0], spec[1]
        if kind == "index":
            out.append((rng.integers(0, spec[2], size=shape).astype(np.int64), False))
            continue
        if kind == "distinct":
            planes, per_plane = int(np.prod(shape[:2])), int(np.prod(shape[2:]))
            picks = [rng.choice(spec[2], size=per_plane, replace=False) for _ in range(planes)]
            out.append((np.stack(picks).reshape(shape).astype(np.int64), False))
            continue
        if kind == "labels":  # class indices ended by -1 (multi-label targets)
            out.append((np.where(rng.random(shape) < 0.3, -1, rng.integers(0, shape[-1], size=shape)), False))
            continue
        a = rng.standard_normal(shape).astype(np.float32)
        base = kind.removeprefix("const-")
        if base == "prob":
            a = (1 / (1 + np.exp(-a))).astype(np.float32)
        elif base == "sign":
            a = np.sign(a) + (a == 0)
        elif base == "count":
            a = np.floor(np.abs(a) * 3)
        elif base == "simplex":
            a = (np.exp(a) / np.exp(a).sum(-1, keepdims=True)).astype(np.float32)
        out.append((a, not kind.startswith("const")))
    return out


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _draws_random_numbers(module) -> bool:
    """Whether the module draws random numbers in train mode (dropout with p > 0)."""
    return any("Dropout" in type(m).__name__ and m.p > 0 or getattr(m, "dropout", 0) not in (0, 0.0, None)
               for m in module.modules())


@pytest.mark.parametrize("name", sorted(CASES))
def test_module_matches_torch(name, device):
    make, specs = CASES[name]
    theirs, ours = make(torch.nn, torch), make(mt.nn, mt)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    result = ours.load_state_dict(theirs.state_dict())
    assert str(result) == "<All keys matched successfully>"
    ours.to(device)
    host = lambda t: t.detach().cpu().numpy()  # noqa: E731
    for mode in ("train", "eval"):
        if mode == "train" and device == "cuda" and _draws_random_numbers(ours):
            continue  # CUDA draws from CuPy's generator, not torch's CPU stream: masks differ by design
        getattr(theirs, mode)(), getattr(ours, mode)()
        arrays = _inputs(specs, seed=len(name))
        t_in = [torch.tensor(a, requires_grad=g) for a, g in arrays]
        m_in = [mt.tensor(a, requires_grad=g, device=device) for a, g in arrays]
        torch.manual_seed(7), mt.manual_seed(7)
        t_out, m_out = _first(theirs(*t_in)), _first(ours(*m_in))
        assert tuple(m_out.shape) == tuple(t_out.shape) and str(m_out.dtype) == str(t_out.dtype), mode
        assert m_out.device.type == device, mode
        np.testing.assert_allclose(host(m_out), host(t_out), **F32, err_msg=mode)
        if not t_out.requires_grad:
            continue
        if name not in MODULE_PENDING:  # the same backward graph: torch's nodes, as many of each
            assert graph_node_names(m_out) == graph_node_names(t_out), mode
        grad = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(np.float32)
        t_out.backward(torch.tensor(grad))
        m_out.backward(mt.tensor(grad, device=device))
        for t, m in zip(t_in, m_in):
            if t.requires_grad:
                np.testing.assert_allclose(host(m.grad), host(t.grad), **F32, err_msg=f"{mode} input grad")
        for (k, tp), (_, mp) in zip(theirs.named_parameters(), ours.named_parameters()):
            assert mp.grad.device.type == device
            np.testing.assert_allclose(host(mp.grad), host(tp.grad), **F32, err_msg=f"{mode} grad of {k}")
            tp.grad = mp.grad = None
        for (k, tb), (_, mb) in zip(theirs.named_buffers(), ours.named_buffers()):
            np.testing.assert_allclose(host(mb), host(tb), **F32, err_msg=f"{mode} buffer {k}")

