"""DataLoader: batching, shuffling, reproducibility, the fast array path, collation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.data import DataLoader, Dataset, Subset, TensorDataset, default_collate


def _dataset(n=10):
    return TensorDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def _labels(loader):
    return np.concatenate([y.numpy() for _, y in loader])


class NoGetItem(TensorDataset):
    """A TensorDataset whose per-sample path must not be used."""

    def __getitem__(self, index):
        raise AssertionError("__getitem__ called: the fast batch path was not used")


class Pairs(Dataset):
    """A generic dataset (no get_batch): samples are (array, int)."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls += 1
        return np.full(3, i, dtype=np.float64), i


def test_batches_are_tuples_of_tensors_with_the_sample_structure():
    batches = list(DataLoader(_dataset(10), batch_size=4))
    assert [tuple(t.shape for t in b) for b in batches] == [((4, 2), (4,)), ((4, 2), (4,)),
                                                            ((2, 2), (2,))]
    x, y = batches[0]
    assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert not x.requires_grad
    np.testing.assert_array_equal(x.numpy(), np.arange(8, dtype=np.float32).reshape(4, 2))


def test_unshuffled_order_is_the_dataset_order():
    np.testing.assert_array_equal(_labels(DataLoader(_dataset(7), batch_size=3)), np.arange(7))


@given(st.integers(0, 40), st.integers(1, 12), st.booleans())
def test_len_is_the_number_of_batches(n, batch_size, drop_last):
    loader = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches)
    assert len(batches) == (n // batch_size if drop_last else -(-n // batch_size))
    assert all(len(y) == batch_size for _, y in batches[:-1])
    if drop_last and batches:
        assert len(batches[-1][1]) == batch_size


def test_drop_last_drops_only_the_short_batch():
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    np.testing.assert_array_equal(_labels(loader), np.arange(8))
    assert len(DataLoader(_dataset(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_covers_every_sample_once_per_epoch_and_reshuffles():
    loader = DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=0)
    first, second = _labels(loader), _labels(loader)
    np.testing.assert_array_equal(np.sort(first), np.arange(50))
    np.testing.assert_array_equal(np.sort(second), np.arange(50))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(50))


def test_shuffled_drop_last_still_draws_from_every_sample():
    loader = DataLoader(_dataset(10), batch_size=4, shuffle=True, drop_last=True, seed=1)
    seen = np.concatenate([_labels(loader) for _ in range(20)])
    assert len(seen) == 20 * 8 and set(seen.tolist()) == set(range(10))


def test_seed_makes_the_epochs_reproducible():
    a = DataLoader(_dataset(30), batch_size=7, shuffle=True, seed=3)
    b = DataLoader(_dataset(30), batch_size=7, shuffle=True, seed=3)
    c = DataLoader(_dataset(30), batch_size=7, shuffle=True, seed=4)
    epochs_a = [_labels(a) for _ in range(3)]
    epochs_b = [_labels(b) for _ in range(3)]
    for ea, eb in zip(epochs_a, epochs_b):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(epochs_a[0], _labels(c))


def test_generator_is_used_and_advanced():
    a = DataLoader(_dataset(30), batch_size=7, shuffle=True,
                   generator=np.random.default_rng(9))
    expected = np.random.default_rng(9)
    np.testing.assert_array_equal(_labels(a), expected.permutation(30))
    np.testing.assert_array_equal(_labels(a), expected.permutation(30))


def test_without_seed_shuffling_follows_manual_seed():
    loader = DataLoader(_dataset(30), batch_size=30, shuffle=True)
    mg.manual_seed(11)
    first = _labels(loader)
    mg.manual_seed(11)
    np.testing.assert_array_equal(_labels(loader), first)
    mg.manual_seed(11)
    np.testing.assert_array_equal(first, mg.default_generator().permutation(30))


def test_the_permutation_is_drawn_when_iteration_starts():
    loader = DataLoader(_dataset(20), batch_size=5, shuffle=True)
    mg.manual_seed(2)
    it = iter(loader)
    mg.manual_seed(99)  # must not change the epoch already started
    got = np.concatenate([y.numpy() for _, y in it])
    mg.manual_seed(2)
    np.testing.assert_array_equal(got, _labels(loader))


def test_array_datasets_take_the_fast_path():
    ds = NoGetItem(np.arange(20.0).reshape(10, 2), np.arange(10))
    calls = []
    inner = ds.get_batch
    ds.get_batch = lambda idx: calls.append(len(idx)) or inner(idx)
    batches = list(DataLoader(ds, batch_size=4, shuffle=True, seed=0))
    assert calls == [4, 4, 2]  # one fetch per batch
    assert sorted(np.concatenate([y.numpy() for _, y in batches]).tolist()) == list(range(10))
    x, y = batches[0]
    np.testing.assert_array_equal(x.numpy()[:, 0], 2.0 * y.numpy())


def test_a_subset_of_an_array_dataset_keeps_the_fast_path():
    ds = NoGetItem(np.arange(10.0), np.arange(10) * 10)
    (x, y), = DataLoader(Subset(ds, [7, 2, 5]), batch_size=3)
    np.testing.assert_array_equal(x.numpy(), [7.0, 2.0, 5.0])
    np.testing.assert_array_equal(y.numpy(), [70, 20, 50])


def test_generic_datasets_are_read_per_sample_and_stacked():
    ds = Pairs(5)
    batches = list(DataLoader(ds, batch_size=2))
    assert ds.calls == 5
    x, y = batches[0]
    assert x.shape == (2, 3) and x.dtype == np.float64  # arrays keep their dtype
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), [0, 1])
    assert batches[-1][0].shape == (1, 3)


def test_batches_do_not_alias_the_dataset():
    arr = np.zeros((4, 2), np.float32)
    ds = TensorDataset(arr)
    (x,), = DataLoader(ds, batch_size=4)
    x.array[...] = 5
    assert arr.max() == 0


def test_collate_fn_replaces_default_collation():
    ds = _dataset(6)
    loader = DataLoader(ds, batch_size=3, collate_fn=lambda samples: len(samples))
    assert list(loader) == [3, 3]


def test_default_collate_types_and_structures():
    x, y = default_collate([([1.0, 2.0], 0), ([3.0, 4.0], 1)])
    assert x.dtype == np.float32 and x.shape == (2, 2) and y.dtype == np.int64
    (f,) = default_collate([(0.5,), (1.5,)])
    assert f.dtype == np.float32
    batch = default_collate([{"a": mg.tensor([1, 2]), "b": True},
                             {"a": mg.tensor([3, 4]), "b": False}])
    assert batch["a"].shape == (2, 2) and batch["b"].dtype == np.bool_
    single = default_collate([np.float32(1), np.float32(2)])
    assert isinstance(single, mg.Tensor) and single.shape == (2,)
    assert default_collate([("a", 1), ("b", 2)])[0] == ["a", "b"]


def test_default_collate_errors():
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="numbers of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(ValueError, match="no samples"):
        default_collate([])


def test_empty_dataset_gives_no_batches():
    loader = DataLoader(TensorDataset(np.zeros((0, 3))), batch_size=4, shuffle=True)
    assert len(loader) == 0 and list(loader) == []


@pytest.mark.parametrize("bad", [0, -2])
def test_batch_size_must_be_positive(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader(_dataset(), batch_size=bad)


@pytest.mark.parametrize("bad", [2.0, True, None, "4"])
def test_batch_size_must_be_an_int(bad):
    with pytest.raises(TypeError, match="batch_size must be a positive int"):
        DataLoader(_dataset(), batch_size=bad)


def test_bad_generator_and_seed_arguments():
    with pytest.raises(ValueError, match="either generator or seed"):
        DataLoader(_dataset(), seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="numpy Generator"):
        DataLoader(_dataset(), generator=np.random.RandomState(1))
    with pytest.raises(TypeError, match="seed must be an int"):
        DataLoader(_dataset(), seed=1.5)
    with pytest.raises(TypeError, match="needs __len__"):
        DataLoader(object())


def test_repr_names_the_settings():
    text = repr(DataLoader(_dataset(10), batch_size=4, shuffle=True))
    assert "TensorDataset of 10" in text and "batch_size=4" in text and "shuffle=True" in text
