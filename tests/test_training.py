"""End to end: an MLP and a LeNet-style CNN, trained the way the tutorials train (DataLoader,
CrossEntropyLoss, an optimizer, train/eval modes), reach high test accuracy on the bundled
8x8 digits in a few seconds, with the loss going down on a fixed seed."""

from __future__ import annotations

import pytest

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.optim as optim
from numbatorch.datasets import Digits
from numbatorch.utils.data import DataLoader, TensorDataset

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits():
    def tensors(dataset):
        return (dataset.data.float() / 16).unsqueeze(1), dataset.targets

    return tensors(Digits(train=True)), tensors(Digits(train=False))


def _train(model, optimizer, digits, epochs):
    """Train for `epochs`; returns the mean training loss of each epoch and the final test
    accuracy."""
    (x_train, y_train), (x_test, y_test) = digits
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    epoch_losses = []
    for _ in range(epochs):
        model.train()
        total, batches = 0.0, 0
        for inputs, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        epoch_losses.append(total / batches)
    model.eval()
    with torch.no_grad():
        _, predicted = torch.max(model(x_test), 1)
    return epoch_losses, (predicted == y_test).sum().item() / len(y_test)


def test_mlp_learns_digits(digits):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    losses, accuracy = _train(model, optim.Adam(model.parameters(), lr=1e-2), digits, 8)
    assert losses[-1] < 0.3 * losses[0]
    assert accuracy >= 0.92


def test_cnn_learns_digits(digits):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(16 * 2 * 2, 10),
    )
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.3)
    (x_train, y_train), test = digits
    losses = []
    for _ in range(6):
        epoch_losses, accuracy = _train(model, optimizer, ((x_train, y_train), test), 1)
        losses += epoch_losses
        scheduler.step()
    assert losses[-1] < 0.3 * losses[0]
    assert accuracy >= 0.92
