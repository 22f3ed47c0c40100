/*
 * The config parser: the Infineon sample shape accepted as is, and each
 * kind of mistake reported with its JSON path and what is allowed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "perso/config.h"
#include "util/err.h"

static const char base_text[] =
    "{ \"csr_config\": {"
    "   \"certificate_info\": { \"country_name\": \"DE\","
    "     \"state_or_province_name\": \"Bayern\","
    "     \"organization_name\": \"Acme\", \"common_name\": \"dev-1\" },"
    "   \"key_info\": { \"algorithm_id\": \"ec\", \"parameters\": {"
    "     \"curve\": \"secp256r1\", \"slot\": \"0xE0F1\" } },"
    "   \"signature_info\": { \"algorithm_id\": \"ecdsa\","
    "     \"parameters\": { \"hash_alg\": \"sha256\" } } },"
    "  \"aws_iot_config\": { \"thing\": \"dev-1\", \"policy\": \"p1\" } }";

/* base config with the member at a dotted path set (or removed) */
static char *
variant(const char *path, json_t *value)
{
	json_t *root = json_loads(base_text, 0, NULL);
	json_t *obj = root;
	char *copy = strdup(path);
	char *key = copy;
	char *dot;
	char *out;

	assert_non_null(root);
	while ((dot = strchr(key, '.')) != NULL) {
		json_t *next;

		*dot = '\0';
		if ((next = json_object_get(obj, key)) == NULL) {
			next = json_object();
			json_object_set_new(obj, key, next);
		}
		obj = next;
		key = dot + 1;
	}
	if (value == NULL)
		json_object_del(obj, key);
	else
		json_object_set_new(obj, key, value);
	out = json_dumps(root, 0);
	json_decref(root);
	free(copy);

	return out;
}

static int
parse_text(const char *text, unsigned flags, struct perso_config **cfg)
{
	return perso_config_parse(text, strlen(text), "t.json", "/base",
	    flags, cfg);
}

/* the variant must fail, naming path and each of the wanted strings */
static void
expect_bad(const char *path, json_t *value, const char *field, ...)
{
	struct perso_config *cfg = NULL;
	char *text = variant(path, value);
	const char *want;
	va_list ap;
	int rc;

	rc = parse_text(text, 0, &cfg);
	if (rc != OP_RC(OP_LAYER_CONFIG, OP_E_INVAL))
		print_error("accepted: %s\n", text);
	assert_int_equal(rc, OP_RC(OP_LAYER_CONFIG, OP_E_INVAL));
	assert_null(cfg);
	if (strstr(op_errmsg(), field) == NULL)
		print_error("message: %s\n", op_errmsg());
	assert_non_null(strstr(op_errmsg(), field));
	va_start(ap, field);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (strstr(op_errmsg(), want) == NULL)
			print_error("message: %s\nwanted: %s\n", op_errmsg(),
			    want);
		assert_non_null(strstr(op_errmsg(), want));
	}
	va_end(ap);
	free(text);
}

static struct perso_config *
expect_good(const char *path, json_t *value)
{
	struct perso_config *cfg = NULL;
	char *text = variant(path, value);
	int rc = parse_text(text, 0, &cfg);

	if (rc != 0)
		print_error("%s\n", op_errmsg());
	assert_int_equal(rc, 0);
	free(text);

	return cfg;
}

static void
test_example_file(void **state)
{
	struct perso_config *cfg = NULL;
	X509_NAME *name = NULL;
	char *line;

	assert_int_equal(perso_config_load(OP_EXAMPLES_DIR "/config.json", 0,
	    &cfg), 0);
	assert_int_equal(cfg->n_warnings, 0);
	assert_string_equal(cfg->subject[PERSO_SUBJ_C], "DE");
	assert_string_equal(cfg->subject[PERSO_SUBJ_ST], "Bayern");
	assert_non_null(cfg->subject[PERSO_SUBJ_CN]);
	assert_null(cfg->subject[PERSO_SUBJ_L]);
	assert_int_equal(cfg->key_type, PERSO_KEY_EC);
	assert_int_equal(cfg->alg, CHIP_ALG_P256);
	assert_string_equal(cfg->curve, "secp256r1");
	assert_string_equal(cfg->group, "prime256v1");
	assert_int_equal(cfg->key_slot, 0xE0F1);
	assert_string_equal(cfg->hash, "sha256");
	assert_string_equal(cfg->md, "SHA256");
	assert_non_null(cfg->thing);
	assert_non_null(cfg->policy);
	assert_null(cfg->ca_dir);

	/* the subject in the order C, ST, O, CN */
	assert_int_equal(perso_config_subject(cfg, &name), 0);
	line = X509_NAME_oneline(name, NULL, 0);
	assert_string_equal(line, "/C=DE/ST=Bayern/O=Example Devices GmbH"
	    "/CN=sensor-0001");
	OPENSSL_free(line);
	X509_NAME_free(name);
	perso_config_free(&cfg);
	assert_null(cfg);
}

static void
test_curve(void **state)
{
	struct perso_config *cfg;

	/* the brief's own example */
	expect_bad("csr_config.key_info.parameters.curve",
	    json_string("secp999"), "csr_config.key_info.parameters.curve",
	    "\"secp999\" is not a supported curve", "secp256r1, secp384r1, "
	    "secp521r1, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1",
	    NULL);
	expect_bad("csr_config.key_info.parameters.curve", NULL,
	    "csr_config.key_info.parameters.curve: missing", NULL);
	expect_bad("csr_config.key_info.parameters.curve", json_integer(256),
	    "csr_config.key_info.parameters.curve", "a number",
	    "must be a string", NULL);

	/* OpenSSL's name for P-256 is accepted */
	cfg = expect_good("csr_config.key_info.parameters.curve",
	    json_string("prime256v1"));
	assert_string_equal(cfg->curve, "secp256r1");
	perso_config_free(&cfg);
}

static void
test_hash_fit(void **state)
{
	struct perso_config *cfg;
	char *text;
	json_t *root;

	/* sha256 under a P-384 key: weaker than the key */
	expect_bad("csr_config.key_info.parameters.curve",
	    json_string("secp384r1"),
	    "csr_config.signature_info.parameters.hash_alg",
	    "\"sha256\" is shorter than the secp384r1 key",
	    "use sha384 or sha512", NULL);
	expect_bad("csr_config.signature_info.parameters.hash_alg",
	    json_string("md5"), "csr_config.signature_info.parameters."
	    "hash_alg", "\"md5\"", "sha256, sha384 or sha512", NULL);

	/* longer than the curve is fine (ECDSA truncates) */
	cfg = expect_good("csr_config.signature_info.parameters.hash_alg",
	    json_string("SHA-512"));
	assert_string_equal(cfg->hash, "sha512");
	perso_config_free(&cfg);

	/* without signature_info the fitting hash is chosen */
	root = json_loads(base_text, 0, NULL);
	json_object_del(json_object_get(root, "csr_config"),
	    "signature_info");
	json_object_set_new(json_object_get(json_object_get(json_object_get(
	    root, "csr_config"), "key_info"), "parameters"), "curve",
	    json_string("secp521r1"));
	text = json_dumps(root, 0);
	assert_int_equal(parse_text(text, 0, &cfg), 0);
	assert_string_equal(cfg->hash, "sha512");
	assert_int_equal(cfg->alg, CHIP_ALG_P521);
	perso_config_free(&cfg);
	free(text);
	json_decref(root);

	expect_bad("csr_config.signature_info.algorithm_id",
	    json_string("rsa"), "csr_config.signature_info.algorithm_id",
	    "does not fit the ec key", "use \"ecdsa\"", NULL);
}

static void
test_slot(void **state)
{
	struct perso_config *cfg = NULL;
	char *text;

	expect_bad("csr_config.key_info.parameters.slot",
	    json_string("0xE0E1"), "csr_config.key_info.parameters.slot",
	    "0xE0E1 is not a key slot", "0xE0F1, 0xE0F2 or 0xE0F3", NULL);
	expect_bad("csr_config.key_info.parameters.slot",
	    json_string("0xE0FC"), "csr_config.key_info.parameters.slot",
	    "0xE0FC is an RSA key slot", "0xE0F1, 0xE0F2 or 0xE0F3", NULL);
	expect_bad("csr_config.key_info.parameters.slot",
	    json_string("slot one"), "csr_config.key_info.parameters.slot",
	    "not an object ID", NULL);

	/* the factory key only when forced, and then with a warning */
	expect_bad("csr_config.key_info.parameters.slot",
	    json_string("0xE0F0"), "csr_config.key_info.parameters.slot",
	    "factory key", "--force", NULL);
	text = variant("csr_config.key_info.parameters.slot",
	    json_string("E0F0"));
	assert_int_equal(parse_text(text, PERSO_CONFIG_FORCE, &cfg), 0);
	assert_int_equal(cfg->key_slot, 0xE0F0);
	assert_int_equal(cfg->n_warnings, 1);
	perso_config_free(&cfg);
	free(text);

	/* no slot: the first free-for-use one */
	cfg = expect_good("csr_config.key_info.parameters.slot", NULL);
	assert_int_equal(cfg->key_slot, 0xE0F1);
	perso_config_free(&cfg);
}

static void
test_rsa(void **state)
{
	struct perso_config *cfg = NULL;
	json_t *root = json_loads(base_text, 0, NULL);
	json_t *csr = json_object_get(root, "csr_config");
	char *text;

	json_object_set_new(csr, "key_info", json_pack("{s:s,s:{s:i,s:s}}",
	    "algorithm_id", "rsa", "parameters", "key_size", 2048, "slot",
	    "0xE0FD"));
	json_object_set_new(csr, "signature_info", json_pack("{s:s,s:{s:s}}",
	    "algorithm_id", "rsa", "parameters", "hash_alg", "sha384"));
	text = json_dumps(root, 0);
	assert_int_equal(parse_text(text, 0, &cfg), 0);
	assert_int_equal(cfg->key_type, PERSO_KEY_RSA);
	assert_int_equal(cfg->alg, CHIP_ALG_RSA2048);
	assert_int_equal(cfg->bits, 2048);
	assert_int_equal(cfg->key_slot, 0xE0FD);
	assert_string_equal(cfg->md, "SHA384");
	assert_null(cfg->curve);
	perso_config_free(&cfg);
	free(text);

	/* 3072 is not on the chip; an ECC slot is wrong */
	json_object_set_new(json_object_get(json_object_get(csr, "key_info"),
	    "parameters"), "key_size", json_integer(3072));
	json_object_set_new(json_object_get(json_object_get(csr, "key_info"),
	    "parameters"), "slot", json_string("0xE0F2"));
	text = json_dumps(root, 0);
	assert_int_not_equal(parse_text(text, 0, &cfg), 0);
	assert_non_null(strstr(op_errmsg(), "2 mistakes"));
	assert_non_null(strstr(op_errmsg(), "csr_config.key_info.parameters."
	    "key_size: that is not a supported RSA key size; use 1024 or "
	    "2048"));
	assert_non_null(strstr(op_errmsg(), "csr_config.key_info.parameters."
	    "slot: 0xE0F2 is an ECC key slot and the key is rsa; use 0xE0FC "
	    "or 0xE0FD"));
	free(text);
	json_decref(root);

	expect_bad("csr_config.key_info.algorithm_id", json_string("dsa"),
	    "csr_config.key_info.algorithm_id", "\"dsa\"",
	    "\"ec\" or \"rsa\"", NULL);
}

static void
test_subject(void **state)
{
	char cn[66];

	expect_bad("csr_config.certificate_info.common_name", NULL,
	    "csr_config.certificate_info.common_name: missing", NULL);
	expect_bad("csr_config.certificate_info.common_name",
	    json_string(""), "csr_config.certificate_info.common_name",
	    "empty", NULL);
	expect_bad("csr_config.certificate_info.country_name",
	    json_string("Germany"), "csr_config.certificate_info."
	    "country_name", "\"Germany\"", "\"DE\"", NULL);
	memset(cn, 'x', 65);
	cn[65] = '\0';
	expect_bad("csr_config.certificate_info.common_name",
	    json_string(cn), "csr_config.certificate_info.common_name",
	    "65 characters", "at most 64", NULL);
	expect_bad("csr_config.certificate_info", json_string("x"),
	    "csr_config.certificate_info", "must be an object", NULL);
	expect_bad("csr_config", NULL, "csr_config: missing", NULL);
}

static void
test_aws_and_ours(void **state)
{
	struct perso_config *cfg;

	expect_bad("aws_iot_config.thing", json_string("bad name!"),
	    "aws_iot_config.thing", "\"bad name!\"", "a-z A-Z 0-9", NULL);
	expect_bad("aws_iot_config.policy", json_integer(3),
	    "aws_iot_config.policy", "must be a string", NULL);
	expect_bad("validity_days", json_integer(0), "validity_days",
	    "1 to 36525", NULL);
	expect_bad("cert_format", json_string("pem"), "cert_format",
	    "\"tls\"", "\"der\"", NULL);
	expect_bad("certificate_slot", json_string("0xE0F1"),
	    "certificate_slot", "0xE0E1, 0xE0E2 or 0xE0E3", NULL);

	/* policy with a document; relative paths from the config's dir */
	cfg = expect_good("aws_iot_config.policy", json_pack("{s:s,s:s}",
	    "name", "p2", "document", "policy.json"));
	assert_string_equal(cfg->policy, "p2");
	assert_string_equal(cfg->policy_document, "/base/policy.json");
	perso_config_free(&cfg);

	cfg = expect_good("ca_dir", json_string("ca"));
	assert_string_equal(cfg->ca_dir, "/base/ca");
	perso_config_free(&cfg);
	cfg = expect_good("validity_days", json_integer(365));
	assert_int_equal(cfg->validity_days, 365);
	perso_config_free(&cfg);
	cfg = expect_good("certificate_slot", json_string("0xE0E2"));
	assert_int_equal(cfg->cert_slot, 0xE0E2);
	perso_config_free(&cfg);

	/* aws_iot_config is optional (no AWS step then) */
	cfg = expect_good("aws_iot_config", NULL);
	assert_null(cfg->thing);
	perso_config_free(&cfg);
}

static void
test_unknown_fields_warn(void **state)
{
	struct perso_config *cfg;

	cfg = expect_good("csr_config.key_info.parameters.colour",
	    json_string("blue"));
	assert_int_equal(cfg->n_warnings, 1);
	assert_non_null(strstr(cfg->warnings[0],
	    "csr_config.key_info.parameters.colour"));
	perso_config_free(&cfg);
}

static void
test_bad_json(void **state)
{
	static const char text[] =
	    "{\n  \"csr_config\": {\n    \"key_info\": ,\n  }\n}\n";
	struct perso_config *cfg = NULL;

	assert_int_equal(parse_text(text, 0, &cfg),
	    OP_RC(OP_LAYER_CONFIG, OP_E_INVAL));
	assert_non_null(strstr(op_errmsg(), "t.json: line 3, column"));
	assert_non_null(strstr(op_errmsg(), "not valid JSON"));

	assert_int_not_equal(parse_text("[1]", 0, &cfg), 0);
	assert_non_null(strstr(op_errmsg(), "an array"));
	assert_int_not_equal(parse_text("{\"csr_config\":{},"
	    "\"csr_config\":{}}", 0, &cfg), 0);
	assert_non_null(strstr(op_errmsg(), "duplicate"));

	assert_int_equal(perso_config_load("/nonexistent/c.json", 0, &cfg),
	    OP_RC(OP_LAYER_CONFIG, OP_E_NOTFOUND));
	assert_non_null(strstr(op_errmsg(), "/nonexistent/c.json"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_curve),
		cmocka_unit_test(test_hash_fit),
		cmocka_unit_test(test_slot),
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_aws_and_ours),
		cmocka_unit_test(test_unknown_fields_warn),
		cmocka_unit_test(test_bad_json),
	};

	/* the warnings are expected; keep the output readable */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
