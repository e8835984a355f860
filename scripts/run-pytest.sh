#!/usr/bin/env bash
# Runs the whole pytest suite. Exit code 5 (no tests collected) is a failure here: a suite that
# collects nothing has tested nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
