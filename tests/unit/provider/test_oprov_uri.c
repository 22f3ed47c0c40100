/*
 * Provider pieces that need no chip: key URIs, certificate slot pairs,
 * the public key cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "provider/prov_int.h"
#include "util/err.h"

static void
test_uri_plain(void **state)
{
	struct oprov_uri u;

	assert_int_equal(oprov_uri_parse("optiga:0xE0F1", &u), 0);
	assert_int_equal(u.oid, 0xE0F1);
	assert_null(u.device);
	assert_null(u.pub);
	assert_int_equal(u.cert, 0);
	oprov_uri_clear(&u);

	assert_int_equal(oprov_uri_parse("OPTIGA:e0fc", &u), 0);
	assert_int_equal(u.oid, 0xE0FC);
	oprov_uri_clear(&u);
}

static void
test_uri_attrs(void **state)
{
	struct oprov_uri u;

	assert_int_equal(oprov_uri_parse("optiga:0xE0F2?device=sim:/tmp/x."
	    "sock&pub=/a%26b/p.pem&cert=0xE0E3", &u), 0);
	assert_int_equal(u.oid, 0xE0F2);
	assert_string_equal(u.device, "sim:/tmp/x.sock");
	assert_string_equal(u.pub, "/a&b/p.pem");
	assert_int_equal(u.cert, 0xE0E3);
	oprov_uri_clear(&u);
}

static void
test_uri_bad(void **state)
{
	static const char *const bad[] = {
		"file:/x", "optiga:", "optiga:0xZZ", "optiga:0x1E0F1",
		"optiga:0xE0F1?foo=1", "optiga:0xE0F1?device",
		"optiga:0xE0F1?pub=%4", "optiga:0xE0F1?cert=xyz",
	};
	struct oprov_uri u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = oprov_uri_parse(bad[i], &u);

		if (rc == 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(OP_RC_LAYER(rc), OP_LAYER_USAGE);
		assert_true(op_errmsg()[0] != '\0');
	}
}

static void
test_cert_slots(void **state)
{
	struct oprov_ctx prov;

	memset(&prov, 0, sizeof(prov));
	assert_int_equal(oprov_cert_slot(&prov, 0xE0F0), 0xE0E0);
	assert_int_equal(oprov_cert_slot(&prov, 0xE0F1), 0xE0E1);
	assert_int_equal(oprov_cert_slot(&prov, 0xE0F3), 0xE0E3);
	assert_int_equal(oprov_cert_slot(&prov, 0xE0FC), 0);
	prov.rsa_cert[1] = 0xE0E2;
	assert_int_equal(oprov_cert_slot(&prov, 0xE0FD), 0xE0E2);
	assert_int_equal(oprov_cert_slot(&prov, 0xF1D0), 0);
}

static void
test_pubcache(void **state)
{
	char dir[] = "/tmp/oprov-cache.XXXXXX";
	struct oprov_ctx prov;
	struct chip_uid uid, other;
	EVP_PKEY *key, *back = NULL;
	char *path = NULL, *sub = NULL;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&sub, "%s/a/b", dir) > 0);
	memset(&prov, 0, sizeof(prov));
	prov.cache_dir = sub;
	memset(&uid, 0, sizeof(uid));
	memset(uid.raw, 0xCD, sizeof(uid.raw));
	other = uid;
	other.raw[26] = 0x01;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);

	/* absent, written (directories made), read back equal */
	assert_int_equal(OP_RC_CODE(oprov_pubcache_read(&prov, &uid, 0xE0F1,
	    &back)), OP_E_NOTFOUND);
	assert_int_equal(oprov_pubcache_write(&prov, &uid, 0xE0F1, key), 0);
	assert_int_equal(oprov_pubcache_read(&prov, &uid, 0xE0F1, &back), 0);
	assert_int_equal(EVP_PKEY_eq(key, back), 1);
	EVP_PKEY_free(back);
	back = NULL;

	/* another chip or slot does not see it */
	assert_int_not_equal(oprov_pubcache_read(&prov, &other, 0xE0F1,
	    &back), 0);
	assert_int_not_equal(oprov_pubcache_read(&prov, &uid, 0xE0F2,
	    &back), 0);

	/* the name carries UID and slot */
	assert_int_equal(oprov_pubcache_path(&prov, &uid, 0xE0F1, &path), 0);
	assert_non_null(strstr(path, "cdcdcd"));
	assert_non_null(strstr(path, "-E0F1.pem"));
	assert_int_equal(unlink(path), 0);

	free(path);
	EVP_PKEY_free(key);
	assert_true(asprintf(&path, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(path), 0);
	free(path);
	free(sub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_plain),
		cmocka_unit_test(test_uri_attrs),
		cmocka_unit_test(test_uri_bad),
		cmocka_unit_test(test_cert_slots),
		cmocka_unit_test(test_pubcache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
