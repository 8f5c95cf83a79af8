"""Search spaces: parsing the [tune.params] table, the one-line errors, grids, paths."""
import pytest

from nnforge.tune.space import SearchSpace, SearchSpaceError, apply_params, get_path

BASE = {"seed": 0,
        "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 8},
                             {"type": "ReLU"},
                             {"type": "Linear", "in_features": 8, "out_features": 3}]},
        "optimizer": {"type": "SGD", "lr": 0.1},
        "train": {"batch_size": 32}}


@pytest.mark.parametrize("spec, message", [
    ({"type": "uniform", "low": 0.5, "high": 0.5}, "empty range, low == high == 0.5"),
    ({"type": "uniform", "low": 1.0, "high": 0.1}, "inverted range, low=1.0 > high=0.1"),
    ({"type": "int", "low": 10, "high": 2}, "inverted range, low=10 > high=2"),
    ({"type": "loguniform", "low": 0.0, "high": 1.0}, "a log scale needs positive bounds"),
    ({"type": "int", "low": -1, "high": 8, "log": True}, "a log scale needs positive bounds"),
    ({"type": "categorical", "choices": []}, "choices must be a non-empty list"),
    ({"type": "normal", "low": 0, "high": 1}, "type must be one of"),
    ({"type": "uniform", "low": 0, "high": 1, "scale": 2}, "unknown keys ['scale']"),
    ({"type": "uniform", "low": 0, "high": 1, "values": [0.5, 2.0]},
     "values [2.0] lie outside [0, 1]"),
    ({"type": "categorical", "choices": ["a"], "values": ["b"]}, "values ['b'] are not among"),
])
def test_bad_ranges_are_one_clear_line(spec, message):
    with pytest.raises(SearchSpaceError) as info:
        SearchSpace.from_dict({"optimizer.lr": spec})
    text = str(info.value)
    assert message in text and "'optimizer.lr'" in text and "\n" not in text


@pytest.mark.parametrize("path, message", [
    ("optimizer.lrr", "[optimizer] has no key 'lrr' (keys: type, lr)"),
    ("model.layers.7.out_features", "model.layers is a list of 3 items, 7 is not an index in it"),
    ("modle.layers.0.out_features", "[config] has no key 'modle'"),
    ("train.batch_size.x", "train.batch_size is a int, not a table"),
])
def test_unknown_parameter_path(path, message):
    space = SearchSpace.from_dict({path: {"type": "uniform", "low": 0.1, "high": 1.0}})
    with pytest.raises(SearchSpaceError) as info:
        space.check_paths(BASE)
    text = str(info.value)
    assert text.startswith(f"unknown parameter path {path!r}: ") and message in text
    assert "\n" not in text


def test_missing_last_key_accepted_only_when_the_validator_accepts_it():
    space = SearchSpace.from_dict({"optimizer.momentum": {"type": "uniform", "low": 0.5,
                                                          "high": 0.99}})
    with pytest.raises(SearchSpaceError, match="has no key 'momentum'"):
        space.check_paths(BASE)
    seen = []
    space.check_paths(BASE, validate=seen.append)
    assert seen[0]["optimizer"]["momentum"] == 0.5

    def refuse(config):
        raise ValueError("nope")
    with pytest.raises(SearchSpaceError, match="has no key 'momentum'"):
        space.check_paths(BASE, validate=refuse)


def test_apply_params_copies_and_writes_every_path():
    space = SearchSpace.from_dict({
        "model.layers.0.out_features": {"type": "int", "low": 4, "high": 64,
                                        "also": ["model.layers.2.in_features"]},
        "optimizer.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-1}})
    updates = space.config_updates({"model.layers.0.out_features": 16, "optimizer.lr": 0.01})
    config = apply_params(BASE, updates)
    assert config["model"]["layers"][0]["out_features"] == 16
    assert config["model"]["layers"][2]["in_features"] == 16
    assert config["optimizer"]["lr"] == 0.01
    assert BASE["model"]["layers"][0]["out_features"] == 8        # the base is untouched
    assert get_path(config, "optimizer.lr") == 0.01
    assert get_path(config, "optimizer.nothing", "absent") == "absent"


def test_grid_is_the_product_with_conditions_and_no_duplicates():
    space = SearchSpace.from_dict({
        "optimizer.type": {"type": "categorical", "choices": ["SGD", "Adam"]},
        "optimizer.lr": {"type": "loguniform", "low": 1e-3, "high": 1e-1, "num": 3},
        "optimizer.momentum": {"type": "uniform", "low": 0.5, "high": 0.9,
                               "values": [0.5, 0.9], "when": {"optimizer.type": "SGD"}},
        "train.batch_size": {"type": "int", "low": 16, "high": 48, "step": 16}})
    grid = space.grid(BASE)
    # SGD: 3 lr x 2 momentum x 3 batch sizes; Adam: 3 lr x 3 batch sizes (no momentum)
    assert len(grid) == 18 + 9
    assert all(("optimizer.momentum" in p) == (p["optimizer.type"] == "SGD") for p in grid)
    assert space["optimizer.lr"].grid_values() == pytest.approx([1e-3, 1e-2, 1e-1])
    assert space["train.batch_size"].grid_values() == [16, 32, 48]
    assert len({tuple(sorted(p.items())) for p in grid}) == len(grid)


def test_grid_of_a_continuous_range_needs_points():
    space = SearchSpace.from_dict({"optimizer.lr": {"type": "uniform", "low": 0.1,
                                                    "high": 1.0}})
    with pytest.raises(SearchSpaceError, match="needs `values = \\[...\\]` or `num = k`"):
        space.grid(BASE)


def test_condition_must_follow_its_parameter():
    with pytest.raises(SearchSpaceError, match="must come after that parameter"):
        SearchSpace.from_dict({
            "optimizer.momentum": {"type": "uniform", "low": 0.5, "high": 0.9,
                                   "when": {"optimizer.type": "SGD"}},
            "optimizer.type": {"type": "categorical", "choices": ["SGD", "Adam"]}})


def test_conditional_parameter_is_drawn_only_when_its_condition_holds():
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = SearchSpace.from_dict({
        "optimizer.type": {"type": "categorical", "choices": ["SGD", "Adam"]},
        "optimizer.momentum": {"type": "uniform", "low": 0.5, "high": 0.99,
                               "when": {"optimizer.type": "SGD"}}})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    points = [space.suggest(study.ask(), BASE) for _ in range(30)]
    assert {p["optimizer.type"] for p in points} == {"SGD", "Adam"}
    for point in points:
        assert ("optimizer.momentum" in point) == (point["optimizer.type"] == "SGD")


def test_import_nnforge_tune_space_does_not_load_optuna():
    import subprocess
    import sys
    code = ("import sys, nnforge, nnforge.tune, nnforge.tune.space; "
            "sys.exit('optuna' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
