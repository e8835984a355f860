#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the report's browser test; installs the
# distribution package (apt-get install chromium) when it is missing and this user can install.
# Never downloads a browser build of its own. Exit codes: 0 present or installed, 3 cannot install.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install Chromium: no apt-get on this machine (install your distribution's chromium package)" >&2
  exit 3
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "cannot install Chromium: not root and no password-less sudo (run: sudo apt-get install chromium)" >&2
    exit 3
  fi
fi
echo "==> installing Debian's chromium package (once; the report's browser test drives it headless)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium; } >&2; then
  echo "cannot install Chromium: apt-get install chromium failed (see above)" >&2
  exit 3
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "cannot install Chromium: the package installed, but $CHROMIUM is not there" >&2
  exit 3
fi
