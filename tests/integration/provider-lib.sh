# Helpers for the t-provider-*.sh tests; source after lib.sh.
MOD="$OP_BUILD_DIR/src/provider"
[ -f "$MOD/optiga.so" ] || fail "optiga.so not built in $MOD"
PROV=(-provider-path "$MOD" -provider optiga -provider default)

# An ASan-built module loads into the system openssl only with libasan
# preloaded (it must come first); leaks in openssl itself are not ours.
# (nm to a file: with pipefail, 'nm | grep -q' can fail on SIGPIPE.)
nm -D "$MOD/optiga.so" >"$T/optiga.syms"
OP_ASAN_PRELOAD=
if grep -q __asan_init "$T/optiga.syms"; then
	OP_ASAN_PRELOAD=$(gcc -print-file-name=libasan.so)
fi
export OP_ASAN_PRELOAD

# ossl ARGS: openssl able to load optiga.so
ossl() {
	if [ -n "$OP_ASAN_PRELOAD" ]; then
		LD_PRELOAD="$OP_ASAN_PRELOAD${LD_PRELOAD:+ $LD_PRELOAD}" \
		    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		    openssl "$@"
	else
		openssl "$@"
	fi
}

# csr_ok FILE: the CSR's self-signature verifies (openssl 3.0 req
# -verify exits 0 either way, so read what it says)
csr_ok() {
	openssl req -verify -in "$1" -noout 2>&1 | grep -q "verify OK"
}

# same_pub A B: two PEM public keys are the same key
same_pub() {
	cmp -s <(openssl pkey -pubin -in "$1" -outform DER) \
	    <(openssl pkey -pubin -in "$2" -outform DER)
}
