#!/usr/bin/env bash
# Installs everything (scripts/setup.sh) and runs the whole test suite plus ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
# Two worker processes (the machine has 2 cores), a test file per worker at a time: module fixtures
# (a generated 决算, a crawled site) are built once. BUDGETQA_TEST_WORKERS=0 runs in one process.
workers=${BUDGETQA_TEST_WORKERS:-2}
if [ "$workers" = 0 ]; then exec .venv/bin/python -m pytest -q "$@"; fi
exec .venv/bin/python -m pytest -q -n "$workers" --dist loadfile "$@"
