/* Fuzzer: the line format, templates, ceremony scripts, share sets and sealed shares. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "quorum.h"
#include "seal.h"
#include "script.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

__attribute__((destructor)) static void
remove_scratch(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	clv_conf_t *c = NULL;
	clv_script_t *s = NULL;
	clv_template_t t;
	FILE *fp;

	clv_share_set_t set;
	clv_sealed_info_t info;

	if (clv_conf_parse("fuzz", (const char *)data, size, &c, NULL) == 0)
		clv_conf_free(c);
	(void)clv_share_set_decode("fuzz", data, size, &set, NULL);
	(void)clv_sealed_info("fuzz", data, size, &info, NULL);
	/* templates and scripts are read from files */
	if (path[0] == '\0') {
		int fd;
		snprintf(path, sizeof(path), "/tmp/clv-text-fuzz-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			return 0;
		close(fd);
	}
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	(void)clv_template_load(path, &t, NULL);
	if (clv_script_load(path, &s, NULL) == 0)
		clv_script_free(s);
	return 0;
}
