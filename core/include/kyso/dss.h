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
 * kyso_dss_append_vri also writes /VRI entries (ISO 32000-2 12.8.4.4,
 * ETSI EN 319 142-1 5.4.2.2): per signature, which of the items validate
 * it. It does not fetch anything (the CLI and the native host fetch OCSP
 * and CRLs) and does not judge whether the data belongs to the document's
 * signatures: verifying it is the verifier's job. No I/O and no clock.
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

/* One /VRI entry: key is the SHA-1 the entry is filed under
 * (kyso_ltv_signature.vri_key, written as 40 upper-case hex digits); the
 * index lists name items of the arrays given to kyso_dss_append_vri. An
 * entry already in the DSS under that key is kept and gains the new
 * items' references (an item already listed is not repeated). */
typedef struct kyso_dss_vri {
  uint8_t key[20];
  const size_t *certs, *crls, *ocsps;
  size_t ncerts, ncrls, nocsps;
  int64_t time; /* /TU, seconds since 1970 UTC, when the data was
                   gathered; 0: none written */
} kyso_dss_vri;

/* As kyso_dss_append, and the /VRI entries vri[0..nvri) (at most
 * KYSO_DSS_ITEMS_MAX). An index out of its array's range, or the same key
 * twice, is KYSO_ERR_ARGUMENT. With nothing new to add (items and
 * references all present) *update is NULL. */
kyso_status kyso_dss_append_vri(const uint8_t *pdf, size_t len,
                                const kyso_blob *certs, size_t ncerts,
                                const kyso_blob *crls, size_t ncrls,
                                const kyso_blob *ocsps, size_t nocsps,
                                const kyso_dss_vri *vri, size_t nvri,
                                uint8_t **update, size_t *update_len,
                                kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
