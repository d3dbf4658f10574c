# %% [markdown]
# # 04 · Custom datasets: an image folder, transforms, a Dataset of our own
#
# A `pizza_steak_sushi`-style folder stands in for the course's download. It is read twice: by
# `datasets.ImageFolder`, and by a `Dataset` subclass written here. Images are augmented with
# `TrivialAugmentWide`, which after the same seed picks torch's operations and strengths. A TinyVGG
# trains on it in minitorch and in torch.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

import minitorch
import torch as pytorch
from minitorch.testing.reference import import_torchvision
from minitorch.testing.stand_in_data import food_images

torchvision = import_torchvision()
root = food_images(Path(tempfile.mkdtemp()) / "pizza_steak_sushi", train_per_class=16, test_per_class=6)
paths = sorted(root.glob("*/*/*.jpg"))
print(len(paths), "images;", [p.name for p in sorted((root / "train").iterdir())])

# %% [markdown]
# ## Transforms, as torchvision's
# The same seed gives the same augmented pixels in both libraries:

# %%
def transforms(vision):
    T = vision.transforms
    return T.Compose([T.Resize((32, 32)), T.TrivialAugmentWide(num_magnitude_bins=31), T.ToTensor()])

image = Image.open(paths[0])
minitorch.manual_seed(0)
ours = transforms(minitorch.vision)(image)
pytorch.manual_seed(0)
theirs = transforms(torchvision)(image)
assert np.array_equal(ours.numpy(), theirs.numpy())
plt.figure(figsize=(6, 3))
plt.subplot(1, 2, 1); plt.imshow(image); plt.title("original"); plt.axis(False)
plt.subplot(1, 2, 2); plt.imshow(ours.permute(1, 2, 0)); plt.title("augmented, 32x32"); plt.axis(False);

# %% [markdown]
# ## A Dataset of our own
# What `ImageFolder` does, written out: find the classes, list the files, open and transform on demand.

# %%
def image_folder_dataset(torch):
    class ImageFolderCustom(torch.utils.data.Dataset):
        def __init__(self, folder, transform=None):
            self.paths = sorted(Path(folder).glob("*/*.jpg"))
            self.classes = sorted(entry.name for entry in Path(folder).iterdir() if entry.is_dir())
            self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
            self.transform = transform

        def __len__(self):
            return len(self.paths)

        def __getitem__(self, index):
            image = Image.open(self.paths[index])
            label = self.class_to_idx[self.paths[index].parent.name]
            return (self.transform(image) if self.transform else image), label
    return ImageFolderCustom

custom = image_folder_dataset(minitorch)(root / "train", transform=minitorch.vision.transforms.ToTensor())
builtin = minitorch.vision.datasets.ImageFolder(root / "train", transform=minitorch.vision.transforms.ToTensor())
assert custom.classes == builtin.classes and len(custom) == len(builtin)
assert all(minitorch.equal(custom[i][0], builtin[i][0]) and custom[i][1] == builtin[i][1] for i in range(len(custom)))
print(custom.class_to_idx, len(custom))

# %% [markdown]
# ## TinyVGG on the folder, in both libraries

# %%
def train(torch, vision, epochs=4):
    torch.manual_seed(42)
    train_data = image_folder_dataset(torch)(root / "train", transform=transforms(vision))
    test_data = image_folder_dataset(torch)(root / "test", transform=vision.transforms.Compose(
        [vision.transforms.Resize((32, 32)), vision.transforms.ToTensor()]))
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 8 * 8, 3))
    loader = torch.utils.data.DataLoader(train_data, batch_size=8, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for X, y in loader:
            loss = torch.nn.functional.cross_entropy(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        model.eval()
        with torch.inference_mode():
            X = torch.stack([test_data[i][0] for i in range(len(test_data))])
            y = torch.tensor([test_data[i][1] for i in range(len(test_data))])
            accuracy = (model(X).argmax(1) == y).float().mean().item()
        history.append((total / len(loader), accuracy))
    return np.array(history)

history = train(minitorch, minitorch.vision)
torch_history = train(pytorch, torchvision)
print(history)
assert np.allclose(history, torch_history, rtol=1e-3, atol=1e-4)   # float32 sums in another order: 1e-3
plt.figure(figsize=(6, 3))
plt.subplot(1, 2, 1); plt.plot(history[:, 0]); plt.plot(torch_history[:, 0], "k:"); plt.title("train loss")
plt.subplot(1, 2, 2); plt.plot(history[:, 1]); plt.plot(torch_history[:, 1], "k:"); plt.title("test accuracy");
