"""``python -m benchmarks.patterns``: event-pattern matching, CPU only (see workloads/patterns.py)."""

import sys

from .workloads.patterns import main

if __name__ == "__main__":
    sys.exit(main())
