# %% [markdown]
# # 06 · Transfer learning: a pretrained EfficientNet-B0 with a new head
#
# The course downloads ImageNet weights; here torchvision saves a randomly initialised EfficientNet-B0 in
# a temporary hub cache under the weights' own file name, and both libraries load it from there exactly
# as they would load the real file. The steps are the course's: the weights' transforms, the model with
# its `features` frozen, a new `classifier` for three classes, a `torchinfo` summary, training, and
# predictions. minitorch and torch start from the same file and the same seed and train alike.

# %%
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

import minitorch
import torch as pytorch
from minitorch.testing.reference import import_torchvision
from minitorch.testing.stand_in_data import food_images, hub_with_random_weights
from minitorch.vision.models import EfficientNet_B0_Weights

torchvision = import_torchvision()
work = Path(tempfile.mkdtemp())
os.environ["TORCH_HOME"] = str(work / "torch_home")           # where both libraries look for weights
print(hub_with_random_weights(work / "torch_home" / "hub", EfficientNet_B0_Weights.DEFAULT))
data = food_images(work / "pizza_steak_sushi", train_per_class=4, test_per_class=2)

# %% [markdown]
# The weights carry their preprocessing: resize to 256, crop 224, scale to [0, 1], normalise.

# %%
weights = minitorch.vision.models.EfficientNet_B0_Weights.DEFAULT
auto_transforms = weights.transforms()
print(auto_transforms)
image = Image.open(sorted(data.glob("train/*/*.jpg"))[0])
theirs = torchvision.models.EfficientNet_B0_Weights.DEFAULT.transforms()(image)
assert np.allclose(auto_transforms(image).numpy(), theirs.numpy(), atol=1e-6)

# %% [markdown]
# The model: load the weights, freeze the features, replace the classifier.

# %%
def feature_extractor(torch, vision, classes=3):
    model = vision.models.efficientnet_b0(weights=vision.models.EfficientNet_B0_Weights.DEFAULT)
    for param in model.features.parameters():
        param.requires_grad = False
    torch.manual_seed(42)
    model.classifier = torch.nn.Sequential(torch.nn.Dropout(p=0.2, inplace=True),
                                           torch.nn.Linear(in_features=1280, out_features=classes, bias=True))
    return model

model = feature_extractor(minitorch, minitorch.vision)
print(model.classifier)

# %% [markdown]
# `torchinfo` imports torch, so it summarises minitorch's model in a process where `import torch` is
# minitorch (`minitorch.as_torch()`, what `minitorch run` does); torch's summary comes from a second
# process. The tables are the same, byte for byte.

# %%
import subprocess
import sys
import textwrap

script = work / "summary.py"
script.write_text(textwrap.dedent('''
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
    model = torchvision.models.efficientnet_b0(weights=torchvision.models.EfficientNet_B0_Weights.DEFAULT)
    for param in model.features.parameters():
        param.requires_grad = False
    torch.manual_seed(42)
    model.classifier = torch.nn.Sequential(torch.nn.Dropout(p=0.2, inplace=True), torch.nn.Linear(1280, 3))
    print(summary(model, input_size=(8, 3, 224, 224), verbose=0, col_width=16, row_settings=["var_names"],
                  col_names=["input_size", "output_size", "num_params", "trainable"], depth=2))
'''))
tables = {lib: subprocess.run([sys.executable, str(script), lib], capture_output=True, text=True, check=True,
                              timeout=600).stdout for lib in ("minitorch", "torch")}
print(tables["minitorch"])
assert tables["minitorch"] == tables["torch"]

# %% [markdown]
# One epoch of training and an evaluation, in both libraries:

# %%
def train(torch, vision, epochs=1):
    model = feature_extractor(torch, vision)
    tf = vision.models.EfficientNet_B0_Weights.DEFAULT.transforms()
    train_data = vision.datasets.ImageFolder(data / "train", transform=tf)
    test_data = vision.datasets.ImageFolder(data / "test", transform=tf)
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(train_data, batch_size=6, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    losses = []
    for epoch in range(epochs):
        model.train()
        for X, y in loader:
            loss = torch.nn.functional.cross_entropy(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.inference_mode():
        X = torch.stack([x for x, _ in test_data])
        probs = model(X).softmax(dim=1)
    return model, np.array(losses), probs.numpy()

model, losses, probs = train(minitorch, minitorch.vision)
_, torch_losses, torch_probs = train(pytorch, torchvision)
print("losses", losses, "\ntorch ", torch_losses)
assert np.allclose(losses, torch_losses, rtol=1e-4, atol=1e-5)
assert np.allclose(probs, torch_probs, atol=1e-4)

# %% [markdown]
# A prediction on one image, as the course plots it:

# %%
classes = sorted(p.name for p in (data / "train").iterdir())
path = sorted(data.glob("test/*/*.jpg"))[0]
with minitorch.inference_mode():
    p = model(auto_transforms(Image.open(path)).unsqueeze(0)).softmax(dim=1)
plt.figure(figsize=(3, 3))
plt.imshow(Image.open(path)); plt.axis(False)
plt.title(f"Pred: {classes[p.argmax().item()]} | Prob: {p.max().item():.3f}");
