"""minitorch.utils.tensorboard.SummaryWriter against torch's: the same calls, read back with
TensorBoard's EventAccumulator, give the same runs, tags, steps and values."""
import numpy as np
import pytest

import minitorch

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")


def _write(writer_class, lib, log_dir):
    rng = np.random.default_rng(0)
    with writer_class(log_dir=str(log_dir)) as writer:
        for step in range(3):
            writer.add_scalar("Loss/train", lib.tensor(0.5 / (step + 1)), step, walltime=100.0 + step)
            writer.add_scalars("Loss", {"train": 0.5 / (step + 1), "test": 0.7 / (step + 1)}, step,
                               walltime=100.0 + step)
        values = rng.standard_normal(1000).astype(np.float32)
        writer.add_histogram("weights", lib.tensor(values), 1, walltime=101.0)
        writer.add_histogram("weights_auto", values, 2, bins="auto", max_bins=7, walltime=102.0)
        writer.add_image("image", lib.tensor(rng.random((3, 8, 10)).astype(np.float32)), 0, walltime=103.0)
        writer.add_image("grey_hw", rng.integers(0, 256, (6, 5), dtype=np.uint8), 0, walltime=103.0,
                         dataformats="HW")
        writer.add_images("batch", lib.tensor(rng.random((10, 1, 4, 4)).astype(np.float32)), 0, walltime=104.0)
        writer.add_text("notes", "TinyVGG, **lr** 1e-3", 5, walltime=105.0)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        figure = plt.figure(figsize=(2, 1.5), dpi=40)
        plt.plot([0, 1, 2], [3, 1, 2])
        writer.add_figure("curve", figure, 7, walltime=106.0)


def _read(log_dir):
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
    mux = EventMultiplexer()
    mux.AddRunsFromDirectory(str(log_dir))
    mux.Reload()
    runs = {}
    for run in mux.Runs():
        acc = mux.GetAccumulator(run)
        tags = acc.Tags()
        runs[run] = {
            "scalars": {t: [(e.step, e.wall_time, e.value) for e in acc.Scalars(t)] for t in tags["scalars"]},
            "histograms": {t: [(e.step, e.histogram_value) for e in acc.Histograms(t)] for t in tags["histograms"]},
            "images": {t: [(e.step, e.width, e.height, e.encoded_image_string) for e in acc.Images(t)]
                       for t in tags["images"]},
            "tensors": {t: [(e.step, e.tensor_proto.string_val) for e in acc.Tensors(t)] for t in tags["tensors"]},
        }
    return runs


def test_summary_writer_records_what_torchs_records(tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from minitorch.utils.tensorboard import SummaryWriter
    _write(TorchWriter, torch, tmp_path / "torch")
    _write(SummaryWriter, minitorch, tmp_path / "minitorch")
    want, got = _read(tmp_path / "torch"), _read(tmp_path / "minitorch")
    assert sorted(got) == sorted(want) == [".", "Loss_test", "Loss_train"]
    main = got["."]
    assert [v for _, _, v in main["scalars"]["Loss/train"]] == pytest.approx([0.5, 0.25, 0.5 / 3])
    assert sorted(main["histograms"]) == ["weights", "weights_auto"]
    assert sorted(main["images"]) == ["batch", "curve", "grey_hw", "image"]
    assert main["tensors"]["notes/text_summary"][0][1] == [b"TinyVGG, **lr** 1e-3"]
    assert got == want


def test_summary_writer_names_its_run_as_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from minitorch.utils.tensorboard import SummaryWriter
    writer = SummaryWriter(comment="_effnetb0")
    import socket
    assert writer.log_dir.startswith("runs/") and writer.log_dir.endswith(socket.gethostname() + "_effnetb0")
    writer.add_scalar("x", 1.0, 0)
    writer.close()
    writer.add_scalar("x", 2.0, 1)  # a closed writer opens a new event file
    writer.close()
    assert len(list((tmp_path / writer.log_dir).glob("events.out.tfevents.*"))) == 2
    with pytest.raises(AssertionError, match="one element"):
        SummaryWriter(str(tmp_path / "r")).add_scalar("x", minitorch.ones(2))


def test_add_graph_has_torchs_module_scopes_and_shapes(tmp_path):
    """The graph comes from minitorch's own trace, torch's from TorchScript: their op names differ (aten::convolution
    against aten::_convolution), but the nodes sit in the same module scopes, fed by the same input node, with the
    same output shape at the end."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from minitorch.demo import tiny_vgg_class
    from minitorch.utils.tensorboard import SummaryWriter
    graphs = {}
    for lib, writer_class in ((torch, TorchWriter), (minitorch, SummaryWriter)):
        lib.manual_seed(0)
        model = tiny_vgg_class(lib.nn)(3, 4, 2, 8)
        with writer_class(log_dir=str(tmp_path / lib.__name__)) as writer:
            writer.add_graph(model, lib.randn(2, 3, 8, 8))
        acc = EventAccumulator(str(tmp_path / lib.__name__))
        acc.Reload()
        assert acc.Tags()["run_metadata"] == ["step1"]
        graphs[lib.__name__] = acc.Graph()
    scopes = {name: sorted({n.name.rsplit("/", 1)[0] for n in g.node if n.op.startswith("aten::")})
              for name, g in graphs.items()}
    assert scopes["minitorch"] == scopes["torch"] and "TinyVGG/Sequential[conv_block_1]/Conv2d[0]" in scopes["torch"]
    for g in graphs.values():
        io = {n.name: n for n in g.node if n.op == "IO Node"}
        assert sorted(io) == ["input/x", "output/output.1"]
        assert [d.size for d in io["output/output.1"].attr["_output_shapes"].list.shape[0].dim] == [2, 2]
    ours = {n.name: n for n in graphs["minitorch"].node}
    conv = next(n for n in ours.values() if n.name.startswith("TinyVGG/Sequential[conv_block_1]/Conv2d[0]/") and
                n.op.startswith("aten::"))
    assert list(conv.input)[0] == "input/x" and all(i in ours for i in conv.input)


def test_add_hparams_records_what_torchs_records(tmp_path):
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
    from tensorboard.plugins.hparams import plugin_data_pb2
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from minitorch.utils.tensorboard import SummaryWriter
    hparams = {"lr": 1e-3, "batch_size": 32, "model": "effnetb0", "augment": True, "skipped": None}
    for lib, writer_class in ((torch, TorchWriter), (minitorch, SummaryWriter)):
        with writer_class(log_dir=str(tmp_path / lib.__name__)) as writer:
            writer.add_hparams(hparams, {"hparam/accuracy": 0.75, "hparam/loss": lib.tensor(0.5)},
                               hparam_domain_discrete={"model": ["effnetb0", "effnetb2"]}, run_name="trial", global_step=3)
    found = {}
    for name in ("torch", "minitorch"):
        mux = EventMultiplexer()
        mux.AddRunsFromDirectory(str(tmp_path / name))
        mux.Reload()
        run = mux.GetAccumulator("trial")
        content = run.PluginTagToContent("hparams")
        found[name] = ({tag: plugin_data_pb2.HParamsPluginData.FromString(data) for tag, data in content.items()},
                       {tag: [(e.step, e.value) for e in run.Scalars(tag)] for tag in run.Tags()["scalars"]})
    assert found["minitorch"] == found["torch"]
    assert sorted(found["torch"][0]) == ["_hparams_/experiment", "_hparams_/session_end_info",
                                         "_hparams_/session_start_info"]
