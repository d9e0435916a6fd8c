/* Fuzzer: CMS SignedData, CSCA Master List and Deviation List content. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>

#include "cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	clv_cms_t *cms = NULL;
	clv_buf_t *certs = NULL;
	size_t n = 0;

	if (clv_cms_parse(data, size, "fuzz", &cms, NULL) == 0) {
		if (clv_cms_ml_parse(cms->econtent.data, cms->econtent.len, "fuzz", &certs, &n,
		    NULL) == 0)
			clv_cms_certs_free(certs, n);
		clv_cms_free(cms);
	}
	if (clv_cms_ml_parse(data, size, "fuzz", &certs, &n, NULL) == 0)
		clv_cms_certs_free(certs, n);
	return 0;
}
