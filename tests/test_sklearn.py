"""Tests for nnforge.sklearn: scikit-learn's estimator checks, model selection on digits and
the features scikit-learn's MLP lacks (dropout, batch norm, conv layers, schedules, L1).

Checks that do not run, and why:
- check_methods_subset_invariance is marked expected-to-fail (non-strict) for the float32
  instances only: predicting a batch of 20 rows and the same rows one at a time runs
  different BLAS GEMM kernels, whose float32 results can differ in the last bit (we saw
  2.4e-7 absolute on a 1.37 output, above the check's 1e-7 tolerance). The float64
  instances run and pass the same check, so the forward pass itself is row-independent.
- check_array_api_input is skipped by scikit-learn itself unless SCIPY_ARRAY_API is set
  (nnforge computes in NumPy only); the *_data_not_an_array checks are skipped by
  scikit-learn when pandas is not installed.
"""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from nnforge import nn, optim
from nnforge.data import RandomShift
from nnforge.sklearn import NeuralNetClassifier, NeuralNetRegressor
from nnforge.sklearn.network import build_optimizer
from nnforge.train import Trainer

_RICH = dict(hidden_layer_sizes=(32, 16), dropout=0.2, input_dropout=0.1, batch_norm=True,
             init="he_normal", lr=3e-3, l1=1e-5, weight_decay=1e-4, lr_scheduler="StepLR",
             lr_scheduler_kwargs={"step_size": 10, "gamma": 0.5}, early_stopping=True,
             patience=10, max_epochs=30, dtype="float64", random_state=0)

_CHECKED = [NeuralNetClassifier(random_state=0), NeuralNetRegressor(random_state=0),
            NeuralNetClassifier(**_RICH), NeuralNetRegressor(**_RICH)]


def _expected_failures(estimator):
    if estimator.dtype == "float32":
        return {"check_methods_subset_invariance":
                "float32 GEMM over 20 rows vs 1 row may differ in the last bit (> 1e-7); "
                "the float64 instances pass it"}
    return {}


@parametrize_with_checks(_CHECKED, expected_failed_checks=_expected_failures,
                         xfail_strict=False)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def test_grid_search_over_lr_and_dropout(digits):
    X, y = digits
    grid = GridSearchCV(NeuralNetClassifier(hidden_layer_sizes=(64,), max_epochs=8,
                                            random_state=0),
                        {"lr": [1e-3, 1e-2], "dropout": [0.0, 0.5]}, cv=3)
    grid.fit(X[:900], y[:900])
    assert grid.best_params_["lr"] in (1e-3, 1e-2)
    assert grid.best_params_["dropout"] in (0.0, 0.5)
    assert len(grid.cv_results_["mean_test_score"]) == 4
    # lr 1e-2 converges much further in 8 epochs than 1e-3 on digits
    assert grid.best_params_["lr"] == 1e-2
    assert grid.best_score_ > 0.85                 # scikit-learn's MLP (same budget): 0.872
    assert grid.score(X[900:], y[900:]) > 0.85
    layers = [type(m).__name__ for m in grid.best_estimator_.model_]
    assert ("Dropout" in layers) == (grid.best_params_["dropout"] > 0)


def test_pipeline_and_cross_val_score(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(hidden_layer_sizes=(32,),
                                                               max_epochs=10, lr=3e-3,
                                                               random_state=0))
    scores = cross_val_score(pipe, X[:600], y[:600], cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8 and scores.min() > 0.75
    fitted = pipe.fit(X[:600], y[:600])
    assert fitted[-1].n_features_in_ == 64 and fitted.score(X[600:], y[600:]) > 0.8


def test_string_labels_and_probabilities(digits):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                      "nine"])
    clf = NeuralNetClassifier(hidden_layer_sizes=(32,), max_epochs=10, lr=3e-3,
                              random_state=0).fit(X[:800], names[y[:800]])
    assert list(clf.classes_) == sorted(names)
    proba = clf.predict_proba(X[800:])
    assert proba.shape == (len(X) - 800, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X[800:]), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[800:])), proba, rtol=1e-10)
    assert clf.score(X[800:], names[y[800:]]) > 0.85
    assert clf.n_features_in_ == 64 and clf.n_iter_ == 10 and len(clf.history_) == 10


def test_fit_is_the_trainer_run_with_the_same_seed(digits):
    """The estimator is a thin layer over Trainer: the same network, optimizer and seed
    trained by hand give bit-identical weights."""
    X, y = digits
    X, y = X[:300], y[:300]
    clf = NeuralNetClassifier(hidden_layer_sizes=(20,), dropout=0.3, init="he_normal",
                              optimizer="sgd", lr=0.05, momentum=0.9, batch_size=32,
                              max_epochs=3, random_state=7).fit(X, y)
    g = np.random.default_rng(7)
    model = nn.Sequential(nn.Linear(64, 20, init="he_normal", generator=g), nn.ReLU(),
                          nn.Dropout(0.3, generator=g),
                          nn.Linear(20, 10, init="he_normal", generator=g))
    groups = optim.regularized_param_groups(model)
    trainer = Trainer(model, optim.SGD(groups, lr=0.05, momentum=0.9), nn.CrossEntropyLoss(),
                      generator=g)
    trainer.fit((X, y), epochs=3, batch_size=32, verbose=0)
    for (name, ours), theirs in zip(clf.model_.state_dict().items(),
                                    model.state_dict().values()):
        np.testing.assert_array_equal(ours, theirs, err_msg=name)


def test_conv_layers_from_specs_and_augmentation(digits):
    X, y = digits
    calls = []
    shift = RandomShift(max_shift=1)

    def augment(batch, generator):
        calls.append(batch.shape)
        return shift(batch, generator)

    specs = [{"type": "Conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3,
              "padding": 1},
             {"type": "BatchNorm2d", "num_features": 8}, {"type": "ReLU"},
             {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Dropout", "p": 0.1}]
    cnn = NeuralNetClassifier(module=specs, input_shape=(1, 8, 8), augmentation=augment,
                              lr=3e-3, max_epochs=6, random_state=0).fit(X[:900], y[:900])
    names = [type(m).__name__ for m in cnn.model_]
    assert names == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Dropout", "Flatten",
                     "Linear"]
    assert cnn.model_[-1].in_features == 8 * 4 * 4
    assert calls and calls[0][1:] == (1, 8, 8)
    assert len(calls) == 6 * -(-900 // 64)          # every training batch, every epoch
    assert cnn.score(X[900:], y[900:]) > 0.8
    # images may also be passed as 4-D arrays directly
    images = X.reshape(-1, 1, 8, 8)
    direct = clone(cnn).set_params(input_shape=None, max_epochs=1).fit(images[:200], y[:200])
    assert direct.predict(images[900:905]).shape == (5,)


def test_module_factory(digits):
    X, y = digits
    seen = {}

    def factory(n_features_in, n_outputs, generator=None):
        seen.update(n_features_in=n_features_in, n_outputs=n_outputs)
        return nn.Sequential(nn.Linear(n_features_in, 16, generator=generator), nn.Tanh(),
                             nn.Linear(16, n_outputs, generator=generator))

    clf = NeuralNetClassifier(module=factory, max_epochs=5, lr=1e-2,
                              random_state=0).fit(X[:600], y[:600])
    assert seen == {"n_features_in": 64, "n_outputs": 10}
    assert clf.score(X[600:], y[600:]) > 0.8
    with pytest.raises(TypeError, match="factory"):
        NeuralNetClassifier(module=nn.Linear(64, 10)).fit(X[:50], y[:50])


def test_regularization_groups_exempt_biases_and_norms():
    est = NeuralNetClassifier(l1=1e-3, l2=5e-4, batch_norm=True)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))
    opt = build_optimizer(est, model)
    decayed, exempt = opt.param_groups
    assert decayed["weight_decay"] == pytest.approx(1e-3) and decayed["l1"] == 1e-3
    assert exempt["weight_decay"] == 0 and exempt["l1"] == 0
    assert {p.shape for p in decayed["params"]} == {(3, 4), (2, 3)}
    assert len(exempt["params"]) == 4               # two biases, BatchNorm weight and bias
    both = NeuralNetClassifier(l2=1e-3, weight_decay=1e-3)
    with pytest.raises(ValueError, match="l2.*weight_decay"):
        build_optimizer(both, model)
    everything = build_optimizer(NeuralNetClassifier(weight_decay=0.1, regularize_bias=True),
                                 model)
    assert len(everything.param_groups) == 1


def test_l1_drives_weights_to_zero(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(32,), optimizer="sgd", lr=0.05, max_epochs=5,
              random_state=0)
    plain = NeuralNetClassifier(**kw).fit(X[:500], y[:500])
    sparse = NeuralNetClassifier(l1=3e-3, **kw).fit(X[:500], y[:500])
    small = [np.mean(np.abs(m.model_[0].weight.data) < 1e-2) for m in (plain, sparse)]
    assert small[1] > small[0] + 0.2


def test_schedules(digits):
    X, y = digits
    cos = NeuralNetClassifier(hidden_layer_sizes=(16,), lr=1e-2, max_epochs=6,
                              lr_scheduler="CosineAnnealingLR", random_state=0)
    lrs = cos.fit(X[:300], y[:300]).history_["lr"]
    expected = [0.005 * (1 + np.cos(np.pi * t / 6)) for t in range(6)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    one = NeuralNetClassifier(hidden_layer_sizes=(16,), lr=1e-2, max_epochs=3,
                              lr_scheduler="OneCycleLR", random_state=0).fit(X[:300], y[:300])
    lrs = one.history_["lr"]                        # lr at the start of each epoch
    assert lrs[0] < 1e-3 and max(lrs) > lrs[0] * 5
    with pytest.raises(ValueError, match="lr_scheduler='Cosine'"):
        NeuralNetClassifier(lr_scheduler="Cosine").fit(X[:50], y[:50])


def test_early_stopping_with_prechelt_gl(digits):
    X, y = digits
    clf = NeuralNetClassifier(hidden_layer_sizes=(256,), lr=1e-2, max_epochs=60,
                              early_stopping=True, validation_fraction=0.3,
                              stopping_criterion="GL", stopping_alpha=5.0,
                              random_state=0).fit(X[:300], y[:300])
    assert clf.n_iter_ < 60
    assert clf.history_.stop_reason.startswith("early stopping") and \
        "GL" in clf.history_.stop_reason
    assert 1 <= clf.best_epoch_ <= clf.n_iter_
    val = clf.history_["val_loss"]
    assert val[clf.best_epoch_ - 1] == min(val)
    with pytest.raises(ValueError, match="alpha"):
        NeuralNetClassifier(early_stopping=True, stopping_criterion="GL").fit(X[:50], y[:50])


def test_regressor_multi_output():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    Y = np.stack([X[:, 0] - 2 * X[:, 1], np.sin(X[:, 2])], axis=1)
    reg = NeuralNetRegressor(hidden_layer_sizes=(64,), lr=3e-3, max_epochs=60,
                             random_state=0).fit(X[:300], Y[:300])
    assert reg.predict(X[300:]).shape == (100, 2)
    assert reg.score(X[300:], Y[300:]) > 0.9
    single = NeuralNetRegressor(hidden_layer_sizes=(32,), lr=3e-3, max_epochs=20,
                                random_state=0).fit(X[:300], Y[:300, 0])
    assert single.predict(X[300:]).shape == (100,)


@pytest.mark.parametrize("kwargs, match", [
    ({"activation": "relu6"}, r"activation='relu6'.*expected one of"),
    ({"optimizer": "lbfgs"}, r"optimizer='lbfgs'.*expected one of"),
    ({"dropout": 1.0}, r"dropout=1.0.*probability"),
    ({"hidden_layer_sizes": (10, 0)}, r"hidden_layer_sizes=\(10, 0\)"),
    ({"lr": -1.0}, r"lr=-1.0.*positive"),
    ({"batch_size": 0}, r"batch_size=0"),
    ({"dtype": "float16"}, r"dtype='float16'"),
    ({"input_shape": (1, 7, 7)}, r"input_shape=\(1, 7, 7\).*64 values, expected 49"),
    ({"module": [{"type": "Conv3d"}]}, r"unknown layer type 'Conv3d'"),
])
def test_errors_name_the_argument(kwargs, match, digits):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        NeuralNetClassifier(max_epochs=1, **kwargs).fit(X[:40], y[:40])
