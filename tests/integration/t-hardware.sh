#!/bin/bash
# Real-hardware paths without hardware: a missing adapter fails fast and
# says what to check; 'devices' finds adapters and bridges (fake sysfs
# and fake nodes) and tells which have a chip; an FT260 is found by its
# serial number; larger FT260 frames work through the report model.
. "$OP_TEST_LIB"

# no such adapter: quick, names the node, says what to check
start=$(date +%s%N)
expect_fail 3 optiga-perso -d i2c:/dev/i2c-97 info
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 3000 ] || fail "took $ms ms to fail"
for w in /dev/i2c-97 "raspi-config" "i2c-dev" "optiga-perso devices"; do
	grep -q -- "$w" "$T/err" || fail "message lacks '$w': $(cat "$T/err")"
done
expect_fail 2 optiga-perso -d i2c:/dev/i2c-1@0x99 info
grep -q "0x99.*7-bit" "$T/err" || fail "bad address not explained"
expect_fail 2 optiga-perso --reset-gpio gpiochip0 -d i2c:/dev/i2c-97 info
grep -q "CHIP:LINE" "$T/err" || fail "bad --reset-gpio not explained"
expect_fail 2 optiga-perso -d 'i2c:/dev/i2c-97?reset-gpio=x:y' info
grep -q "CHIP:LINE" "$T/err" || fail "bad reset-gpio= not explained"
pass "a missing adapter fails in $ms ms and says what to check"

# a fake machine: two I2C adapters (a chip on one), one FT260 bridge
start_sim trust-m3
mkdir -p sys/class/i2c-dev/i2c-97 sys/class/i2c-dev/i2c-98 \
    sys/class/hidraw/hidraw97/device sys/class/hidraw/hidraw98/device
echo "fake adapter with chip" >sys/class/i2c-dev/i2c-97/name
echo "fake empty adapter" >sys/class/i2c-dev/i2c-98/name
printf 'HID_ID=0003:00000403:00006030\nHID_UNIQ=FT260TEST1\n' \
    >sys/class/hidraw/hidraw97/device/uevent
printf 'HID_ID=0003:0000046D:0000C52B\nHID_UNIQ=mouse\n' \
    >sys/class/hidraw/hidraw98/device/uevent
export OPTIGA_SYSFS_ROOT="$T/sys"
export OPTIGA_FAKE_DEVICES="/dev/i2c-97=i2c:$SIM_SOCK,/dev/hidraw97=ft260:$SIM_SOCK"
export LD_PRELOAD="$OP_BUILD_DIR/tests/interpose/liboptiga-fakedev.so"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

optiga-perso devices >devices.txt || fail "devices failed"
grep -Eq '^i2c:/dev/i2c-97 .*chip found' devices.txt ||
	fail "chip on i2c-97 not found: $(cat devices.txt)"
grep -Eq '^i2c:/dev/i2c-98 .*(no chip|cannot open)' devices.txt ||
	fail "i2c-98 not listed as empty: $(cat devices.txt)"
grep -Eq '^ft260:/dev/hidraw97 .*serial FT260TEST1.*chip found' \
    devices.txt || fail "FT260 not found: $(cat devices.txt)"
! grep -q hidraw98 devices.txt || fail "a mouse was listed as an FT260"
grep -q -- "-d i2c:/dev/i2c-97 info" devices.txt ||
	fail "devices does not say how to use the chip"
optiga-perso --json devices | python3 -c '
import json, sys
d = json.load(sys.stdin)["devices"]
assert sum(1 for e in d if e["chip"]) == 2, d' || fail "devices --json"
pass "devices lists adapters and the bridge and finds the chips"

# the FT260 by serial number, and with frames above 55 bytes
optiga-perso -d ft260:FT260TEST1 info >info.txt ||
	fail "ft260:SERIAL did not reach the chip"
grep -q "^UID" info.txt || fail "no UID through ft260:SERIAL"
head -c 1728 /dev/urandom >blob.bin
for f in 16 55 120 277; do
	optiga-perso -v -d "ft260:/dev/hidraw97?frame=$f" write 0xE0E1 \
	    blob.bin --erase >/dev/null 2>v.txt || fail "write at frame $f"
	grep -q "frame size $f" v.txt || fail "frame $f not negotiated"
	optiga-perso -d "ft260:/dev/hidraw97?frame=$f" read 0xE0E1 \
	    -o back.bin >/dev/null || fail "read at frame $f"
	cmp blob.bin back.bin || fail "1728 bytes differ at frame $f"
done
expect_fail 2 optiga-perso -d "ft260:/dev/hidraw97?frame=999" info
pass "FT260 by serial; 1728 bytes through frames of 16, 55, 120, 277"
