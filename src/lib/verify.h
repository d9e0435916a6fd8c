/* Signature verification through libgcrypt (brainpool and explicit parameters included). */
#ifndef CLV_VERIFY_H
#define CLV_VERIFY_H

#include "clv.h"
#include "pubkey.h"
#include "sigalg.h"

/*
 * Verifies sig over data with key.  sig is in X.509 form: Ecdsa-Sig-Value DER
 * for ECDSA, the raw signature for RSA.  RSA PKCS#1 v1.5 accepts a DigestInfo
 * without the NULL parameter (the ICAO Master List quirk).  Explicit EC
 * parameters that match no known curve are used as given.
 * Returns 0, CLV_E_SIG_INVALID, or another error.
 */
int clv_verify(const clv_pubkey_t *key, const clv_sigalg_t *alg,
    const unsigned char *data, size_t len, const unsigned char *sig, size_t siglen);

#endif
