#!/usr/bin/env bash
# Installs Debian's chromium for tests/test_report_browser.py, which renders a run's
# report.html headless (--headless --no-sandbox ..., as root in CI) and checks the
# screenshot. Without chromium that test skips with a message saying so.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
  echo ".ci/chromium.sh: apt-get not found; install chromium by hand" >&2
fi
