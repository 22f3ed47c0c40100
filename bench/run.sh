#!/bin/sh
# Run every benchmark of optiga-perso and print one table (row, measured,
# baseline, ratio, note); see bench/README.md.  Builds a Release tree
# without sanitizers first if needed.
#
#   bench/run.sh [--quick]
#
# BENCH_BUILD_DIR chooses the build tree (default build-bench); results go
# to bench/results/ (latest.md, latest.json and a timestamped copy).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD_DIR:-$src/build-bench}
out=$src/bench/results

mkdir -p "$build"
if [ ! -f "$build/CMakeCache.txt" ]; then
	echo "bench: configuring a Release tree in $build" >&2
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	    -DOP_SANITIZE=OFF \
	    >"$build/bench-cmake.log" 2>&1 || {
		cat "$build/bench-cmake.log" >&2
		exit 1
	}
fi
echo "bench: building (log in $build/bench-build.log)" >&2
cmake --build "$build" --target optiga-perso optiga-sim opca oputil \
    -j"$(nproc)" >"$build/bench-build.log" 2>&1 || {
	tail -30 "$build/bench-build.log" >&2
	exit 1
}

# the in-process issuance loop, linked against the CA library
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -I"$src/src" \
    "$src/bench/issue.c" "$build/src/ca/libopca.a" \
    "$build/src/util/liboputil.a" -lcrypto -ljansson -o "$build/bench-issue"
# peak memory of a command, measured from a small parent; the bus tap
for t in rss tap; do
	cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra "$src/bench/$t.c" \
	    -o "$build/bench-$t"
done

mkdir -p "$out"
exec /usr/bin/python3 "$src/bench/bench.py" --build "$build" \
    --source "$src" --out "$out" "$@"
