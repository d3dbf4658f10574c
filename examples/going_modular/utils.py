"""Saving a model's state_dict under a directory."""
from pathlib import Path

import torch


def save_model(model, target_dir: str, model_name: str) -> Path:
    if not model_name.endswith((".pth", ".pt")):
        raise AssertionError("model_name should end with '.pt' or '.pth'")
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    path = target / model_name
    print(f"[INFO] Saving model to: {path}")
    torch.save(obj=model.state_dict(), f=path)
    return path
