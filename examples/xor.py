"""XOR: the perceptron fails, a two-layer network succeeds.

Run: python examples/xor.py   (a few seconds)

1. Rosenblatt's perceptron never converges on XOR: no line separates {(0,1), (1,0)} from
   {(0,0), (1,1)}, so some sample is misclassified in every epoch.
2. The exact ReLU solution h1 = ReLU(x1 + x2), h2 = ReLU(x1 + x2 - 1), o = h1 - 2 h2.
3. A tiny MLP, Linear(2, 4) - Tanh - Linear(4, 1), trained from random weights with a
   hand-written gradient-descent loop on `p.data` and BCEWithLogitsLoss, learns XOR.
"""
import warnings

import numpy as np

import nnforge as nf
from nnforge import nn

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([0, 1, 1, 0], dtype=np.float32)


def perceptron_fails():
    perceptron = nn.Perceptron(2, lr=1.0, max_epochs=100, generator=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn.PerceptronConvergenceWarning)
        perceptron.fit(X, Y)
    print("1. Perceptron on XOR")
    print(f"   converged: {perceptron.converged_} after {perceptron.n_epochs_} epochs; "
          f"mistakes in the last 5 epochs: {perceptron.errors_[-5:]}")
    print(f"   predictions {perceptron.predict(X).tolist()} vs targets {Y.astype(int).tolist()}")
    print(f"   {perceptron.message_}")
    return perceptron


def exact_relu_solution():
    hidden = nn.Linear(2, 2)
    hidden.weight.data[...] = [[1, 1], [1, 1]]
    hidden.bias.data[...] = [0, -1]
    output = nn.Linear(2, 1, bias=False)
    output.weight.data[...] = [[1, -2]]
    net = nn.Sequential(hidden, nn.ReLU(), output)
    print("2. Hand-set ReLU network: outputs", net(X).data[:, 0].tolist())


def mlp_learns(steps=1500, lr=0.5, seed=0):
    nf.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    x, y = nf.tensor(X), Y[:, None]
    for step in range(steps):
        loss = loss_fn(model(x), y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():  # plain gradient descent, no optimizer package
            p.data -= lr * p.grad
        if step % 500 == 0:
            print(f"   step {step:4d}  loss {loss.item():.4f}")
    with nf.no_grad():
        probabilities = nn.Sigmoid()(model(x)).data[:, 0]
    predictions = (probabilities > 0.5).astype(int)
    print(f"3. MLP after {steps} steps: loss {loss.item():.4f}, P(y=1) "
          f"{[round(float(v), 3) for v in probabilities]}, predictions {predictions.tolist()}")
    return predictions


if __name__ == "__main__":
    perceptron_fails()
    exact_relu_solution()
    print("3. Training Linear(2, 4) - Tanh - Linear(4, 1) with gradient descent")
    predictions = mlp_learns()
    print("   solved XOR" if np.array_equal(predictions, Y.astype(int)) else "   NOT solved")
