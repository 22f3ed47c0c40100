# iot-local driven by Debian's aws CLI: CA registration with a
# verification certificate, device certificate under the CA, thing,
# policy and their attachments; the state rules that refuse deletes.
. "$OP_TEST_LIB"
. "$OP_SOURCE_DIR/tests/iot-local/test-certs.sh"

start_iot_local

code=$(iot_aws iot get-registration-code --query registrationCode \
    --output text)
[[ $code =~ ^[0-9a-f]{64}$ ]] || fail "registration code '$code'"
[ "$(iot_aws iot get-registration-code --query registrationCode \
    --output text)" = "$code" ] || fail "registration code changed"
pass "registration code $code, stable"

# a verification certificate with the wrong CN is refused
mk_ca ca
mk_leaf wrongcn "not-the-code" ca
expect_aws_error 254 RegistrationCodeValidationException \
    iot_aws iot register-ca-certificate --ca-certificate file://ca.pem \
    --verification-certificate file://wrongcn.pem --set-as-active
pass "wrong verification CN refused"

# the right CN signed by another CA is refused too
mk_ca other
mk_leaf foreign "$code" other
expect_aws_error 254 CertificateValidationException \
    iot_aws iot register-ca-certificate --ca-certificate file://ca.pem \
    --verification-certificate file://foreign.pem
pass "verification certificate from another CA refused"

# a certificate without CA:TRUE cannot be registered as a CA
mk_leaf notca "$code" ca
mk_leaf ver "$code" ca
expect_aws_error 254 CertificateValidationException \
    iot_aws iot register-ca-certificate --ca-certificate file://notca.pem \
    --verification-certificate file://ver.pem
pass "non-CA refused"

caid=$(cert_id ca.pem)
iot_aws iot register-ca-certificate --ca-certificate file://ca.pem \
    --verification-certificate file://ver.pem --set-as-active \
    --allow-auto-registration --output text \
    --query '[certificateId, certificateArn]' >reg.txt
read -r got arn <reg.txt
[ "$got" = "$caid" ] || fail "CA id $got, expected $caid (DER SHA-256)"
[ "$arn" = "arn:aws:iot:us-east-1:123456789012:cacert/$caid" ] ||
    fail "CA ARN $arn"
iot_aws iot describe-ca-certificate --certificate-id "$caid" \
    --output text --query 'certificateDescription.[status,
    autoRegistrationStatus, ownedBy, certificateMode]' >ca.txt
[ "$(cat ca.txt)" = "$(printf 'ACTIVE\tENABLE\t123456789012\tDEFAULT')" ] ||
    fail "describe-ca-certificate says: $(cat ca.txt)"
pass "CA $caid registered ACTIVE with auto-registration ENABLE"

expect_aws_error 254 ResourceAlreadyExistsException \
    iot_aws iot register-ca-certificate --ca-certificate file://ca.pem \
    --verification-certificate file://ver.pem
pass "second registration of the CA refused"

# device certificate under the CA
mk_leaf dev "dev-0001" ca
devid=$(cert_id dev.pem)
devarn="arn:aws:iot:us-east-1:123456789012:cert/$devid"
iot_aws iot register-certificate --certificate-pem file://dev.pem \
    --ca-certificate-pem file://ca.pem --set-as-active --output text \
    --query '[certificateId, certificateArn]' >dev.txt
[ "$(cat dev.txt)" = "$(printf '%s\t%s' "$devid" "$devarn")" ] ||
    fail "register-certificate says: $(cat dev.txt)"
iot_aws iot describe-certificate --certificate-id "$devid" --output text \
    --query 'certificateDescription.[status, caCertificateId]' >desc.txt
[ "$(cat desc.txt)" = "$(printf 'ACTIVE\t%s' "$caid")" ] ||
    fail "describe-certificate says: $(cat desc.txt)"
pass "device certificate registered ACTIVE under the CA"

# a device certificate from an unregistered CA is refused
mk_leaf stray "dev-0002" other
expect_aws_error 254 CertificateValidationException \
    iot_aws iot register-certificate --certificate-pem file://stray.pem
pass "certificate of an unregistered CA refused"

# thing, policy, attachments
[ "$(iot_aws iot create-thing --thing-name dev-0001 --query thingArn \
    --output text)" = "arn:aws:iot:us-east-1:123456789012:thing/dev-0001" ] ||
    fail "thing ARN"
cat >policy.json <<'POL'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Action": ["iot:Connect", "iot:Publish"], "Resource": "*"}]}
POL
iot_aws iot create-policy --policy-name "dev+policy@1" \
    --policy-document file://policy.json >/dev/null
iot_aws iot attach-policy --policy-name "dev+policy@1" --target "$devarn"
iot_aws iot attach-thing-principal --thing-name dev-0001 \
    --principal "$devarn"
[ "$(iot_aws iot list-thing-principals --thing-name dev-0001 \
    --query 'principals[0]' --output text)" = "$devarn" ] ||
    fail "list-thing-principals"
[ "$(iot_aws iot list-attached-policies --target "$devarn" \
    --query 'policies[0].policyName' --output text)" = "dev+policy@1" ] ||
    fail "list-attached-policies"
[ "$(iot_aws iot list-targets-for-policy --policy-name "dev+policy@1" \
    --query 'targets[0]' --output text)" = "$devarn" ] ||
    fail "list-targets-for-policy"
pass "thing and policy attached; listed back"

# the state rules
expect_aws_error 254 CertificateStateException \
    iot_aws iot delete-certificate --certificate-id "$devid"
iot_aws iot update-certificate --certificate-id "$devid" \
    --new-status INACTIVE
expect_aws_error 254 DeleteConflictException \
    iot_aws iot delete-certificate --certificate-id "$devid"
expect_aws_error 254 DeleteConflictException \
    iot_aws iot delete-policy --policy-name "dev+policy@1"
expect_aws_error 254 CertificateStateException \
    iot_aws iot delete-ca-certificate --certificate-id "$caid"
iot_aws iot detach-thing-principal --thing-name dev-0001 \
    --principal "$devarn"
iot_aws iot delete-certificate --certificate-id "$devid" --force-delete
expect_aws_error 254 ResourceNotFoundException \
    iot_aws iot describe-certificate --certificate-id "$devid"
iot_aws iot delete-policy --policy-name "dev+policy@1"
iot_aws iot delete-thing --thing-name dev-0001
iot_aws iot update-ca-certificate --certificate-id "$caid" \
    --new-status INACTIVE
iot_aws iot delete-ca-certificate --certificate-id "$caid"
pass "delete refused while ACTIVE or attached, allowed after"

addr=$(iot_aws iot describe-endpoint --endpoint-type iot:Data-ATS \
    --query endpointAddress --output text)
[[ $addr =~ ^[a-z0-9]{14}-ats\.iot\.us-east-1\.amazonaws\.com$ ]] ||
    fail "endpoint address '$addr'"
pass "describe-endpoint $addr"
