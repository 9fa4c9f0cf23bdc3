"""The 8x8 handwritten digits (UCI optdigits test set), shipped with numbatorch, no download."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Callable
from typing import Any

import numpy as np

import numbatorch
from numbatorch.utils.data import Dataset

_MAX_PIXEL = 16  # each pixel counts the set pixels of a 4x4 block of the 32x32 scan


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as numpy arrays: images uint8 of shape (1797, 8, 8) with values
    0..16, and labels int64 of shape (1797,) with values 0..9 (fresh copies each call)."""
    archive = importlib.resources.files(__package__).joinpath("data", "digits.npz")
    with archive.open("rb") as file, np.load(file, allow_pickle=False) as arrays:
        return arrays["images"], arrays["labels"].astype(np.int64)


def _stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and test positions; each class gives ``round(test_fraction * count)``
    of its samples, picked by a permutation seeded with ``seed``, to the test side."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(test_fraction * len(members))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class Digits(Dataset):
    """The 8x8 digits, split once and for all into train (80%) and test (20%) sets.

    The split is stratified by class and fixed by ``split_seed``, so every run sees the
    same samples on each side. A sample is ``(image, label)``: the image a float32 tensor
    of shape (1, 8, 8) with values in [0, 1] (passed to ``transform`` if one is given),
    the label an int. ``data`` (uint8, N x 8 x 8) and ``targets`` (int64) hold the whole
    split as tensors; ``indices`` are its positions in ``load_digits()``. ``root`` is
    accepted so that code written for ``MNIST(root, ...)`` runs, and is not read: the
    data ships inside the package.
    """

    classes = [str(digit) for digit in range(10)]

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        split_seed: int = 0,
        test_fraction: float = 0.2,
    ) -> None:
        if not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction should be in (0, 1), but got {test_fraction}")
        images, labels = load_digits()
        train_indices, test_indices = _stratified_split(labels, test_fraction, split_seed)
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.indices = train_indices if train else test_indices
        self._images = images[self.indices]
        self._labels = labels[self.indices]
        self.data = numbatorch.from_numpy(self._images)
        self.targets = numbatorch.from_numpy(self._labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = numbatorch.tensor(self._images[index][None], dtype=numbatorch.float32)
        image = image / _MAX_PIXEL
        target = int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return f"Dataset Digits\n    Number of datapoints: {len(self)}\n    Split: {split}"
