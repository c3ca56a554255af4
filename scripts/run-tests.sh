#!/usr/bin/env bash
# Runs the suite twice: on SQLite with the browser journeys, then the same
# tests (browser journeys apart) against a throwaway PostgreSQL on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
# The markup test must not skip here: `make test` fetched the checker.
export WARDSITE_REQUIRE_VNU=1

echo "== the suite on SQLite, browser journeys included =="
.venv/bin/pytest -p no:cacheprovider

trap 'bash scripts/testdb.sh stop >/dev/null 2>&1 || true' EXIT
uri=$(bash scripts/testdb.sh start | tail -n 1)
echo "== the same suite on PostgreSQL ($uri) =="
WARDSITE_TEST_DATABASE_URI="$uri" .venv/bin/pytest -p no:cacheprovider -m "not e2e"
