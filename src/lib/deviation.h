/*
 * The deviations a Deviation List ceremony is given (conclave-script(5)),
 * one section each, turned into a clv_dl_t for clv_cms_dl_content:
 *
 *   [deviation dg12-batch-17]
 *   type = DGHashWrong             name of Doc 9303-12 Table 19, or an OID
 *                                  under 2.23.136.1.1.7
 *   datagroup = 12                 parameter of the LDS types (1..16, sod, com)
 *   mrz_field = documentNumber     parameter of the MRZ types
 *   description = DG12 hash wrong in batch 17      (PrintableString, optional)
 *   document_type = PO             (optional: the MRZ document code, 2 letters)
 *   dsc = ds-1.der                 (optional: the Document Signer certificate,
 *                                   named by issuerAndSerialNumber)
 *   first_issued = 2026-01-05      (optional, with last_issued)
 *   last_issued = 2026-02-20
 *   document_numbers = C01X00T47, C01X00T48   (optional)
 */
#ifndef CLV_DEVIATION_H
#define CLV_DEVIATION_H

#include "clv.h"
#include "cms.h"

/* dir resolves relative dsc= paths.  CLV_E_FORMAT with "FILE:LINE: ..." for
 * anything wrong; at least one deviation.  *out: clv_cms_dl_free. */
int clv_deviations_load(const char *path, const char *dir, clv_dl_t **out, clv_diag_t *diag);

#endif
