"""A variational autoencoder on the 8x8 digits that ship with numbatorch: an MLP encoder
gives each image a Gaussian over a small latent space, a sample of it (the
reparameterisation trick) is decoded back to 64 pixel intensities, and the loss is the
reconstruction's binary cross-entropy plus the KL divergence to a unit Gaussian (Kingma &
Welling, 2014). Written exactly as for PyTorch. Shows progress per epoch; `--plot out.png`
saves the loss curve, reconstructions and samples from the prior (needs numbatorch[plot]).

    python examples/vae_digits.py --epochs 20 --plot vae.png
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch.utils.data import DataLoader, Subset

PIXELS = 64


class VAE(nn.Module):
    def __init__(self, hidden: int = 128, latent: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, hidden), nn.ReLU())
        self.mean = nn.Linear(hidden, latent)
        self.log_var = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, PIXELS)
        )
        self.latent = latent

    def encode(self, x):
        h = self.encoder(x)
        return self.mean(h), self.log_var(h)

    def decode(self, z):
        return torch.sigmoid(self.decoder(z))

    def forward(self, x):
        mean, log_var = self.encode(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        return self.decode(z), mean, log_var


def vae_loss(recon, x, mean, log_var):
    """Summed over the batch: BCE of the reconstruction plus KL(q(z|x) || N(0, I))."""
    bce = F.binary_cross_entropy(recon, x.reshape(-1, PIXELS), reduction="sum")
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp())
    return bce + kl


def run_epoch(model, loader, optimizer=None) -> float:
    """Mean loss per image over one pass; trains when given an optimizer."""
    model.train(optimizer is not None)
    total, count = 0.0, 0
    with torch.set_grad_enabled(optimizer is not None):
        for images, _ in loader:
            recon, mean, log_var = model(images)
            loss = vae_loss(recon, images, mean, log_var)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total += loss.item()
            count += images.shape[0]
    return total / count


def plot(history: list, model: VAE, images, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model.eval()
    with torch.no_grad():
        recon = model(images)[0].reshape(-1, 8, 8).numpy()
        samples = model.decode(torch.randn(len(images), model.latent)).reshape(-1, 8, 8).numpy()
    columns = len(images)
    fig = plt.figure(figsize=(columns * 0.8, 5))
    grid = fig.add_gridspec(4, columns, height_ratios=[2, 1, 1, 1])
    curve = fig.add_subplot(grid[0, :])
    curve.plot([h[0] for h in history], [h[1] for h in history], label="train")
    curve.plot([h[0] for h in history], [h[2] for h in history], label="test")
    curve.set_xlabel("epoch")
    curve.set_ylabel("loss per image")
    curve.legend()
    for row, (name, pictures) in enumerate(
        [("data", images.reshape(-1, 8, 8).numpy()), ("recon", recon), ("sample", samples)]
    ):
        for column in range(columns):
            axis = fig.add_subplot(grid[row + 1, column])
            axis.imshow(pictures[column], cmap="gray_r", vmin=0, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
            if column == 0:
                axis.set_ylabel(name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=positive, default=20)
    parser.add_argument("--batch-size", type=positive, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--latent", type=positive, default=8)
    parser.add_argument("--limit", type=positive, default=None, help="train on this many images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="save curves and pictures to this PNG")
    args = parser.parse_args(argv)
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        parser.error("--plot needs matplotlib: pip install numbatorch[plot]")

    torch.manual_seed(args.seed)
    train, test = torch.datasets.Digits(train=True), torch.datasets.Digits(train=False)
    if args.limit:
        train = Subset(train, range(min(args.limit, len(train))))
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test, batch_size=256)
    model = VAE(latent=args.latent)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    history = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_loss = run_epoch(model, train_loader, optimizer)
        test_loss = run_epoch(model, test_loader)
        history.append((epoch, train_loss, test_loss))
        print(
            f"epoch {epoch}/{args.epochs}: train loss {train_loss:.2f}, test loss "
            f"{test_loss:.2f} per image ({time.perf_counter() - start:.1f} s)",
            flush=True,
        )
    if args.plot:
        images = torch.stack([test[i][0] for i in range(10)])
        plot(history, model, images, args.plot)
        print(f"saved {args.plot}")
    return history


if __name__ == "__main__":
    main(sys.argv[1:])
