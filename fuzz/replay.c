/*
 * Replays a fuzzer's corpus (and, for the DER fuzzers, the real national
 * test data) through its LLVMFuzzerTestOneInput, so `make check` runs every
 * parser over every known input, as GnuTLS does.  Built with clang's
 * -fsanitize=fuzzer instead of this file, the same fuzzer explores.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long files;

static int
replay_path(const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[PATH_MAX];
	clv_buf_t b = { NULL, 0 };
	int r = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: cannot stat\n", path);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth > 8 || (d = opendir(path)) == NULL)
			return 1;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			r |= replay_path(sub, depth + 1);
		}
		closedir(d);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (16 << 20))
		return 0;
	if (clv_file_read(path, 16 << 20, &b, NULL) != 0) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(b.data, b.len);
	/* and every prefix-truncated form of small inputs: the classic crash */
	if (b.len < 4096) {
		size_t cut;
		for (cut = 0; cut < b.len; cut += 1 + b.len / 64)
			LLVMFuzzerTestOneInput(b.data, cut);
	}
	clv_buf_free(&b);
	files++;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *interop = getenv("CLV_INTEROP_DIR");
	char path[PATH_MAX];
	int r = 0, i;

	r |= replay_path(FUZZ_CORPUS, 0);
#ifdef FUZZ_INTEROP
	if (interop != NULL && *interop != '\0') {
		snprintf(path, sizeof(path), "%s/%s", interop, FUZZ_INTEROP);
		r |= replay_path(path, 0);
	}
#else
	(void)interop;
	(void)path;
#endif
	for (i = 1; i < argc; i++)
		r |= replay_path(argv[i], 0);
	printf("replayed %lu inputs without a crash\n", files);
	if (files == 0) {
		fprintf(stderr, "replay: no corpus found at %s\n", FUZZ_CORPUS);
		return 1;
	}
	return r;
}
