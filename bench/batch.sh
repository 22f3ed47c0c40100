#!/bin/bash
# bench/batch.sh [BUILD_DIR] [ROUNDS]: a production line in the emulator.
#
# Sixteen optiga-sim --realtime chips, each on its own virtual bus (one
# socket and process per chip, as one I2C channel per chip on a station),
# personalized by one `personalize --devices ... --jobs 16`.  Figures:
#   - baseline: one realtime chip alone, in this script (devices/h);
#   - 16 chips offline (--no-aws): devices/h, against 16 x the baseline
#     and 16 x the fact sheet's single-channel floor (performance-anchors
#     section 2: ~5,000-10,000 devices/h at 400 kHz);
#   - 16 chips with AWS registration (--registration api) against
#     iot-local enforcing AWS's default quotas (--throttle), our client's
#     rate limits on: devices/h and the ThrottlingExceptions seen (0 is
#     the point of the limits).
# Each round redoes every step (--force): a new key pair, CSR,
# certificate and write per chip.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
rounds=${2:-3}
N=16
perso=$build/src/cli/optiga-perso
sim=$build/sim/optiga-sim
[ -x "$perso" ] && [ -x "$sim" ] ||
	{ echo "build optiga-perso and optiga-sim in $build" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/op-bench-batch.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W"

"$perso" ca init ca --subject "/C=DE/O=Bench/CN=Bench CA" >/dev/null
cp "$src/examples/config.json" config.json

devs=()
for i in $(seq 1 $N); do
	"$sim" --realtime --state "c$i.state" --socket "$W/c$i.sock" \
	    2>/dev/null &
	pids+=($!)
	devs+=("sim:$W/c$i.sock")
done
for i in $(seq 1 $N); do
	for _ in $(seq 1 100); do
		[ -S "$W/c$i.sock" ] && break
		sleep 0.05
	done
done
list=$(IFS=,; echo "${devs[*]}")

now() { date +%s.%N; }
rate() { /usr/bin/python3 -c "print(round($1 * 3600 / ($3 - $2)))"; }

# baseline: one chip, one channel, the same flow
"$perso" -q -d "${devs[0]}" personalize --config config.json --ca ca \
    --no-aws --out base >/dev/null
t0=$(now)
for _ in $(seq 1 "$rounds"); do
	"$perso" -q -d "${devs[0]}" personalize --config config.json \
	    --ca ca --no-aws --force --out base >/dev/null
done
t1=$(now)
base=$(rate "$rounds" "$t0" "$t1")

# sixteen chips in parallel, offline
"$perso" -q personalize --config config.json --ca ca --no-aws --out off \
    --devices "$list" --jobs $N >/dev/null
t0=$(now)
for _ in $(seq 1 "$rounds"); do
	"$perso" -q personalize --config config.json --ca ca --no-aws \
	    --force --out off --devices "$list" --jobs $N >/dev/null
done
t1=$(now)
par=$(rate $((N * rounds)) "$t0" "$t1")

# sixteen chips with AWS registration, quotas enforced by the endpoint,
# per operation as AWS does (iot-local's "*" would be one bucket shared by
# every operation, so each is named; those without a published default
# get 10/s, as our client assumes)
/usr/bin/python3 "$src/tests/iot-local/iot-local" --port 0 \
    --port-file "$W/iot.port" --state "$W/iot.json" \
    --access-key AKIABENCHBENCH000001 --secret-key bench/secret \
    --log "$W/iot.log" \
    --throttle RegisterCACertificate=10 --throttle RegisterCertificate=10 \
    --throttle CreateThing=100 --throttle AttachThingPrincipal=100 \
    --throttle AttachPolicy=15 --throttle CreatePolicy=10 \
    --throttle UpdateCertificate=10 --throttle DescribeCertificate=10 \
    $(for op in DescribeCACertificate UpdateCACertificate \
        GetRegistrationCode ListCACertificates DescribeThing \
        ListThingPrincipals GetPolicy ListAttachedPolicies \
        DescribeEndpoint; do echo "--throttle $op=10"; done) \
    >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$W/iot.port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$W/iot.port")"
export AWS_ACCESS_KEY_ID=AKIABENCHBENCH000001
export AWS_SECRET_ACCESS_KEY=bench/secret AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION OPTIGA_AWS_TPS
"$perso" -q personalize --config config.json --ca ca --out aws \
    --devices "$list" --jobs $N --endpoint-url "$url" >/dev/null
t0=$(now)
for _ in $(seq 1 "$rounds"); do
	"$perso" -q personalize --config config.json --ca ca --force \
	    --out aws --devices "$list" --jobs $N --endpoint-url "$url" \
	    >/dev/null
done
t1=$(now)
awsr=$(rate $((N * rounds)) "$t0" "$t1")
sleep 0.3
throttled=$(grep -c "ThrottlingException" "$W/iot.log" || true)
calls=$(grep -c " op=" "$W/iot.log" || true)

/usr/bin/python3 - "$base" "$par" "$awsr" "$N" "$throttled" "$calls" \
    "$rounds" <<'EOF'
import sys
base, par, aws, n, thr, calls, rounds = map(int, sys.argv[1:])
lo, hi = 5000, 10000	# fact sheet section 2, one channel at 400 kHz
print("rounds: %d (every step redone each round)" % rounds)
print("one realtime chip, one channel:     %7d devices/h" % base)
print("16 chips, --jobs 16, offline:       %7d devices/h" % par)
print("  / (16 x one chip measured):       %7.2f" % (par / (n * base)))
print("  / (16 x floor %d..%d):        %5.2f..%.2f" %
      (lo, hi, par / (n * hi), par / (n * lo)))
print("16 chips, AWS api, quotas enforced: %7d devices/h" % aws)
print("  / 16 chips offline:               %7.2f" % (aws / par))
print("  AWS quota (RegisterCertificate 10/s): 36000 devices/h")
print("  requests: %d, ThrottlingException: %d" % (calls, thr))
EOF
