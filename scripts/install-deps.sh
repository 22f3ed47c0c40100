#!/bin/sh
# Install what optiga-perso needs to build, test and run its demonstration,
# from Debian 12 packages only. Safe to run again: apt-get skips what is
# already there. Needs root (or sudo).
set -eu

PKGS="build-essential cmake pkg-config git
libssl-dev openssl libcurl4-openssl-dev libjansson-dev libcmocka-dev
libgpiod-dev libhidapi-dev libmosquitto-dev
clang libclang-rt-14-dev
python3 python3-botocore python3-cryptography awscli
mosquitto mosquitto-clients
softhsm2 libengine-pkcs11-openssl
valgrind curl xxd"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
