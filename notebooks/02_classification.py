# %% [markdown]
# # 02 · Classification
#
# Two circles (binary, `BCEWithLogitsLoss`) and four blobs (multi-class, `CrossEntropyLoss`), each
# learned by a small network with ReLUs. Both are trained in minitorch and in torch from the same
# seed; the loss curves and accuracies agree.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs, make_circles
from sklearn.model_selection import train_test_split

import minitorch
import torch as pytorch

X, y = make_circles(1000, noise=0.03, random_state=42)
X, y = X.astype(np.float32), y.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
plt.figure(figsize=(4, 4))
plt.scatter(X[:, 0], X[:, 1], c=y, s=4, cmap=plt.cm.RdYlBu);

# %%
def train_circles(torch, epochs=1000):
    torch.manual_seed(42)
    model = torch.nn.Sequential(torch.nn.Linear(2, 10), torch.nn.ReLU(), torch.nn.Linear(10, 10), torch.nn.ReLU(),
                                torch.nn.Linear(10, 1))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    Xtr, ytr, Xte, yte = (torch.from_numpy(a) for a in (X_train, y_train, X_test, y_test))
    history = []
    for epoch in range(epochs):
        model.train()
        logits = model(Xtr).squeeze()
        loss = loss_fn(logits, ytr)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.inference_mode():
            test_pred = torch.round(torch.sigmoid(model(Xte).squeeze()))
            history.append((loss.item(), (test_pred == yte).float().mean().item()))
    return model, np.array(history)

model, history = train_circles(minitorch)
_, torch_history = train_circles(pytorch)
print(f"final loss {history[-1, 0]:.4f}, test accuracy {history[-1, 1]:.2%}")
assert np.allclose(history, torch_history, rtol=1e-4, atol=1e-5)
assert history[-1, 1] > 0.95   # the ReLUs let it bend the boundary into a circle

# %% [markdown]
# The decision boundary: the model's prediction over a grid.

# %%
def plot_decision_boundary(model, X, y):
    xx, yy = np.meshgrid(np.linspace(X[:, 0].min() - 0.1, X[:, 0].max() + 0.1, 101),
                         np.linspace(X[:, 1].min() - 0.1, X[:, 1].max() + 0.1, 101))
    grid = minitorch.from_numpy(np.c_[xx.ravel(), yy.ravel()].astype(np.float32))
    with minitorch.inference_mode():
        logits = model(grid)
    pred = logits.softmax(1).argmax(1) if logits.shape[1] > 1 else minitorch.round(minitorch.sigmoid(logits))
    plt.contourf(xx, yy, pred.reshape(xx.shape).numpy(), cmap=plt.cm.RdYlBu, alpha=0.7)
    plt.scatter(X[:, 0], X[:, 1], c=y, s=4, cmap=plt.cm.RdYlBu)

plt.figure(figsize=(4, 4))
plot_decision_boundary(model, X_test, y_test)

# %% [markdown]
# ## Multi-class: four blobs

# %%
X_blob, y_blob = make_blobs(1000, n_features=2, centers=4, cluster_std=1.5, random_state=42)
X_blob, y_blob = X_blob.astype(np.float32), y_blob.astype(np.int64)
Xb_train, Xb_test, yb_train, yb_test = train_test_split(X_blob, y_blob, test_size=0.2, random_state=42)

def train_blobs(torch, epochs=100):
    torch.manual_seed(42)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 4))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    Xtr, ytr, Xte, yte = (torch.from_numpy(a) for a in (Xb_train, yb_train, Xb_test, yb_test))
    for epoch in range(epochs):
        loss = loss_fn(model(Xtr), ytr)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.inference_mode():
        accuracy = (model(Xte).argmax(dim=1) == yte).float().mean().item()
    return model, loss.item(), accuracy

blob_model, loss, accuracy = train_blobs(minitorch)
_, torch_loss, torch_accuracy = train_blobs(pytorch)
print(f"minitorch: loss {loss:.5f}, accuracy {accuracy:.2%}   torch: loss {torch_loss:.5f}, accuracy {torch_accuracy:.2%}")
assert abs(loss - torch_loss) < 1e-5 and accuracy == torch_accuracy
plt.figure(figsize=(4, 4))
plot_decision_boundary(blob_model, Xb_test, yb_test)
