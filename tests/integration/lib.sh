# Helpers for integration tests; source it: . "$OP_TEST_LIB"
# Every test runs in its own $T (made by run-test.sh); servers it starts
# are stopped on exit.
set -euo pipefail

OP_PIDS=()

op_cleanup() {
	local pid
	for pid in "${OP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap op_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "ok: $*"
}

# wait_for_socket PATH: until a Unix socket exists (5 s at most)
wait_for_socket() {
	local i
	for i in $(seq 1 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	fail "socket $1 did not appear"
}

# start_sim [PRODUCT] [NAME]: start optiga-sim on $T/NAME.sock with state
# $T/NAME.state and export OPTIGA_DEVICE.  Sets SIM_PID, SIM_SOCK,
# SIM_STATE.
start_sim() {
	local product=${1:-trust-m3} name=${2:-chip}
	SIM_SOCK="$T/$name.sock"
	SIM_STATE="$T/$name.state"
	optiga-sim --state "$SIM_STATE" --socket "$SIM_SOCK" \
	    --product "$product" 2>>"$T/$name.sim.log" &
	SIM_PID=$!
	OP_PIDS+=("$SIM_PID")
	wait_for_socket "$SIM_SOCK"
	export OPTIGA_DEVICE="sim:$SIM_SOCK"
}

# expect_fail CODE CMD...: run CMD, require exit status CODE; its stderr
# is kept in $T/err
expect_fail() {
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	if [ "$got" -ne "$want" ]; then
		cat "$T/err" >&2
		fail "'$*' exited $got, expected $want"
	fi
}
