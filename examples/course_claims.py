"""Seven claims of the course, each shown with real numbers on a problem small enough to
run in a second or two.

Run: python examples/course_claims.py   (about 20 seconds; prints every measurement)

1. `linear_collapse`: stacked Linear layers without activations are one Linear layer.
2. `universal_approximation`: one hidden tanh layer approximates sin(x), better with width.
3. `depth_vs_width`: a deep narrow ReLU net computes a sawtooth exactly that a shallow net
   with the same number of parameters cannot fit.
4. `local_minima`: gradient descent ends in a poor local minimum or the global one,
   depending only on where it starts.
5. `sigmoid_vanishing`: each sigmoid layer multiplies the gradient by at most 0.25 |w|;
   through ten layers 0.25**10 = 9.54e-7.
6. `batch_size_generalization`: small and full batches trained to the same training loss;
   updates, epochs, test accuracy and the train/test gap side by side.
7. `learned_feature_transform`: a tiny net maps XOR-like 2-D points to one number in which
   a single threshold separates the classes, which no linear 1-D projection does.

Each function returns a dict of its measurements; the tests in tests/test_course_claims.py
assert what holds on every seed and the tutorials print the rest.
"""
import numpy as np

import nnforge as nf
from nnforge import nn, optim


# --- 1. stacked linear layers collapse ------------------------------------------------------
def collapse(layers):
    """The single Linear layer equal to a stack of Linear layers:
    W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2), applied layer after layer."""
    weight, bias = layers[0].weight.numpy(), layers[0].bias.numpy()
    for layer in layers[1:]:
        weight = layer.weight.numpy() @ weight
        bias = layer.weight.numpy() @ bias + layer.bias.numpy()
    single = nn.Linear(weight.shape[1], weight.shape[0]).to(weight.dtype)
    single.weight.numpy()[...] = weight
    single.bias.numpy()[...] = bias
    return single


def linear_collapse(sizes=(3, 8, 16, 8, 2), seed=0):
    """A stack of Linear layers (no activation between them) against its collapsed single
    layer on random inputs; returns the largest output difference and the parameter counts
    (the stack has many more parameters but no more expressive power)."""
    g = np.random.default_rng(seed)
    layers = [nn.Linear(a, b, generator=g).double() for a, b in zip(sizes, sizes[1:])]
    stack = nn.Sequential(*layers)
    single = collapse(layers)
    x = nf.tensor(g.standard_normal((64, sizes[0])))
    difference = float(np.abs(stack(x).numpy() - single(x).numpy()).max())
    return {"max_difference": difference, "stack_parameters": stack.num_parameters(),
            "single_parameters": single.num_parameters(), "stack": stack, "single": single}


# --- 2. universal approximation -------------------------------------------------------------
def universal_approximation(widths=(1, 2, 4, 8, 16, 32), points=400):
    """One hidden tanh layer of each width approximating sin on [-pi, pi].

    The hidden units are steps placed evenly over the interval (unit i centred at c_i,
    steepness growing with the width so neighbouring steps overlap) and the output layer
    is the least-squares fit: a constructive version of the theorem, no training needed.
    Returns the maximum and RMS errors per width."""
    x = np.linspace(-np.pi, np.pi, points)[:, None]
    target = np.sin(x)
    results = {"widths": list(widths), "max_error": [], "rms_error": []}
    for width in widths:
        centres = np.linspace(-np.pi, np.pi, width + 2)[1:-1]
        slope = (width + 1) / (2 * np.pi) * 2.0
        hidden = nn.Linear(1, width).double()
        hidden.weight.numpy()[:, 0] = slope
        hidden.bias.numpy()[...] = -slope * centres
        features = nn.Tanh()(hidden(nf.tensor(x))).numpy()
        design = np.hstack([features, np.ones((points, 1))])
        coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
        output = nn.Linear(width, 1).double()
        output.weight.numpy()[...] = coefficients[:-1].T
        output.bias.numpy()[...] = coefficients[-1]
        net = nn.Sequential(hidden, nn.Tanh(), output)
        error = net(nf.tensor(x)).numpy() - target
        results["max_error"].append(float(np.abs(error).max()))
        results["rms_error"].append(float(np.sqrt(np.mean(error ** 2))))
    return results


def train_sine(width=16, steps=1500, lr=0.02, seed=0, points=200):
    """The same approximation found by gradient descent (Adam, full batch) from random
    weights; returns the maximum error on the training grid."""
    g = np.random.default_rng(seed)
    x = nf.tensor(np.linspace(-np.pi, np.pi, points)[:, None].astype(np.float32))
    y = nf.tensor(np.sin(x.numpy()))
    net = nn.Sequential(nn.Linear(1, width, generator=g), nn.Tanh(),
                        nn.Linear(width, 1, generator=g))
    opt = optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    with nf.no_grad():
        return {"max_error": float(np.abs(net(x).numpy() - y.numpy()).max()), "net": net}


# --- 3. depth against width -----------------------------------------------------------------
def sawtooth(x, k):
    """The tent map t(x) = 2 min(x, 1 - x) applied k times on [0, 1]: 2**(k-1) teeth,
    2**k linear pieces."""
    for _ in range(k):
        x = 2 * np.minimum(x, 1 - x)
    return x


def deep_sawtooth_net(k):
    """A ReLU net with k hidden layers of 2 units computing sawtooth(x, k) exactly:
    t(x) = 2 relu(x) - 4 relu(x - 1/2) on [0, 1], composed k times. 6k + 1 parameters."""
    first = nn.Linear(1, 2).double()
    first.weight.numpy()[...] = [[1.0], [1.0]]
    first.bias.numpy()[...] = [0.0, -0.5]
    layers = [first, nn.ReLU()]
    for _ in range(k - 1):
        middle = nn.Linear(2, 2).double()
        middle.weight.numpy()[...] = [[2.0, -4.0], [2.0, -4.0]]
        middle.bias.numpy()[...] = [0.0, -0.5]
        layers += [middle, nn.ReLU()]
    last = nn.Linear(2, 1).double()
    last.weight.numpy()[...] = [[2.0, -4.0]]
    last.bias.numpy()[...] = [0.0]
    return nn.Sequential(*layers, last)


def _fit(net, x, y, steps, lr):
    opt = optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    with nf.no_grad():
        return float(loss_fn(net(x), y).numpy())


def shallow_relu_fit(grid, target, knots):
    """The one-hidden-layer ReLU net relu(x - knot_i) with least-squares output weights:
    the best shallow net with those hidden units. Returns (net, max error, MSE)."""
    hidden = nn.Linear(1, len(knots)).double()
    hidden.weight.numpy()[...] = 1.0
    hidden.bias.numpy()[...] = -np.asarray(knots)
    features = nn.ReLU()(hidden(nf.tensor(grid))).numpy()
    design = np.hstack([features, np.ones((len(grid), 1))])
    coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
    output = nn.Linear(len(knots), 1).double()
    output.weight.numpy()[...] = coefficients[:-1].T
    output.bias.numpy()[...] = coefficients[-1]
    net = nn.Sequential(hidden, nn.ReLU(), output)
    with nf.no_grad():
        error = net(nf.tensor(grid)).numpy() - target
    return net, float(np.abs(error).max()), float(np.mean(error ** 2))


def depth_vs_width(k=4, steps=800, lr=0.01, seed=0, points=257):
    """Deep (k layers of 2 ReLUs) against shallow (one layer of ReLUs) on the k-fold
    sawtooth, which has 2**k linear pieces.

    A shallow net with m ReLUs is piecewise linear with at most m + 1 pieces. Returns:
    the exact deep construction (6k + 1 parameters) and its error; the best shallow net
    with the same parameter count (2k units, knots spread evenly, least-squares output)
    and its error; the shallow net that is exact (2**k units, one knot per corner) and its
    parameter count, exponential in k; and, recorded only, the errors of both
    architectures trained from random weights by Adam (gradient descent rarely finds the
    deep solution: depth gives the capacity, not an easy optimization)."""
    g = np.random.default_rng(seed)
    grid = np.linspace(0, 1, points)[:, None]
    target = sawtooth(grid, k)
    x, y = nf.tensor(grid), nf.tensor(target)
    deep = deep_sawtooth_net(k)
    with nf.no_grad():
        exact_error = float(np.abs(deep(x).numpy() - y.numpy()).max())
    equal = np.linspace(0, 1, 2 * k + 1)[:-1]
    equal_net, equal_max, equal_mse = shallow_relu_fit(grid, target, equal)
    corners = np.arange(2 ** k) / 2 ** k
    exact_net, exact_shallow_error, _ = shallow_relu_fit(grid, target, corners)
    shallow = nn.Sequential(nn.Linear(1, 2 * k, generator=g), nn.ReLU(),
                            nn.Linear(2 * k, 1, generator=g)).double()
    layers = [nn.Linear(1, 2, generator=g), nn.ReLU()]
    for _ in range(k - 1):
        layers += [nn.Linear(2, 2, generator=g), nn.ReLU()]
    trained_deep = nn.Sequential(*layers, nn.Linear(2, 1, generator=g)).double()
    return {"k": k, "pieces": 2 ** k, "deep_parameters": deep.num_parameters(),
            "shallow_parameters": equal_net.num_parameters(),
            "deep_exact_max_error": exact_error,
            "shallow_best_mse": equal_mse, "shallow_best_max_error": equal_max,
            "shallow_exact_parameters": exact_net.num_parameters(),
            "shallow_exact_max_error": exact_shallow_error,
            "shallow_trained_mse": _fit(shallow, x, y, steps, lr),
            "deep_trained_mse": _fit(trained_deep, x, y, steps, lr),
            "variance": float(np.var(y.numpy()))}


# --- 4. no guarantee of the global minimum --------------------------------------------------
def double_well(x):
    """f(x) = x**4 - 3 x**2 + x: a global minimum near x = -1.30 (f = -3.51) and a poor
    local one near x = 1.13 (f = -1.07), a maximum between them."""
    return x ** 4 - 3 * x ** 2 + x


def local_minima(starts=(2.0, -2.0), lr=0.01, steps=500):
    """Plain gradient descent (optim.SGD) on `double_well` from each start; returns where
    each run ended, its value, gradient and curvature there."""
    runs = []
    for start in starts:
        x = nf.tensor(np.array(start), requires_grad=True)
        opt = optim.SGD([x], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            double_well(x).backward()
            opt.step()
        end = float(x.numpy())
        runs.append({"start": start, "end": end, "value": float(double_well(end)),
                     "gradient": 4 * end ** 3 - 6 * end + 1, "curvature": 12 * end ** 2 - 6})
    return runs


# --- 5. vanishing gradients through sigmoids -------------------------------------------------
def sigmoid_chain(weights, biases, x=0.5, dtype=np.float64):
    """A chain of one-unit layers h_t = sigmoid(w_t h_(t-1) + b_t) as an nnforge model."""
    layers = []
    for w, b in zip(weights, biases):
        linear = nn.Linear(1, 1).to(dtype)
        linear.weight.numpy()[...] = w
        linear.bias.numpy()[...] = b
        layers += [linear, nn.Sigmoid()]
    return nn.Sequential(*layers), nf.tensor(np.full((1, 1), x, dtype=dtype))


def sigmoid_vanishing(layers=11, seed=None):
    """Backpropagate through a chain of `layers` sigmoid units and measure, per layer, the
    gradient ratio |dL/dz_t| / |dL/dz_(t+1)| = sigmoid'(z_t) |w_(t+1)| (read off the bias
    gradients, which equal dL/dz). With seed None every unit sits at z = 0 (w = 1,
    b = -1/2, input 1/2), where sigmoid' takes its maximum 0.25: the first layer's
    gradient is exactly 0.25**(layers - 1) times the last one's. With a seed the weights
    and biases are random."""
    if seed is None:
        weights, biases = np.ones(layers), np.full(layers, -0.5)
    else:
        g = np.random.default_rng(seed)
        weights, biases = g.uniform(-3, 3, layers), g.uniform(-1, 1, layers)
    model, x = sigmoid_chain(weights, biases)
    model(x).sum().backward()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    delta = np.array([float(np.asarray(m.bias.grad).reshape(-1)[0]) for m in linears])
    with nf.no_grad():
        h, z = x, []
        for linear in linears:
            pre = linear(h)
            z.append(float(pre.numpy().reshape(-1)[0]))
            h = pre.sigmoid()
    z = np.array(z)
    slope = 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z)))
    return {"weights": weights, "biases": biases, "bias_gradients": delta,
            "ratios": np.abs(delta[:-1] / delta[1:]),
            "bounds": 0.25 * np.abs(weights[1:]),
            "expected_ratios": slope[:-1] * np.abs(weights[1:]),
            "first_over_last": abs(delta[0] / delta[-1])}


# --- 6. batch size and generalization -------------------------------------------------------
def _digits_split(train_size=300, seed=0):
    from nnforge.data import StandardScaler, load_digits

    data = load_digits()
    order = np.random.default_rng(seed).permutation(len(data.y))
    train, test = order[:train_size], order[train_size:]
    scaler = StandardScaler().fit(data.X[train])
    return (scaler.transform(data.X[train]).astype(np.float32), data.y[train],
            scaler.transform(data.X[test]).astype(np.float32), data.y[test])


def _loss_accuracy(model, X, y, loss_fn):
    with nf.no_grad():
        out = model(nf.tensor(X))
    return float(loss_fn(out, nf.tensor(y)).numpy()), float(np.mean(out.numpy().argmax(1) == y))


def batch_size_generalization(batch_sizes=(10, None), target_loss=0.02, lr=0.005, seed=0,
                              max_epochs=400):
    """Train the same digits MLP (64-32-10, Adam) with each batch size (None: the full
    training set of 300) until the training loss is at most `target_loss`; returns per
    batch size the updates and epochs it took, train and test loss and accuracy and the
    generalization gap (test loss - train loss). Keskar et al. (2017) report that large
    batches end in sharper minima with a larger gap; on a problem this small the
    difference is within the seed-to-seed spread, so record it rather than trust it."""
    X, y, X_test, y_test = _digits_split(seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    results = []
    for batch_size in batch_sizes:
        size = len(X) if batch_size is None else batch_size
        g = np.random.default_rng(seed)
        model = nn.Sequential(nn.Linear(64, 32, generator=g), nn.ReLU(),
                              nn.Linear(32, 10, generator=g))
        opt = optim.Adam(model.parameters(), lr=lr)
        updates = epochs = 0
        while epochs < max_epochs:
            order = g.permutation(len(X))
            for start in range(0, len(X), size):
                rows = order[start:start + size]
                opt.zero_grad()
                loss_fn(model(nf.tensor(X[rows])), nf.tensor(y[rows])).backward()
                opt.step()
                updates += 1
            epochs += 1
            if _loss_accuracy(model, X, y, loss_fn)[0] <= target_loss:
                break
        train_loss, train_accuracy = _loss_accuracy(model, X, y, loss_fn)
        test_loss, test_accuracy = _loss_accuracy(model, X_test, y_test, loss_fn)
        results.append({"batch_size": size, "updates": updates, "epochs": epochs,
                        "train_loss": train_loss, "train_accuracy": train_accuracy,
                        "test_loss": test_loss, "test_accuracy": test_accuracy,
                        "gap": test_loss - train_loss})
    return results


# --- 7. a learned 2-D -> 1-D feature transform ----------------------------------------------
XOR_POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_LABELS = np.array([0, 1, 1, 0])


def separable_by_threshold(feature, labels):
    """True when one threshold on the 1-D `feature` puts the two classes on its two
    sides (in either orientation)."""
    feature, labels = np.asarray(feature, dtype=np.float64), np.asarray(labels)
    zero, one = feature[labels == 0], feature[labels == 1]
    return bool(zero.max() < one.min() or one.max() < zero.min())


def best_threshold_accuracy(feature, labels):
    """Accuracy of the best single threshold (either orientation) on a 1-D feature."""
    order = np.argsort(feature, kind="stable")
    sorted_labels = np.asarray(labels)[order]
    ones_left = np.concatenate([[0], np.cumsum(sorted_labels)])
    n, ones = len(sorted_labels), sorted_labels.sum()
    left = np.arange(n + 1)
    correct = (left - ones_left) + (ones - ones_left)          # 0s left, 1s right
    return float(max(correct.max(), (n - correct).max()) / n)


def xor_clouds(per_corner=50, noise=0.1, seed=0):
    """Noisy points around the four XOR corners, labelled like XOR."""
    g = np.random.default_rng(seed)
    X = np.repeat(XOR_POINTS, per_corner, axis=0) + noise * g.standard_normal((4 * per_corner,
                                                                               2))
    return X.astype(np.float32), np.repeat(XOR_LABELS, per_corner)


def learned_feature_transform(hidden=8, steps=600, lr=0.05, seed=0):
    """Train Linear(2, hidden) - Tanh - Linear(hidden, 1) on XOR clouds: the network is a
    learned map from the plane to one number (its output logit) followed by a threshold.

    Returns the fixed transforms' values on the four XOR points (x1 + x2: 0, 1, 1, 2 is
    not separable; max(x1, x2) - min(x1, x2) / 2: 0, 1, 1, 0.5 is), the best accuracy any
    linear projection of the inputs reaches with one threshold, and the accuracy of one
    threshold on the learned feature."""
    X, y = xor_clouds(seed=seed)
    g = np.random.default_rng(seed)
    net = nn.Sequential(nn.Linear(2, hidden, generator=g), nn.Tanh(),
                        nn.Linear(hidden, 1, generator=g))
    opt = optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    inputs, targets = nf.tensor(X), nf.tensor(y[:, None].astype(np.float32))
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(net(inputs), targets).backward()
        opt.step()
    with nf.no_grad():
        feature = net(inputs).numpy()[:, 0]
    angles = np.linspace(0, np.pi, 360, endpoint=False)
    linear = max(best_threshold_accuracy(X @ np.array([np.cos(a), np.sin(a)]), y)
                 for a in angles)
    sums = XOR_POINTS.sum(axis=1)
    mixed = XOR_POINTS.max(axis=1) - 0.5 * XOR_POINTS.min(axis=1)
    return {"sum_feature": sums, "sum_separable": separable_by_threshold(sums, XOR_LABELS),
            "mixed_feature": mixed,
            "mixed_separable": separable_by_threshold(mixed, XOR_LABELS),
            "best_linear_projection_accuracy": linear,
            "learned_feature_accuracy": best_threshold_accuracy(feature, y),
            "learned_separable": separable_by_threshold(feature, y), "feature": feature,
            "labels": y}


def main():
    result = linear_collapse()
    print(f"1. linear collapse: {result['stack_parameters']} parameters in the stack, "
          f"{result['single_parameters']} in the single layer, largest output difference "
          f"{result['max_difference']:.2e}")
    result = universal_approximation()
    for width, worst in zip(result["widths"], result["max_error"]):
        print(f"2. sine with {width:2d} tanh units: max error {worst:.2e}")
    print(f"   trained by Adam, 16 units: max error {train_sine()['max_error']:.3f}")
    result = depth_vs_width()
    print(f"3. sawtooth with {result['pieces']} pieces, {result['deep_parameters']} "
          f"parameters each: deep exact max error {result['deep_exact_max_error']:.1e}, "
          f"best shallow MSE {result['shallow_best_mse']:.4f}; the exact shallow net needs "
          f"{result['shallow_exact_parameters']} parameters; shallow trained MSE "
          f"{result['shallow_trained_mse']:.4f}, deep trained MSE "
          f"{result['deep_trained_mse']:.4f} (target variance {result['variance']:.4f})")
    for run in local_minima():
        print(f"4. gradient descent from x = {run['start']:+.1f} ends at x = {run['end']:+.4f}"
              f", f = {run['value']:.4f}")
    result = sigmoid_vanishing()
    print(f"5. ten sigmoid layers at z = 0: first/last gradient {result['first_over_last']:.4e}"
          f" (0.25**10 = {0.25 ** 10:.4e})")
    for run in batch_size_generalization():
        print(f"6. batch {run['batch_size']:3d}: {run['updates']:4d} updates, "
              f"{run['epochs']:3d} epochs, test accuracy {run['test_accuracy']:.3f}, "
              f"gap {run['gap']:.3f}")
    result = learned_feature_transform()
    print(f"7. XOR clouds: best linear projection {result['best_linear_projection_accuracy']:.2f}"
          f", learned feature {result['learned_feature_accuracy']:.2f}")


if __name__ == "__main__":
    main()
