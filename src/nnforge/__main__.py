"""`python -m nnforge ...` runs the command line (see `nnforge.cli`)."""
import sys

from .cli import main

sys.exit(main())
