# %% [markdown]
# # 08 · Paper replicating: a Vision Transformer from its equations
#
# The ViT paper's four equations, written as modules: patches embedded by a convolution (eq. 1) with a
# class token and position embeddings, then blocks of multi-head self-attention (eq. 2) and an MLP
# (eq. 3), each behind a LayerNorm with a residual connection, and a classifier on the class token
# (eq. 4). One block is checked against torch's `nn.TransformerEncoderLayer` given the same weights;
# then a small ViT trains on an image folder in minitorch and in torch alike.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import minitorch
import torch as pytorch
from minitorch.testing.reference import import_torchvision
from minitorch.testing.stand_in_data import food_images

torchvision = import_torchvision()
data = food_images(Path(tempfile.mkdtemp()) / "pizza_steak_sushi", train_per_class=8, test_per_class=4, size=32)

# %%
def vit_modules(torch):
    nn = torch.nn

    class PatchEmbedding(nn.Module):
        """Eq. 1: an image into a sequence of patch vectors, by a conv with stride = kernel = patch size."""
        def __init__(self, in_channels=3, patch_size=8, embedding_dim=32):
            super().__init__()
            self.patcher = nn.Conv2d(in_channels, embedding_dim, kernel_size=patch_size, stride=patch_size)
            self.flatten = nn.Flatten(start_dim=2, end_dim=3)

        def forward(self, x):
            return self.flatten(self.patcher(x)).permute(0, 2, 1)

    class MultiheadSelfAttentionBlock(nn.Module):
        """Eq. 2: LayerNorm, then multi-head self-attention."""
        def __init__(self, embedding_dim=32, num_heads=2, attn_dropout=0.0):
            super().__init__()
            self.layer_norm = nn.LayerNorm(embedding_dim)
            self.multihead_attn = nn.MultiheadAttention(embedding_dim, num_heads, dropout=attn_dropout, batch_first=True)

        def forward(self, x):
            x = self.layer_norm(x)
            return self.multihead_attn(query=x, key=x, value=x, need_weights=False)[0]

    class MLPBlock(nn.Module):
        """Eq. 3: LayerNorm, then Linear, GELU, Linear (with dropout)."""
        def __init__(self, embedding_dim=32, mlp_size=64, dropout=0.1):
            super().__init__()
            self.layer_norm = nn.LayerNorm(embedding_dim)
            self.mlp = nn.Sequential(nn.Linear(embedding_dim, mlp_size), nn.GELU(), nn.Dropout(dropout),
                                     nn.Linear(mlp_size, embedding_dim), nn.Dropout(dropout))

        def forward(self, x):
            return self.mlp(self.layer_norm(x))

    class TransformerEncoderBlock(nn.Module):
        def __init__(self, embedding_dim=32, num_heads=2, mlp_size=64, mlp_dropout=0.1):
            super().__init__()
            self.msa_block = MultiheadSelfAttentionBlock(embedding_dim, num_heads)
            self.mlp_block = MLPBlock(embedding_dim, mlp_size, mlp_dropout)

        def forward(self, x):
            x = self.msa_block(x) + x
            return self.mlp_block(x) + x

    class ViT(nn.Module):
        def __init__(self, img_size=32, patch_size=8, embedding_dim=32, layers=2, heads=2, mlp_size=64, classes=3):
            super().__init__()
            patches = (img_size // patch_size) ** 2
            self.class_embedding = nn.Parameter(torch.randn(1, 1, embedding_dim))
            self.position_embedding = nn.Parameter(torch.randn(1, patches + 1, embedding_dim))
            self.embedding_dropout = nn.Dropout(0.1)
            self.patch_embedding = PatchEmbedding(3, patch_size, embedding_dim)
            self.transformer_encoder = nn.Sequential(
                *[TransformerEncoderBlock(embedding_dim, heads, mlp_size) for _ in range(layers)])
            self.classifier = nn.Sequential(nn.LayerNorm(embedding_dim), nn.Linear(embedding_dim, classes))

        def forward(self, x):
            tokens = self.class_embedding.expand(x.shape[0], -1, -1)
            x = torch.cat((tokens, self.patch_embedding(x)), dim=1) + self.position_embedding
            x = self.transformer_encoder(self.embedding_dropout(x))
            return self.classifier(x[:, 0])                                   # eq. 4: the class token

    return PatchEmbedding, TransformerEncoderBlock, ViT

PatchEmbedding, TransformerEncoderBlock, ViT = vit_modules(minitorch)
image = minitorch.rand(1, 3, 32, 32)
print("patches:", PatchEmbedding()(image).shape)

# %% [markdown]
# Our block is what torch's `TransformerEncoderLayer` computes with `norm_first=True` and GELU: load our
# block's weights into torch's layer and compare outputs.

# %%
minitorch.manual_seed(0)
block = TransformerEncoderBlock(mlp_dropout=0.0).eval()
layer = pytorch.nn.TransformerEncoderLayer(d_model=32, nhead=2, dim_feedforward=64, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True).eval()
rename = {"msa_block.layer_norm": "norm1", "msa_block.multihead_attn": "self_attn", "mlp_block.layer_norm": "norm2",
          "mlp_block.mlp.0": "linear1", "mlp_block.mlp.3": "linear2"}
state = {}
for key, value in block.state_dict().items():
    prefix = next(p for p in rename if key.startswith(p))
    state[rename[prefix] + key[len(prefix):]] = pytorch.from_numpy(value.numpy())
layer.load_state_dict(state)
tokens = minitorch.randn(2, 17, 32)
with minitorch.no_grad(), pytorch.no_grad():
    ours, theirs = block(tokens), layer(pytorch.from_numpy(tokens.numpy()))
print("largest difference:", np.abs(ours.numpy() - theirs.numpy()).max())
assert np.allclose(ours.numpy(), theirs.numpy(), atol=1e-5)

# %% [markdown]
# ## Training a small ViT in both libraries

# %%
def train(torch, vision, epochs=4):
    _, _, ViT = vit_modules(torch)
    torch.manual_seed(42)
    model = ViT()
    tf = vision.transforms.ToTensor()
    loader = torch.utils.data.DataLoader(vision.datasets.ImageFolder(data / "train", transform=tf),
                                         batch_size=8, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, betas=(0.9, 0.999), weight_decay=0.1)
    losses = []
    for epoch in range(epochs):
        model.train()
        for X, y in loader:
            loss = torch.nn.functional.cross_entropy(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return model, np.array(losses)

model, losses = train(minitorch, minitorch.vision)
_, torch_losses = train(pytorch, torchvision)
print(losses.round(4))
assert np.allclose(losses, torch_losses, rtol=1e-3, atol=1e-4)   # float32 sums in another order: 1e-3
plt.figure(figsize=(5, 3))
plt.plot(losses, label="minitorch"); plt.plot(torch_losses, "k:", label="torch"); plt.xlabel("step"); plt.legend();

# %% [markdown]
# The paper's ViT-Base/16, as torchvision builds it, has the same parameters in minitorch:

# %%
count = lambda model: sum(p.numel() for p in model.parameters())  # noqa: E731
ours, theirs = count(minitorch.vision.models.vit_b_16()), count(torchvision.models.vit_b_16())
print(f"ViT-B/16: {ours:,} parameters")
assert ours == theirs
