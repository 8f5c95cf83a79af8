"""Make the shared helpers of tests/tune (synthetic.py, digits.py) importable under
pytest's importlib import mode."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
