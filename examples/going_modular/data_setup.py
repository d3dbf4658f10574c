"""DataLoaders over a train and a test image folder (class per sub-folder)."""
import os

from torch.utils.data import DataLoader
from torchvision import datasets

NUM_WORKERS = 0 if os.environ.get("DETERMINISTIC") else os.cpu_count()


def create_dataloaders(train_dir: str, test_dir: str, transform, batch_size: int, num_workers: int = NUM_WORKERS):
    """(train loader, test loader, class names): the train loader shuffles, the test loader does not."""
    train_data = datasets.ImageFolder(train_dir, transform=transform)
    test_data = datasets.ImageFolder(test_dir, transform=transform)
    train_dataloader = DataLoader(train_data, batch_size=batch_size, shuffle=True, num_workers=num_workers)
    test_dataloader = DataLoader(test_data, batch_size=batch_size, shuffle=False, num_workers=num_workers)
    return train_dataloader, test_dataloader, train_data.classes
