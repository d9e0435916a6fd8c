/*
 * Bundle imports against a store (bundle_store.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_store.h"
#include "util.h"

typedef struct seen_ctx {
	clv_store_t *store;
} seen_ctx_t;

static int
last_seen(void *ctx, const char *producer, const char *recipient, uint64_t *last)
{
	seen_ctx_t *c = ctx;

	return clv_store_bundle_last(c->store, "import", producer, recipient, last);
}

int
clv_bundle_verify_stored(clv_store_t *store, const char *dir, const char *recipient,
    clv_bundle_purpose_t purpose, int production, const unsigned char (*again)[32],
    size_t n_again, clv_bundle_t **out, clv_diag_t *diag)
{
	clv_store_pin_t *pins = NULL;
	clv_bundle_pin_t *bp = NULL;
	clv_pubkey_t **keys = NULL;
	clv_bundle_expect_t ex;
	seen_ctx_t sc;
	size_t n = 0, i;
	int r, seen = 0;

	*out = NULL;
	if ((r = clv_store_pins(store, &pins, &n)) != 0)
		return clv_diag_set(diag, r, "store: cannot read the pinned producer keys");
	if (n == 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: no producer key is pinned in %s: pin the "
		    "producers this system accepts bundles from first (conclave pin)", dir,
		    clv_store_path(store));
		goto out;
	}
	if ((bp = calloc(n, sizeof(*bp))) == NULL || (keys = calloc(n, sizeof(*keys))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = clv_pubkey_from_spki(pins[i].spki.data, pins[i].spki.len, &keys[i],
		    diag)) != 0)
			goto out;
		bp[i].producer = pins[i].producer;
		bp[i].key = keys[i];
	}
	memset(&ex, 0, sizeof(ex));
	ex.recipient = recipient;
	ex.purpose = purpose;
	ex.production = production;
	ex.pins = bp;
	ex.n_pins = n;
	sc.store = store;
	ex.last_seen_fn = last_seen;
	ex.last_seen_ctx = &sc;
	r = clv_bundle_verify(dir, &ex, out, diag);
	if (r == CLV_E_POLICY && n_again > 0) {
		/* the replay check only: this ceremony's own bundle, imported
		 * before its interruption */
		ex.last_seen_fn = NULL;
		ex.last_seen = 0;
		if (clv_bundle_verify(dir, &ex, out, diag) == 0) {
			for (i = 0; i < n_again; i++)
				if (memcmp(again[i], (*out)->manifest_sha256, 32) == 0)
					break;
			if (i < n_again && clv_store_bundle_seen(store, "import",
			    (*out)->manifest_sha256, &seen) == 0 && seen)
				r = 0;
		}
		if (r != 0) {
			clv_bundle_free(*out);
			*out = NULL;
		}
	}
out:
	for (i = 0; keys != NULL && i < n; i++)
		clv_pubkey_free(keys[i]);
	free(keys);
	free(bp);
	clv_store_pins_free(pins, n);
	return r;
}

int
clv_bundle_record_import(clv_store_t *store, const clv_bundle_t *b, int rehearsal)
{
	int seen = 0, r;

	if ((r = clv_store_bundle_seen(store, "import", b->manifest_sha256, &seen)) != 0)
		return r;
	if (seen)
		return 0;
	return clv_store_bundle_add(store, "import", b->header.producer, b->header.recipient,
	    clv_bundle_purpose_name(b->header.purpose), b->header.sequence, b->manifest_sha256,
	    b->header.created, rehearsal);
}

int
clv_bundle_pin(clv_store_t *store, const char *producer, const clv_pubkey_t *key, time_t now,
    int rehearsal, clv_diag_t *diag)
{
	clv_buf_t spki = { NULL, 0 };
	int r;

	if ((r = clv_pubkey_to_spki(key, 0, &spki)) != 0)
		return clv_diag_set(diag, r, "cannot encode the key of '%s'", producer);
	r = clv_store_pin_add(store, producer, &spki, now, rehearsal);
	clv_buf_free(&spki);
	if (r == CLV_E_DB_CONSTRAINT)
		return clv_diag_set(diag, r, "producer '%s' is already pinned in %s; a pin is never "
		    "replaced (a new key is a new producer name)", producer, clv_store_path(store));
	if (r != 0)
		return clv_diag_set(diag, r, "store: cannot pin '%s'", producer);
	return 0;
}
