"""Datasets: the bundled 8x8 digits, and MNIST / FashionMNIST read from IDX files."""

from .digits import Digits, load_digits
from .mnist import MNIST, FashionMNIST, read_idx

__all__ = ["MNIST", "Digits", "FashionMNIST", "load_digits", "read_idx"]
