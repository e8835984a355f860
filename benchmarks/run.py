"""Entry point of ``make bench``; the harness lives in :mod:`jozi_bench.runner`."""

from __future__ import annotations

import sys

from jozi_bench.runner import main

if __name__ == "__main__":
    sys.exit(main())
