#!/usr/bin/env bash
# test/fuzz/replay.sh — replays fuzz inputs without clang/libFuzzer: builds
# test/fuzz/fuzz_sql.c with FUZZ_REPLAY_MAIN against an existing build's
# libmegadb_core.a and runs every file given (default: test/fuzz/crashers/*).
# Exit status 0 when every input ran to completion.  For sanitizer coverage,
# point it at the ASan build: BUILD=build-asan test/fuzz/replay.sh
# (`make asan` creates it).
# Usage: test/fuzz/replay.sh [FILE...]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LIB=$BUILD/libmegadb_core.a
[ -f "$LIB" ] || { echo "replay.sh: $LIB missing (run make)" >&2; exit 2; }
PGQ=$(sed -n 's/^PG_QUERY_LIB:FILEPATH=//p' "$BUILD/CMakeCache.txt")
SAN=""
grep -q '^MEGADB_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
OUT=$BUILD/fuzz_sql_replay
# shellcheck disable=SC2086
cc -std=gnu11 -O1 -g $SAN -DFUZZ_REPLAY_MAIN -I"$ROOT/include" "$ROOT/test/fuzz/fuzz_sql.c" "$LIB" "$PGQ" \
    -lcrypto -lm -lpthread -o "$OUT"
if [ $# -eq 0 ]; then set -- "$ROOT"/test/fuzz/crashers/*; fi
"$OUT" "$@"
echo "replay.sh: $# inputs replayed"
