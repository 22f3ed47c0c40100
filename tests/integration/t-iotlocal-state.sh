# iot-local pagination (marker/nextMarker with pageSize 1 across three
# certificates, as the CLI follows it) and state that survives a
# restart of the endpoint.
. "$OP_TEST_LIB"
. "$OP_SOURCE_DIR/tests/iot-local/test-certs.sh"

start_iot_local

mk_ca ca
ids=()
for i in 1 2 3; do
	mk_leaf "d$i" "dev-$i" ca
	ids+=("$(cert_id "d$i.pem")")
	iot_aws iot register-certificate-without-ca \
	    --certificate-pem "file://d$i.pem" --status ACTIVE >/dev/null
done

# --page-size is IoT's own pageSize member, so the CLI switches its
# automatic paging off ("manual pagination arg") and hands back
# nextMarker: follow it by hand, one certificate per page
n0=$(grep -c "op=ListCertificates " "$IOT_LOG" || true)
marker=()
: >all
for page in 1 2 3 4; do
	iot_aws iot list-certificates --page-size 1 "${marker[@]}" \
	    --output text \
	    --query '[certificates[0].certificateId, nextMarker]' >pg
	read -r id next <pg
	echo "$id" >>all
	[ "$next" = None ] && break
	marker=(--marker "$next")
done
[ "$page" -eq 3 ] || fail "$page pages for 3 certificates"
[ "$(cat all)" = "$(printf '%s\n' "${ids[2]}" "${ids[1]}" "${ids[0]}")" ] ||
    fail "pages gave: $(cat all)"
n1=$(grep -c "op=ListCertificates " "$IOT_LOG")
[ $((n1 - n0)) -eq 3 ] || fail "$((n1 - n0)) requests for 3 pages"
grep "op=ListCertificates " "$IOT_LOG" | tail -n 2 | grep -q "marker=" ||
    fail "the marker did not travel"
pass "--page-size 1: 3 certificates in 3 pages, newest first, then no nextMarker"

# without --page-size the CLI pages itself; --max-items cuts the output
iot_aws iot list-certificates --max-items 2 --output json >mi.json
grep -q '"NextToken"' mi.json || fail "no NextToken with --max-items 2"
[ "$(grep -c '"certificateId"' mi.json)" -eq 2 ] || fail "$(cat mi.json)"
pass "--max-items 2 of 3"

iot_aws iot list-certificates --page-size 1 --ascending-order \
    --output text --query 'certificates[0].certificateId' >asc
[ "$(head -n 1 asc)" = "${ids[0]}" ] || fail "ascending order"
pass "ascending order"

# state to find again after the restart
code=$(iot_aws iot get-registration-code --query registrationCode \
    --output text)
iot_aws iot create-thing --thing-name keep-me \
    --attribute-payload 'attributes={serial=42}' >/dev/null
iot_aws iot update-certificate --certificate-id "${ids[1]}" \
    --new-status REVOKED
addr=$(iot_aws iot describe-endpoint --endpoint-type iot:Data-ATS \
    --query endpointAddress --output text)
old_port=$IOT_PORT

stop_iot_local
start_iot_local
[ "$IOT_PORT" != "$old_port" ] || echo "note: same port after restart"

[ "$(iot_aws iot get-registration-code --query registrationCode \
    --output text)" = "$code" ] || fail "registration code lost"
[ "$(iot_aws iot describe-thing --thing-name keep-me \
    --query attributes.serial --output text)" = 42 ] || fail "thing lost"
[ "$(iot_aws iot describe-certificate --certificate-id "${ids[1]}" \
    --query certificateDescription.status --output text)" = REVOKED ] ||
    fail "certificate status lost"
[ "$(iot_aws iot describe-endpoint --endpoint-type iot:Data-ATS \
    --query endpointAddress --output text)" = "$addr" ] ||
    fail "endpoint address changed"
[ "$(iot_aws iot list-certificates --output text \
    --query 'length(certificates)')" = 3 ] || fail "certificates lost"
pass "state survives a restart"

# the same thing again is accepted, different attributes are not
iot_aws iot create-thing --thing-name keep-me \
    --attribute-payload 'attributes={serial=42}' >/dev/null
expect_aws_error 254 ResourceAlreadyExistsException \
    iot_aws iot create-thing --thing-name keep-me \
    --attribute-payload 'attributes={serial=43}'
pass "CreateThing idempotent for the same configuration only"
