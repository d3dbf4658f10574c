"""Chapter 07: experiment tracking. Train TinyVGG for a few epochs while a SummaryWriter records the losses
and accuracies (add_scalars) and the model's graph, in `<out>/<experiment>/<model>`:
`python track.py --data DIR --out DIR`."""
import argparse
import os
import sys

import torch
from torch.utils.tensorboard import SummaryWriter
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data_setup, engine, model_builder  # noqa: E401,E402

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()


def create_writer(experiment_name: str, model_name: str) -> SummaryWriter:
    return SummaryWriter(log_dir=os.path.join(args.out, experiment_name, model_name))


transform = transforms.Compose([transforms.Resize((64, 64)), transforms.ToTensor()])
train_dataloader, test_dataloader, class_names = data_setup.create_dataloaders(
    os.path.join(args.data, "train"), os.path.join(args.data, "test"), transform, batch_size=4)
torch.manual_seed(42)
model = model_builder.TinyVGG(3, 8, len(class_names))
loss_fn, optimizer = torch.nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=0.001)
writer = create_writer("data_10_percent", "tinyvgg")
for epoch in range(2):
    train_loss, train_acc = engine.train_step(model, train_dataloader, loss_fn, optimizer, "cpu")
    test_loss, test_acc = engine.test_step(model, test_dataloader, loss_fn, "cpu")
    writer.add_scalars(main_tag="Loss", tag_scalar_dict={"train_loss": train_loss, "test_loss": test_loss},
                       global_step=epoch)
    writer.add_scalars(main_tag="Accuracy", tag_scalar_dict={"train_acc": train_acc, "test_acc": test_acc},
                       global_step=epoch)
writer.add_graph(model=model, input_to_model=torch.randn(4, 3, 64, 64))
writer.close()
