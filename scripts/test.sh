#!/bin/bash
# Build everything with AddressSanitizer and UBSan and run every test
# (unit, integration against optiga-sim and the local AWS IoT endpoint).
# Usage: scripts/test.sh [ctest options], e.g. -R int.keygen
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${OP_TEST_BUILD:-$here/build-test}

"$here/scripts/install-deps.sh"

cmake -S "$here" -B "$build" -DOP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    >/dev/null
cmake --build "$build" -j"$(nproc)"

# Sanitizer reports must fail the test that caused them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
