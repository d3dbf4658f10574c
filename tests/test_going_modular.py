"""The course's going_modular workflow (data_setup, model_builder, engine, utils, train.py, all written with
`import torch`) run unchanged with torch and with `minitorch run`: the same epochs, losses and accuracies,
and a saved model torch loads."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
SCRIPTS = Path(__file__).parents[1] / "examples" / "going_modular"


def _image_folder(root: Path) -> Path:
    """A pizza/steak/sushi-like folder: train and test splits, one sub-folder per class."""
    from minitorch.testing.stand_in_data import food_images
    return food_images(root, train_per_class=6, test_per_class=3, size=48)


def _train(command, data: Path, out: Path) -> list[str]:
    done = subprocess.run(command + ["--data", str(data), "--epochs", "3", "--batch_size", "4", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, env={**__import__("os").environ,
                                                                           "DETERMINISTIC": "1"})
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("Epoch")]


# the real torchvision needs its operator schemas declared first (see minitorch.testing.reference)
_WITH_TORCH = ("import runpy, sys; from minitorch.testing.reference import import_torchvision; import_torchvision(); "
               "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def test_going_modular_trains_as_with_torch(tmp_path):
    data = _image_folder(tmp_path / "pizza_steak_sushi")
    train = str(SCRIPTS / "train.py")
    with_torch = _train([sys.executable, "-c", _WITH_TORCH, train], data, tmp_path / "torch")
    with_minitorch = _train([sys.executable, "-m", "minitorch.cli", "run", train], data, tmp_path / "minitorch")
    assert len(with_torch) == len(with_minitorch) == 3
    for ours, theirs in zip(with_minitorch, with_torch):
        got = [float(v) for v in re.findall(r"\d+\.\d+", ours)]
        want = [float(v) for v in re.findall(r"\d+\.\d+", theirs)]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-6)
    saved = torch.load(tmp_path / "minitorch" / "05_going_modular_tinyvgg.pth", weights_only=True)
    reference = torch.load(tmp_path / "torch" / "05_going_modular_tinyvgg.pth", weights_only=True)
    assert list(saved) == list(reference)
    # Adam steps by lr · m/(√v + ε): where a gradient is float32 noise (~0) the step is still about lr, so the
    # weights may part by up to lr (1e-3) per step even as every logged loss and accuracy agrees
    for key in reference:
        np.testing.assert_allclose(saved[key].numpy(), reference[key].numpy(), rtol=1e-4, atol=1e-3, err_msg=key)


def test_transfer_learning_and_deployment_as_with_torch(tmp_path):
    """Chapters 06 and 09: torchvision-saved weights in a temporary hub cache, the weights' transforms, a frozen
    EfficientNet-B0 with a new head trained for two epochs, saved, and a timed prediction on a PIL image."""
    from minitorch.testing.reference import import_torchvision
    torchvision = import_torchvision()
    data = _image_folder(tmp_path / "pizza_steak_sushi")
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.efficientnet_b0().state_dict(), checkpoints / "efficientnet_b0_rwightman-7f5810bc.pth")
    env = {**__import__("os").environ, "TORCH_HOME": str(tmp_path / "torch_home"), "DETERMINISTIC": "1"}
    script = str(SCRIPTS / "transfer.py")
    outputs = []
    for command, out in (([sys.executable, "-c", _WITH_TORCH, script], "torch"),
                         ([sys.executable, "-m", "minitorch.cli", "run", script], "minitorch")):
        done = subprocess.run(command + ["--data", str(data), "--out", str(tmp_path / out)], capture_output=True,
                              text=True, timeout=900, env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.splitlines())
    theirs, ours = outputs
    assert len(ours) == len(theirs) == 5  # two epochs, the save, the size, the prediction
    for mine, want in zip(ours, theirs):
        if mine.startswith(("Epoch", "Prediction")):
            np.testing.assert_allclose([float(v) for v in re.findall(r"\d+\.\d+", mine)],
                                       [float(v) for v in re.findall(r"\d+\.\d+", want)], rtol=1e-4, atol=2e-6)
        elif mine.startswith("Model size"):
            assert mine == want == "Model size: 15 MB"
    assert ours[-1].endswith("seconds > 0: True")
    saved = torch.load(tmp_path / "minitorch" / "effnetb0_feature_extractor.pth", weights_only=True)
    model = torchvision.models.efficientnet_b0(num_classes=3)
    model.load_state_dict(saved)  # what minitorch trained, in torchvision's model class


def test_experiment_tracking_as_with_torch(tmp_path):
    """Chapter 07: the same runs and scalars in the event files, and a graph, whichever library wrote them."""
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
    data = _image_folder(tmp_path / "pizza_steak_sushi")
    script = str(SCRIPTS / "track.py")
    env = {**__import__("os").environ, "DETERMINISTIC": "1"}
    logs = {}
    for command, name in (([sys.executable, "-c", _WITH_TORCH, script], "torch"),
                          ([sys.executable, "-m", "minitorch.cli", "run", script], "minitorch")):
        done = subprocess.run(command + ["--data", str(data), "--out", str(tmp_path / name)], capture_output=True,
                              text=True, timeout=600, env=env)
        assert done.returncode == 0, done.stderr
        mux = EventMultiplexer()
        mux.AddRunsFromDirectory(str(tmp_path / name))
        mux.Reload()
        logs[name] = {run: {tag: [(e.step, e.value) for e in mux.Scalars(run, tag)]
                            for tag in mux.GetAccumulator(run).Tags()["scalars"]} for run in mux.Runs()}
        graph_runs = [run for run in mux.Runs() if mux.GetAccumulator(run).Tags()["graph"]]
        assert graph_runs == ["data_10_percent/tinyvgg"]
    assert sorted(logs["minitorch"]) == sorted(logs["torch"]) == [
        "data_10_percent/tinyvgg", "data_10_percent/tinyvgg/Accuracy_test_acc", "data_10_percent/tinyvgg/Accuracy_train_acc",
        "data_10_percent/tinyvgg/Loss_test_loss", "data_10_percent/tinyvgg/Loss_train_loss"]
    for run, tags in logs["torch"].items():
        assert sorted(logs["minitorch"][run]) == sorted(tags)
        for tag, points in tags.items():
            got = logs["minitorch"][run][tag]
            assert [step for step, _ in got] == [step for step, _ in points] == [0, 1]
            np.testing.assert_allclose([v for _, v in got], [v for _, v in points], rtol=1e-4, atol=2e-6)
