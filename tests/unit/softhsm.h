/*
 * A SoftHSM token store of a test program's own: store_new() makes an empty
 * one in /tmp and points SOFTHSM2_CONF at it (SoftHSM reads it at
 * C_Initialize), store_remove() deletes it.  Define CLV_UNIT_STORE_NAME
 * before including, to name the directory after the test.
 */
#ifndef CLV_UNIT_SOFTHSM_H
#define CLV_UNIT_SOFTHSM_H

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#ifndef CLV_UNIT_STORE_NAME
#define CLV_UNIT_STORE_NAME "unit"
#endif

static char store_dir[64];

static inline const char *
module_path(void)
{
	const char *m = getenv("CLV_TEST_PKCS11_MODULE");

	return m != NULL && *m != '\0' ? m : CLV_DEFAULT_PKCS11_MODULE;
}

static inline void
store_new(void)
{
	char path[128];
	FILE *f;

	snprintf(store_dir, sizeof(store_dir), "/tmp/clv-test-" CLV_UNIT_STORE_NAME "-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(store_dir) != NULL);
	snprintf(path, sizeof(path), "%s/tokens", store_dir);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", store_dir);
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
	    "log.level = ERROR\n", store_dir);
	CU_ASSERT_FATAL(fclose(f) == 0);
	CU_ASSERT_FATAL(setenv("SOFTHSM2_CONF", path, 1) == 0);
}

static inline int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
store_remove(void)
{
	if (store_dir[0] != '\0')
		nftw(store_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	store_dir[0] = '\0';
}

#endif
