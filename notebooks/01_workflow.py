# %% [markdown]
# # 01 · The workflow: data, model, training loop, evaluation, saving
#
# A straight line y = 0.7 x + 0.3 as data, a model with two parameters, a training loop with SGD and
# L1 loss, predictions, a loss curve, and the model saved and loaded. The same code runs with torch
# from the same seed and follows the same loss curve.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

import minitorch
import torch as pytorch

# %%
def straight_line():
    weight, bias = 0.7, 0.3
    X = np.arange(0, 1, 0.02, dtype=np.float32)[:, None]
    split = int(0.8 * len(X))
    y = weight * X + bias
    return X[:split], y[:split], X[split:], y[split:]

X_train, y_train, X_test, y_test = straight_line()
plt.figure(figsize=(6, 4))
plt.scatter(X_train, y_train, s=6, label="training data")
plt.scatter(X_test, y_test, s=6, label="testing data")
plt.legend();

# %% [markdown]
# The model and the loop, written once for whichever library is `torch`:

# %%
def train(torch, epochs=150, progress=False):
    class LinearRegressionModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = torch.nn.Parameter(torch.randn(1, dtype=torch.float), requires_grad=True)
            self.bias = torch.nn.Parameter(torch.randn(1, dtype=torch.float), requires_grad=True)

        def forward(self, x):
            return self.weights * x + self.bias

    torch.manual_seed(42)
    model = LinearRegressionModel()
    loss_fn = torch.nn.L1Loss()
    optimizer = torch.optim.SGD(params=model.parameters(), lr=0.01)
    Xtr, ytr, Xte, yte = (torch.from_numpy(a) for a in (X_train, y_train, X_test, y_test))
    curve = []
    for epoch in tqdm(range(epochs), disable=not progress):
        model.train()
        loss = loss_fn(model(Xtr), ytr)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.inference_mode():
            curve.append((loss.item(), loss_fn(model(Xte), yte).item()))
    return model, np.array(curve)

model, curve = train(minitorch, progress=True)
_, torch_curve = train(pytorch)
print(model.state_dict())
assert np.allclose(curve, torch_curve, rtol=1e-5, atol=1e-6)   # the same loss curve as torch's

# %%
plt.figure(figsize=(6, 4))
plt.plot(curve[:, 0], label="train loss (minitorch)")
plt.plot(curve[:, 1], label="test loss (minitorch)")
plt.plot(torch_curve[:, 1], "k:", label="test loss (torch)")
plt.xlabel("epoch"); plt.ylabel("L1 loss"); plt.legend();

# %% [markdown]
# Predictions, then save the state dict and load it into a fresh model. The file is torch's zip
# format: torch itself reads it.

# %%
with minitorch.inference_mode():
    preds = model(minitorch.from_numpy(X_test))
folder = Path(tempfile.mkdtemp())
minitorch.save(model.state_dict(), folder / "01_linear.pth")
loaded = pytorch.load(folder / "01_linear.pth", weights_only=True)
print(loaded)
assert np.allclose(loaded["weights"].numpy(), model.weights.detach().numpy())
fresh, _ = train(minitorch, epochs=0)
fresh.load_state_dict(minitorch.load(folder / "01_linear.pth"))
with minitorch.inference_mode():
    assert minitorch.equal(fresh(minitorch.from_numpy(X_test)), preds)
