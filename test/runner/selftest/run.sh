#!/bin/sh
# Runs the self-tests of megadb-slt: every selftest/*.test must pass, and
# must_fail/failures.test must give exactly the summary line below (each of its
# records but two shows one kind of failure report).
# Usage: test/runner/selftest/run.sh [path/to/megadb-slt]
set -u
slt=${1:-build/megadb-slt}
dir=$(dirname "$0")
status=0

"$slt" "$dir"/*.test || status=1

want="2 passed, 9 failed, 0 skipped"
got=$("$slt" "$dir"/must_fail/failures.test | tail -n 1)
if [ "$got" != "$want" ]; then
    echo "must_fail/failures.test: expected '$want', got '$got'"
    status=1
fi
exit $status
