#!/bin/bash
# Run one integration test script in a fresh temporary directory with the
# built binaries first on PATH.  The script sources lib.sh for helpers.
set -euo pipefail

script=$1
: "${OP_BUILD_DIR:?set by ctest}"
: "${OP_SOURCE_DIR:?set by ctest}"

export PATH="$OP_BUILD_DIR/src/cli:$OP_BUILD_DIR/sim:$PATH"
export OP_TEST_LIB="$OP_SOURCE_DIR/tests/integration/lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/op-test.XXXXXX")
export T
cd "$T"

status=0
bash "$script" || status=$?
if [ "$status" -eq 0 ]; then
	rm -rf "$T"
else
	echo "test failed (exit $status); its files are kept in $T" >&2
fi
exit "$status"
