"""Time validate() over 1, 10, 100, 1000 copies of the seed document; print the marginal cost.

    .venv/bin/python benchmarks/validate_speed.py [MAX_DOCS]
"""

from __future__ import annotations

import sys
import time

from expectations import validate
from expectations.testing import seed_document


def main(max_docs: int = 1000) -> None:
    validate([seed_document()])  # warm imports (GX takes seconds to import)
    previous: tuple[int, float] | None = None
    for n in (1, 10, 100, 1000):
        if n > max_docs:
            break
        docs = [seed_document() for _ in range(n)]
        start = time.perf_counter()
        findings = validate(docs)
        secs = time.perf_counter() - start
        marginal = (secs - previous[1]) / (n - previous[0]) if previous else float("nan")
        print(f"{n:5d} documents  {secs:8.2f} s  {sum(map(len, findings)):6d} findings  "
              f"{1000 * secs / n:8.1f} ms/doc  marginal {1000 * marginal:8.1f} ms/doc")
        previous = (n, secs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
