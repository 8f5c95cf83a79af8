"""Shared test fixtures: a seeded generator per test."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
