"""Images per second through a DataLoader whose dataset decodes and augments every item
(raw uint8 bytes -> float, random 32x32 crop, random horizontal flip, per-channel
normalisation), with the work in the main process (0 workers) and in 2 persistent worker
processes; PyTorch's DataLoader runs the same dataset written with torch ops."""

from __future__ import annotations

import importlib

import numpy as np

from ..harness import Case, require

IMAGES = {"tiny": 64, "small": 256, "default": 512, "large": 2048}
BATCH = 64
SIDE = 40  # stored image side; crops are CROP x CROP
CROP = 32
MEAN = (0.49, 0.48, 0.45)
STD = (0.25, 0.24, 0.26)


class Augmented:
    """Item i: image i decoded from bytes, randomly cropped and flipped, normalised, with
    ``lib`` (numbatorch or torch) doing the tensor work; the random choices come from
    numpy's global generator, which each worker seeds."""

    def __init__(self, lib, count: int) -> None:
        self.lib_name = lib.__name__  # a module does not pickle to the workers; its name does
        self.count = count
        pixels = np.random.default_rng(0).integers(0, 256, (count, 3, SIDE, SIDE), np.uint8)
        self.encoded = [image.tobytes() for image in pixels]
        self.mean = lib.tensor(MEAN).reshape(3, 1, 1)
        self.std = lib.tensor(STD).reshape(3, 1, 1)
        self.reverse = lib.arange(CROP - 1, -1, -1)

    @property
    def lib(self):
        return importlib.import_module(self.lib_name)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int):
        lib = self.lib
        array = np.frombuffer(self.encoded[index], np.uint8).reshape(3, SIDE, SIDE)
        image = lib.from_numpy(array.copy()).float() / 255
        top, left = np.random.randint(0, SIDE - CROP + 1, 2)  # noqa: NPY002 (seeded per worker)
        image = image[:, top : top + CROP, left : left + CROP]
        if np.random.rand() < 0.5:  # noqa: NPY002
            image = image[:, :, self.reverse]
        return (image - self.mean) / self.std, index % 10


def cases(ctx) -> list[Case]:
    count = IMAGES.get(ctx.options.sizes, IMAGES["default"])

    def loader(lib, module, workers: int):
        dataset = Augmented(lib, count)
        options = {"num_workers": workers, "persistent_workers": workers > 0}
        data = module.DataLoader(dataset, batch_size=BATCH, shuffle=True, **options)

        def epoch():
            return [images for images, _ in data]

        return epoch

    def impls(workers: int):
        def ours():
            require(ctx.numbatorch, "utils.data.get_worker_info")
            return loader(ctx.numbatorch, ctx.numbatorch.utils.data, workers)

        def torch():
            lib = ctx.need_torch()
            import torch.utils.data

            return loader(lib, torch.utils.data, workers)

        return {"ours": ours, "torch": torch}

    return [
        Case(f"decode+augment per item, {workers} workers", f"{count} images 3x{CROP}x{CROP}",
             "images/s", impls(workers), work=count, size_value=workers)
        for workers in (0, 2)
    ]  # fmt: skip
