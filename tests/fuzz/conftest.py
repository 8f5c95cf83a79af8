"""Put this folder on sys.path so the fuzz tests can import their helper modules
(graph_program.py, graphs.py) under pytest's importlib import mode."""
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
