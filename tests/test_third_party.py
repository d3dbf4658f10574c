"""Third-party torch libraries running on minitorch through `minitorch.as_torch()`: torchinfo's model
summary of torchvision's models prints the same table as with torch (each library in its own process,
since `as_torch` must come before anything imports torch)."""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torchinfo")

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


@pytest.mark.parametrize("model", ["efficientnet_b0", "resnet18"])
def test_torchinfo_summary_matches_torchs(tmp_path, model):
    script = tmp_path / "summary.py"
    script.write_text(_SCRIPT)
    tables = [subprocess.run([sys.executable, str(script), lib, model], capture_output=True, text=True,
                             timeout=300, check=True).stdout for lib in ("torch", "minitorch")]
    assert "Total params" in tables[0] and "Trainable params" in tables[0]
    assert tables[1] == tables[0]
