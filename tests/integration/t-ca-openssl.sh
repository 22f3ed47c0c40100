# openssl ca keeps working on a directory we sign in, and the other way
# round; the index stays valid for both.
. "$OP_TEST_LIB"

optiga-perso ca init ca --subject "/C=DE/O=Test/CN=Shared CA"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout a.key -subj "/C=DE/O=Test/CN=ours" -out a.csr 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout b.key -subj "/C=DE/O=Test/CN=theirs" -out b.csr 2>/dev/null

optiga-perso ca sign ca a.csr -o a.pem
openssl ca -batch -config ca/openssl.cnf -in b.csr -out b.pem \
    2>openssl.log || { cat openssl.log; fail "openssl ca after ours"; }
openssl verify -CAfile ca/cacert.pem b.pem >/dev/null ||
    fail "openssl's certificate does not verify"
# openssl's certificate has the same profile as ours
openssl x509 -in b.pem -noout -text | grep -q "TLS Web Client" ||
    fail "openssl.cnf profile"

optiga-perso ca sign ca a.csr -o a2.pem
n=$(wc -l <ca/index.txt)
[ "$n" -eq 3 ] || fail "index has $n lines, want 3"

for f in a.pem b.pem a2.pem; do
	s=$(openssl x509 -in "$f" -noout -serial | cut -d= -f2)
	# openssl 3.0 exits 1 even for a valid serial: judge the text
	openssl ca -config ca/openssl.cnf -status "$s" >status 2>&1 || true
	grep -q "^$s=Valid" status || fail "openssl ca -status $s"
done
openssl ca -config ca/openssl.cnf -updatedb 2>openssl.log ||
    { cat openssl.log; fail "openssl ca -updatedb"; }
openssl ca -config ca/openssl.cnf -gencrl -out crl.pem 2>openssl.log ||
    { cat openssl.log; fail "openssl ca -gencrl"; }
pass "openssl ca and optiga-perso ca sign share one directory"

# revocation by openssl leaves an index we still append to
openssl ca -config ca/openssl.cnf -revoke a.pem 2>openssl.log ||
    { cat openssl.log; fail "openssl ca -revoke"; }
optiga-perso ca sign ca a.csr -o a3.pem
openssl ca -config ca/openssl.cnf -updatedb 2>/dev/null
[ "$(grep -c '^R' ca/index.txt)" -eq 1 ] || fail "revocation lost"
[ "$(grep -c '^V' ca/index.txt)" -eq 3 ] || fail "valid entries lost"
pass "revoked by openssl, then signed by us"
