# %% [markdown]
# # 00 · Tensors
#
# The course starts with tensors: making them, their shapes and dtypes, indexing, arithmetic,
# matrix multiplication, aggregation, reshaping, NumPy, and random numbers that repeat after a seed.
# Here minitorch stands in for torch under the same name; where a number is worth checking, torch
# computes it beside, and an `assert` says they agree.

# %%
import numpy as np

import minitorch as torch
import torch as pytorch  # the real torch, for the side-by-side checks

def agrees(ours, theirs):
    """Same shape, dtype and values."""
    return (tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
            and np.array_equal(ours.numpy(), theirs.numpy()))

# %% [markdown]
# ## Scalars, vectors, matrices, tensors

# %%
scalar = torch.tensor(7)
vector = torch.tensor([7, 7])
MATRIX = torch.tensor([[7, 8], [9, 10]])
TENSOR = torch.tensor([[[1, 2, 3], [3, 6, 9], [2, 4, 5]]])
for name, t in [("scalar", scalar), ("vector", vector), ("MATRIX", MATRIX), ("TENSOR", TENSOR)]:
    print(f"{name:7s} ndim={t.ndim} shape={t.shape}")
print(scalar.item(), TENSOR[0])

# %% [markdown]
# ## Random tensors, zeros, ones, ranges
# After the same seed, minitorch draws torch's numbers: same generator, same algorithms.

# %%
torch.manual_seed(42)
random_tensor = torch.rand(size=(3, 4))
random_image = torch.randn(size=(3, 224, 224))
pytorch.manual_seed(42)
assert agrees(random_tensor, pytorch.rand(size=(3, 4)))
assert agrees(random_image, pytorch.randn(size=(3, 224, 224)))
print(random_tensor)
print(torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.int64), torch.arange(0, 10, 2), torch.zeros_like(vector), sep="\n")

# %% [markdown]
# ## Dtypes and devices

# %%
float_16 = torch.tensor([3.0, 6.0, 9.0], dtype=torch.float16)
float_32 = torch.tensor([3.0, 6.0, 9.0], dtype=None, device=None, requires_grad=False)
print(float_32.dtype, float_16.dtype, (float_16 * float_32).dtype, float_32.device)
assert (float_16 * float_32).dtype == torch.float32  # promotion as torch's
assert str((torch.tensor([1, 2]) / 2).dtype) == str((pytorch.tensor([1, 2]) / 2).dtype)

# %% [markdown]
# ## Operations and matrix multiplication

# %%
tensor = torch.tensor([1, 2, 3])
print(tensor + 10, tensor * 10, tensor - 10, torch.mul(tensor, 10), tensor * tensor, sep="\n")
print(torch.matmul(tensor, tensor), tensor @ tensor)
tensor_A = torch.tensor([[1, 2], [3, 4], [5, 6]], dtype=torch.float32)
tensor_B = torch.tensor([[7, 10], [8, 11], [9, 12]], dtype=torch.float32)
print(torch.mm(tensor_A, tensor_B.T))
try:
    torch.matmul(tensor_A, tensor_B)
except RuntimeError as error:
    print("RuntimeError:", error)                         # the shapes do not line up, as torch says

# %% [markdown]
# A linear layer is a matrix multiplication plus a bias; from the same seed it has torch's weights:

# %%
torch.manual_seed(42)
linear = torch.nn.Linear(in_features=2, out_features=6)
out = linear(tensor_A)
pytorch.manual_seed(42)
t_out = pytorch.nn.Linear(in_features=2, out_features=6)(pytorch.tensor(tensor_A.numpy()))
print(out)
assert np.allclose(out.detach().numpy(), t_out.detach().numpy())

# %% [markdown]
# ## Aggregation, positions of extremes

# %%
x = torch.arange(0, 100, 10)
print(x.min(), x.max(), x.type(torch.float32).mean(), x.sum(), x.argmax(), x.argmin())
print(torch.softmax(x.float() / 100, dim=0))

# %% [markdown]
# ## Reshaping, viewing, stacking, squeezing, permuting

# %%
x = torch.arange(1., 8.)
x_reshaped = x.reshape(1, 7)
z = x.view(1, 7)
z[:, 0] = 5                                    # a view shares memory with x
print(x)
print(torch.stack([x, x, x], dim=1).shape, x_reshaped.squeeze().shape, x.unsqueeze(dim=0).shape)
x_original = torch.rand(size=(224, 224, 3))
x_permuted = x_original.permute(2, 0, 1)
print(x_original.shape, "->", x_permuted.shape)
assert x[0].item() == 5.0

# %% [markdown]
# ## Indexing

# %%
x = torch.arange(1, 10).reshape(1, 3, 3)
print(x[0], x[0][0], x[0][2][2], x[:, 0], x[:, :, 1], x[:, 1, 1], x[0, 0, :], sep="\n")
assert agrees(x[:, :, 1], pytorch.arange(1, 10).reshape(1, 3, 3)[:, :, 1])

# %% [markdown]
# ## NumPy and back, reproducibility

# %%
array = np.arange(1.0, 8.0)
tensor = torch.from_numpy(array)                 # float64, as NumPy's default
print(tensor, tensor.dtype, torch.ones(7).numpy().dtype)
torch.manual_seed(42)
a = torch.rand(3, 4)
torch.manual_seed(42)
b = torch.rand(3, 4)
print(a == b)
assert torch.equal(a, b)
