"""The small nets the `train` and `compile` groups time, written once against the PyTorch
API and built with either library (`lib` is numbatorch or torch). Imports only numpy, so
a subprocess can run this file by path without importing numbatorch."""

from __future__ import annotations

import numpy as np

# what each net needs from a library, checked before building it
TWO_LAYER_NEEDS = ("nn.Sequential", "nn.Linear", "nn.ReLU", "nn.MSELoss", "optim.Adam")
LENET_NEEDS = ("nn.Module", "nn.Conv2d", "nn.Linear", "nn.functional.relu",
               "nn.functional.max_pool2d", "nn.CrossEntropyLoss", "optim.SGD",
               "flatten")  # fmt: skip
MLP_NEEDS = ("nn.Sequential", "nn.Linear", "nn.ReLU", "nn.CrossEntropyLoss", "optim.SGD")


def _prepare(lib, model, arrays, device, dtype):
    if dtype == "float64":
        model = model.double()
    model = model.to(device)
    tensors = [lib.from_numpy(a).to(device) for a in arrays]
    return model, tensors


def _training_step(model, loss_fn, optimizer, x, target):
    def step():
        loss = loss_fn(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def two_layer_step(lib, batch=64, device="cpu", dtype="float32"):
    """The tutorial net ("Learning PyTorch with Examples"): Linear(1000, 100), ReLU,
    Linear(100, 10), sum-reduced MSE, Adam at lr 1e-4; returns one training step."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1000), dtype=np.float32).astype(dtype)
    y = rng.standard_normal((batch, 10), dtype=np.float32).astype(dtype)
    model = lib.nn.Sequential(lib.nn.Linear(1000, 100), lib.nn.ReLU(), lib.nn.Linear(100, 10))
    model, (x, y) = _prepare(lib, model, [x, y], device, dtype)
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-4)
    return _training_step(model, lib.nn.MSELoss(reduction="sum"), optimizer, x, y)


def mlp_step(lib, batch=1, device="cpu", dtype="float32"):
    """An MLP 784-128-64-10 with ReLU, cross-entropy and plain SGD at lr 0.01, one example
    per step: nearly all of its time is per-op overhead, not arithmetic."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 784), dtype=np.float32).astype(dtype)
    labels = rng.integers(0, 10, batch).astype(np.int64)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10))  # fmt: skip
    model, (x, labels) = _prepare(lib, model, [x, labels], device, dtype)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, x, labels)


def lenet(lib):
    """LeNet-5 for 1x28x28 images: two 5x5 convs with ReLU and 2x2 max pooling, then three
    fully connected layers (400 -> 120 -> 84 -> 10)."""
    functional = lib.nn.functional

    class LeNet(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 5, padding=2)
            self.conv2 = lib.nn.Conv2d(6, 16, 5)
            self.fc1 = lib.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, 10)

        def forward(self, x):
            x = functional.max_pool2d(functional.relu(self.conv1(x)), 2)
            x = functional.max_pool2d(functional.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            x = functional.relu(self.fc1(x))
            x = functional.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


def lenet_step(lib, batch=64, device="cpu", dtype="float32"):
    """One LeNet-5 training step: cross-entropy, SGD at lr 0.01 with momentum 0.9."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32).astype(dtype)
    labels = rng.integers(0, 10, batch).astype(np.int64)
    model, (x, labels) = _prepare(lib, lenet(lib), [x, labels], device, dtype)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _training_step(model, lib.nn.CrossEntropyLoss(), optimizer, x, labels)
