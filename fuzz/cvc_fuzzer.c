/* Fuzzer: CV certificates, requests and public keys (TR-03110-3), and what
 * runs on what parses: printing, profile check, lints, self-verification,
 * re-encoding. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "cvc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	clv_cvc_t *c = NULL;
	clv_cvc_key_t key;
	clv_cvc_spec_t spec;
	clv_lint_result_t res;
	clv_pubkey_t *pk = NULL;
	clv_buf_t out = { NULL, 0 };
	clv_diag_t diag;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		return 0;
	if (clv_cvc_key_parse(data, size, "fuzz", &key, &diag) == 0 &&
	    clv_cvc_key_resolve(&key, NULL, &pk, &diag) == 0)
		clv_pubkey_free(pk);
	if (clv_cvc_parse(data, size, "fuzz", &c, &diag) != 0)
		return 0;
	(void)clv_cvc_print(devnull, c);
	(void)clv_cvc_check_profile(c, &diag);
	(void)clv_cvc_verify(c, &c->key, &c->key, &diag);
	if (c->kind == CLV_CVC_AUTH_REQUEST)
		(void)clv_cvc_verify_outer(c, &c->key, NULL, &diag);
	if (c->kind == CLV_CVC_CERT)
		(void)clv_cvc_lint_issued(c, c, &res);
	if (clv_cvc_encode_key(&c->key, c->key.has_domain, &out) == 0)
		clv_buf_free(&out);
	clv_cvc_spec_from(c, &spec);
	if (clv_cvc_encode_body(&spec, &out, &diag) == 0)
		clv_buf_free(&out);
	clv_cvc_free(c);
	return 0;
}
