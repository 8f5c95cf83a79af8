"""Loss layers against torch.nn in float64 (1e-6) — every reduction, class weights,
ignore_index, label smoothing, probability and spatial targets, pos_weight — plus
stability at extreme logits and the error messages."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn

RNG = np.random.default_rng(3)
LOGITS = RNG.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2, 3])
PROBS = RNG.dirichlet(np.ones(4), size=6)
SPATIAL = RNG.standard_normal((2, 4, 3, 2))
SPATIAL_LABELS = RNG.integers(0, 4, size=(2, 3, 2))
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
REDUCTIONS = ["mean", "sum", "none"]


def _weight(w):
    return None if w is None else torch.tensor(w)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_class_targets(reduction, weight, ignore_index, label_smoothing,
                                     torch_parity):
    kwargs = dict(ignore_index=ignore_index, reduction=reduction,
                  label_smoothing=label_smoothing)
    torch_parity(nn.CrossEntropyLoss(weight=weight, **kwargs),
                 torch.nn.CrossEntropyLoss(weight=_weight(weight), **kwargs),
                 [LOGITS], [LABELS])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_probability_targets(reduction, weight, label_smoothing, torch_parity):
    kwargs = dict(reduction=reduction, label_smoothing=label_smoothing)
    torch_parity(nn.CrossEntropyLoss(weight=weight, **kwargs),
                 torch.nn.CrossEntropyLoss(weight=_weight(weight), **kwargs),
                 [LOGITS], [PROBS])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_unbatched(reduction, torch_parity):
    torch_parity(nn.CrossEntropyLoss(weight=CLASS_WEIGHT, reduction=reduction),
                 torch.nn.CrossEntropyLoss(weight=torch.tensor(CLASS_WEIGHT),
                                           reduction=reduction),
                 [SPATIAL], [SPATIAL_LABELS])
    torch_parity(nn.CrossEntropyLoss(reduction=reduction),
                 torch.nn.CrossEntropyLoss(reduction=reduction), [LOGITS[0]], [np.int64(2)])


def test_cross_entropy_float32(torch_parity):
    torch_parity(nn.CrossEntropyLoss(label_smoothing=0.1),
                 torch.nn.CrossEntropyLoss(label_smoothing=0.1), [LOGITS], [LABELS],
                 dtype=np.float32, atol=1e-4, rtol=1e-4)
    out = nn.CrossEntropyLoss()(LOGITS.astype(np.float32), LABELS)
    assert out.dtype == np.float32


def test_cross_entropy_is_stable_for_logits_of_1000(torch_parity):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [0.0, 0.0, -1000.0]])
    out, _ = torch_parity(nn.CrossEntropyLoss(reduction="none"),
                          torch.nn.CrossEntropyLoss(reduction="none"), [logits],
                          [np.array([1, 2, 0])])
    np.testing.assert_allclose(out.data, [2000.0, 1 + np.log1p(np.exp(-1.0)), np.log(2)],
                               rtol=1e-12)
    out32 = nn.CrossEntropyLoss()(nf.tensor(logits.astype(np.float32), requires_grad=True),
                                  np.array([1, 2, 0]))
    assert np.isfinite(out32.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT])
def test_nll_loss(reduction, weight, torch_parity):
    log_probs = torch.log_softmax(torch.tensor(LOGITS), 1).numpy()
    for ignore_index in (-100, 3):
        kwargs = dict(reduction=reduction, ignore_index=ignore_index)
        torch_parity(nn.NLLLoss(weight=weight, **kwargs),
                     torch.nn.NLLLoss(weight=_weight(weight), **kwargs), [log_probs], [LABELS])
    torch_parity(nn.NLLLoss(weight=weight, reduction=reduction),
                 torch.nn.NLLLoss(weight=_weight(weight), reduction=reduction),
                 [SPATIAL], [SPATIAL_LABELS])


def test_log_softmax_then_nll_equals_cross_entropy():
    x = nf.tensor(LOGITS)
    a = nn.NLLLoss()(nn.LogSoftmax(dim=1)(x), LABELS).item()
    b = nn.CrossEntropyLoss()(x, LABELS).item()
    assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction, torch_parity):
    x, y = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    torch_parity(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), [x, y])
    torch_parity(nn.L1Loss(reduction=reduction), torch.nn.L1Loss(reduction=reduction), [x, y])
    signs = np.where(RNG.random((5, 3)) > 0.5, 1.0, -1.0)
    torch_parity(nn.SoftMarginLoss(reduction=reduction),
                 torch.nn.SoftMarginLoss(reduction=reduction), [x * 3], [signs])


def test_mse_float32(torch_parity):
    x, y = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    torch_parity(nn.MSELoss(), torch.nn.MSELoss(), [x], [y], dtype=np.float32, atol=1e-4,
                 rtol=1e-4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction, torch_parity):
    p = RNG.uniform(0.05, 0.95, size=(4, 3))
    y = RNG.integers(0, 2, size=(4, 3)).astype(np.float64)
    w = RNG.uniform(0.5, 2, size=(3,))
    torch_parity(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), [p], [y])
    torch_parity(nn.BCELoss(weight=w, reduction=reduction),
                 torch.nn.BCELoss(weight=torch.tensor(w), reduction=reduction), [p], [y])
    # soft targets with gradient too (target gradient log(1-p) - log(p))
    torch_parity(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction),
                 [p, RNG.uniform(size=(4, 3))])


def test_binary_cross_entropy_clamps_log_at_minus_100():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    ours = nn.BCELoss(reduction="none")(p, y).data
    theirs = torch.nn.BCELoss(reduction="none")(torch.tensor(p), torch.tensor(y)).numpy()
    np.testing.assert_array_equal(ours, [100.0, 100.0, 0.0, 0.0])
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction, torch_parity):
    z = RNG.standard_normal((4, 3)) * 4
    y = RNG.integers(0, 2, size=(4, 3)).astype(np.float64)
    w = RNG.uniform(0.5, 2, size=(4, 3))
    pos_weight = np.array([1.0, 3.0, 0.5])
    torch_parity(nn.BCEWithLogitsLoss(reduction=reduction),
                 torch.nn.BCEWithLogitsLoss(reduction=reduction), [z], [y])
    torch_parity(nn.BCEWithLogitsLoss(weight=w, pos_weight=pos_weight, reduction=reduction),
                 torch.nn.BCEWithLogitsLoss(weight=torch.tensor(w),
                                            pos_weight=torch.tensor(pos_weight),
                                            reduction=reduction), [z], [y])


def test_bce_with_logits_stable_for_1000():
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    out = nn.BCEWithLogitsLoss(reduction="none")(z, y).data
    np.testing.assert_allclose(out, [0.0, 0.0, 1000.0, 1000.0])


def test_loss_buffers_match_torch_state_dict():
    ours = nn.BCEWithLogitsLoss(weight=np.ones(3), pos_weight=np.full(3, 2.0))
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.ones(3), pos_weight=torch.full((3,), 2.0))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(nn.CrossEntropyLoss(weight=CLASS_WEIGHT).state_dict()) == \
        list(torch.nn.CrossEntropyLoss(weight=torch.tensor(CLASS_WEIGHT)).state_dict())


# --- clear errors -----------------------------------------------------------------------
def test_cross_entropy_target_out_of_range_names_value_range_and_position():
    with pytest.raises(IndexError) as info:
        nn.CrossEntropyLoss()(LOGITS, np.array([0, 3, 1, 4, 2, 3]))
    message = str(info.value)
    assert message.startswith("CrossEntropyLoss: target 4 at position (3,) is out of range")
    assert "[0, 3]" in message and "4 classes" in message
    with pytest.raises(IndexError, match=r"target -1 at position \(0,\)"):
        nn.CrossEntropyLoss()(LOGITS, np.array([-1, 3, 1, 1, 2, 3]))
    with pytest.raises(IndexError, match=r"target 7 at position \(1, 2, 0\)"):
        labels = SPATIAL_LABELS.copy()
        labels[1, 2, 0] = 7
        nn.CrossEntropyLoss()(SPATIAL, labels)
    with pytest.raises(IndexError, match=r"NLLLoss: target 9"):
        nn.NLLLoss()(LOGITS, np.array([0, 9, 1, 1, 2, 3]))
    # ignore_index values are not errors
    nn.CrossEntropyLoss(ignore_index=-1)(LOGITS, np.array([-1, 3, 1, 1, 2, 3]))


def test_cross_entropy_shape_errors():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: batch size mismatch: input has 6 "
                                         r"samples \(shape \(6, 4\)\) but target has 5"):
        nn.CrossEntropyLoss()(LOGITS, LABELS[:5])
    with pytest.raises(ValueError, match=r"probability \(float\) target must have the input's "
                                         r"shape \(6, 4\), got \(6,\)"):
        nn.CrossEntropyLoss()(LOGITS, LABELS.astype(np.float64))
    with pytest.raises(ValueError, match=r"weight must have one entry per class"):
        nn.CrossEntropyLoss(weight=np.ones(3))(LOGITS, LABELS)


@pytest.mark.parametrize("loss", [nn.MSELoss, nn.L1Loss, nn.BCELoss, nn.BCEWithLogitsLoss,
                                  nn.CrossEntropyLoss, nn.NLLLoss, nn.SoftMarginLoss])
def test_bad_reduction_string(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: reduction must be one of 'mean', "
                                         rf"'sum', 'none', got 'average'"):
        loss(reduction="average")


def test_functional_bad_reduction_and_shape_mismatch():
    F = nn.functional
    with pytest.raises(ValueError, match="mse_loss: reduction must be"):
        F.mse_loss(np.zeros(3), np.zeros(3), reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(4,\) must equal the input "
                                         r"shape \(4, 1\)"):
        F.mse_loss(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="input must hold probabilities"):
        F.binary_cross_entropy(np.array([1.5]), np.array([1.0]))
