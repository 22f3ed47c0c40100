# AWS settings the way the AWS CLI finds them: a profile from the shared
# credentials and config files (keys, region, endpoint_url), the endpoint
# from AWS_ENDPOINT_URL_IOT, session tokens, the execute-api signing name.
. "$OP_TEST_LIB"

start_iot_local

# a profile: keys in credentials, region and endpoint in config
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOC
[default]
aws_access_key_id = AKIAWRONGDEFAULT0000
aws_secret_access_key = wrong

[dev]
aws_access_key_id = $IOT_ACCESS_KEY
aws_secret_access_key = $IOT_SECRET_KEY
EOC
cat >"$AWS_CONFIG_FILE" <<EOC
# comments and case do not matter
[profile dev]
Region = us-east-1
endpoint_url = $IOT_URL
EOC
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
AWS_PROFILE=dev optiga-perso aws endpoint >ep1 ||
    fail "AWS_PROFILE=dev: $(cat ep1)"
optiga-perso aws endpoint --profile dev >ep2 || fail "--profile dev"
expect_fail 2 optiga-perso aws endpoint --profile nosuch
grep -q "the AWS profile 'nosuch' is in neither" "$T/err" ||
    fail "$(cat "$T/err")")
grep -q 'ats.iot.us-east-1.amazonaws.com$' ep1 || fail "endpoint: $(cat ep1)"
pass "profile from the shared files: keys, region, endpoint_url"

# --profile switches the environment's keys off; AWS_PROFILE does not
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 optiga-perso aws endpoint \
    --profile dev >/dev/null || fail "--profile did not win over env keys"
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 AWS_PROFILE=dev expect_fail 5 \
    optiga-perso aws endpoint
grep -q UnrecognizedClientException "$T/err" || fail "$(cat "$T/err")"
pass "--profile beats env keys, AWS_PROFILE does not (as the CLI)"
rm "$AWS_SHARED_CREDENTIALS_FILE" "$AWS_CONFIG_FILE"

# the endpoint from the environment
AWS_ENDPOINT_URL_IOT="$IOT_URL" AWS_ENDPOINT_URL=http://127.0.0.1:1 \
    optiga-perso aws endpoint --type iot:CredentialProvider >ep3 ||
    fail "AWS_ENDPOINT_URL_IOT"
grep -q credentials.iot ep3 || fail "endpoint type: $(cat ep3)"
pass "AWS_ENDPOINT_URL_IOT before AWS_ENDPOINT_URL"

# the other signing name, as Debian's CLI signs
optiga-perso aws endpoint --signing-name execute-api \
    --endpoint-url "$IOT_URL" >/dev/null || fail "execute-api"
sleep 0.2
tail -n 1 "$IOT_LOG" | grep -q "who=$IOT_ACCESS_KEY/execute-api" ||
    fail "not signed as execute-api: $(tail -n 1 "$IOT_LOG")"
pass "signing name execute-api"

# a region that is not the endpoint's is refused by the signature check
expect_fail 5 optiga-perso aws endpoint --region eu-west-1 \
    --endpoint-url "$IOT_URL"
grep -q "DescribeEndpoint failed" "$T/err" || fail "$(cat "$T/err")"
pass "wrong region refused (exit 5): $(sed 's/.*failed: //' "$T/err" |
    cut -c1-50)"
stop_iot_local

# temporary credentials: the session token is sent and signed
token="IQoJb3JpZ2luX2VjEXAMPLE+token/with=chars"
start_iot_local tok --session-token "$token"
optiga-perso ca init ca --subject "/CN=Token CA" >/dev/null || fail "ca"
AWS_SESSION_TOKEN="$token" optiga-perso aws register-ca ca \
    --endpoint-url "$IOT_URL" >reg || fail "with token: $(cat reg)"
grep -q ": registered$" reg || fail "$(cat reg)"
expect_fail 5 optiga-perso aws describe-ca ca --endpoint-url "$IOT_URL"
grep -q "DescribeCACertificate failed" "$T/err" || fail "$(cat "$T/err")"
AWS_SESSION_TOKEN="$token" optiga-perso aws describe-ca ca \
    --endpoint-url "$IOT_URL" >desc || fail "describe with token"
grep -Eq "status +ACTIVE" desc || fail "$(cat desc)"
pass "session token sent and signed; missing token refused"
