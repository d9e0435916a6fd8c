/* Unit tests: fingerprint (being written). */
#include "config.h"
#include "unit.h"

static void
test_placeholder(void)
{
	CU_FAIL("tests for fingerprint not written yet");
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "placeholder", test_placeholder },
		{ NULL, NULL },
	};
	return clv_unit_run("fingerprint", tests);
}
