#!/usr/bin/env bash
# Runs the test suite against a throw-away PostgreSQL server (and SQLite, as
# every test does both when TEST_DATABASE_URL is set):
#
#   scripts/test-postgres.sh [cargo test arguments...]
#
# The server lives in $CARGO_TARGET_DIR/pg-test (default target/pg-test) and
# is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CARGO_TARGET_DIR:-target}/pg-test"
trap 'scripts/pg-server.sh stop "$dir"' EXIT
TEST_DATABASE_URL=$(scripts/pg-server.sh start "$dir")
export TEST_DATABASE_URL
echo "PostgreSQL for tests: $TEST_DATABASE_URL" >&2
cargo test "$@"
