"""utils.data: datasets, random_split, samplers, default_collate and the DataLoader."""

import collections

import numpy as np
import pytest

import numbatorch
from numbatorch.datasets import Digits
from numbatorch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class Squares(Dataset):
    """Sample i is (i, i * i) as Python ints."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, index):
        return index, index * index

    def __len__(self):
        return self.n


class Counter(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def xy_dataset(n=10):
    x = numbatorch.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2))
    y = numbatorch.tensor(np.arange(n, dtype=np.int64))
    return TensorDataset(x, y)


def values(batch):
    """Tensors in a (possibly nested) batch as numpy arrays, for comparisons."""
    if isinstance(batch, (list, tuple)):
        return [values(b) for b in batch]
    return batch.numpy()


# -- datasets -----------------------------------------------------------------------------


def test_tensor_dataset_sample_is_tuple_of_rows():
    x, y = xy_dataset()[3]
    assert x.numpy().tolist() == [6.0, 7.0] and y.item() == 3


def test_tensor_dataset_rejects_tensors_of_different_lengths():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(numbatorch.tensor([1.0, 2.0]), numbatorch.tensor([1.0]))


def test_subset_reads_the_dataset_at_its_indices():
    subset = Subset(Squares(10), [7, 2])
    assert len(subset) == 2 and subset[0] == (7, 49) and subset[1] == (2, 4)


def test_concat_dataset_continues_into_the_next_dataset():
    dataset = ConcatDataset([Squares(2), Squares(3)])
    assert len(dataset) == 5 and [dataset[i][0] for i in range(5)] == [0, 1, 0, 1, 2]


def test_concat_dataset_accepts_negative_index():
    assert (Squares(2) + Squares(3))[-1] == (2, 4)


def test_concat_dataset_rejects_empty_list():
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])


def test_random_split_with_lengths_partitions_the_dataset():
    parts = random_split(Squares(10), [7, 3], generator=numbatorch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))


def test_random_split_with_fractions_deals_remainder_from_the_first_split():
    parts = random_split(Squares(5), [0.5, 0.5])
    assert [len(p) for p in parts] == [3, 2]


def test_random_split_rejects_lengths_not_summing_to_len():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(Squares(10), [5, 4])


def test_random_split_rejects_fraction_outside_zero_one():
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(Squares(10), [1.5, -0.5])


def test_random_split_with_same_seeded_generator_gives_same_split():
    def split():
        return random_split(Squares(20), [10, 10], generator=numbatorch.Generator().manual_seed(3))

    assert split()[0].indices == split()[0].indices


# -- samplers -----------------------------------------------------------------------------


def test_sequential_sampler_yields_indices_in_order():
    assert list(SequentialSampler(Squares(4))) == [0, 1, 2, 3]


def test_random_sampler_yields_a_permutation():
    indices = list(RandomSampler(Squares(50)))
    assert sorted(indices) == list(range(50)) and indices != list(range(50))


def test_random_sampler_with_replacement_yields_num_samples_indices_in_range():
    indices = list(RandomSampler(Squares(3), replacement=True, num_samples=70))
    assert len(indices) == 70 and set(indices) <= {0, 1, 2}


def test_random_sampler_rejects_non_positive_num_samples():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(Squares(3), num_samples=0)


def test_batch_sampler_keeps_the_short_last_batch():
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]


def test_batch_sampler_drops_the_short_last_batch_when_asked():
    sampler = BatchSampler(range(5), 2, drop_last=True)
    assert list(sampler) == [[0, 1], [2, 3]] and len(sampler) == 2


def test_batch_sampler_rejects_non_positive_batch_size():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(5), 0, drop_last=False)


# -- default_collate ----------------------------------------------------------------------


def test_default_collate_stacks_tensors_on_a_new_first_dim():
    batch = default_collate([numbatorch.tensor([1.0, 2.0]), numbatorch.tensor([3.0, 4.0])])
    assert batch.shape == (2, 2) and batch.numpy().tolist() == [[1, 2], [3, 4]]


def test_default_collate_makes_int64_tensor_of_python_ints():
    batch = default_collate([1, 2, 3])
    assert batch.dtype == numbatorch.int64 and batch.tolist() == [1, 2, 3]


def test_default_collate_makes_float64_tensor_of_python_floats():
    assert default_collate([0.5, 1.5]).dtype == numbatorch.float64


def test_default_collate_turns_numpy_arrays_into_a_stacked_tensor():
    batch = default_collate([np.zeros(3, np.float32), np.ones(3, np.float32)])
    assert batch.dtype == numbatorch.float32 and batch.shape == (2, 3)


def test_default_collate_transposes_tuples_into_a_list():
    batch = default_collate([(1, 2.0), (3, 4.0)])
    assert isinstance(batch, list) and batch[0].tolist() == [1, 3]


def test_default_collate_collates_dicts_per_key_keeping_their_type():
    samples = [collections.OrderedDict(a=1, b="x"), collections.OrderedDict(a=2, b="y")]
    batch = default_collate(samples)
    assert type(batch) is collections.OrderedDict
    assert batch["a"].tolist() == [1, 2] and batch["b"] == ["x", "y"]


def test_default_collate_rejects_sequences_of_unequal_size():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])


def test_default_collate_rejects_unknown_types():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object(), object()])


# -- DataLoader ---------------------------------------------------------------------------


def test_dataloader_yields_batches_in_order():
    batches = list(DataLoader(Squares(5), batch_size=2))
    assert [b[0].tolist() for b in batches] == [[0, 1], [2, 3], [4]]


def test_dataloader_len_counts_the_short_last_batch():
    assert len(DataLoader(Squares(5), batch_size=2)) == 3


def test_dataloader_len_without_the_short_last_batch_when_drop_last():
    loader = DataLoader(Squares(5), batch_size=2, drop_last=True)
    assert len(loader) == 2 and len(list(loader)) == 2


def test_dataloader_shuffle_visits_every_sample_once_per_epoch():
    indices = [
        i
        for batch in DataLoader(Squares(30), batch_size=4, shuffle=True)
        for i in batch[0].tolist()
    ]
    assert sorted(indices) == list(range(30)) and indices != list(range(30))


def test_dataloader_shuffle_with_seeded_generator_is_reproducible():
    def epoch():
        generator = numbatorch.Generator().manual_seed(7)
        loader = DataLoader(Squares(30), batch_size=30, shuffle=True, generator=generator)
        return next(iter(loader))[0].tolist()

    assert epoch() == epoch()


def test_dataloader_shuffle_follows_manual_seed():
    def epoch():
        numbatorch.manual_seed(11)
        return next(iter(DataLoader(Squares(30), batch_size=30, shuffle=True)))[0].tolist()

    assert epoch() == epoch()


def test_dataloader_shuffles_differently_each_epoch():
    loader = DataLoader(Squares(30), batch_size=30, shuffle=True)
    assert next(iter(loader))[0].tolist() != next(iter(loader))[0].tolist()


def test_dataloader_tensor_dataset_batches_equal_stacked_samples():
    dataset = xy_dataset(10)
    gathered = list(DataLoader(dataset, batch_size=4))
    stacked = list(DataLoader(dataset, batch_size=4, collate_fn=default_collate))
    assert isinstance(gathered[0], list)
    for fast, slow in zip(gathered, stacked):
        assert all(np.array_equal(a, b) for a, b in zip(values(fast), values(slow)))
        assert [t.dtype for t in fast] == [t.dtype for t in slow]


def test_dataloader_tensor_dataset_batch_follows_sampler_order_through_subsets():
    subset = Subset(Subset(xy_dataset(10), [9, 8, 7, 6]), [3, 0])
    (batch,) = list(DataLoader(subset, batch_size=2))
    assert batch[1].tolist() == [6, 9]


def test_dataloader_uses_the_given_collate_fn():
    loader = DataLoader(Squares(4), batch_size=2, collate_fn=len)
    assert list(loader) == [2, 2]


def test_dataloader_with_batch_size_none_yields_single_samples():
    assert list(DataLoader(Squares(2), batch_size=None)) == [(0, 0), (1, 1)]


def test_dataloader_accepts_a_batch_sampler():
    loader = DataLoader(Squares(5), batch_sampler=[[4, 0], [2]])
    assert [b[0].tolist() for b in loader] == [[4, 0], [2]]


def test_dataloader_rejects_sampler_with_shuffle():
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(Squares(5), sampler=[0, 1], shuffle=True)


def test_dataloader_rejects_batch_sampler_with_batch_size():
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(Squares(5), batch_size=2, batch_sampler=[[0, 1]])


def test_dataloader_rejects_negative_num_workers():
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(Squares(5), num_workers=-1)


def test_dataloader_batches_an_iterable_dataset():
    loader = DataLoader(Counter(5), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]] and len(loader) == 3


def test_dataloader_rejects_shuffle_for_an_iterable_dataset():
    with pytest.raises(
        ValueError, match="expected unspecified shuffle option, but got shuffle=True"
    ):
        DataLoader(Counter(5), shuffle=True)


def test_dataloader_over_digits_yields_image_and_label_batches():
    images, labels = next(iter(DataLoader(Digits(), batch_size=16, shuffle=True)))
    assert images.shape == (16, 1, 8, 8) and images.dtype == numbatorch.float32
    assert labels.shape == (16,) and labels.dtype == numbatorch.int64
