"""Train a LeNet-style CNN (or an MLP) on the 8x8 handwritten digits that ship with
numbatorch, or on MNIST with `--data mnist` (downloaded on first use: needs a network).
Shows progress, saves a checkpoint per data set and model that a second run resumes from
(`--resume`), can plot the curves (`--plot curves.png`, needs numbatorch[plot]) and export
the trained model as ONNX (`--export-onnx digits.onnx`, needs numbatorch[onnx]).
Data-parallel on several processes: `mpirun -n 2 python examples/train_digits.py
--distributed` (each rank takes batch-size / N samples of the global batch)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

from numba.core import event

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch.nn.parallel import DistributedDataParallel
from numbatorch.utils.data import DataLoader, Subset
from numbatorch.utils.data.distributed import DistributedSampler
from numbatorch.utils.tensorboard import SummaryWriter


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument(
        "--data", choices=["digits", "mnist"], default="digits", help="mnist needs a network"
    )
    parser.add_argument("--root", default="data", help="folder for MNIST files")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument(
        "--epochs",
        type=positive,
        default=12,
        help="epochs to train in this run; with --resume, epochs after the checkpoint's",
    )
    parser.add_argument("--batch-size", type=positive, default=16)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--limit", type=positive, default=None, help="use only the first N train and test images"
    )
    parser.add_argument("--checkpoint", default=None, help="default: checkpoints/DATA-MODEL.pt")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument(
        "--plot", default=None, help="save loss/accuracy curves to this PNG (numbatorch[plot])"
    )
    parser.add_argument(
        "--tensorboard", default=None, help="log each epoch to this TensorBoard dir"
    )
    parser.add_argument(
        "--export-onnx", default=None, metavar="PATH",
        help="after training, write the model as ONNX (numbatorch[onnx]), any batch size",
    )  # fmt: skip
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the processes of `mpirun -n N` (MPI)")  # fmt: skip
    args = parser.parse_args(argv)
    rank, world = 0, 1
    if args.distributed:
        torch.distributed.init_process_group("mpi")
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
        if rank != 0:  # the ranks train in step: rank 0 alone reports
            sys.stdout = open(os.devnull, "w")  # for the rest of the process
    checkpoint = args.checkpoint or os.path.join("checkpoints", f"{args.data}-{args.model}.pt")
    # what would fail after training is refused before it starts
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        parser.error("--plot needs matplotlib: pip install 'numbatorch[plot]'")
    if args.export_onnx and importlib.util.find_spec("onnx") is None:
        parser.error("--export-onnx needs onnx: pip install 'numbatorch[onnx]'")
    if args.resume and not os.path.exists(checkpoint):
        parser.error(f"--resume: no checkpoint at {checkpoint} (train once without --resume)")
    state = torch.load(checkpoint) if args.resume else None
    if state is not None and (state["model_name"], state["data"]) != (args.model, args.data):
        parser.error(
            f"--resume: {checkpoint} holds a {state['model_name']} trained on "
            f"{state['data']}, not a {args.model} on {args.data}"
        )

    torch.manual_seed(args.seed)
    device = args.device
    train_set, test_set, side = datasets(args.data, args.root)
    if args.limit is not None:
        train_set = Subset(train_set, range(min(args.limit, len(train_set))))
        test_set = Subset(test_set, range(min(args.limit, len(test_set))))
    # distributed: each rank loads its share of every global batch of --batch-size
    sampler = DistributedSampler(train_set, seed=args.seed) if args.distributed else None
    train_loader = DataLoader(train_set, batch_size=args.batch_size // world,
                              shuffle=sampler is None, sampler=sampler)  # fmt: skip
    test_loader = DataLoader(test_set, batch_size=256)
    model = (DigitsCNN(side=side) if args.model == "cnn" else mlp(side)).to(device)
    # the checkpoint holds `model`'s state (no "module." prefix), resumable either way
    trained = DistributedDataParallel(model) if args.distributed else model
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_acc": []}
    start_epoch = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history = state["history"]
        start_epoch = state["epoch"]
        print(f"resumed from {checkpoint} at epoch {start_epoch}")
        if start_epoch >= state["schedule_end"]:
            print(
                f"its learning-rate schedule had ended at epoch {state['schedule_end']} "
                f"(lr 0): extended by --epochs {args.epochs}"
            )
    end_epoch = start_epoch + args.epochs
    # The learning rate decays to zero by the last epoch: the last epochs settle the
    # weights. A resumed run stretches the cosine to its new last epoch (the lr restarts
    # low, not at zero); last_epoch makes the scheduler start at the checkpoint's epoch.
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=end_epoch, last_epoch=start_epoch - 1
    )
    if state is not None:
        print(f"lr {scheduler.get_last_lr()[0]:.4g}, reaching 0 at epoch {end_epoch}")

    print(
        f"training {args.model} on {args.data}: {len(train_set)} train / {len(test_set)} test "
        f"images, device {device}"
    )
    accuracy = history["test_acc"][-1] if history["test_acc"] else 0.0
    writer = SummaryWriter(args.tensorboard) if args.tensorboard and rank == 0 else None
    for epoch in range(start_epoch, end_epoch):
        model.train()
        if sampler is not None:
            sampler.set_epoch(epoch)
        began, seen, loss_sum = time.perf_counter(), 0, 0.0
        # the first epoch of a process compiles kernels (a minute when the cache is cold):
        # its rate leaves that time out and names it
        with event.install_listener("numba:compile", event.TimingListener()) as compiling:
            for images, labels in train_loader:
                images, labels = images.to(device), labels.to(device)
                optimizer.zero_grad()
                loss = F.cross_entropy(trained(images), labels)
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * labels.shape[0]
                seen += labels.shape[0]
        scheduler.step()
        compile_s = compiling.duration if compiling.done else 0.0
        elapsed = time.perf_counter() - began - compile_s
        test_loss, accuracy = evaluate(model, test_loader, device)
        for key, value in zip(history, (epoch + 1, loss_sum / seen, test_loss, accuracy)):
            history[key].append(value)
            if writer and key != "epoch":
                writer.add_scalar(key, value, epoch + 1)
        compiled = f" (+{compile_s:.1f} s compiling kernels)" if compiling.done else ""
        print(
            f"epoch {epoch + 1:3d}  loss {loss_sum / seen:.4f}  test loss {test_loss:.4f}  "
            f"test acc {accuracy:6.2%}  {seen / elapsed:8.0f} samples/s{compiled}",
            flush=True,
        )
        if rank != 0:
            continue  # one checkpoint, written by rank 0
        os.makedirs(os.path.dirname(checkpoint) or ".", exist_ok=True)
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "history": history,
                "epoch": epoch + 1,
                "schedule_end": end_epoch,
                "model_name": args.model,
                "data": args.data,
            },
            checkpoint,
        )
    if writer:
        writer.close()
    print(f"final test accuracy {accuracy:.2%}; checkpoint {checkpoint}")
    if args.plot:
        plot_curves(history, args.plot)
    if args.export_onnx and rank == 0:
        example = test_set[0][0].unsqueeze(0).to(device)
        batch = {"images": {0: "batch"}, "logits": {0: "batch"}}
        torch.onnx.export(model, example, args.export_onnx, input_names=["images"],
                          output_names=["logits"], dynamic_axes=batch)  # fmt: skip
        print(f"ONNX model written to {args.export_onnx}")
    return accuracy


if __name__ == "__main__":
    sys.exit(0 if main() >= 0 else 1)
