# %% [markdown]
# # 03 · Computer vision: FashionMNIST and TinyVGG
#
# FashionMNIST's files are replaced by a local stand-in in the same IDX format (scikit-learn's digits
# scaled to 28x28, under FashionMNIST's class names), read by `datasets.FashionMNIST` as the real ones
# would be. A TinyVGG is trained in minitorch and, from the same seed and the same shuffled batches, in
# torch; the losses agree step by step.

# %%
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

import minitorch
import torch as pytorch
from minitorch.testing.reference import import_torchvision
from minitorch.testing.stand_in_data import fashion_mnist

torchvision = import_torchvision()
root = fashion_mnist(tempfile.mkdtemp(), train=640, test=160)

def data(torch, vision):
    train = vision.datasets.FashionMNIST(root, train=True, download=False, transform=vision.transforms.ToTensor())
    test = vision.datasets.FashionMNIST(root, train=False, download=False, transform=vision.transforms.ToTensor())
    return train, test

train_data, test_data = data(minitorch, minitorch.vision)
image, label = train_data[0]
print(len(train_data), len(test_data), image.shape, train_data.classes[label])

# %%
fig = plt.figure(figsize=(8, 3))
for i in range(12):
    img, lab = train_data[i]
    fig.add_subplot(2, 6, i + 1)
    plt.imshow(img.squeeze(), cmap="gray"); plt.title(train_data.classes[lab], fontsize=7); plt.axis(False)

# %% [markdown]
# TinyVGG: two blocks of (conv, ReLU, conv, ReLU, max-pool) and a linear classifier.

# %%
def tiny_vgg(nn, hidden=10, classes=10):
    def block(cin):
        return nn.Sequential(nn.Conv2d(cin, hidden, 3, padding=1), nn.ReLU(), nn.Conv2d(hidden, hidden, 3, padding=1),
                             nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(block(1), block(hidden), nn.Flatten(), nn.Linear(hidden * 7 * 7, classes))

def train(torch, vision, epochs=2, progress=False):
    train_data, test_data = data(torch, vision)
    torch.manual_seed(42)
    model = tiny_vgg(torch.nn)
    loader = torch.utils.data.DataLoader(train_data, batch_size=32, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_data, batch_size=32)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    losses, accuracies = [], []
    for epoch in tqdm(range(epochs), disable=not progress):
        model.train()
        for X, y in loader:
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.inference_mode():
            correct = sum((model(X).argmax(1) == y).sum().item() for X, y in test_loader)
        accuracies.append(correct / len(test_data))
    return model, np.array(losses), accuracies

model, losses, accuracies = train(minitorch, minitorch.vision, progress=True)
_, torch_losses, torch_accuracies = train(pytorch, torchvision)
print("test accuracy per epoch:", accuracies, " torch:", torch_accuracies)
assert np.allclose(losses, torch_losses, rtol=1e-3, atol=1e-4)   # float32 sums in another order: 1e-3
assert accuracies == torch_accuracies and accuracies[-1] > 0.7

# %%
plt.figure(figsize=(6, 3))
plt.plot(losses, label="minitorch"); plt.plot(torch_losses, "k:", label="torch")
plt.xlabel("step"); plt.ylabel("training loss"); plt.legend();

# %% [markdown]
# Predictions on test images, titled green when right:

# %%
fig = plt.figure(figsize=(8, 3))
with minitorch.inference_mode():
    for i in range(12):
        img, lab = test_data[i]
        pred = model(img.unsqueeze(0)).softmax(1).argmax(1).item()
        fig.add_subplot(2, 6, i + 1)
        plt.imshow(img.squeeze(), cmap="gray"); plt.axis(False)
        plt.title(test_data.classes[pred], fontsize=7, color="g" if pred == lab else "r")
