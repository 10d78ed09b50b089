#!/usr/bin/env bash
# Runs the test suite against a throw-away PostgreSQL server (and SQLite, as
# every test does both when JOBMIRROR_TEST_DATABASE_URL is set):
#
#   scripts/test-postgres.sh [cargo test arguments...]
#
# The server lives in $CARGO_TARGET_DIR/pg-test (default target/pg-test) and
# is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CARGO_TARGET_DIR:-target}/pg-test"
trap 'scripts/pg-server.sh stop "$dir"' EXIT
JOBMIRROR_TEST_DATABASE_URL=$(scripts/pg-server.sh start "$dir")
export JOBMIRROR_TEST_DATABASE_URL
echo "PostgreSQL for tests: $JOBMIRROR_TEST_DATABASE_URL" >&2
cargo test "$@"
