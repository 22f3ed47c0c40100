/*
 * Credentials and settings: the AWS CLI v2 precedence, with temporary
 * credentials and config files and a scrubbed environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "util/err.h"

static char dir[64];
static char cred_path[128];
static char conf_path[128];

static const char *const vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_IOT", "AWS_MAX_ATTEMPTS", "AWS_CA_BUNDLE",
	"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "OPTIGA_AWS_SIGNING_NAME",
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char creds_text[] =
    "# a comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = secretdefault\n"
    "\n"
    "[p1]\n"
    "AWS_Access_Key_Id=AKIDP1\n"
    "aws_secret_access_key  =  secret/p1+x=\n"
    "aws_session_token = tokenp1\n"
    "; another comment\n"
    "[partial]\n"
    "aws_access_key_id = AKIDPARTIAL\n";

static const char conf_text[] =
    "[default]\n"
    "region = eu-west-1\n"
    "[profile p1]\n"
    "region: us-west-2\n"
    "s3 =\n"
    "    max_concurrent_requests = 10\n"
    "[profile p2]\n"
    "aws_access_key_id = AKIDP2\n"
    "aws_secret_access_key = secretp2\n"
    "region = ap-south-1\n"
    "endpoint_url = https://profile.example\n"
    "max_attempts = 99\n"
    "[profile p3]\n"
    "region = eu-central-1\n"
    "services = local\n"
    "[services local]\n"
    "iot =\n"
    "  endpoint_url = http://127.0.0.1:9999\n"
    "[profile sso]\n"
    "sso_start_url = https://x.awsapps.com/start\n"
    "region = us-east-1\n"
    "[profile empty]\n";

static int
setup(void **state)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	snprintf(dir, sizeof(dir), "/tmp/op-aws-creds.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cred_path, sizeof(cred_path), "%s/credentials", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/config", dir);
	write_file(cred_path, creds_text);
	write_file(conf_path, conf_text);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	setenv("AWS_CONFIG_FILE", conf_path, 1);
	/* HOME must not matter */
	setenv("HOME", "/nonexistent-home", 1);

	return 0;
}

static int
teardown(void **state)
{
	unlink(cred_path);
	unlink(conf_path);
	rmdir(dir);

	return 0;
}

static struct aws_config *
load(const struct aws_config_opts *opts)
{
	struct aws_config *cfg = NULL;
	int r = aws_config_load(opts, &cfg);

	if (r != 0)
		fail_msg("aws_config_load: %s", op_errmsg());

	return cfg;
}

static int
load_fails(const struct aws_config_opts *opts, const char *needle)
{
	struct aws_config *cfg = NULL;
	int r = aws_config_load(opts, &cfg);

	assert_int_not_equal(r, 0);
	assert_null(cfg);
	if (strstr(op_errmsg(), needle) == NULL)
		fail_msg("message '%s' lacks '%s'", op_errmsg(), needle);

	return r;
}

static void
test_default_profile(void **state)
{
	struct aws_config *cfg = load(NULL);

	assert_string_equal(cfg->profile, "default");
	assert_string_equal(cfg->access_key_id, "AKIDDEFAULT");
	assert_string_equal(cfg->secret_access_key, "secretdefault");
	assert_null(cfg->session_token);
	assert_string_equal(cfg->region, "eu-west-1");
	assert_string_equal(cfg->endpoint_url,
	    "https://iot.eu-west-1.amazonaws.com");
	assert_string_equal(cfg->signing_name, "iot");
	assert_int_equal(cfg->max_attempts, 3);
	assert_non_null(strstr(cfg->creds_source, cred_path));
	aws_config_free(&cfg);
	assert_null(cfg);
}

static void
test_env_keys_win(void **state)
{
	struct aws_config *cfg;

	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SECURITY_TOKEN", "legacytoken", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->access_key_id, "AKIDENV");
	assert_string_equal(cfg->session_token, "legacytoken");
	assert_string_equal(cfg->creds_source, "environment");
	aws_config_free(&cfg);

	/* AWS_PROFILE: env keys still sign, the region is the profile's */
	setenv("AWS_PROFILE", "p1", 1);
	setenv("AWS_SESSION_TOKEN", "newtoken", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->access_key_id, "AKIDENV");
	assert_string_equal(cfg->session_token, "newtoken");
	assert_string_equal(cfg->region, "us-west-2");
	aws_config_free(&cfg);
}

static void
test_profile_option_beats_env(void **state)
{
	struct aws_config_opts o = { .profile = "p1" };
	struct aws_config *cfg;

	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_PROFILE", "p2", 1);
	cfg = load(&o);
	assert_string_equal(cfg->profile, "p1");
	assert_string_equal(cfg->access_key_id, "AKIDP1");
	assert_string_equal(cfg->secret_access_key, "secret/p1+x=");
	assert_string_equal(cfg->session_token, "tokenp1");
	assert_string_equal(cfg->region, "us-west-2");
	aws_config_free(&cfg);
}

static void
test_profile_env_order(void **state)
{
	struct aws_config *cfg;

	/* v2: AWS_PROFILE wins over AWS_DEFAULT_PROFILE */
	setenv("AWS_DEFAULT_PROFILE", "p1", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->profile, "p1");
	aws_config_free(&cfg);
	setenv("AWS_PROFILE", "p2", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->profile, "p2");
	aws_config_free(&cfg);
}

static void
test_config_only_profile(void **state)
{
	struct aws_config_opts o = { .profile = "p2" };
	struct aws_config *cfg = load(&o);

	assert_string_equal(cfg->access_key_id, "AKIDP2");
	assert_string_equal(cfg->region, "ap-south-1");
	assert_string_equal(cfg->endpoint_url, "https://profile.example");
	/* bounded whatever the file says */
	assert_int_equal(cfg->max_attempts, 10);
	assert_non_null(strstr(cfg->creds_source, "config file"));
	aws_config_free(&cfg);
}

static void
test_no_inheritance(void **state)
{
	struct aws_config_opts o = { .profile = "p3" };

	/* p3 has no keys and does not inherit [default]'s */
	load_fails(&o, "no AWS credentials found");
}

static void
test_unknown_profile(void **state)
{
	struct aws_config_opts o = { .profile = "nosuch" };

	load_fails(&o, "'nosuch' is in neither");
	setenv("AWS_PROFILE", "nosuch2", 1);
	load_fails(NULL, "'nosuch2' is in neither");
}

static void
test_empty_profile_exists(void **state)
{
	struct aws_config_opts o = { .profile = "empty" };

	load_fails(&o, "no AWS credentials found");
}

static void
test_partial(void **state)
{
	struct aws_config_opts o = { .profile = "partial" };
	int r;

	load_fails(&o, "partial credentials");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	r = load_fails(NULL, "partial credentials in the environment");
	assert_int_equal(op_exit_code(r), OP_EXIT_USAGE);
}

static void
test_sso_unsupported(void **state)
{
	struct aws_config_opts o = { .profile = "sso" };

	load_fails(&o, "does not support");
}

static void
test_region_order(void **state)
{
	struct aws_config_opts o = { .region = "sa-east-1" };
	struct aws_config *cfg;

	setenv("AWS_DEFAULT_REGION", "us-east-2", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->region, "us-east-2");
	aws_config_free(&cfg);
	setenv("AWS_REGION", "ca-central-1", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->region, "ca-central-1");
	aws_config_free(&cfg);
	cfg = load(&o);
	assert_string_equal(cfg->region, "sa-east-1");
	aws_config_free(&cfg);

	setenv("AWS_REGION", "eu-west-1\r\nX: y", 1);
	load_fails(NULL, "is not a region name");
	setenv("AWS_REGION", "cn-north-1", 1);
	cfg = load(NULL);
	assert_string_equal(cfg->endpoint_url,
	    "https://iot.cn-north-1.amazonaws.com.cn");
	aws_config_free(&cfg);
}

static void
test_endpoint_order(void **state)
{
	struct aws_config_opts o = { .profile = "p3" };
	struct aws_config_opts cli = {
	    .endpoint_url = "http://127.0.0.1:1" };
	struct aws_config *cfg;

	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	o.profile = NULL;
	setenv("AWS_PROFILE", "p3", 1);

	/* services section of the profile */
	cfg = load(&o);
	assert_string_equal(cfg->endpoint_url, "http://127.0.0.1:9999");
	aws_config_free(&cfg);

	/* AWS_ENDPOINT_URL, then AWS_ENDPOINT_URL_IOT, then the option */
	setenv("AWS_ENDPOINT_URL", "https://all.example", 1);
	cfg = load(&o);
	assert_string_equal(cfg->endpoint_url, "https://all.example");
	aws_config_free(&cfg);
	setenv("AWS_ENDPOINT_URL_IOT", "https://iot.example", 1);
	cfg = load(&o);
	assert_string_equal(cfg->endpoint_url, "https://iot.example");
	aws_config_free(&cfg);
	unsetenv("AWS_PROFILE");
	cfg = load(&cli);
	assert_string_equal(cfg->endpoint_url, "http://127.0.0.1:1");
	aws_config_free(&cfg);

	/* switched off: the default endpoint of the region */
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	setenv("AWS_PROFILE", "p3", 1);
	cfg = load(&o);
	assert_string_equal(cfg->endpoint_url,
	    "https://iot.eu-central-1.amazonaws.com");
	aws_config_free(&cfg);
}

static void
test_misc(void **state)
{
	struct aws_config_opts o = { .signing_name = "execute-api" };
	struct aws_config_opts bad = { .signing_name = "s3" };
	struct aws_config *cfg;

	setenv("AWS_MAX_ATTEMPTS", "1", 1);
	setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt", 1);
	cfg = load(&o);
	assert_int_equal(cfg->max_attempts, 1);
	assert_string_equal(cfg->ca_bundle,
	    "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(cfg->signing_name, "execute-api");
	aws_config_free(&cfg);

	load_fails(&bad, "neither 'iot' nor 'execute-api'");
	setenv("AWS_MAX_ATTEMPTS", "0", 1);
	load_fails(NULL, "max_attempts");
}

static void
test_no_files(void **state)
{
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/f", 1);
	load_fails(NULL, "no AWS credentials found");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	load_fails(NULL, "no AWS region");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_default_profile),
		T(test_env_keys_win),
		T(test_profile_option_beats_env),
		T(test_profile_env_order),
		T(test_config_only_profile),
		T(test_no_inheritance),
		T(test_unknown_profile),
		T(test_empty_profile_exists),
		T(test_partial),
		T(test_sso_unsupported),
		T(test_region_order),
		T(test_endpoint_order),
		T(test_misc),
		T(test_no_files),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
