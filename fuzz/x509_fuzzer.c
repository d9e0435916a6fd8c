/* Fuzzer: certificate and CRL parsing, and verification of what parses. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>

#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	clv_cert_t *cert = NULL;
	clv_crl_t *crl = NULL;
	clv_diag_t diag;

	if (clv_cert_parse(data, size, &cert, &diag) == 0) {
		if (cert->pubkey != NULL)
			(void)clv_cert_verify(cert, cert->pubkey);
		(void)clv_cert_is_link(cert);
		(void)clv_cert_is_self_signed(cert);
		clv_cert_free(cert);
	}
	if (clv_crl_parse(data, size, &crl, &diag) == 0)
		clv_crl_free(crl);
	return 0;
}
