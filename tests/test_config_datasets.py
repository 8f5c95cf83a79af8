"""The dataset table of configs: every dataset declares its loader and whether that loader
generates data, and the run asks that declaration (not the loader's name) for the seed it
draws toy data from and for whether columns are named features."""
import inspect

import numpy as np
import pytest

import nnforge.data
from nnforge.build import build_run, split_data
from nnforge.config import DATASETS, parse_config
from nnforge.config import datasets as config_datasets
from nnforge.config.datasets import DATASET_SOURCES, DatasetSource, dataset_source

MODEL = {"layers": [{"type": "Linear", "in_features": 2, "out_features": 2}]}


def xor_config(seed):
    return parse_config({"seed": seed, "data": {"dataset": "xor", "options": {"n_samples": 40}},
                         "model": MODEL, "optimizer": {"type": "SGD", "lr": 0.1},
                         "train": {"epochs": 1}}, "x.toml")


def draw_xor(n_samples=200, noise=0.1, *, generator=None, seed=None):
    """make_xor under a name that says nothing about generating data."""
    return nnforge.data.make_xor(n_samples, noise, generator=generator, seed=seed)


def test_the_schema_accepts_exactly_the_declared_datasets():
    assert DATASETS == tuple(DATASET_SOURCES)
    for name, source in DATASET_SOURCES.items():
        assert callable(getattr(nnforge.data, source.loader)), name


@pytest.mark.parametrize("name", [n for n, s in DATASET_SOURCES.items() if s.generated])
def test_generated_datasets_are_drawn_from_a_seed(name):
    load = dataset_source(name).function()
    assert "seed" in inspect.signature(load).parameters
    a, b, c = load(n_samples=30, seed=1), load(n_samples=30, seed=1), load(n_samples=30, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)


def test_a_generated_dataset_under_any_name_gets_the_run_seed(monkeypatch):
    # a toy loader whose name does not start with "make_": only the declaration says so
    monkeypatch.setattr(nnforge.data, "draw_xor", draw_xor, raising=False)
    monkeypatch.setitem(config_datasets.DATASET_SOURCES, "xor",
                        DatasetSource("draw_xor", generated=True))
    first, again, other = (split_data(xor_config(s).data, s)[0] for s in (3, 3, 4))
    np.testing.assert_array_equal(first.X, again.X)
    assert not np.array_equal(first.X, other.X)
    expected = nnforge.data.make_xor(n_samples=40, seed=3)
    assert np.isin(first.X, expected.X).all()
    assert build_run(xor_config(3)).feature_names is None   # positions, not named features


def test_a_dataset_declared_as_not_generated_keeps_its_feature_names(monkeypatch):
    monkeypatch.setitem(config_datasets.DATASET_SOURCES, "xor", DatasetSource("make_xor"))
    assert build_run(xor_config(3)).feature_names == ["x1", "x2"]
