"""Datasets: the bundled 8x8 digits, MNIST / FashionMNIST read from IDX files, and a
bundled Shakespeare text for character-level models."""

from .digits import Digits, load_digits
from .mnist import MNIST, FashionMNIST, read_idx
from .text import load_shakespeare

__all__ = ["MNIST", "Digits", "FashionMNIST", "load_digits", "read_idx", "load_shakespeare"]
