/* Fuzzer: SubjectPublicKeyInfo, AlgorithmIdentifier and ECDSA signature decoding. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>

#include "pubkey.h"
#include "sigalg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	clv_pubkey_t *k = NULL;
	clv_buf_t b = { NULL, 0 };
	clv_sigalg_t alg;
	unsigned char kid[20];

	if (clv_pubkey_from_spki(data, size, &k, NULL) == 0) {
		(void)clv_pubkey_key_id(k, kid);
		if (clv_pubkey_to_spki(k, k->explicit_params, &b) == 0)
			clv_buf_free(&b);
		clv_pubkey_free(k);
	}
	(void)clv_sigalg_decode(data, size, &alg, NULL);
	if (clv_ecdsa_sig_to_raw(data, size, 66, &b) == 0)
		clv_buf_free(&b);
	return 0;
}
