"""GradNormRecorder: per-epoch means of each parameter's gradient L2 norm equal the norms
computed by hand from the same batches, and its state survives a checkpoint round trip."""
import numpy as np

import nnforge
from nnforge import nn, optim
from nnforge.train import LambdaCallback, Trainer
from nnforge.train.grad_norms import GradNormRecorder, read_grad_norms


def setup():
    gen = nnforge.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4, generator=gen), nn.Tanh(),
                          nn.Linear(4, 2, generator=gen))
    return model, gen


def test_means_match_hand_computed_norms(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=24)
    model, gen = setup()
    seen = []

    def grab(batch, logs):
        seen.append({n: float(np.sqrt((p.grad.astype(np.float64) ** 2).sum()))
                     for n, p in model.named_parameters()})
    recorder = GradNormRecorder()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                      callbacks=[LambdaCallback(on_batch_end=grab), recorder], generator=gen)
    trainer.fit((X, y), epochs=2, batch_size=8, verbose=0)
    assert [r["epoch"] for r in recorder.rows] == [1, 2] and len(seen) == 6
    for e, row in enumerate(recorder.rows):
        for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
            expected = np.mean([s[name] for s in seen[3 * e:3 * e + 3]])
            assert abs(row[name] - expected) <= 1e-12 * expected
    recorder.to_csv(tmp_path / "g.csv")
    back = read_grad_norms(tmp_path / "g.csv")
    assert back["epoch"] == [1.0, 2.0] and back["0.weight"] == [r["0.weight"]
                                                                for r in recorder.rows]


def test_state_round_trip():
    recorder = GradNormRecorder()
    recorder.rows = [{"epoch": 1, "w": 0.5}]
    recorder._sums, recorder._batches = {"w": 1.5}, 3
    other = GradNormRecorder()
    other.load_state_dict(recorder.state_dict())
    other.on_epoch_begin(1)                        # a resumed epoch keeps its partial sums
    other.on_epoch_end(1)
    assert other.rows == [{"epoch": 1, "w": 0.5}, {"epoch": 2, "w": 0.5}]
