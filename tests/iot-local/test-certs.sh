# openssl helpers for the iot-local tests; source after lib.sh.
# All keys are P-256; files go to the current directory ($T).

# mk_ca NAME [SUBJECT]: self-signed CA NAME.pem / NAME.key (CA:TRUE)
mk_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1.key" -out "$1.pem" -days 30 \
	    -subj "${2:-/O=optiga-perso tests/CN=$1}" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
	    fail "openssl could not make CA $1"
}

# mk_leaf NAME CN CA: NAME.pem / NAME.key signed by CA.pem / CA.key
mk_leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" \
	    2>/dev/null || fail "openssl could not make a CSR for $1"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 10 \
	    -out "$1.pem" 2>/dev/null || fail "openssl could not sign $1"
}

# cert_id PEM: what AWS calls the certificate id (SHA-256 of the DER)
cert_id() {
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}

# expect_aws_error CODE EXCEPTION CMD...: CMD must exit CODE and name
# EXCEPTION on stderr (kept in $T/err)
expect_aws_error() {
	local code=$1 exc=$2
	shift 2
	expect_fail "$code" "$@"
	grep -q "($exc)" "$T/err" ||
	    { cat "$T/err" >&2; fail "'$*' did not fail with $exc"; }
}
