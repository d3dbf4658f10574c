"""Third-party torch libraries running on minitorch through `minitorch.as_torch()`: torchinfo's model
summary of torchvision's models prints the same table as with torch, and torchmetrics' classification
metrics give torch's numbers (each library in its own process, since `as_torch` must come before anything
imports torch)."""
import importlib.util
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent('''
    import sys
    if sys.argv[1] == "minitorch":
        import minitorch
        minitorch.as_torch()
        import torch, torchvision
    else:
        import torch
        from minitorch.testing.reference import import_torchvision
        torchvision = import_torchvision()
    from torchinfo import summary
    torch.manual_seed(0)
    model = getattr(torchvision.models, sys.argv[2])()
    for p in model.features.parameters() if hasattr(model, "features") else model.layer1.parameters():
        p.requires_grad = False  # the course freezes the base before printing the summary
    print(summary(model, input_size=(2, 3, 64, 64), col_names=["input_size", "output_size", "num_params",
                                                                "trainable"], col_width=20,
                  row_settings=["var_names"], verbose=0))
''')


def _outputs(tmp_path, script_text, *args):
    """What the script prints with torch, then with minitorch standing in for it."""
    script = tmp_path / "script.py"
    script.write_text(script_text)
    return [subprocess.run([sys.executable, str(script), lib, *args], capture_output=True, text=True, timeout=300,
                           check=True).stdout for lib in ("torch", "minitorch")]


@pytest.mark.parametrize("model", ["efficientnet_b0", "resnet18"])
@pytest.mark.skipif(importlib.util.find_spec("torchinfo") is None, reason="torchinfo is not installed")
def test_torchinfo_summary_matches_torchs(tmp_path, model):
    tables = _outputs(tmp_path, _SCRIPT, model)
    assert "Total params" in tables[0] and "Trainable params" in tables[0]
    assert tables[1] == tables[0]


_METRICS = textwrap.dedent('''
    import sys
    if sys.argv[1] == "minitorch":
        import minitorch
        minitorch.as_torch()
        import torch
    else:
        import torch
        from minitorch.testing.reference import import_torchvision
        import_torchvision()  # torchmetrics imports torchvision's transforms
    from torchmetrics import Accuracy, ConfusionMatrix, F1Score, Precision, Recall
    from torchmetrics.functional import accuracy
    torch.manual_seed(0)
    logits = torch.randn(12, 4)
    target = torch.randint(0, 4, (12,))
    preds = logits.argmax(dim=1)
    acc = Accuracy(task="multiclass", num_classes=4)
    print("accuracy", acc(preds, target), acc(logits, target), acc.compute())
    acc.reset()
    for i in range(3):  # accumulated over batches, as the course's test loops do
        acc.update(logits[4 * i:4 * i + 4], target[4 * i:4 * i + 4])
    print("over batches", acc.compute())
    print("top-2", Accuracy(task="multiclass", num_classes=4, top_k=2)(logits, target))
    print("macro", Accuracy(task="multiclass", num_classes=4, average="macro")(logits, target))
    print("binary", Accuracy(task="binary")(torch.sigmoid(logits[:, 0]), (target > 1).int()))
    print("functional", accuracy(preds, target, task="multiclass", num_classes=4))
    print("confusion", ConfusionMatrix(task="multiclass", num_classes=4)(preds, target))
    print("normalised", ConfusionMatrix(task="multiclass", num_classes=4, normalize="true")(preds, target))
    for metric in (F1Score, Precision, Recall):
        print(metric.__name__, metric(task="multiclass", num_classes=4, average="macro")(logits, target))
''')


@pytest.mark.skipif(importlib.util.find_spec("torchmetrics") is None, reason="torchmetrics is not installed")
def test_torchmetrics_classification_metrics_match_torchs(tmp_path):
    printed = _outputs(tmp_path, _METRICS)
    assert "confusion tensor([[" in printed[0] and "Recall tensor(" in printed[0]
    assert printed[1] == printed[0]
