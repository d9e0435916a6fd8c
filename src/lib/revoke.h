/*
 * The revocation list a CRL ceremony is given (conclave-script(5)):
 *
 *   [revoke 5A3F0C19D2]          the certificate's serial, hex (colons allowed)
 *   date = 2026-11-20            revocationDate: a day (00:00:00Z) or
 *                                2026-11-20T10:30:00Z
 *   reason = the DS host's key was lost      (for the record; never in the CRL)
 */
#ifndef CLV_REVOKE_H
#define CLV_REVOKE_H

#include "clv.h"
#include "store.h"

/* Reads and checks the file: every section is [revoke SERIAL] with a date
 * and a reason, no serial twice.  CLV_E_FORMAT with "FILE:LINE: ..." else.
 * *out (caller frees) may be empty: nothing to revoke. */
int clv_revocations_load(const char *path, clv_revocation_t **out, size_t *n,
    clv_diag_t *diag);

#endif
