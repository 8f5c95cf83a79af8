"""The playground runs the library's own optimizer classes (same trajectories as a hand
loop and as torch.optim), and reproduces the saddle's numbers and the ravine and saddle
behaviour."""
import numpy as np
import pytest
import torch

import nnforge
from nnforge import optim
from nnforge.diagnose.playground import SURFACES, gradient, hessian, plot_trajectories, \
    run_optimizer


def manual_loop(cls, fn, start, steps, **kw):
    p = nnforge.tensor(np.array(start, dtype=np.float64), requires_grad=True)
    opt = cls([p], **kw)
    points = [p.numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        fn(p).backward()
        opt.step()
        points.append(p.numpy().copy())
    return np.array(points)


@pytest.mark.parametrize("cls, kw", [(optim.SGD, {"lr": 1e-3, "momentum": 0.9}),
                                     (optim.Adam, {"lr": 0.05}),
                                     (optim.RMSprop, {"lr": 0.01})])
def test_trajectory_is_the_optimizer_class_own_loop(cls, kw):
    surface = SURFACES["rosenbrock"]
    path = run_optimizer(cls, surface, steps=50, **kw)
    assert path.shape == (51, 2)
    np.testing.assert_array_equal(path, manual_loop(cls, surface, surface.start, 50, **kw))


def test_sgd_and_adam_trajectories_differ():
    sgd = run_optimizer(optim.SGD, "valley", steps=20, lr=0.01)
    adam = run_optimizer(optim.Adam, "valley", steps=20, lr=0.01)
    assert np.abs(sgd - adam)[1:].min() > 0


@pytest.mark.parametrize("name, torch_cls, kw", [
    ("SGD", torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("Adam", torch.optim.Adam, {"lr": 0.05}),
    ("Adagrad", torch.optim.Adagrad, {"lr": 0.5}),
])
def test_rosenbrock_trajectory_equals_torch(name, torch_cls, kw):
    ours = run_optimizer(getattr(optim, name), "rosenbrock", steps=100, **kw)
    p = torch.tensor(SURFACES["rosenbrock"].start, dtype=torch.float64, requires_grad=True)
    opt = torch_cls([p], **kw)
    theirs = [p.detach().numpy().copy()]
    for _ in range(100):
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.step()
        theirs.append(p.detach().numpy().copy())
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-9, atol=1e-12)


def test_n7_worked_numbers():
    saddle = SURFACES["saddle"]
    point = nnforge.tensor(np.array([0.5, 0.5]))
    assert float(saddle(point).data) == pytest.approx(-0.1875)
    np.testing.assert_allclose(gradient(saddle, [0.5, 0.5]), [-1.5, 1.0])
    np.testing.assert_allclose(hessian(saddle, [0.5, 0.5]), np.diag([-1.0, 2.0]), atol=1e-6)
    np.testing.assert_allclose(gradient(saddle, [0.0, 0.0]), [0.0, 0.0])
    np.testing.assert_allclose(np.linalg.eigvalsh(hessian(saddle, [0, 0])), [-4, 2], atol=1e-6)
    for x1 in (-1.0, 1.0):
        assert float(saddle(nnforge.tensor(np.array([x1, 0.0]))).data) == -1.0
        np.testing.assert_allclose(np.linalg.eigvalsh(hessian(saddle, [x1, 0])), [2, 8],
                                   atol=1e-5)
    # second-order Taylor estimate at (0.6, 0.4) from (0.5, 0.5): -0.4325 vs exact -0.4304
    x, y = np.array([0.5, 0.5]), np.array([0.6, 0.4])
    d = y - x
    estimate = -0.1875 + gradient(saddle, x) @ d + 0.5 * d @ hessian(saddle, x) @ d
    assert estimate == pytest.approx(-0.4325, abs=1e-4)
    assert float(saddle(nnforge.tensor(y)).data) == pytest.approx(-0.4304)


def test_gradient_descent_stalls_on_the_saddle_unless_perturbed():
    on_axis = run_optimizer(optim.SGD, "saddle", start=(0.0, 1.5), steps=300, lr=0.05)
    np.testing.assert_allclose(on_axis[-1], [0.0, 0.0], atol=1e-8)       # the saddle
    nudged = run_optimizer(optim.SGD, "saddle", start=(1e-3, 1.5), steps=300, lr=0.05)
    np.testing.assert_allclose(nudged[-1], [1.0, 0.0], atol=1e-6)        # a global minimum


def test_plain_sgd_zigzags_in_the_narrow_valley_and_momentum_helps():
    sgd = run_optimizer(optim.SGD, "valley", steps=100, lr=0.035)
    signs = np.sign(sgd[1:20, 1])
    assert (signs[1:] != signs[:-1]).all()                 # x2 jumps across the valley floor
    assert abs(sgd[-1, 0]) > 0.1                           # x1 still far from 0
    momentum = run_optimizer(optim.SGD, "valley", steps=100, lr=0.01, momentum=0.9)
    assert np.linalg.norm(momentum[-1]) < 0.05


def test_plot_writes_a_png(tmp_path):
    paths = {"SGD": run_optimizer(optim.SGD, "saddle", steps=30, lr=0.05)}
    out = tmp_path / "saddle.png"
    plot_trajectories("saddle", paths, out)
    assert out.stat().st_size > 1000
    with pytest.raises(ValueError, match="unknown surface"):
        run_optimizer(optim.SGD, "himmelblau", lr=0.1)
