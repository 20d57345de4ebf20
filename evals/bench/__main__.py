"""`python -m evals.bench`: see `evals.bench` for the sections and `evals.bench.cli` for the flags."""

import sys

from evals.bench.cli import main

sys.exit(main())
