"""Datasets, samplers and DataLoader, as torch.utils.data (shuffles reproduce torch's)."""
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "Dataset", "Subset", "TensorDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "BatchSampler"]
