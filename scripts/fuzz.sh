#!/bin/bash
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for
# a while.  usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS   per target, 60 by default
#   TARGET    frame meta chip_rsp host_link sim_vbus sim_apdu config cert
#             aws_reply (all by default)
# Environment: OP_FUZZ_BUILD (build dir, default build-fuzz), JOBS.
# New inputs go to $OP_FUZZ_BUILD/corpus/<target> (the committed seeds in
# tests/fuzz/corpus/<target> are read, never written); crashes to
# $OP_FUZZ_BUILD/crashes/<target>.  A crash becomes a regression test by
# copying it, once fixed, into tests/fuzz/corpus/<target>/ (docs/fuzzing.md).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame meta chip_rsp host_link sim_vbus
    sim_apdu config cert aws_reply)
build=${OP_FUZZ_BUILD:-$src/build-fuzz}
jobs=${JOBS:-$(nproc)}

command -v clang >/dev/null || { echo "fuzz.sh: clang not found" >&2; exit 1; }

# Warnings are enforced by the gcc build (-Werror); here they only show,
# and Warnings.cmake has gcc-only options clang is told to ignore.
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DOP_FUZZ=ON \
    -DOP_SANITIZE=ON -DOP_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -Wno-unknown-warning-option" \
    >/dev/null
cmake --build "$build" -j "$jobs" --target \
    $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

status=0
for t in "${targets[@]}"; do
	mkdir -p "$build/corpus/$t" "$build/crashes/$t"
	echo "== $t: $secs s"
	if ! (cd "$build/crashes/$t" &&
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" \
	    -print_final_stats=1 -artifact_prefix="$build/crashes/$t/" \
	    "$build/corpus/$t" "$src/tests/fuzz/corpus/$t" \
	    >"$build/crashes/$t.log" 2>&1); then
		echo "   CRASH: see $build/crashes/$t.log and" \
		    "$build/crashes/$t/" >&2
		status=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" \
	    "$build/crashes/$t.log" | sed 's/^/   /' || true
done
exit "$status"
