#!/bin/bash
# Keys found without pub=: a key generated through the provider is cached
# by chip UID and slot; a certificate in the paired slot works as well;
# the device can come from the provider's section in openssl.cnf.
# bus: any
. "$OP_TEST_LIB"

. "$OP_SOURCE_DIR/tests/integration/provider-lib.sh"
GENKEY="$OP_BUILD_DIR/tests/unit/provider/oprov-genkey"
[ -x "$GENKEY" ] || fail "oprov-genkey not built"

export XDG_STATE_HOME="$T/state"
unset OPTIGA_PUBCACHE_DIR
start_sim

# keygen through the provider writes the cache
"$GENKEY" 0xE0F2 p256 gen.pem
ls "$XDG_STATE_HOME"/optiga-perso/pub/*-E0F2.pem >/dev/null 2>&1 ||
    fail "no cache entry under $XDG_STATE_HOME/optiga-perso/pub"
same_pub "$XDG_STATE_HOME"/optiga-perso/pub/*-E0F2.pem gen.pem ||
    fail "cache entry differs from the generated key"

ossl req -new "${PROV[@]}" -key optiga:0xE0F2 -subj /CN=cached \
    -out req.pem
csr_ok req.pem ||
    fail "CSR from the cached key does not verify"
openssl req -in req.pem -pubkey -noout >req-pub.pem
same_pub req-pub.pem gen.pem || fail "CSR key is not the generated key"
pass "key found through the public key cache"

# a certificate in the paired slot E0E2, cache gone
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out ca.key 2>/dev/null
openssl req -new -x509 -key ca.key -subj /CN=ca -days 1 -out ca.pem
openssl x509 -req -in req.pem -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 1 -out cert.pem 2>/dev/null
openssl x509 -in cert.pem -outform DER -out cert.der
optiga-perso write 0xE0E2 cert.der --erase >/dev/null
rm -f "$XDG_STATE_HOME"/optiga-perso/pub/*-E0F2.pem
ossl req -new "${PROV[@]}" -key optiga:0xE0F2 -subj /CN=fromcert \
    -out req2.pem
csr_ok req2.pem ||
    fail "CSR from the certificate's key does not verify"
openssl req -in req2.pem -pubkey -noout >req2-pub.pem
same_pub req2-pub.pem gen.pem || fail "certificate path gave another key"
pass "key found through the certificate in 0xE0E2"

# nothing known: a clear error
"$GENKEY" 0xE0F3 p256 e0f3.pem
rm -f "$XDG_STATE_HOME"/optiga-perso/pub/*-E0F3.pem
expect_fail 1 ossl req -new "${PROV[@]}" -key optiga:0xE0F3 \
    -subj /CN=x -out x.pem
grep -q "no public key known for slot 0xE0F3" "$T/err" ||
    { cat "$T/err"; fail "missing public key not explained"; }
pass "an unknown public key is explained"

# the device from openssl.cnf, not the environment
cat >openssl.cnf <<CNF
openssl_conf = conf
[conf]
providers = provs
[provs]
optiga = optiga_sect
default = default_sect
[optiga_sect]
module = $MOD/optiga.so
device = $OPTIGA_DEVICE
activate = 1
[default_sect]
activate = 1
CNF
OPENSSL_CONF=$PWD/openssl.cnf env -u OPTIGA_DEVICE \
    bash -c "$(declare -f ossl); ossl req -new \
    -key optiga:0xE0F2 -subj /CN=conf -out req3.pem"
csr_ok req3.pem ||
    fail "CSR with the device from openssl.cnf does not verify"
pass "device from the provider's openssl.cnf section"
