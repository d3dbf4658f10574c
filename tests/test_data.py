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


# ---- worker processes --------------------------------------------------------------------------

class _SeedReport(mt.utils.data.Dataset):
    """Each sample reports the worker that loaded it and the seeds it was given."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return i, info.id, info.seed, int(np.random.randint(0, 2**31)), float(self.lib.rand(()).item())


@pytest.mark.parametrize("kw", [dict(batch_size=3, shuffle=True), dict(batch_size=2, drop_last=True),
                                dict(batch_size=None)])
def test_workers_give_torchs_batches_and_seeds(kw):
    results = []
    for lib in (mt, torch):
        lib.manual_seed(5)
        loader = lib.utils.data.DataLoader(_SeedReport(lib), num_workers=2, **kw)
        results.append([[x.tolist() if hasattr(x, "tolist") else x for x in batch] for batch in loader])
    # same order, same worker assignment, and the same torch/NumPy seeds and draws in each worker
    assert results[0] == results[1]
    assert mt.utils.data.get_worker_info() is None


def test_workers_match_in_process_loading_and_shut_down():
    import multiprocessing
    mt.manual_seed(0)
    inline = [b.tolist() for b in mt.utils.data.DataLoader(list(range(50)), batch_size=7, shuffle=True)]
    mt.manual_seed(0)
    loader = mt.utils.data.DataLoader(list(range(50)), batch_size=7, shuffle=True, num_workers=3,
                                      prefetch_factor=1)
    assert [b.tolist() for b in loader] == inline
    assert multiprocessing.active_children() == []
    persistent = mt.utils.data.DataLoader(list(range(10)), batch_size=4, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in persistent] == [b.tolist() for b in persistent] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(multiprocessing.active_children()) == 2
    persistent._workers._shutdown()
    assert multiprocessing.active_children() == []


class _Broken(mt.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError("no such sample")
        return i


def test_worker_errors_reach_the_caller():
    import multiprocessing
    loader = mt.utils.data.DataLoader(_Broken(), batch_size=1, num_workers=2)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(loader)
    assert multiprocessing.active_children() == []


def _Stream(lib, n):
    """0..n-1 as lib's IterableDataset, split between workers by get_worker_info() as torch's docs show."""

    class Stream(lib.utils.data.IterableDataset):
        def __iter__(self):
            info = lib.utils.data.get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, n, step))

        def __len__(self):
            return n

    return Stream()


@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                dict(batch_size=2, num_workers=2), dict(batch_size=3, num_workers=2, drop_last=True)])
def test_iterable_datasets_match_torch(kw):
    got = [b.tolist() if hasattr(b, "tolist") else b for b in mt.utils.data.DataLoader(_Stream(mt, 10), **kw)]
    want = [b.tolist() if hasattr(b, "tolist") else b for b in torch.utils.data.DataLoader(_Stream(torch, 10), **kw)]
    assert got == want
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        mt.utils.data.DataLoader(_Stream(mt, 3), shuffle=True)


# ---- datasets, samplers, collation -------------------------------------------------------------

def test_concat_and_chain_datasets():
    a, b = mt.utils.data.TensorDataset(mt.arange(3)), mt.utils.data.TensorDataset(mt.arange(10, 14))
    both = a + b
    assert len(both) == 7 and both.cumulative_sizes == [3, 7]
    assert [both[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13] and both[-1][0].item() == 13
    chained = _Stream(mt, 2) + _Stream(mt, 3)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5


def test_samplers_match_torch():
    for lib in (mt, torch):
        lib.manual_seed(9)
    data = list(range(40))
    pairs = [(mt.utils.data.RandomSampler(data, replacement=True, num_samples=70),
              torch.utils.data.RandomSampler(data, replacement=True, num_samples=70)),
             (mt.utils.data.RandomSampler(data, num_samples=90), torch.utils.data.RandomSampler(data, num_samples=90)),
             (mt.utils.data.SubsetRandomSampler([3, 5, 7, 11, 13]), torch.utils.data.SubsetRandomSampler([3, 5, 7, 11, 13]))]
    for ours, theirs in pairs:
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    weighted = list(mt.utils.data.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200))
    assert set(weighted) == {1, 3} and 100 < weighted.count(3) < 190
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        mt.utils.data.WeightedRandomSampler([1.0], 0)


def test_collation_and_loader_errors():
    from collections import namedtuple
    Point = namedtuple("Point", "x y")
    batch = [{"p": Point(1, np.float32(2)), "img": np.zeros((2, 2), np.uint8), "tag": "a"}] * 3
    ours, theirs = mt.utils.data.default_collate(batch), torch.utils.data.default_collate(batch)
    assert type(ours["p"]) is Point and ours["p"].x.tolist() == theirs["p"].x.tolist()
    assert str(ours["p"].y.dtype) == str(theirs["p"].y.dtype) and ours["img"].shape == (3, 2, 2)
    assert ours["tag"] == theirs["tag"]
    for kw, message in [(dict(num_workers=-1), "num_workers option should be non-negative"),
                        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
                        (dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
                        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
                        (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last")]:
        with pytest.raises(ValueError, match=message):
            mt.utils.data.DataLoader(list(range(4)), **kw)
        with pytest.raises(ValueError, match=message):
            torch.utils.data.DataLoader(list(range(4)), **kw)
