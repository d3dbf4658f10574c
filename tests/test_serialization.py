"""save / load: round trips, safety (no code from files) and atomic writes."""
import os
import pickle

import numpy as np
import pytest

import minitorch as mt


def test_model_and_optimizer_round_trip(tmp_path):
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.BatchNorm1d(4), mt.nn.Linear(4, 2))
    opt = mt.optim.Adam(model.parameters())
    model(mt.randn(5, 3)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    mt.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3, "note": "x", "t": (1, None)}, path)
    ckpt = mt.load(path)
    assert ckpt["epoch"] == 3 and ckpt["note"] == "x" and ckpt["t"] == (1, None)
    fresh = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.BatchNorm1d(4), mt.nn.Linear(4, 2))
    fresh.load_state_dict(ckpt["model"])
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype is b.dtype, k
    opt2 = mt.optim.Adam(fresh.parameters())
    opt2.load_state_dict(ckpt["opt"])
    assert opt2.state[fresh[0].weight]["step"] == 1
    assert list(ckpt["model"]) == list(model.state_dict())


def test_parameters_and_file_objects():
    import io
    buf = io.BytesIO()
    p = mt.nn.Parameter(mt.ones(2))
    mt.save([p, mt.tensor([1, 2])], buf)
    buf.seek(0)
    q, t = mt.load(buf, map_location="cpu")
    assert isinstance(q, mt.nn.Parameter) and q.requires_grad and t.dtype is mt.int64


def test_refuses_objects_and_pickles(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        mt.save(mt.nn.Linear(2, 2), tmp_path / "m.pt")
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="Invalid minitorch checkpoint"):
        mt.load(evil)
    with pytest.raises(RuntimeError, match="never unpickles"):
        mt.load(evil, weights_only=False)


def test_failed_save_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "ckpt.pt"
    mt.save({"w": mt.ones(2)}, path)
    with pytest.raises(TypeError):
        mt.save({"w": mt.zeros(2), "bad": object()}, path)
    assert mt.load(path)["w"].tolist() == [1.0, 1.0]
    assert [f for f in os.listdir(tmp_path) if f.startswith(".minitorch-save")] == []
