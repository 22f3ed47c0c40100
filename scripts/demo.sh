#!/bin/bash
# The whole personalization, end to end, with nothing attached: installs
# what is needed, builds, starts an emulated chip (optiga-sim) and the
# local AWS IoT endpoint (tests/iot-local), creates a CA, personalizes
# the chip and registers it, then shows the result with the real AWS CLI.
#
# Usage: scripts/demo.sh [DIR]     (work files go to DIR, default
#                                   ./demo-out; run it again to resume)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/demo-out}
build=${OP_DEMO_BUILD:-$here/build}

step() {
	printf '\n== %s\n' "$*"
}

step "installing Debian packages (scripts/install-deps.sh)"
"$here/scripts/install-deps.sh"

step "building into $build"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" \
    --target optiga-perso optiga-sim optiga-provider \
    >/dev/null
export PATH="$build/src/cli:$build/sim:$PATH"

mkdir -p "$work"
cd "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

step "starting the emulated chip (state in $work/chip.state)"
rm -f chip.sock
optiga-sim --state chip.state --socket chip.sock 2>sim.log &
pids+=($!)
for _ in $(seq 1 100); do
	[ -S chip.sock ] && break
	sleep 0.05
done
export OPTIGA_DEVICE="sim:$work/chip.sock"
optiga-perso info >info.txt
head -4 info.txt

step "starting the local AWS IoT endpoint"
# demo credentials, known to the local endpoint only
export AWS_ACCESS_KEY_ID=AKIADEMOLOCAL0000001
export AWS_SECRET_ACCESS_KEY=demo/local/secret/key/not/for/aws/00000
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
rm -f iot.port
/usr/bin/python3 "$here/tests/iot-local/iot-local" --port 0 \
    --port-file iot.port --state iot.json \
    --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
    --log iot.log >/dev/null 2>iot.err &
pids+=($!)
for _ in $(seq 1 100); do
	[ -s iot.port ] && break
	sleep 0.05
done
endpoint="http://127.0.0.1:$(cat iot.port)"
echo "listening on $endpoint"

if [ ! -f ca/cacert.pem ]; then
	step "creating the CA in $work/ca"
	optiga-perso ca init ca --config "$here/examples/config.json" \
	    --cn "Example Devices Root CA"
fi

step "personalizing the chip"
optiga-perso personalize --config "$here/examples/config.json" --ca ca \
    --out out --endpoint-url "$endpoint"

step "what AWS IoT now knows (the real AWS CLI)"
aws() {
	echo "\$ aws iot $*"
	/usr/bin/aws --endpoint-url "$endpoint" iot "$@"
}
cert=$(ls out/*/cert.pem | head -1)
id=$(openssl x509 -in "$cert" -outform DER | sha256sum | cut -c1-64)
caid=$(openssl x509 -in ca/cacert.pem -outform DER | sha256sum | cut -c1-64)
aws describe-ca-certificate --certificate-id "$caid" --query \
    'certificateDescription.{status:status,autoRegistration:autoRegistrationStatus}'
aws describe-certificate --certificate-id "$id" --query \
    'certificateDescription.{status:status,caCertificateId:caCertificateId}'
aws list-thing-principals --thing-name sensor-0001
aws list-attached-policies --target \
    "arn:aws:iot:us-east-1:123456789012:cert/$id"

step "done"
echo "The chip's certificate: $cert; the record: out/records.jsonl."
echo "Run scripts/demo.sh again: every step is recognised as done."
