"""MNIST and FashionMNIST read from their IDX files (raw or gzip), with an optional download."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

import numbatorch
from numbatorch.utils.data import Dataset

# IDX type code -> element type; multi-byte types are stored big-endian.
_IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_DOWNLOAD_TIMEOUT_S = 60


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (gzip-compressed or not), in native byte order.

    Raises RuntimeError naming the file when it is not IDX (bad magic number or type
    code), or when its length differs from what the header announces (truncation).
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        content = file.read()
    if content[:2] == _GZIP_MAGIC:
        try:
            content = gzip.decompress(content)
        except (EOFError, OSError, zlib.error) as error:
            raise RuntimeError(
                f"{path}: the gzip stream is truncated or corrupt ({error})"
            ) from error
    if len(content) < 4 or content[:2] != b"\x00\x00":
        raise RuntimeError(
            f"{path} is not an IDX file: it does not start with the magic number 0x0000"
            f"<type><ndim> (first bytes: {content[:4].hex() or 'none, the file is empty'})"
        )
    type_code, ndim = content[2], content[3]
    if type_code not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file: unknown data type code 0x{type_code:02x}")
    dtype = _IDX_TYPES[type_code]
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise RuntimeError(
            f"{path} is truncated: its header announces {ndim} dimensions but the file "
            f"ends after {len(content)} bytes"
        )
    shape = struct.unpack(f">{ndim}I", content[4:header_size])
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) != expected:
        problem = "is truncated" if len(content) < expected else "has trailing bytes"
        raise RuntimeError(
            f"{path} {problem}: its header announces {dtype.name} data of shape "
            f"{tuple(shape)}, {expected} bytes in all, but the file holds {len(content)} bytes"
        )
    data = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MNIST(Dataset):
    """The MNIST handwritten digits, read from ``root/MNIST/raw`` (or ``root`` itself).

    A sample is ``(image, label)``: the image a float32 tensor of shape (1, 28, 28) with
    values in [0, 1] (what torchvision's ``ToTensor`` makes; it is what ``transform``
    receives), the label an int. The uint8 images stay in memory as ``data``
    (N x 28 x 28) and the labels as ``targets`` (int64). ``download=True`` fetches the
    four gzip files from ``mirrors`` and checks their md5.
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        self.root = os.path.expanduser(os.fspath(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images_path = self._find(f"{prefix}-images-idx3-ubyte")
        labels_path = self._find(f"{prefix}-labels-idx1-ubyte")
        self._images = _read_checked(images_path, ndim=3)
        self._labels = _read_checked(labels_path, ndim=1)
        if len(self._images) != len(self._labels):
            raise RuntimeError(
                f"{images_path} holds {len(self._images)} images but {labels_path} holds "
                f"{len(self._labels)} labels"
            )
        if len(self._labels) and self._labels.max() >= len(self.classes):
            raise RuntimeError(
                f"{labels_path}: labels must be below {len(self.classes)}, "
                f"found {self._labels.max()}"
            )
        self.data = numbatorch.from_numpy(self._images)
        self.targets = numbatorch.from_numpy(self._labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _find(self, name: str) -> str:
        """The path of IDX file ``name``, raw or gzip, in raw_folder or else root."""
        for folder in (self.raw_folder, self.root):
            for candidate in (name, name + ".gz"):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
        raise RuntimeError(
            f"Dataset not found: no {name} or {name}.gz in {self.raw_folder} or {self.root}. "
            "You can use download=True to download it"
        )

    def _check_exists(self) -> bool:
        try:
            for filename, _ in self.resources:
                self._find(filename.removesuffix(".gz"))
        except RuntimeError:
            return False
        return True

    def download(self) -> None:
        """Downloads the gzip files missing from raw_folder, trying each mirror in turn and
        keeping a file only when its md5 matches."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            path = os.path.join(self.raw_folder, filename)
            if os.path.isfile(path) and _md5(path) == md5:
                continue
            errors = []
            for mirror in self.mirrors:
                url = mirror + filename
                try:
                    _download_verified(url, path, md5)
                    break
                except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors
                    errors.append(f"  {url}: {error}")
            else:
                raise RuntimeError(
                    f"Error downloading {filename}; every mirror failed:\n"
                    + "\n".join(errors)
                    + f"\nIf this machine is offline, copy the {type(self).__name__} files "
                    f"into {self.raw_folder}"
                )

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = numbatorch.tensor(self._images[index][None], dtype=numbatorch.float32)
        image = image / 255
        target = int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return (
            f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
            f"    Root location: {self.root}\n    Split: {split}"
        )


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, in MNIST's
    format, read from ``root/FashionMNIST/raw``."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]


def _read_checked(path: str, ndim: int) -> np.ndarray:
    """read_idx, insisting on uint8 data of ``ndim`` dimensions as MNIST's files hold."""
    array = read_idx(path)
    if array.dtype != np.uint8 or array.ndim != ndim:
        magic = 0x800 + ndim
        raise RuntimeError(
            f"{path}: expected uint8 IDX data of {ndim} dimensions (magic number {magic}), "
            f"got {array.dtype} data of {array.ndim} dimensions"
        )
    return array


def _download_verified(url: str, path: str, md5: str) -> None:
    """Downloads ``url`` to ``path`` through a temporary file, which replaces ``path``
    only when its md5 is ``md5``, so an interrupted download leaves nothing behind."""
    request = urllib.request.Request(url, headers={"User-Agent": "numbatorch"})
    folder = os.path.dirname(path)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".download-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            with urllib.request.urlopen(request, timeout=_DOWNLOAD_TIMEOUT_S) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    file.write(block)
        actual = _md5(temporary)
        if actual != md5:
            raise ValueError(f"md5 mismatch: expected {md5}, got {actual}")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
