/*
 * The per-chip record: lines append, fold per chip, survive a torn line.
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

#include "perso/record.h"
#include "util/log.h"

static void
test_fold(void **state)
{
	char path[] = "/tmp/op-record-XXXXXX";
	int fd = mkstemp(path);
	json_t *st;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(record_append(path, "aa", "keygen",
	    json_pack("{s:s,s:s}", "outcome", "ok", "key_slot", "0xE0F1")),
	    0);
	assert_int_equal(record_append(path, "bb", "keygen",
	    json_pack("{s:s}", "outcome", "failed")), 0);
	assert_int_equal(record_append(path, "aa", "sign",
	    json_pack("{s:s,s:s}", "outcome", "ok", "serial", "1f")), 0);

	/* a crash mid-write leaves a torn last line */
	f = fopen(path, "a");
	fputs("{\"uid\":\"aa\",\"step\":\"wri", f);
	fclose(f);

	op_log_set_level(OP_LOG_ERROR);
	assert_int_equal(record_load(path, "aa", &st), 0);
	assert_null(record_step_outcome(st, "write"));
	json_decref(st);

	/* the next line is not swallowed by the torn one */
	assert_int_equal(record_append(path, "aa", "prove",
	    json_pack("{s:s}", "outcome", "ok")), 0);
	assert_int_equal(record_load(path, "aa", &st), 0);
	assert_string_equal(record_step_outcome(st, "prove"), "ok");
	assert_string_equal(record_step_outcome(st, "keygen"), "ok");
	assert_string_equal(record_step_outcome(st, "sign"), "ok");
	assert_null(record_step_outcome(st, "write"));
	assert_string_equal(json_string_value(json_object_get(st,
	    "serial")), "1f");
	assert_string_equal(json_string_value(json_object_get(st,
	    "key_slot")), "0xE0F1");
	json_decref(st);

	assert_int_equal(record_load(path, "bb", &st), 0);
	assert_string_equal(record_step_outcome(st, "keygen"), "failed");
	json_decref(st);

	unlink(path);
	assert_int_equal(record_load(path, "aa", &st), 0);
	assert_int_equal(json_object_size(json_object_get(st, "steps")), 0);
	json_decref(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
