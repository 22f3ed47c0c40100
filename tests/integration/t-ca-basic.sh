# ca init + openssl req + ca sign, checked by openssl verify; each CA
# algorithm and P-256, P-384 and RSA-2048 device keys.
. "$OP_TEST_LIB"

for alg in p256 p384 rsa2048 rsa3072; do
	optiga-perso ca init "ca-$alg" --alg "$alg" \
	    --subject "/C=DE/O=Test/CN=Test $alg CA"
	[ "$(stat -c %a "ca-$alg/private/cakey.pem")" = 600 ] ||
	    fail "$alg: key file is not 0600"
	[ "$(stat -c %a "ca-$alg/private")" = 700 ] ||
	    fail "$alg: private/ is not 0700"
	for d in certs crl newcerts; do
		[ -d "ca-$alg/$d" ] || fail "$alg: no $d/"
	done
	[ -f "ca-$alg/index.txt" ] && [ -f "ca-$alg/serial" ] ||
	    fail "$alg: no index.txt or serial"

	# the CA certificate: CA:TRUE and keyCertSign, both critical
	openssl x509 -in "ca-$alg/cacert.pem" -noout -text >ca.txt
	grep -A1 "Basic Constraints: critical" ca.txt | grep -q "CA:TRUE" ||
	    fail "$alg: CA basicConstraints"
	grep -A1 "Key Usage: critical" ca.txt |
	    grep -q "Digital Signature, Certificate Sign, CRL Sign" ||
	    fail "$alg: CA keyUsage"
	grep -q "Subject Key Identifier" ca.txt ||
	    fail "$alg: no subject key identifier"
	grep -q "Authority Key Identifier" ca.txt ||
	    fail "$alg: no authority key identifier"

	for key in ec:P-256 ec:P-384 rsa:2048; do
		case $key in
		ec:*) openssl genpkey -algorithm EC \
		    -pkeyopt "ec_paramgen_curve:${key#ec:}" -out dev.key ;;
		rsa:*) openssl genpkey -algorithm RSA \
		    -pkeyopt "rsa_keygen_bits:${key#rsa:}" -out dev.key ;;
		esac
		openssl req -new -key dev.key -subj "/C=DE/O=Test/CN=dev $key" \
		    -out dev.csr
		optiga-perso ca sign "ca-$alg" dev.csr -o dev.pem
		openssl verify -CAfile "ca-$alg/cacert.pem" dev.pem \
		    >/dev/null || fail "$alg/$key: openssl verify"
		openssl x509 -in dev.pem -noout -text >dev.txt
		grep -A1 "Basic Constraints: critical" dev.txt |
		    grep -q "CA:FALSE" || fail "$alg/$key: CA:FALSE"
		grep -A1 "X509v3 Extended Key Usage" dev.txt |
		    grep -q "TLS Web Client Authentication" ||
		    fail "$alg/$key: clientAuth"
		if [ "${key%%:*}" = rsa ]; then
			ku="Digital Signature, Key Encipherment"
		else
			ku="Digital Signature"
		fi
		[ "$(grep -A1 "Key Usage: critical" dev.txt | sed -n 2p |
		    sed 's/^ *//')" = "$ku" ] || fail "$alg/$key: keyUsage"
		# serial: 16 bytes, i.e. well over 64 random bits
		serial=$(openssl x509 -in dev.pem -noout -serial | cut -d= -f2)
		[ ${#serial} -ge 16 ] || fail "$alg/$key: short serial $serial"
		[ -f "ca-$alg/newcerts/$serial.pem" ] ||
		    fail "$alg/$key: no newcerts/$serial.pem"
		grep -q "	$serial	unknown	/C=DE/O=Test/CN=dev $key\$" \
		    "ca-$alg/index.txt" || fail "$alg/$key: no index line"
	done
	pass "$alg CA signs P-256, P-384 and RSA-2048 CSRs"
done

# a device certificate to stdout, --days honoured
optiga-perso ca sign ca-p256 dev.csr --days 30 >stdout.pem
days=$(( ($(date -d "$(openssl x509 -in stdout.pem -noout -enddate |
    cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
[ "$days" -ge 29 ] && [ "$days" -le 30 ] || fail "--days 30 gave $days"
pass "PEM on stdout, --days"

# a tampered CSR is refused with the verification exit code (6)
openssl req -in dev.csr -outform DER -out dev.der
size=$(stat -c %s dev.der)
printf '\x00' | dd of=dev.der bs=1 seek=$((size - 10)) conv=notrunc \
    2>/dev/null
expect_fail 6 optiga-perso ca sign ca-p256 dev.der -o bad.pem
grep -q "signature does not verify" "$T/err" || fail "tampered CSR message"
[ ! -e bad.pem ] || fail "a certificate was written for a bad CSR"
pass "tampered CSR refused"

# re-init refused, nothing changed
sum=$(sha256sum ca-p256/private/cakey.pem)
expect_fail 1 optiga-perso ca init ca-p256 --subject "/CN=again"
[ "$sum" = "$(sha256sum ca-p256/private/cakey.pem)" ] ||
    fail "re-init touched the key"
pass "re-init refused"

optiga-perso ca show ca-p256 | grep -q "issued *4 (4 valid)" ||
    fail "ca show count"
optiga-perso --json ca show ca-p256 | grep -q '"algorithm": "p256"' ||
    fail "ca show --json"
pass "ca show"
