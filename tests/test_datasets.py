"""The bundled Digits dataset, the IDX reader and MNIST / FashionMNIST on tiny fake files."""

import gzip
import hashlib
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

import numbatorch
from numbatorch.datasets import MNIST, Digits, FashionMNIST, load_digits, read_idx

IDX_TYPE_CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C}
IDX_TYPE_CODES.update({"float32": 0x0D, "float64": 0x0E})


def write_idx(path, array, compress=False):
    """Writes ``array`` as an IDX file (big-endian), gzip-compressed if asked."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_TYPE_CODES[array.dtype.name], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    content = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if compress:
        content = gzip.compress(content)
    path.write_bytes(content)
    return path


def fake_images(count, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


def write_mnist(folder, prefix, images, labels, compress=False):
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)


@pytest.fixture
def mnist_root(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    write_mnist(raw, "train", fake_images(5), np.array([3, 1, 4, 1, 5], np.uint8))
    write_mnist(raw, "t10k", fake_images(2, seed=1), np.array([9, 2], np.uint8))
    return tmp_path


# -- Digits -------------------------------------------------------------------------------


def test_load_digits_returns_1797_images_of_8x8_counts_and_labels():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_sample_is_float_image_in_unit_range_and_int_label():
    dataset = Digits()
    image, label = dataset[0]
    assert image.shape == (1, 8, 8) and image.dtype == numbatorch.float32
    images, labels = load_digits()
    position = dataset.indices[0]
    np.testing.assert_allclose(image.numpy()[0], images[position] / 16, rtol=1e-6)
    assert type(label) is int and label == labels[position]


def test_digits_train_and_test_splits_are_disjoint_and_cover_every_sample():
    train, test = Digits(train=True), Digits(train=False)
    assert (len(train), len(test)) == (1438, 359)
    assert sorted(np.concatenate([train.indices, test.indices]).tolist()) == list(range(1797))


def test_digits_split_is_the_same_on_every_run():
    # Pinned values: a change means saved results no longer refer to the same test set.
    test = Digits(train=False)
    assert test.indices[:8].tolist() == [5, 9, 12, 14, 16, 17, 19, 23]
    assert int(test.indices.sum()) == 324981


def test_digits_split_is_stratified_by_class():
    labels = load_digits()[1]
    test = Digits(train=False, test_fraction=0.25)
    expected = [round(0.25 * count) for count in np.bincount(labels)]
    assert np.bincount(labels[test.indices]).tolist() == expected


def test_digits_split_seed_picks_another_split():
    assert Digits(split_seed=1).indices.tolist() != Digits(split_seed=0).indices.tolist()


def test_digits_rejects_test_fraction_outside_zero_one():
    with pytest.raises(ValueError, match=r"test_fraction should be in \(0, 1\), but got 1.5"):
        Digits(test_fraction=1.5)


def test_digits_applies_transform_and_target_transform():
    dataset = Digits(transform=lambda image: image.shape, target_transform=lambda y: -y)
    shape, target = dataset[1]
    assert shape == (1, 8, 8)
    assert target == -int(dataset.targets[1])


def test_digits_data_and_targets_are_uint8_and_int64_tensors():
    dataset = Digits(train=False)
    assert dataset.data.shape == (359, 8, 8) and dataset.data.dtype == numbatorch.uint8
    assert dataset.targets.shape == (359,) and dataset.targets.dtype == numbatorch.int64


# -- read_idx -----------------------------------------------------------------------------


def test_read_idx_reads_raw_uint8_file(tmp_path):
    images = fake_images(3)
    assert np.array_equal(read_idx(write_idx(tmp_path / "images", images)), images)


def test_read_idx_reads_gzip_file(tmp_path):
    images = fake_images(3)
    path = write_idx(tmp_path / "images.gz", images, compress=True)
    assert np.array_equal(read_idx(path), images)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64"])
def test_read_idx_reads_big_endian_types_into_native_order(tmp_path, dtype):
    values = np.arange(-3, 3).astype(dtype).reshape(2, 3)
    array = read_idx(write_idx(tmp_path / "values", values))
    assert array.dtype == np.dtype(dtype) and np.array_equal(array, values)


def test_read_idx_rejects_file_without_idx_magic_number(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world")
    with pytest.raises(RuntimeError, match=r"notes.txt is not an IDX file"):
        read_idx(path)


def test_read_idx_rejects_unknown_type_code(tmp_path):
    path = tmp_path / "odd"
    path.write_bytes(bytes([0, 0, 0x07, 1]) + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(RuntimeError, match=r"odd is not an IDX file: unknown data type code 0x07"):
        read_idx(path)


def test_read_idx_rejects_truncated_file_naming_it(tmp_path):
    path = write_idx(tmp_path / "images", fake_images(3))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match=r"images is truncated: .* shape \(3, 28, 28\)"):
        read_idx(path)


def test_read_idx_rejects_truncated_header(tmp_path):
    path = write_idx(tmp_path / "images", fake_images(1))
    path.write_bytes(path.read_bytes()[:9])
    with pytest.raises(RuntimeError, match="images is truncated: its header announces 3 dim"):
        read_idx(path)


def test_read_idx_rejects_trailing_bytes(tmp_path):
    path = write_idx(tmp_path / "labels", np.array([1, 2], np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(RuntimeError, match="labels has trailing bytes"):
        read_idx(path)


def test_read_idx_rejects_truncated_gzip_stream(tmp_path):
    path = write_idx(tmp_path / "images.gz", fake_images(3), compress=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(RuntimeError, match=r"images.gz: the gzip stream is truncated or corrupt"):
        read_idx(path)


# -- MNIST --------------------------------------------------------------------------------


def test_mnist_sample_is_float_image_in_unit_range_and_int_label(mnist_root):
    dataset = MNIST(mnist_root, train=True)
    image, label = dataset[2]
    assert len(dataset) == 5
    assert image.shape == (1, 28, 28) and image.dtype == numbatorch.float32
    np.testing.assert_allclose(image.numpy()[0], fake_images(5)[2] / 255, rtol=1e-6)
    assert type(label) is int and label == 4


def test_mnist_test_split_reads_t10k_files(mnist_root):
    dataset = MNIST(mnist_root, train=False)
    assert len(dataset) == 2 and dataset[1][1] == 2


def test_mnist_keeps_uint8_images_and_int64_targets(mnist_root):
    dataset = MNIST(mnist_root)
    assert dataset.data.dtype == numbatorch.uint8 and dataset.data.shape == (5, 28, 28)
    assert dataset.targets.dtype == numbatorch.int64
    assert dataset.targets.tolist() == [3, 1, 4, 1, 5]


def test_mnist_reads_gzip_files_placed_directly_in_root(tmp_path):
    write_mnist(tmp_path, "train", fake_images(4), np.array([0, 1, 2, 3], np.uint8), True)
    assert MNIST(tmp_path)[3][1] == 3


def test_mnist_transform_receives_the_float_image(mnist_root):
    dataset = MNIST(mnist_root, transform=lambda image: image.dtype, target_transform=str)
    assert dataset[0] == (numbatorch.float32, "3")


def test_mnist_without_files_says_dataset_not_found(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found: no train-images-idx3-ubyte"):
        MNIST(tmp_path)


def test_mnist_rejects_label_count_different_from_image_count(tmp_path):
    write_mnist(tmp_path, "train", fake_images(3), np.array([1, 2], np.uint8))
    with pytest.raises(RuntimeError, match="holds 3 images but .* holds 2 labels"):
        MNIST(tmp_path)


def test_mnist_rejects_image_file_with_wrong_dimensions(tmp_path):
    write_mnist(tmp_path, "train", np.zeros((3, 784), np.uint8), np.array([1, 2, 3], np.uint8))
    with pytest.raises(RuntimeError, match=r"train-images-idx3-ubyte: expected uint8 IDX data "):
        MNIST(tmp_path)


def test_mnist_rejects_labels_out_of_class_range(tmp_path):
    write_mnist(tmp_path, "train", fake_images(2), np.array([1, 12], np.uint8))
    with pytest.raises(RuntimeError, match="labels must be below 10, found 12"):
        MNIST(tmp_path)


def test_fashion_mnist_reads_its_own_folder_and_names_its_classes(tmp_path):
    write_mnist(tmp_path / "FashionMNIST" / "raw", "train", fake_images(2), np.array([9, 0], "u1"))
    dataset = FashionMNIST(tmp_path)
    assert dataset.classes[dataset[0][1]] == "Ankle boot"


def make_mirror(folder):
    """A local mirror of gzip MNIST files, and MNIST resources matching their md5."""
    write_mnist(folder, "train", fake_images(3), np.array([1, 2, 3], np.uint8), compress=True)
    write_mnist(folder, "t10k", fake_images(1), np.array([7], np.uint8), compress=True)
    resources = [
        (path.name, hashlib.md5(path.read_bytes()).hexdigest()) for path in sorted(folder.iterdir())
    ]
    return folder.as_uri() + "/", resources


def test_mnist_download_fetches_files_from_a_mirror_and_checks_md5(tmp_path):
    mirror, resources = make_mirror(tmp_path / "mirror")
    LocalMNIST = type("MNIST", (MNIST,), {"mirrors": [mirror], "resources": resources})
    dataset = LocalMNIST(tmp_path / "data", download=True)
    assert dataset.targets.tolist() == [1, 2, 3]
    assert (tmp_path / "data" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").is_file()


def test_mnist_download_rejects_file_with_wrong_md5(tmp_path):
    mirror, resources = make_mirror(tmp_path / "mirror")
    resources[0] = (resources[0][0], "0" * 32)
    LocalMNIST = type("MNIST", (MNIST,), {"mirrors": [mirror], "resources": resources})
    expected = f"(?s)Error downloading {resources[0][0]}.*md5 mismatch"
    with pytest.raises(RuntimeError, match=expected):
        LocalMNIST(tmp_path / "data", download=True)
    assert not (tmp_path / "data" / "MNIST" / "raw" / resources[0][0]).exists()


def test_mnist_download_when_offline_says_so_and_names_the_folder(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(RuntimeError, match=r"(?s)every mirror failed.*ossci.*offline.*raw"):
        MNIST(tmp_path, download=True)


def test_mnist_download_skips_files_already_present(mnist_root, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("download attempted")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert len(MNIST(mnist_root, download=True)) == 5


def test_mnist_download_retries_the_next_mirror(tmp_path):
    mirror, resources = make_mirror(tmp_path / "mirror")
    missing = (tmp_path / "nowhere").as_uri() + "/"
    LocalMNIST = type("MNIST", (MNIST,), {"mirrors": [missing, mirror], "resources": resources})
    assert len(LocalMNIST(tmp_path / "data", train=False, download=True)) == 1
