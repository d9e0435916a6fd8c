/* Shared CUnit driver for the unit test programs. */
#ifndef CLV_UNIT_H
#define CLV_UNIT_H

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

typedef struct clv_unit_test {
	const char *name;
	void (*fn)(void);
} clv_unit_test_t;

/* Runs every test of the NULL-terminated array as one suite; returns the
 * process exit status: non-zero when any assertion failed or CUnit broke. */
static inline int
clv_unit_run(const char *suite_name, const clv_unit_test_t *tests)
{
	CU_pSuite suite;
	unsigned failures;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if ((suite = CU_add_suite(suite_name, NULL, NULL)) == NULL)
		goto fail;
	for (i = 0; tests[i].name != NULL; i++)
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures == 0 ? 0 : 1;
fail:
	fprintf(stderr, "CUnit error: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}

/* Path of a file under the interop directory; exits 77 (skip) only when the
 * build was configured without one. */
static inline const char *
clv_unit_interop_dir(void)
{
	const char *d = getenv("CLV_INTEROP_DIR");

	struct stat st;

	if (d == NULL || *d == '\0') {
		fprintf(stderr, "CLV_INTEROP_DIR is not set (configure --with-interop-dir)\n");
		exit(77);
	}
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "interop data not found at %s: place the shared/ tree beside the "
		    "source tree or configure --with-interop-dir=DIR\n", d);
		exit(1);
	}
	return d;
}

#endif
