"""A short English text shipped with numbatorch (no download), for character-level
language models: the opening of Shakespeare's Coriolanus."""

from __future__ import annotations

import importlib.resources


def load_shakespeare() -> str:
    """The opening acts of Shakespeare's *Coriolanus* (public domain, about 40 KB of ASCII
    in 58 distinct characters), as one string; data/README names its source."""
    text = importlib.resources.files(__package__).joinpath("data", "shakespeare.txt")
    return text.read_text(encoding="ascii")
