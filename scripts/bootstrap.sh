#!/usr/bin/env bash
# Creates the project-local virtualenv (.venv) and installs the package with its dev tools.
# Called by make; safe to rerun. Fails with one clear line when a prerequisite is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_BIN="${PYTHON:-python3}"
if ! command -v "$PYTHON_BIN" >/dev/null 2>&1; then
  echo "error: $PYTHON_BIN not found. fix: install Python 3.11 or newer, or run 'make PYTHON=/path/to/python3.11 ...'" >&2
  exit 1
fi
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "error: $("$PYTHON_BIN" --version 2>&1) is too old; this project needs Python 3.11+. fix: install it and run 'make PYTHON=python3.11 ...'" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$PYTHON_BIN" --version 2>&1)"
  "$PYTHON_BIN" -m venv .venv
fi
echo "==> installing the project and its dev tools into .venv (first time takes a few minutes: pyspark is large)"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
touch .venv/.installed-stamp
