/*
 * Bundle imports against a store: the producers pinned in it, the sequence
 * numbers it has seen (conclave-bundle(5)).  Used by the ceremony engine and
 * by conclave host alike.
 */
#ifndef CLV_BUNDLE_STORE_H
#define CLV_BUNDLE_STORE_H

#include "bundle.h"
#include "store.h"

/*
 * clv_bundle_verify with every producer key pinned in store, and a sequence
 * already accepted from that producer for recipient refused as a replay --
 * but for a bundle whose MANIFEST SHA-256 is in again[] (the bundles the
 * interrupted run of a resumed ceremony imported, from its transcript) and
 * that the store recorded as imported: the same bundle, taken up again.
 */
int clv_bundle_verify_stored(clv_store_t *store, const char *dir, const char *recipient,
    clv_bundle_purpose_t purpose, int production, const unsigned char (*again)[32],
    size_t n_again, clv_bundle_t **out, clv_diag_t *diag);

/* Records the import in the store (no transaction of its own: the caller
 * puts it in the one that imports the bundle's contents).  A bundle already
 * recorded (resuming) is not recorded twice. */
int clv_bundle_record_import(clv_store_t *store, const clv_bundle_t *b, int rehearsal);

/* Pins producer's key (SubjectPublicKeyInfo of key) in store. */
int clv_bundle_pin(clv_store_t *store, const char *producer, const clv_pubkey_t *key,
    time_t now, int rehearsal, clv_diag_t *diag);

#endif
