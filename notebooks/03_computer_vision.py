# %% [markdown]
# # 03 · Computer vision: FashionMNIST and TinyVGG
#
# FashionMNIST's files are replaced by a local stand-in in the same IDX format (scikit-learn's digits
# scaled to 28x28, under FashionMNIST's class names), read by `datasets.FashionMNIST` as the real ones
# would be. A TinyVGG is trained in minitorch and, from the same seed and the same shuffled batches, in
# torch; the loss curves agree, and stepped in lockstep from the same weights every gradient agrees to
# float32 rounding.

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
print("largest relative difference of the losses:", np.max(np.abs(losses - torch_losses) / torch_losses))
# Each library sums some gradients in its own order, so the weights differ by float32 rounding (about 1e-7)
# after a step. Sooner or later a max-pool window's two largest values fall within that of each other and
# the two pick different positions; from there the runs drift apart as any two float32 runs do, here to
# about 1e-2. The step-by-step comparison below, from the same weights each time, is the exact one.
assert np.allclose(losses, torch_losses, rtol=3e-2)
assert accuracies == torch_accuracies and accuracies[-1] > 0.7

# %% [markdown]
# In lockstep: before each step torch's weights are copied into a minitorch TinyVGG, the same batch goes
# through both, and the losses and every parameter's gradient are compared.

# %%
def lockstep(epochs=2):
    pytorch.manual_seed(42)
    theirs, ours = tiny_vgg(pytorch.nn), tiny_vgg(minitorch.nn)
    optimizer = pytorch.optim.Adam(theirs.parameters(), lr=0.003)
    loader = pytorch.utils.data.DataLoader(data(pytorch, torchvision)[0], batch_size=32, shuffle=True)
    loss_gap = grad_gap = 0.0
    for epoch in range(epochs):
        for X, y in loader:
            ours.load_state_dict({k: minitorch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
            ours.zero_grad()
            loss = minitorch.nn.functional.cross_entropy(ours(minitorch.tensor(X.numpy())), minitorch.tensor(y.numpy()))
            loss.backward()
            torch_loss = pytorch.nn.functional.cross_entropy(theirs(X), y)
            optimizer.zero_grad()
            torch_loss.backward()
            loss_gap = max(loss_gap, abs(loss.item() - torch_loss.item()) / torch_loss.item())
            for mine, reference in zip(ours.parameters(), theirs.parameters()):
                scale = reference.grad.abs().max().item()
                grad_gap = max(grad_gap, np.abs(mine.grad.numpy() - reference.grad.numpy()).max() / scale)
            optimizer.step()
    return loss_gap, grad_gap

loss_gap, grad_gap = lockstep()
print(f"from the same weights: losses within {loss_gap:.1e}, gradients within {grad_gap:.1e} of their largest value")
assert loss_gap < 1e-6 and grad_gap < 1e-5

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
