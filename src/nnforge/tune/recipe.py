"""A default search space from the course's recipe, for `[tune] recipe =
"default"`: search what matters most first (learning rate, then batch size), on the
scales the recipe names, around the recipe's defaults.

- learning rate: log-uniform over two decades around 3e-4 for Adam/AdamW/RMSprop
  and 1e-4 for SGD with momentum (1e-2 for plain SGD, the lecture's example);
- batch size: a power of two from 8 to 128;
- dropout: p in [0, 0.5] for every Dropout layer (0.2 input, 0.5 hidden are the
  recipe's end points);
- momentum: 0.5 ... 0.99 for SGD.

Entries the config's own `[tune.params]` declares take precedence.
"""
from typing import Any

__all__ = ["RECIPE_LR", "default_params"]

RECIPE_LR = {"Adam": 3e-4, "AdamW": 3e-4, "RMSprop": 3e-4, "Adagrad": 1e-2,
             "Adadelta": 1.0, "SGD": 1e-2, "SGD+momentum": 1e-4}


def default_params(base_config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The recipe's search space for `base_config` (a dict), as a `[tune.params]` table."""
    optimizer = dict(base_config.get("optimizer") or {})
    kind = optimizer.get("type", "Adam")
    key = "SGD+momentum" if kind == "SGD" and optimizer.get("momentum") else kind
    centre = RECIPE_LR.get(key, 1e-3)
    params: dict[str, dict[str, Any]] = {
        "optimizer.lr": {"type": "loguniform", "low": centre / 10, "high": centre * 10}}
    if kind == "SGD":
        params["optimizer.momentum"] = {"type": "uniform", "low": 0.5, "high": 0.99}
    if (base_config.get("train") or {}).get("batch_size") not in (None, "full"):
        params["train.batch_size"] = {"type": "categorical", "choices": [8, 16, 32, 64, 128]}
    layers = (base_config.get("model") or {}).get("layers") or []
    for index, layer in enumerate(layers):
        if isinstance(layer, dict) and layer.get("type") == "Dropout":
            params[f"model.layers.{index}.p"] = {"type": "uniform", "low": 0.0, "high": 0.5}
    return params
