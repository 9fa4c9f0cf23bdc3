"""Train a LeNet-style CNN (or an MLP) on the 8x8 handwritten digits that ship with
numbatorch, or on MNIST with `--data mnist`. Shows progress, saves a checkpoint that a
second run resumes from (`--resume`), and can plot the curves (`--plot curves.png`).
Data-parallel on several processes: `mpirun -n 2 python examples/train_digits.py
--distributed` (each rank takes batch-size / N samples of the global batch)."""

from __future__ import annotations

import argparse
import os
import sys
import time

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch.nn.parallel import DistributedDataParallel
from numbatorch.utils.data import DataLoader
from numbatorch.utils.data.distributed import DistributedSampler


class DigitsCNN(nn.Module):
    """LeNet-style: two conv layers with pooling, two linear layers."""

    def __init__(self, channels: int = 1, side: int = 8, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * (side // 4) ** 2, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def mlp(side: int, classes: int = 10) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(side * side, 128), nn.ReLU(), nn.Linear(128, classes)
    )


def datasets(name: str, root: str):
    if name == "digits":
        return torch.datasets.Digits(train=True), torch.datasets.Digits(train=False), 8
    train = torch.datasets.MNIST(root, train=True, download=True)
    test = torch.datasets.MNIST(root, train=False, download=True)
    return train, test, 28


def evaluate(model, loader, device) -> tuple[float, float]:
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(1) == labels).sum().item()
            total += labels.shape[0]
    return loss_sum / total, correct / total


def plot_curves(history: dict, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install numbatorch[plot]); no plot saved")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(history["epoch"], history["train_loss"], label="train")
    left.plot(history["epoch"], history["test_loss"], label="test")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy")
    left.legend()
    right.plot(history["epoch"], history["test_acc"], color="tab:green")
    right.set_xlabel("epoch")
    right.set_ylabel("test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"curves saved to {path}")


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    parser.add_argument("--root", default="data", help="folder for MNIST files")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default="checkpoints/digits.pt")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--plot", default=None, help="save loss/accuracy curves to this PNG")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the processes of `mpirun -n N` (MPI)")  # fmt: skip
    args = parser.parse_args(argv)
    rank, world = 0, 1
    if args.distributed:
        torch.distributed.init_process_group("mpi")
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
        if rank != 0:  # the ranks train in step: rank 0 alone reports
            sys.stdout = open(os.devnull, "w")  # for the rest of the process

    torch.manual_seed(args.seed)
    device = args.device
    train_set, test_set, side = datasets(args.data, args.root)
    # distributed: each rank loads its share of every global batch of --batch-size
    sampler = DistributedSampler(train_set, seed=args.seed) if args.distributed else None
    train_loader = DataLoader(train_set, batch_size=args.batch_size // world,
                              shuffle=sampler is None, sampler=sampler)  # fmt: skip
    test_loader = DataLoader(test_set, batch_size=256)
    model = (DigitsCNN(side=side) if args.model == "cnn" else mlp(side)).to(device)
    # the checkpoint holds `model`'s state (no "module." prefix), resumable either way
    trained = DistributedDataParallel(model) if args.distributed else model
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    # the learning rate decays to zero over the run: the last epochs settle the weights
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_acc": []}
    start_epoch = 0
    if args.resume and os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history = state["history"]
        start_epoch = state["epoch"]
        print(f"resumed from {args.checkpoint} at epoch {start_epoch}")

    print(
        f"training {args.model} on {args.data}: {len(train_set)} train / {len(test_set)} test "
        f"images, device {device}"
    )
    accuracy = history["test_acc"][-1] if history["test_acc"] else 0.0
    for epoch in range(start_epoch, start_epoch + args.epochs):
        model.train()
        if sampler is not None:
            sampler.set_epoch(epoch)
        began, seen, loss_sum = time.perf_counter(), 0, 0.0
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(trained(images), labels)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * labels.shape[0]
            seen += labels.shape[0]
        scheduler.step()
        elapsed = time.perf_counter() - began
        test_loss, accuracy = evaluate(model, test_loader, device)
        for key, value in zip(history, (epoch + 1, loss_sum / seen, test_loss, accuracy)):
            history[key].append(value)
        print(
            f"epoch {epoch + 1:3d}  loss {loss_sum / seen:.4f}  test loss {test_loss:.4f}  "
            f"test acc {accuracy:6.2%}  {seen / elapsed:8.0f} samples/s",
            flush=True,
        )
        if rank != 0:
            continue  # one checkpoint, written by rank 0
        os.makedirs(os.path.dirname(args.checkpoint) or ".", exist_ok=True)
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "history": history,
                "epoch": epoch + 1,
            },
            args.checkpoint,
        )
    print(f"final test accuracy {accuracy:.2%}; checkpoint {args.checkpoint}")
    if args.plot:
        plot_curves(history, args.plot)
    return accuracy


if __name__ == "__main__":
    sys.exit(0 if main() >= 0 else 1)
