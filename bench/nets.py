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
TRANSFORMER_NEEDS = ("nn.Module", "nn.Embedding", "nn.LayerNorm", "nn.Linear",
                     "nn.functional.gelu", "nn.functional.softmax", "nn.CrossEntropyLoss",
                     "optim.AdamW", "matmul")  # fmt: skip


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


def transformer(lib, vocab=100, width=64, heads=4, hidden=256):
    """A one-block pre-norm transformer language model: token embedding (vocab x width),
    layer_norm, 4-head self-attention (qkv projection, softmax(q k^T / sqrt(d)) v over the
    whole sequence, output projection, residual add), layer_norm, GELU MLP width-hidden-
    width (residual add), final layer_norm and a linear head to vocab logits, flattened
    to (tokens, vocab) for cross-entropy."""
    functional = lib.nn.functional
    head_width = width // heads

    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = lib.nn.Embedding(vocab, width)
            self.norm1 = lib.nn.LayerNorm(width)
            self.qkv = lib.nn.Linear(width, 3 * width)
            self.proj = lib.nn.Linear(width, width)
            self.norm2 = lib.nn.LayerNorm(width)
            self.fc1 = lib.nn.Linear(width, hidden)
            self.fc2 = lib.nn.Linear(hidden, width)
            self.norm3 = lib.nn.LayerNorm(width)
            self.head = lib.nn.Linear(width, vocab)

        def forward(self, tokens):
            batch, length = tokens.shape
            x = self.embed(tokens)
            qkv = self.qkv(self.norm1(x)).reshape(batch, length, 3, heads, head_width)
            qkv = qkv.permute(2, 0, 3, 1, 4)  # (3, batch, heads, length, head_width)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = lib.matmul(q, k.transpose(-2, -1)) * head_width**-0.5
            attended = lib.matmul(functional.softmax(scores, dim=-1), v)
            x = x + self.proj(attended.transpose(1, 2).reshape(batch, length, width))
            x = x + self.fc2(functional.gelu(self.fc1(self.norm2(x))))
            return self.head(self.norm3(x)).reshape(batch * length, vocab)

    return Block()


def transformer_step(lib, batch=16, device="cpu", dtype="float32", length=32, vocab=100):
    """One training step of `transformer` on batch x length random tokens predicting
    random next tokens: cross-entropy, AdamW at lr 1e-3."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, vocab, (batch, length)).astype(np.int64)
    targets = rng.integers(0, vocab, batch * length).astype(np.int64)
    model, (tokens, targets) = _prepare(lib, transformer(lib, vocab), [tokens, targets],
                                        device, dtype)  # fmt: skip
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)
    return _training_step(model, lib.nn.CrossEntropyLoss(), optimizer, tokens, targets)
