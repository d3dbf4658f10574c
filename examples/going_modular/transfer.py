"""Chapters 06 and 09: an EfficientNet-B0 feature extractor fine-tuned on an image folder, then timed per
image and measured on disk: `python transfer.py --data DIR --out DIR` (the weights come from the hub cache)."""
import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data_setup, engine, utils  # noqa: E401,E402

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()

weights = torchvision.models.EfficientNet_B0_Weights.DEFAULT
auto_transforms = weights.transforms()
train_dataloader, test_dataloader, class_names = data_setup.create_dataloaders(
    os.path.join(args.data, "train"), os.path.join(args.data, "test"), auto_transforms, batch_size=4)
model = torchvision.models.efficientnet_b0(weights=weights)
for param in model.features.parameters():
    param.requires_grad = False
torch.manual_seed(42)
model.classifier = torch.nn.Sequential(torch.nn.Dropout(p=0.2, inplace=True),
                                       torch.nn.Linear(in_features=1280, out_features=len(class_names), bias=True))
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
engine.train(model, train_dataloader, test_dataloader, optimizer, torch.nn.CrossEntropyLoss(), args.epochs, "cpu")
path = utils.save_model(model, args.out, "effnetb0_feature_extractor.pth")
print(f"Model size: {Path(path).stat().st_size // (1024 * 1024)} MB")


def predict(img) -> tuple:
    """(probability per class, seconds taken) for one PIL image, as chapter 09's demo function."""
    start = time.perf_counter()
    model.eval()
    with torch.inference_mode():
        probs = torch.softmax(model(auto_transforms(img).unsqueeze(0)), dim=1)
    labels = {class_names[i]: float(probs[0][i]) for i in range(len(class_names))}
    return labels, round(time.perf_counter() - start, 5)


image = Image.open(next(Path(args.data, "test").rglob("*.jpg")))
labels, seconds = predict(image)
print("Prediction:", " ".join(f"{name}={p:.6f}" for name, p in sorted(labels.items())), "| seconds > 0:", seconds > 0)
