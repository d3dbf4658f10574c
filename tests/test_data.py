"""Datasets, samplers and DataLoader against torch.utils.data: same batches, same shuffles."""
import numpy as np
import pytest
import torch

import minitorch as mt


def _loaders(**kw):
    x, y = np.arange(46.0).reshape(23, 2).astype(np.float32), np.arange(23)
    m = mt.utils.data.DataLoader(mt.utils.data.TensorDataset(mt.tensor(x), mt.tensor(y)), **kw)
    t = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), **kw)
    return m, t


@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=5, shuffle=True),
                                dict(batch_size=6, shuffle=True, drop_last=True), dict(batch_size=1)])
def test_dataloader_batches_match_torch(kw):
    mt.manual_seed(11)
    torch.manual_seed(11)
    m, t = _loaders(**kw)
    assert len(m) == len(t)
    for _ in range(3):  # several epochs: the shuffles keep matching
        mb, tb = list(m), list(t)
        assert len(mb) == len(tb)
        for (mx, my), (tx, ty) in zip(mb, tb):
            assert mx.tolist() == tx.tolist() and my.tolist() == ty.tolist()
            assert mx.dtype is mt.float32 and my.dtype is mt.int64


def test_dataloader_with_generator_and_collate():
    g, tg = mt.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    m = mt.utils.data.DataLoader(list(range(10)), batch_size=3, shuffle=True, generator=g)
    t = torch.utils.data.DataLoader(list(range(10)), batch_size=3, shuffle=True, generator=tg)
    assert [b.tolist() for b in m] == [b.tolist() for b in t]
    pairs = mt.utils.data.default_collate([(1, 2.5, "a"), (2, 3.5, "b")])
    assert pairs[0].dtype is mt.int64 and pairs[1].dtype is mt.float64 and pairs[2] == ["a", "b"]


def test_random_split_matches_torch():
    for lengths in ([7, 3], [0.7, 0.3], [0.5, 0.25, 0.25]):
        mt.manual_seed(2)
        torch.manual_seed(2)
        ms = mt.utils.data.random_split(range(10), lengths)
        ts = torch.utils.data.random_split(range(10), lengths)
        assert [list(s.indices) for s in ms] == [list(s.indices) for s in ts]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        mt.utils.data.random_split(range(10), [3, 3])


def test_tensor_dataset_checks_sizes():
    with pytest.raises(AssertionError, match="Size mismatch"):
        mt.utils.data.TensorDataset(mt.zeros(3), mt.zeros(4))
    ds = mt.utils.data.TensorDataset(mt.arange(4), mt.arange(4) * 2)
    assert len(ds) == 4 and [v.item() for v in ds[2]] == [2, 4]
