# %% [markdown]
# # 09 · Deployment: which model to ship
#
# Chapter 09 compares two feature extractors for a small food classifier, EfficientNet-B2 and ViT-B/16,
# on what deployment cares about: size on disk, time per prediction, and a `predict` function that
# takes an image and returns class probabilities and the time it took. Pretrained weights come from a
# hub cache of torchvision-saved random weights (no download); each model's head is new, for three
# classes, and set from a seed, so minitorch and torch give the same probabilities.

# %%
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

import minitorch
import torch as pytorch
from minitorch.testing.reference import import_torchvision
from minitorch.testing.stand_in_data import food_images, hub_with_random_weights
from minitorch.vision import models

torchvision = import_torchvision()
work = Path(tempfile.mkdtemp())
os.environ["TORCH_HOME"] = str(work / "torch_home")
for weights in (models.EfficientNet_B2_Weights.DEFAULT, models.ViT_B_16_Weights.DEFAULT):
    hub_with_random_weights(work / "torch_home" / "hub", weights)
data = food_images(work / "pizza_steak_sushi", train_per_class=1, test_per_class=3)
class_names = sorted(p.name for p in (data / "test").iterdir())

# %%
def feature_extractor(name, torch, vision, classes=3):
    """The model with its pretrained weights frozen and a new head for `classes` (set from a seed)."""
    builder, weights, head, features = {"effnetb2": ("efficientnet_b2", "EfficientNet_B2_Weights", "classifier", 1408),
                                        "vit": ("vit_b_16", "ViT_B_16_Weights", "heads", 768)}[name]
    weights = getattr(vision.models, weights).DEFAULT
    model = getattr(vision.models, builder)(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    torch.manual_seed(42)
    new_head = torch.nn.Linear(features, classes)
    setattr(model, head, torch.nn.Sequential(torch.nn.Dropout(p=0.3, inplace=True), new_head) if name == "effnetb2"
            else new_head)
    return model.eval(), weights.transforms()

# %% [markdown]
# Size on disk: save each state dict and measure the file.

# %%
sizes = {}
for name in ("effnetb2", "vit"):
    model, _ = feature_extractor(name, minitorch, minitorch.vision)
    path = work / f"{name}_feature_extractor.pth"
    minitorch.save(model.state_dict(), path)
    sizes[name] = path.stat().st_size / 2 ** 20
    params = sum(p.numel() for p in model.parameters())
    print(f"{name:9s} {params:>12,} parameters  {sizes[name]:7.1f} MB")
assert sizes["vit"] > 8 * sizes["effnetb2"]

# %% [markdown]
# `predict`: one image in, probabilities per class and the seconds it took out.

# %%
def predict(model, transform, image):
    start = time.perf_counter()
    with minitorch.inference_mode():
        probs = model(transform(image).unsqueeze(0)).softmax(dim=1)[0]
    return {c: float(p) for c, p in zip(class_names, probs)}, round(time.perf_counter() - start, 4)

images = [Image.open(p) for p in sorted(data.glob("test/*/*.jpg"))]
for name in ("effnetb2", "vit"):
    model, transform = feature_extractor(name, minitorch, minitorch.vision)
    times = []
    for image in images:
        probs, seconds = predict(model, transform, image)
        times.append(seconds)
    their_model, their_transform = feature_extractor(name, pytorch, torchvision)
    with pytorch.inference_mode():
        theirs = their_model(their_transform(images[-1]).unsqueeze(0)).softmax(dim=1)[0].numpy()
    print(f"{name:9s} {np.mean(times) * 1000:7.1f} ms per image; last: {probs}")
    assert np.allclose(list(probs.values()), theirs, atol=1e-4)
