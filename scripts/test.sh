#!/usr/bin/env bash
# Sets everything up and runs every test: unit tests, then integration tests against real
# PostgreSQL 15 servers that this script starts (and stops) in a temporary directory.
#   scripts/test.sh            all tests
#   scripts/test.sh -L unit    extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup.sh

servers=$(mktemp -d /tmp/ferry-test-servers.XXXXXX)
cleanup() { "$root/tests/support/servers.sh" down "$servers"; }
trap cleanup EXIT
tests/support/servers.sh up "$servers"
# shellcheck disable=SC1091
source "$servers/env"

cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
