"""Metrics against scikit-learn on random labels, scores and regression targets."""
import numpy as np
import pytest
from sklearn import metrics as skm

from nnforge.train import metrics as M


@pytest.fixture
def classification():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=300)
    scores = rng.normal(size=(300, 5)) + 1.5 * np.eye(5)[y]       # better than chance
    return y, scores


def test_accuracy_from_scores_and_labels(classification):
    y, scores = classification
    pred = scores.argmax(1)
    assert M.accuracy(y, scores) == pytest.approx(skm.accuracy_score(y, pred))
    assert M.accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred))
    assert M.accuracy(np.eye(5)[y], scores) == pytest.approx(skm.accuracy_score(y, pred))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracy(classification, k):
    y, scores = classification
    expected = skm.top_k_accuracy_score(y, scores, k=k, labels=np.arange(5))
    assert M.top_k_accuracy(y, scores, k=k) == pytest.approx(expected)


@pytest.mark.parametrize("ours, theirs", [(M.precision, skm.precision_score),
                                          (M.recall, skm.recall_score),
                                          (M.f1, skm.f1_score)])
def test_macro_precision_recall_f1(classification, ours, theirs):
    y, scores = classification
    pred = scores.argmax(1)
    assert ours(y, pred) == pytest.approx(theirs(y, pred, average="macro"))
    # a class that is never predicted (precision 0, as scikit-learn's zero_division)
    pred2 = np.where(pred == 4, 3, pred)
    assert ours(y, pred2) == pytest.approx(theirs(y, pred2, average="macro", zero_division=0))


def test_confusion_matrix(classification):
    y, scores = classification
    pred = scores.argmax(1)
    np.testing.assert_array_equal(M.confusion_matrix(y, pred), skm.confusion_matrix(y, pred))
    assert M.confusion_matrix([0, 1], [1, 1], num_classes=3).shape == (3, 3)


def test_binary_outputs_thresholded():
    y = np.array([0, 1, 1, 0])
    logits = np.array([[-2.0], [0.5], [-0.1], [3.0]])
    assert M.accuracy(y, logits) == 0.5                              # logits > 0
    np.testing.assert_array_equal(M.predicted_labels(1 / (1 + np.exp(-logits)), logits=False),
                                  [0, 1, 0, 1])


def test_regression_metrics():
    rng = np.random.default_rng(1)
    t = rng.normal(size=100)
    p = t + 0.3 * rng.normal(size=100)
    assert M.mse(t, p) == pytest.approx(skm.mean_squared_error(t, p))
    assert M.mae(t, p) == pytest.approx(skm.mean_absolute_error(t, p))
    assert M.r2(t, p) == pytest.approx(skm.r2_score(t, p))
    assert M.r2(t, p[:, None]) == pytest.approx(skm.r2_score(t, p))   # (N, 1) output
    T, P = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    assert M.r2(T, P) == pytest.approx(skm.r2_score(T, P))
    assert M.r2(np.ones(4), np.ones(4)) == 1.0


def test_registry_and_errors():
    assert M.get_metric("f1") is M.f1
    assert M.higher_is_better("val_accuracy") and not M.higher_is_better("val_loss")
    with pytest.raises(ValueError, match="unknown metric 'acc'.*accuracy"):
        M.get_metric("acc")
    with pytest.raises(ValueError, match="3 samples but y_pred has 2"):
        M.accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"shape \(3,\) but y_pred has shape \(2,\)"):
        M.mse([0.0, 1, 2], [0.0, 1])
