"""Train TinyVGG on an image folder: `python train.py --data DIR [--epochs N] [--batch_size B] ...`."""
import argparse
import os
import sys

import torch
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data_setup, engine, model_builder, utils  # noqa: E401,E402

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--batch_size", type=int, default=32)
parser.add_argument("--hidden_units", type=int, default=10)
parser.add_argument("--learning_rate", type=float, default=0.001)
parser.add_argument("--out", default="models")
args = parser.parse_args()

device = "cuda" if torch.cuda.is_available() else "cpu"
transform = transforms.Compose([transforms.Resize((64, 64)), transforms.ToTensor()])
train_dataloader, test_dataloader, class_names = data_setup.create_dataloaders(
    os.path.join(args.data, "train"), os.path.join(args.data, "test"), transform, args.batch_size)
torch.manual_seed(42)
model = model_builder.TinyVGG(input_shape=3, hidden_units=args.hidden_units, output_shape=len(class_names)).to(device)
loss_fn = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
engine.train(model, train_dataloader, test_dataloader, optimizer, loss_fn, args.epochs, device)
utils.save_model(model, args.out, "05_going_modular_tinyvgg.pth")
