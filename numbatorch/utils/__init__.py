"""Utilities: data loading (`numbatorch.utils.data`) and graph drawing."""

from . import data
