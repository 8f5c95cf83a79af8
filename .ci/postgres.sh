#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for tests/tune/test_postgres.py. The test
# starts its own throwaway cluster (initdb + pg_ctl as the `postgres` user, 127.0.0.1, a
# free port, a temporary folder) and stops and deletes it afterwards, so nothing is
# started here. Without the binaries that test skips with a message saying so.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq postgresql >/dev/null
  # Debian's package may start a default cluster; the tests do not use it.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r version name _; do
      pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
    done
  fi
else
  echo ".ci/postgres.sh: apt-get not found; install PostgreSQL (initdb, pg_ctl) by hand" >&2
fi
