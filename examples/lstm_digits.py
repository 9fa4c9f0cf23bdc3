"""Classify the 8x8 handwritten digits that ship with numbatorch with an LSTM that reads
each image as a sequence: 8 time steps (the rows, top to bottom) of 8 features (the
pixels of a row). The class comes from a linear layer on the last hidden state.
Shows progress per epoch and the test accuracy; `--bidirectional` and `--layers` change
the recurrent stack. Runs on `--device cuda` where a GPU is available."""

from __future__ import annotations

import argparse
import sys
import time

from numba.core import event

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch.utils.data import DataLoader, Subset


class RowLSTM(nn.Module):
    """LSTM over the rows of an image, then a linear classifier on the final state (both
    directions' final states with bidirectional)."""

    def __init__(self, hidden: int, layers: int, bidirectional: bool, classes: int = 10) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, hidden, num_layers=layers, batch_first=True,
                            bidirectional=bidirectional)  # fmt: skip
        directions = 2 if bidirectional else 1
        self.head = nn.Linear(hidden * directions, classes)

    def forward(self, images):
        rows = images.reshape(images.shape[0], 8, 8)  # (batch, time = rows, features = pixels)
        _, (h_n, _) = self.lstm(rows)
        directions = 2 if self.lstm.bidirectional else 1
        last = h_n[-directions:]  # the top layer's final state, per direction
        return self.head(torch.cat(list(last), 1))


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


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--epochs", type=positive, default=10)
    parser.add_argument("--batch-size", type=positive, default=32)
    parser.add_argument("--hidden", type=positive, default=64)
    parser.add_argument("--layers", type=positive, default=1)
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--limit", type=positive, default=None, help="use only the first N train and test images"
    )
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    train_set, test_set = torch.datasets.Digits(train=True), torch.datasets.Digits(train=False)
    if args.limit is not None:
        train_set = Subset(train_set, range(min(args.limit, len(train_set))))
        test_set = Subset(test_set, range(min(args.limit, len(test_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)
    model = RowLSTM(args.hidden, args.layers, args.bidirectional).to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(
        f"training an LSTM on digits as 8 steps of 8 pixels: {len(train_set)} train / "
        f"{len(test_set)} test images, device {args.device}"
    )
    accuracy = 0.0
    for epoch in range(args.epochs):
        model.train()
        began, seen, loss_sum = time.perf_counter(), 0, 0.0
        # the first epoch of a process compiles kernels: its rate leaves that time out
        with event.install_listener("numba:compile", event.TimingListener()) as compiling:
            for images, labels in train_loader:
                images, labels = images.to(args.device), labels.to(args.device)
                optimizer.zero_grad()
                loss = F.cross_entropy(model(images), labels)
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * labels.shape[0]
                seen += labels.shape[0]
        compile_s = compiling.duration if compiling.done else 0.0
        elapsed = time.perf_counter() - began - compile_s
        test_loss, accuracy = evaluate(model, test_loader, args.device)
        compiled = f" (+{compile_s:.1f} s compiling kernels)" if compiling.done else ""
        print(
            f"epoch {epoch + 1:3d}  loss {loss_sum / seen:.4f}  test loss {test_loss:.4f}  "
            f"test acc {accuracy:6.2%}  {seen / elapsed:8.0f} samples/s{compiled}",
            flush=True,
        )
    print(f"final test accuracy {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    sys.exit(0 if main() >= 0 else 1)
