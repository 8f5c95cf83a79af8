"""Splits: sizes, seeding, stratification within one sample per class, exact k-fold
partitions, time order, leave-one-out, and the role tags the leakage guard relies on."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnforge.data import (DataLeakageWarning, KFold, LeaveOneOut, SplitIndices,
                          StratifiedKFold, TimeSeriesSplit, load_digits, time_series_split,
                          train_test_split, train_val_test_split)


def imbalanced_labels(seed=0):
    rng = np.random.default_rng(seed)
    return rng.permutation(np.repeat(np.arange(5), [7, 40, 113, 251, 13]))


def test_default_split_is_60_20_20_disjoint_and_complete():
    train, val, test = train_val_test_split(1000)
    assert (len(train), len(val), len(test)) == (600, 200, 200)
    everything = np.concatenate([train, val, test])
    np.testing.assert_array_equal(np.sort(everything), np.arange(1000))
    assert (train.role, val.role, test.role) == ("train", "val", "test")
    assert isinstance(train, SplitIndices) and train.dtype == np.int64
    assert np.all(np.diff(train) > 0)


def test_split_is_seeded():
    a = train_val_test_split(500, seed=3)
    b = train_val_test_split(500, seed=3)
    c = train_val_test_split(500, seed=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], c[1])
    g = train_val_test_split(500, seed=np.random.default_rng(3))
    assert len(g[0]) == 300


@pytest.mark.parametrize("fractions", [(0.6, 0.2, 0.2), (0.7, 0.15, 0.15), (0.5, 0.3, 0.2)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stratified_split_keeps_class_proportions_within_one_sample(fractions, seed):
    y = imbalanced_labels(seed)
    parts = train_val_test_split(y, fractions, seed=seed, stratify=True)
    for c in np.unique(y):
        n_c = np.sum(y == c)
        for part, f in zip(parts, fractions):
            assert abs(np.sum(y[part] == c) - n_c * f) <= 1.0


def test_stratified_train_test_split():
    y = imbalanced_labels()
    train, test = train_test_split(y, test_size=0.25, stratify=True, seed=1)
    for c in np.unique(y):
        assert abs(np.sum(y[test] == c) - np.sum(y == c) * 0.25) <= 1.0
    assert len(train) + len(test) == len(y) and test.role == "test"


def test_unshuffled_and_time_split_keep_order():
    train, val, test = time_series_split(100)
    assert train.max() < val.min() and val.max() < test.min()
    np.testing.assert_array_equal(np.concatenate([train, val, test]), np.arange(100))
    a, b, _ = train_val_test_split(100, shuffle=False)
    np.testing.assert_array_equal(a, np.arange(60))
    np.testing.assert_array_equal(b, np.arange(60, 80))


def test_time_series_cross_validation_never_trains_on_the_future():
    splitter = TimeSeriesSplit(n_splits=4)
    folds = list(splitter.split(np.zeros((103, 2))))
    assert len(folds) == 4
    for train, val in folds:
        assert train.max() < val.min()                 # every training row precedes every val row
        np.testing.assert_array_equal(train, np.arange(len(train)))
    sizes = [len(t) for t, _ in folds]
    assert sizes == sorted(sizes)


def test_shuffling_a_time_split_warns():
    with pytest.warns(DataLeakageWarning, match="NF-LEAK-002"):
        time_series_split(50, shuffle=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        time_series_split(50)


@pytest.mark.parametrize("n, k", [(10, 3), (17, 5), (100, 10), (7, 7)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_partitions_exactly(n, k, shuffle):
    folds = list(KFold(k, shuffle=shuffle, seed=0).split(np.zeros((n, 1))))
    assert len(folds) == k
    vals = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(vals), np.arange(n))        # each row validated once
    for train, val in folds:
        assert len(np.intersect1d(train, val)) == 0
        np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(n))
        assert val.role == "val" and train.role == "train"
    sizes = sorted(len(v) for _, v in folds)
    assert sizes[-1] - sizes[0] <= 1


def test_kfold_matches_scikit_learn_without_shuffle():
    from sklearn.model_selection import KFold as SkKFold
    X = np.zeros((23, 2))
    ours = list(KFold(4).split(X))
    theirs = list(SkKFold(4).split(X))
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.parametrize("shuffle", [False, True])
def test_stratified_kfold_partitions_and_balances(shuffle):
    y = imbalanced_labels()
    k = 5
    folds = list(StratifiedKFold(k, shuffle=shuffle, seed=2).split(np.zeros(len(y)), y))
    vals = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(vals), np.arange(len(y)))
    for _, val in folds:
        for c in np.unique(y):
            assert abs(np.sum(y[val] == c) - np.sum(y == c) / k) <= 1.0
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1


def test_stratified_kfold_needs_y_and_warns_on_tiny_classes():
    with pytest.raises(ValueError, match="y .* is required"):
        list(StratifiedKFold(3).split(np.zeros(9), None))
    with pytest.warns(UserWarning, match="fewer than n_splits"):
        list(StratifiedKFold(3).split(np.zeros(9), [0] * 7 + [1] * 2))


def test_leave_one_out_is_k_equals_n():
    folds = list(LeaveOneOut().split(np.zeros((6, 2))))
    assert len(folds) == 6 == LeaveOneOut().get_n_splits(np.zeros(6))
    for i, (train, val) in enumerate(folds):
        np.testing.assert_array_equal(val, [i])
        np.testing.assert_array_equal(train, np.delete(np.arange(6), i))


def test_split_accepts_array_data():
    data = load_digits()
    train, val, test = train_val_test_split(data, stratify=True)
    assert len(train) + len(val) + len(test) == 1797
    sub = data.subset(val)
    assert sub.role == "val" and len(sub) == len(val) and sub.class_names == data.class_names


@pytest.mark.parametrize("call, message", [
    (lambda: train_val_test_split(10, fractions=(0.5, 0.5, 0.5)), r"fractions.*summing to 1"),
    (lambda: train_val_test_split(10, stratify=True), r"stratify=True\) needs the label"),
    (lambda: train_val_test_split([0, 1, 0, 1], stratify=True, shuffle=False),
     r"stratify=True needs shuffle=True"),
    (lambda: train_test_split(10, test_size=1.5), r"test_size"),
    (lambda: KFold(1), r"KFold\(n_splits\)"),
    (lambda: list(KFold(5).split(np.zeros(3))), r"n_splits=5 is larger than the number of "
                                                 r"samples \(3\)"),
])
def test_bad_split_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 300), k=st.integers(2, 12), shuffle=st.booleans(),
       seed=st.integers(0, 2**31))
def test_kfold_partition_property(n, k, shuffle, seed):
    if k > n:
        return
    vals = [v for _, v in KFold(k, shuffle=shuffle, seed=seed).split(n)]
    np.testing.assert_array_equal(np.sort(np.concatenate(vals)), np.arange(n))


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 80), min_size=1, max_size=6),
       fractions=st.sampled_from([(0.6, 0.2, 0.2), (0.8, 0.1, 0.1), (1 / 3, 1 / 3, 1 / 3)]),
       seed=st.integers(0, 2**31))
def test_stratified_proportion_property(counts, fractions, seed):
    y = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(counts)), counts))
    parts = train_val_test_split(y, fractions, seed=seed, stratify=True)
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(len(y)))
    for c, n_c in enumerate(counts):
        for part, f in zip(parts, fractions):
            assert abs(np.sum(y[part] == c) - n_c * f) <= 1.0
