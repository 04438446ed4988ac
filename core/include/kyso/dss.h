/*
 * kyso/dss.h - adding validation data to a signed PDF: the document
 * security store (ISO 32000-2 12.8.4.3; PAdES B-LT, ETSI EN 319 142-1 5.4).
 *
 * kyso_dss_append builds an incremental update that puts certificates, CRLs
 * and OCSP responses into /DSS of the catalog, each as a Flate-compressed
 * stream. What the DSS already holds is kept; an item byte-identical to one
 * already there (or given twice) is written once. The original bytes are
 * never touched, so the signatures stay valid; the verifier then finds the
 * data without going online.
 *
 * It does not fetch anything (the native host fetches OCSP and CRLs), does
 * not write /VRI entries (optional, ETSI EN 319 142-1 5.4.2.2) and does not
 * judge whether the data belongs to the document's signatures: verifying it
 * is the verifier's job. No I/O and no clock here.
 */
#ifndef KYSO_DSS_H
#define KYSO_DSS_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/sign.h"
#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Items of one kind (certificates, CRLs, OCSP responses) a DSS may hold,
 * when written and when read; and the size of one item. */
enum { KYSO_DSS_ITEMS_MAX = 1000 };
#define KYSO_DSS_ITEM_SIZE_MAX ((size_t)32 * 1024 * 1024)

/*
 * certs: X.509 certificates, DER. crls: X.509 CRLs, DER. ocsps: OCSPResponse
 * (RFC 6960 4.2.1), DER, with status successful. Any of them may be empty
 * (NULL, 0). An item that does not decode as its kind is KYSO_ERR_ARGUMENT.
 *
 * On KYSO_OK *update holds the bytes to append to pdf (free with free()).
 * When every item is already in the DSS there is nothing to add: *update is
 * NULL and *update_len 0.
 */
kyso_status kyso_dss_append(const uint8_t *pdf, size_t len,
                            const kyso_blob *certs, size_t ncerts,
                            const kyso_blob *crls, size_t ncrls,
                            const kyso_blob *ocsps, size_t nocsps,
                            uint8_t **update, size_t *update_len,
                            kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
