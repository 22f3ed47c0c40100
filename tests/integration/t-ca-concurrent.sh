# Twenty pairs of `ca sign` at once on one CA: distinct serials, an
# intact index.
. "$OP_TEST_LIB"

N=20
optiga-perso ca init ca --subject "/CN=Busy CA"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout d.key -subj "/CN=dev" -out d.csr 2>/dev/null

pids=()
for i in $(seq 1 $N); do
	optiga-perso ca sign ca d.csr -o "a$i.pem" &
	pids+=($!)
	optiga-perso ca sign ca d.csr -o "b$i.pem" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || fail "a concurrent ca sign failed"
done

for f in a*.pem b*.pem; do
	openssl x509 -in "$f" -noout -serial
done | sort | uniq -d >dups
[ ! -s dups ] || fail "duplicate serials: $(cat dups)"
[ "$(wc -l <ca/index.txt)" -eq $((2 * N)) ] ||
    fail "index.txt has $(wc -l <ca/index.txt) lines, want $((2 * N))"
[ "$(ls ca/newcerts | wc -l)" -eq $((2 * N)) ] || fail "newcerts count"
# every line well formed, and openssl still reads the database
if grep -vqP '^V\t\d{12}Z\t\t[0-9A-F]{32}\tunknown\t/CN=dev$' ca/index.txt
then
	fail "a malformed index line"
fi
openssl ca -config ca/openssl.cnf -updatedb 2>/dev/null ||
    fail "openssl ca -updatedb on the index"
pass "$((2 * N)) concurrent signers, distinct serials, intact index"
