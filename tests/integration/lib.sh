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

# Under pipefail, 'producer | grep -q X' can fail for no good reason:
# grep -q stops reading at the first match, and a producer still writing
# (the aws CLI, openssl -text) dies of SIGPIPE.  In the tests grep always
# reads its input to the end; -q only silences it.
grep() {
	local a quiet=0 opts=1 args=()

	for a in "$@"; do
		if [ "$opts" -eq 1 ] && [[ $a =~ ^-[A-Za-z]+$ ]] &&
		    [[ $a == *q* ]]; then
			quiet=1
			a=${a//q/}
			[ "$a" = "-" ] && continue
		elif [ "$opts" -eq 1 ] && [[ $a != -* ]]; then
			opts=0
		fi
		args+=("$a")
	done
	if [ "$quiet" -eq 1 ]; then
		command grep "${args[@]}" >/dev/null
	else
		command grep "${args[@]}"
	fi
}

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
# SIM_STATE.  With OP_BUS=i2c or ft260 (set by ctest for scripts marked
# "# bus: any") the chip is reached through a fake /dev/i2c-N or
# /dev/hidrawN node instead, so the real backends are exercised.
OP_FAKE_N=77
start_sim() {
	local product=${1:-trust-m3} name=${2:-chip} extra=()
	SIM_SOCK="$T/$name.sock"
	SIM_STATE="$T/$name.state"
	[ -n "${SIM_ARGS:-}" ] && read -r -a extra <<<"$SIM_ARGS"
	optiga-sim --state "$SIM_STATE" --socket "$SIM_SOCK" \
	    --product "$product" "${extra[@]}" 2>>"$T/$name.sim.log" &
	SIM_PID=$!
	OP_PIDS+=("$SIM_PID")
	wait_for_socket "$SIM_SOCK"
	sim_device "$SIM_SOCK"
	export OPTIGA_DEVICE="$SIM_DEVICE"
}

# sim_device SOCK: the device URI for a running sim, per OP_BUS; sets
# SIM_DEVICE
sim_device() {
	local dev
	case "${OP_BUS:-sim}" in
	sim)
		SIM_DEVICE="sim:$1"
		;;
	i2c)
		dev="/dev/i2c-$OP_FAKE_N"
		fake_node "$dev=i2c:$1"
		SIM_DEVICE="i2c:$dev"
		;;
	ft260)
		dev="/dev/hidraw$OP_FAKE_N"
		fake_node "$dev=ft260:$1"
		SIM_DEVICE="ft260:$dev"
		;;
	*)
		fail "OP_BUS=$OP_BUS is not sim, i2c or ft260"
		;;
	esac
	OP_FAKE_N=$((OP_FAKE_N + 1))
}

fake_node() {
	export OPTIGA_FAKE_DEVICES="${OPTIGA_FAKE_DEVICES:+$OPTIGA_FAKE_DEVICES,}$1"
	export LD_PRELOAD="$OP_BUILD_DIR/tests/interpose/liboptiga-fakedev.so"
	# sanitized binaries accept a preloaded library before libasan
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
}

# slot_holds_cert DIR: the certificate personalize left in DIR/<UID>/
# verifies against ca/, and slot 0xE0E1 holds exactly it
slot_holds_cert() {
	local d
	d=$(ls -d "$1"/*/ | head -1)
	openssl verify -CAfile ca/cacert.pem "$d/cert.pem" >/dev/null ||
		fail "the certificate in $d does not verify"
	optiga-perso cert read --slot 0xE0E1 >"$T/slot.pem" ||
		fail "cannot read the certificate slot back"
	cmp <(openssl x509 -in "$T/slot.pem" -outform DER) \
	    <(openssl x509 -in "$d/cert.pem" -outform DER) ||
		fail "0xE0E1 does not hold the issued certificate"
	openssl verify -CAfile ca/cacert.pem "$T/slot.pem" >/dev/null ||
		fail "the certificate read from the slot does not verify"
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

# start_iot_local [NAME] [IOT-LOCAL ARGS...]: start the local AWS IoT
# endpoint (tests/iot-local) on a free port, state $T/NAME.json, request
# log $T/NAME.log, and point Debian's /usr/bin/aws at it: sets IOT_PID,
# IOT_PORT, IOT_URL, IOT_STATE, IOT_LOG, exports AWS_* (credentials
# IOT_ACCESS_KEY / IOT_SECRET_KEY, region us-east-1, no pager, one
# attempt, no shared config files).  Call it again with the same NAME
# after stop_iot_local to restart on the same state.  iot_aws ARGS...
# runs /usr/bin/aws --endpoint-url $IOT_URL ARGS...
start_iot_local() {
	local name=${1:-iot} i
	[ $# -gt 0 ] && shift
	: "${IOT_ACCESS_KEY:=AKIAIOTLOCALTEST0001}"
	: "${IOT_SECRET_KEY:=iotlocal/Test+Secret/0000000000000000000000}"
	IOT_STATE="$T/$name.json"
	IOT_LOG="$T/$name.log"
	rm -f "$T/$name.port"
	/usr/bin/python3 "$OP_SOURCE_DIR/tests/iot-local/iot-local" \
	    --port 0 --port-file "$T/$name.port" --state "$IOT_STATE" \
	    --access-key "$IOT_ACCESS_KEY" --secret-key "$IOT_SECRET_KEY" \
	    --log "$IOT_LOG" "$@" >/dev/null 2>>"$T/$name.err" &
	IOT_PID=$!
	OP_PIDS+=("$IOT_PID")
	for i in $(seq 1 100); do
		[ -s "$T/$name.port" ] && break
		kill -0 "$IOT_PID" 2>/dev/null ||
		    { cat "$T/$name.err" >&2; fail "iot-local exited"; }
		sleep 0.05
	done
	[ -s "$T/$name.port" ] || fail "iot-local did not start"
	IOT_PORT=$(cat "$T/$name.port")
	IOT_URL="http://127.0.0.1:$IOT_PORT"
	export AWS_ACCESS_KEY_ID="$IOT_ACCESS_KEY"
	export AWS_SECRET_ACCESS_KEY="$IOT_SECRET_KEY"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= AWS_MAX_ATTEMPTS=1
	export AWS_EC2_METADATA_DISABLED=true
	export AWS_CONFIG_FILE="$T/aws-config"
	export AWS_SHARED_CREDENTIALS_FILE="$T/aws-credentials"
	unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_REGION
}

# stop_iot_local: stop the endpoint started last (its state stays)
stop_iot_local() {
	kill "$IOT_PID" 2>/dev/null || true
	wait "$IOT_PID" 2>/dev/null || true
}

iot_aws() {
	/usr/bin/aws --endpoint-url "$IOT_URL" "$@"
}

# tls_issue CA_DIR NAME CN [SAN]: with plain openssl, a P-256 key
# $T/NAME.key and a certificate $T/NAME.pem for CN from the CA in CA_DIR
# (as 'optiga-perso ca init' lays it out, key unencrypted).  With SAN
# ("DNS:localhost,IP:127.0.0.1") it is a server certificate, else a
# client one.
tls_issue() {
	local ca=$1 name=$2 cn=$3 san=${4:-}
	openssl ecparam -name prime256v1 -genkey -noout \
	    -out "$T/$name.key" 2>/dev/null
	openssl req -new -key "$T/$name.key" -subj "/CN=$cn" \
	    -out "$T/$name.csr" 2>/dev/null
	if [ -n "$san" ]; then
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' \
		    "$san"
	else
		printf 'extendedKeyUsage=clientAuth\n'
	fi >"$T/$name.ext"
	openssl x509 -req -in "$T/$name.csr" -CA "$ca/cacert.pem" \
	    -CAkey "$ca/private/cakey.pem" -days 2 \
	    -set_serial "0x$(openssl rand -hex 8)" -extfile "$T/$name.ext" \
	    -out "$T/$name.pem" 2>/dev/null || fail "cannot issue $name"
}

# start_mosquitto CA_DIR [NAME] [CONF LINE...]: Debian's mosquitto on
# 127.0.0.1 only, on a free port, with one TLS listener that requires a
# client certificate from the CA in CA_DIR and takes its CN as the user
# name; its own certificate (CN localhost, IP 127.0.0.1) comes from the
# same CA.  Extra lines go into its config ($T/NAME.conf).  Sets
# MQTT_PORT, MQTT_CA (the CA certificate), MQTT_CA_DIR, MQTT_LOG (the
# broker's log, everything logged), MQTT_PID.
start_mosquitto() {
	local ca=$1 name=${2:-mosq} try i line
	shift
	[ $# -gt 0 ] && shift
	tls_issue "$ca" "$name-server" localhost "DNS:localhost,IP:127.0.0.1"
	MQTT_CA_DIR=$ca
	MQTT_CA="$ca/cacert.pem"
	MQTT_LOG="$T/$name.log"
	for try in 1 2 3 4 5; do
		MQTT_PORT=$((20000 + RANDOM % 40000))
		{
			echo "per_listener_settings false"
			echo "listener $MQTT_PORT 127.0.0.1"
			echo "cafile $MQTT_CA"
			echo "certfile $T/$name-server.pem"
			echo "keyfile $T/$name-server.key"
			echo "require_certificate true"
			echo "use_identity_as_username true"
			echo "allow_anonymous false"
			echo "set_tcp_nodelay true"
			echo "persistence false"
			echo "log_dest file $MQTT_LOG"
			echo "log_type all"
			# started as root it would switch to user mosquitto,
			# who cannot read $T; as anyone else this is ignored
			echo "user $(id -un)"
			for line in "$@"; do
				echo "$line"
			done
		} >"$T/$name.conf"
		: >"$MQTT_LOG"
		mosquitto -c "$T/$name.conf" 2>>"$T/$name.err" &
		MQTT_PID=$!
		OP_PIDS+=("$MQTT_PID")
		for i in $(seq 1 100); do
			grep -q " running$" "$MQTT_LOG" && return 0
			kill -0 "$MQTT_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$MQTT_PID" 2>/dev/null || true
	done
	cat "$MQTT_LOG" "$T/$name.err" >&2
	fail "mosquitto did not start"
}

# mqtt_sub TOPIC OUT: mosquitto_sub, with a client certificate from the
# broker's CA, waits in the background for one message on TOPIC and
# writes it to OUT; returns once the broker has acknowledged the
# subscription.  Sets SUB_PID.
mqtt_sub() {
	local topic=$1 out=$2 i n0
	n0=$(grep -c "Sending SUBACK to subscriber" "$MQTT_LOG" || true)
	[ -f "$T/mqtt-sub.pem" ] ||
	    tls_issue "$MQTT_CA_DIR" mqtt-sub subscriber
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" --cafile "$MQTT_CA" \
	    --cert "$T/mqtt-sub.pem" --key "$T/mqtt-sub.key" -i subscriber \
	    -t "$topic" -C 1 -W 30 >"$out" 2>"$out.err" &
	SUB_PID=$!
	OP_PIDS+=("$SUB_PID")
	for i in $(seq 1 200); do
		[ "$(grep -c "Sending SUBACK to subscriber" "$MQTT_LOG")" \
		    -gt "$n0" ] && return 0
		kill -0 "$SUB_PID" 2>/dev/null ||
		    { cat "$out.err" >&2; fail "mosquitto_sub exited"; }
		sleep 0.05
	done
	fail "mosquitto_sub did not subscribe"
}
