"""A small torch training script (written for torch; shadow-torch runs it on both libraries)."""
import sys

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
if "--planted-bug" in sys.argv and torch.__name__ == "minitorch":
    from minitorch.ops import activation  # a wrong ReLU gradient, in minitorch only
    correct = activation.Relu.backward_arrays
    activation.Relu.backward_arrays = staticmethod(lambda ctx, gy: correct(ctx, gy) * 1.01)
for epoch in range(5):
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
