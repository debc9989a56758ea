"""random_split, stratified_split, train_val_test_split."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.data import (
    Subset,
    TensorDataset,
    random_split,
    stratified_split,
    train_val_test_split,
)


def _dataset(labels):
    labels = np.asarray(labels)
    return TensorDataset(np.arange(len(labels)), labels)


def _check_partition(parts, n):
    everything = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(everything), np.arange(n))


def test_random_split_with_counts():
    parts = random_split(_dataset(np.zeros(10, int)), [6, 3, 1], seed=0)
    assert all(isinstance(p, Subset) for p in parts)
    assert [len(p) for p in parts] == [6, 3, 1]
    _check_partition(parts, 10)


def test_random_split_fractions_follow_torchs_rounding():
    # floor(10 * f) = 3, 3, 3; the one left over goes to the first part
    parts = random_split(_dataset(np.zeros(10, int)), [0.33, 0.33, 0.34], seed=0)
    assert [len(p) for p in parts] == [4, 3, 3]
    _check_partition(parts, 10)
    assert [len(p) for p in random_split(_dataset(np.zeros(7, int)), [0.5, 0.5])] == [4, 3]


def test_random_split_is_reproducible_and_random():
    ds = _dataset(np.zeros(50, int))
    a = random_split(ds, [25, 25], seed=1)
    b = random_split(ds, [25, 25], seed=1)
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    assert not np.array_equal(a[0].indices, np.arange(25))
    mg.manual_seed(3)
    c = random_split(ds, [25, 25])
    mg.manual_seed(3)
    np.testing.assert_array_equal(c[1].indices, random_split(ds, [25, 25])[1].indices)
    g = random_split(ds, [25, 25], generator=np.random.default_rng(1))
    np.testing.assert_array_equal(g[0].indices, a[0].indices)


@pytest.mark.parametrize("lengths, match", [
    ([5, 4], "sum to 9, but the dataset has 10"),
    ([0.5, 0.4], "sum to 0.9, not 1"),
    ([11, -1], "must not be negative"),
    ([5, 0.5], "not 1"),
    ([], "empty"),
])
def test_random_split_rejects_lengths_that_do_not_add_up(lengths, match):
    with pytest.raises(ValueError, match=match):
        random_split(_dataset(np.zeros(10, int)), lengths)


def test_random_split_rejects_non_numbers_and_double_randomness():
    with pytest.raises(TypeError, match="ints or fractions"):
        random_split(_dataset(np.zeros(10, int)), ["5", 5])
    with pytest.raises(ValueError, match="either seed or generator"):
        random_split(_dataset(np.zeros(10, int)), [5, 5], seed=1,
                     generator=np.random.default_rng())


@given(st.lists(st.integers(0, 4), min_size=1, max_size=80),
       st.lists(st.integers(1, 10), min_size=1, max_size=4), st.integers(0, 2**16))
def test_stratified_split_keeps_each_class_in_proportion(labels, weights, seed):
    labels = np.array(labels)
    n = len(labels)
    fractions = [w / sum(weights) for w in weights]
    parts = stratified_split(_dataset(labels), fractions, seed=seed)
    sizes = [len(p) for p in parts]
    assert sizes == [len(p) for p in random_split(_dataset(labels), fractions, seed=0)]
    _check_partition(parts, n)
    for k, part in enumerate(parts):
        for c in np.unique(labels):
            n_c = np.sum(labels == c)
            error = abs(np.sum(part.targets == c) - len(part) * n_c / n)
            assert error < 1 if k == 0 else error <= len(parts)  # rounding drifts < 1 a part


def test_stratified_split_gives_a_rare_class_to_every_part():
    labels = np.array([0] * 90 + [1] * 10)
    for seed in range(5):
        train, val, test = stratified_split(_dataset(labels), [0.8, 0.1, 0.1], seed=seed)
        assert np.sum(train.targets == 1) == 8
        assert np.sum(val.targets == 1) == 1 and np.sum(test.targets == 1) == 1


def test_stratified_split_labels_argument_and_errors():
    ds = TensorDataset(np.arange(6))
    a, b = stratified_split(ds, [3, 3], labels=[0, 0, 0, 1, 1, 1], seed=0)
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(6))
    assert sum(i < 3 for i in a.indices) in (1, 2)
    with pytest.raises(ValueError, match="shape"):
        stratified_split(ds, [3, 3], labels=[0, 1])

    class NoTargets:
        def __len__(self):
            return 4

    with pytest.raises(ValueError, match="pass labels="):
        stratified_split(NoTargets(), [2, 2])


def test_train_val_test_split():
    labels = np.arange(200) % 10
    train, val, test = train_val_test_split(_dataset(labels), val=0.1, test=0.2, seed=0)
    assert (len(train), len(val), len(test)) == (140, 20, 40)
    assert np.bincount(test.targets).tolist() == [4] * 10
    _check_partition([train, val, test], 200)
    again = train_val_test_split(_dataset(labels), val=0.1, test=0.2, seed=0)
    np.testing.assert_array_equal(again[1].indices, val.indices)
    plain = train_val_test_split(_dataset(labels), val=0.5, test=0.0, stratify=False, seed=0)
    assert [len(p) for p in plain] == [100, 100, 0]
    with pytest.raises(ValueError, match="leaving some data"):
        train_val_test_split(_dataset(labels), val=0.5, test=0.5)
