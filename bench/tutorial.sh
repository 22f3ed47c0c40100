#!/bin/sh
# The tutorial's sequence, for the "whole flow" row of bench/run.sh: the
# same steps optiga-perso personalize takes, as the Infineon
# personalize-optiga-trust tutorial takes them, one openssl or aws CLI
# process per step.
#
# The tutorial runs its chip steps (key pair, CSR signature, writing the
# certificate) through its own Python scripts and the chip.  Here the key
# pair and the CSR are made in software with openssl instead, and nothing
# is written anywhere, so this sequence does less than optiga-perso does.
#
# Inputs (environment): TUT_DIR (work directory), TUT_URL (AWS IoT
# endpoint), TUT_CA_CERT, TUT_CA_KEY, TUT_SUBJ, TUT_THING, TUT_POLICY;
# AWS credentials and region as the aws CLI reads them.
set -eu

aws() {
	/usr/bin/aws --endpoint-url "$TUT_URL" "$@"
}

cd "$TUT_DIR"

# 1. the device key pair (tutorial: generated in the chip)
openssl ecparam -genkey -name prime256v1 -noout -out device.key

# 2. the CSR (tutorial: signed in the chip)
openssl req -new -key device.key -subj "$TUT_SUBJ" -sha256 -out device.csr

# 3. the device certificate from the CA
openssl x509 -req -in device.csr -CA "$TUT_CA_CERT" -CAkey "$TUT_CA_KEY" \
    -CAcreateserial -CAserial ca.srl -days 3650 -sha256 \
    -out device.crt 2>/dev/null

# 4. the verification certificate: CN = the account's registration code
code=$(aws iot get-registration-code --query registrationCode \
    --output text)
openssl ecparam -genkey -name prime256v1 -noout -out verify.key
openssl req -new -key verify.key -subj "/CN=$code" -out verify.csr
openssl x509 -req -in verify.csr -CA "$TUT_CA_CERT" -CAkey "$TUT_CA_KEY" \
    -CAcreateserial -CAserial ca.srl -days 30 -sha256 \
    -out verify.crt 2>/dev/null

# 5. register the CA, active, with auto-registration
aws iot register-ca-certificate --ca-certificate "file://$TUT_CA_CERT" \
    --verification-cert file://verify.crt --set-as-active \
    --allow-auto-registration >/dev/null

# 6. register the device certificate under it, active
arn=$(aws iot register-certificate --certificate-pem file://device.crt \
    --ca-certificate-pem "file://$TUT_CA_CERT" --set-as-active \
    --query certificateArn --output text)

# 7. the thing, the policy (the statements optiga-perso's default has),
#    and both attached to the certificate
aws iot create-thing --thing-name "$TUT_THING" >/dev/null
part=$(echo "$arn" | cut -d: -f2)
region=$(echo "$arn" | cut -d: -f4)
acct=$(echo "$arn" | cut -d: -f5)
base="arn:$part:iot:$region:$acct"
var='${iot:Connection.Thing.ThingName}'
cat >policy.json <<EOF
{"Version": "2012-10-17", "Statement": [
 {"Effect": "Allow", "Action": "iot:Connect",
  "Resource": "$base:client/$var"},
 {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
  "Resource": "$base:topic/$var/*"},
 {"Effect": "Allow", "Action": "iot:Subscribe",
  "Resource": "$base:topicfilter/$var/*"}]}
EOF
aws iot create-policy --policy-name "$TUT_POLICY" \
    --policy-document file://policy.json >/dev/null
aws iot attach-policy --policy-name "$TUT_POLICY" --target "$arn"
aws iot attach-thing-principal --thing-name "$TUT_THING" --principal "$arn"
echo "$arn"
