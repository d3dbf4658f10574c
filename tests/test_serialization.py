"""save / load: torch's file format both ways, round trips, safety (no code from files), atomic writes."""
import os
import pickle
import struct
import zipfile

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


def test_refuses_objects_and_foreign_code(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        mt.save(mt.nn.Linear(2, 2), tmp_path / "m.pt")
    not_zip = tmp_path / "plain.pt"
    not_zip.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="Invalid checkpoint"):
        mt.load(not_zip)
    # a torch-format archive whose pickle calls os.system must be refused, not run
    evil = tmp_path / "evil.pt"
    payload = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R."
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/version", "3\n")
    for weights_only in (True, False):
        with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL os.system"):
            mt.load(evil, weights_only=weights_only)


def _torch_state(path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                                torch.nn.Linear(2 * 4 * 4, 3))
    torch.save(model.state_dict(), path)
    return torch, model


def test_minitorch_reads_torch_checkpoints(tmp_path):
    path = tmp_path / "torch.pt"
    torch, model = _torch_state(path)
    state = mt.load(path, map_location=mt.device("cpu"))
    assert list(state) == list(model.state_dict())
    ours = mt.nn.Sequential(mt.nn.Conv2d(1, 2, 3), mt.nn.BatchNorm2d(2), mt.nn.Flatten(), mt.nn.Linear(32, 3))
    assert str(ours.load_state_dict(state)) == "<All keys matched successfully>"
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(state[k].numpy(), v.numpy())
        assert str(state[k].dtype) == str(v.dtype), k
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    model.eval(), ours.eval()
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(), model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_torch_reads_minitorch_checkpoints(tmp_path):
    torch = pytest.importorskip("torch")
    mt.manual_seed(1)
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.BatchNorm1d(4))
    base = mt.arange(12.0).reshape(3, 4)
    payload = {"model": model.state_dict(), "step": 7, "lr": 0.5, "name": "run", "shape": mt.Size([2, 3]),
               "dtype": mt.float16, "device": mt.device("cpu"), "param": mt.nn.Parameter(mt.ones(2)),
               "view_t": base.t(), "row": base[1], "flags": mt.tensor([True, False]),
               "ints": mt.tensor([1, 2], dtype=mt.int32), "half": mt.tensor([0.5], dtype=mt.float16)}
    path = tmp_path / "ours.pt"
    mt.save(payload, path)
    got = torch.load(path, weights_only=True)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(got["model"][k].numpy(), v.numpy())
    assert got["step"] == 7 and got["lr"] == 0.5 and got["name"] == "run"
    assert got["shape"] == torch.Size([2, 3]) and got["dtype"] is torch.float16 and got["device"] == torch.device("cpu")
    assert isinstance(got["param"], torch.nn.Parameter) and got["param"].requires_grad
    assert got["view_t"].stride() == (1, 4) and got["view_t"].tolist() == base.t().tolist()
    # views of one tensor keep sharing one storage, as torch saves them
    assert got["row"].storage_offset() == 4 and got["row"].untyped_storage().data_ptr() == \
        got["view_t"].untyped_storage().data_ptr()
    assert got["flags"].tolist() == [True, False] and got["ints"].dtype is torch.int32
    assert got["half"].dtype is torch.float16
    # and it comes back into minitorch unchanged
    back = mt.load(path)
    assert back["view_t"].tolist() == base.t().tolist() and back["shape"] == (2, 3) and back["dtype"] is mt.float16


def test_storages_are_aligned_for_memory_mapping(tmp_path):
    path = tmp_path / "a.pt"
    mt.save({"a": mt.ones(3), "b": mt.zeros(5, dtype=mt.float64)}, path)
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if "/data/" in info.filename:
                with open(path, "rb") as fh:
                    fh.seek(info.header_offset + 26)
                    name_len, extra_len = struct.unpack("<HH", fh.read(4))
                start = info.header_offset + 30 + name_len + extra_len
                assert start % 64 == 0, info.filename


def test_map_location_for_cuda_checkpoints(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "cuda.pt"
    mt.save({"w": mt.ones(2)}, path)
    # rewrite the location as torch would for a tensor saved from a GPU
    with zipfile.ZipFile(path) as z:
        records = {n: z.read(n) for n in z.namelist()}
    records["archive/data.pkl"] = records["archive/data.pkl"].replace(b"X\x03\x00\x00\x00cpu",
                                                                    b"X\x06\x00\x00\x00cuda:0")
    with zipfile.ZipFile(path, "w") as z:
        for n, data in records.items():
            z.writestr(n, data)
    if not mt.cuda.is_available():
        with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
            mt.load(path)
    for location in ("cpu", mt.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert mt.load(path, map_location=location)["w"].device == mt.device("cpu")


def test_failed_save_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "ckpt.pt"
    mt.save({"w": mt.ones(2)}, path)
    with pytest.raises(TypeError):
        mt.save({"w": mt.zeros(2), "bad": object()}, path)
    assert mt.load(path)["w"].tolist() == [1.0, 1.0]
    assert [f for f in os.listdir(tmp_path) if f.startswith(".minitorch-save")] == []
