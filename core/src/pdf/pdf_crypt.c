/* pdf_crypt.c - the standard security handler; see pdf_crypt.h. */
#include "pdf/pdf_crypt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_file.h"

struct kyso_crypt {
  int v, r;
  size_t key_len;
  uint8_t key[KYSO_LIMIT_CRYPT_KEY];
  int64_t p;
  int encrypt_metadata;
  kyso_crypt_method stm, str;
  uint32_t encrypt_num; /* the /Encrypt dictionary's object, 0 if direct */
  /* The password that opened the document, for opening its earlier
   * revisions (kyso_pdf_open_revision); wiped by kyso_crypt_free. */
  char password[KYSO_LIMIT_CRYPT_PASSWORD + 1];
  /* RC4 lives in OpenSSL 3's legacy provider: a library context of our
   * own loads it without changing the process's default providers. */
  OSSL_LIB_CTX *libctx;
  OSSL_PROVIDER *legacy, *deflt;
  EVP_CIPHER *rc4;
};

/* ISO 32000-1 7.6.3.3 algorithm 2, step a. */
static const uint8_t pad_bytes[32] = {
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E,
    0x56, 0xFF, 0xFA, 0x01, 0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68,
    0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A};

typedef struct crypt_input {
  const uint8_t *o, *u, *oe, *ue, *id;
  size_t o_len, u_len, oe_len, ue_len, id_len;
} crypt_input;

/* ------------------------------------------------------------------ */
/* Primitives through EVP. Each returns 0 on success, -1 on failure.  */

static int digest(const EVP_MD *md, const uint8_t *const *parts,
                  const size_t *lens, size_t count, uint8_t *out) {
  int ok = 0;
  size_t i;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1) {
    ok = 1;
    for (i = 0; i < count && ok; i++)
      ok = lens[i] == 0 || EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
  }
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : -1;
}

static int md5(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
               uint8_t out[16]) {
  const uint8_t *parts[2] = {a, b};
  size_t lens[2] = {alen, blen};
  return digest(EVP_md5(), parts, lens, 2, out);
}

/* RC4 (the cipher is symmetric): out may equal in. */
static int rc4(const kyso_crypt *c, const uint8_t *key, size_t key_len,
               const uint8_t *in, size_t len, uint8_t *out) {
  int ok = 0, outl = 0;
  EVP_CIPHER_CTX *ctx;
  if (!c->rc4 || len > INT32_MAX)
    return -1;
  ctx = EVP_CIPHER_CTX_new();
  if (ctx && EVP_CipherInit_ex2(ctx, c->rc4, NULL, NULL, 1, NULL) == 1 &&
      EVP_CIPHER_CTX_set_key_length(ctx, (int)key_len) == 1 &&
      EVP_CipherInit_ex2(ctx, NULL, key, NULL, 1, NULL) == 1 &&
      (len == 0 || EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1))
    ok = 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok ? 0 : -1;
}

/* AES-CBC with 16- or 32-byte keys. pad: PKCS#5 padding (7.6.3.1 for
 * strings and streams); without it len must be a multiple of 16. out has
 * room for len + 16. */
static int aes_cbc(int enc, const uint8_t *key, size_t key_len,
                   const uint8_t *iv, int pad, const uint8_t *in, size_t len,
                   uint8_t *out, size_t *out_len) {
  int ok = 0, l1 = 0, l2 = 0;
  const EVP_CIPHER *cipher =
      key_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
  EVP_CIPHER_CTX *ctx;
  static const uint8_t zero_iv[16];
  if (len > INT32_MAX - 32)
    return -1;
  ctx = EVP_CIPHER_CTX_new();
  if (ctx &&
      EVP_CipherInit_ex(ctx, cipher, NULL, key, iv ? iv : zero_iv, enc) == 1 &&
      EVP_CIPHER_CTX_set_padding(ctx, pad) == 1 &&
      (len == 0 || EVP_CipherUpdate(ctx, out, &l1, in, (int)len) == 1) &&
      EVP_CipherFinal_ex(ctx, out + l1, &l2) == 1)
    ok = 1;
  EVP_CIPHER_CTX_free(ctx);
  if (ok)
    *out_len = (size_t)l1 + (size_t)l2;
  return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* File key, revisions 2-4 (ISO 32000-1 7.6.3.3 algorithms 2, 4-7).   */

static void pad_password(const char *pw, uint8_t out[32]) {
  size_t n = pw ? strlen(pw) : 0;
  if (n > 32)
    n = 32;
  if (n)
    memcpy(out, pw, n);
  memcpy(out + n, pad_bytes, 32 - n);
}

/* Algorithm 2: the file key from a (padded) user password. */
static int key_r4(kyso_crypt *c, const crypt_input *in,
                  const uint8_t padded[32]) {
  uint8_t p4[4], h[16];
  static const uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
  const uint8_t *parts[5];
  size_t lens[5], count = 4;
  int i;
  uint32_t p = (uint32_t)c->p;
  p4[0] = (uint8_t)p;
  p4[1] = (uint8_t)(p >> 8);
  p4[2] = (uint8_t)(p >> 16);
  p4[3] = (uint8_t)(p >> 24);
  parts[0] = padded, lens[0] = 32;
  parts[1] = in->o, lens[1] = 32;
  parts[2] = p4, lens[2] = 4;
  parts[3] = in->id, lens[3] = in->id_len;
  if (c->r >= 4 && !c->encrypt_metadata) {
    parts[4] = ff, lens[4] = 4;
    count = 5;
  }
  if (digest(EVP_md5(), parts, lens, count, h) != 0)
    return -1;
  for (i = 0; c->r >= 3 && i < 50; i++)
    if (md5(h, c->key_len, NULL, 0, h) != 0)
      return -1;
  memcpy(c->key, h, c->key_len);
  return 0;
}

/* Algorithms 4 and 5: 1 if the key computed from this password gives /U. */
static int user_matches_r4(const kyso_crypt *c, const crypt_input *in) {
  uint8_t buf[32], k[16];
  size_t i, j;
  if (c->r == 2) {
    if (rc4(c, c->key, c->key_len, pad_bytes, 32, buf) != 0)
      return -1;
    return CRYPTO_memcmp(buf, in->u, 32) == 0;
  }
  if (md5(pad_bytes, 32, in->id, in->id_len, buf) != 0 ||
      rc4(c, c->key, c->key_len, buf, 16, buf) != 0)
    return -1;
  for (i = 1; i <= 19; i++) {
    for (j = 0; j < c->key_len; j++)
      k[j] = (uint8_t)(c->key[j] ^ i);
    if (rc4(c, k, c->key_len, buf, 16, buf) != 0)
      return -1;
  }
  return CRYPTO_memcmp(buf, in->u, 16) == 0;
}

/* Algorithm 7: the user password hidden in /O by the owner password. */
static int user_from_owner_r4(const kyso_crypt *c, const crypt_input *in,
                              const char *owner, uint8_t user[32]) {
  uint8_t padded[32], h[16], k[16];
  int i;
  size_t j;
  pad_password(owner, padded);
  if (md5(padded, 32, NULL, 0, h) != 0)
    return -1;
  for (i = 0; c->r >= 3 && i < 50; i++)
    if (md5(h, 16, NULL, 0, h) != 0)
      return -1;
  memcpy(user, in->o, 32);
  if (c->r == 2)
    return rc4(c, h, c->key_len, user, 32, user);
  for (i = 19; i >= 0; i--) {
    for (j = 0; j < c->key_len; j++)
      k[j] = (uint8_t)(h[j] ^ (uint8_t)i);
    if (rc4(c, k, c->key_len, user, 32, user) != 0)
      return -1;
  }
  return 0;
}

/* 1 authenticated (key set), 0 wrong password, -1 crypto failure. */
static int authenticate_r4(kyso_crypt *c, const crypt_input *in,
                           const char *password) {
  uint8_t padded[32];
  int m;
  pad_password(password, padded);
  if (key_r4(c, in, padded) != 0)
    return -1;
  m = user_matches_r4(c, in);
  if (m != 0)
    return m;
  /* Not the user password: perhaps the owner password. */
  if (user_from_owner_r4(c, in, password, padded) != 0 ||
      key_r4(c, in, padded) != 0)
    return -1;
  return user_matches_r4(c, in);
}

/* ------------------------------------------------------------------ */
/* File key, revisions 5 and 6 (ISO 32000-2 7.6.4.3.3-4).             */

/* Algorithm 2.B (R6) or a plain SHA-256 (R5) of password, salt, udata
 * (udata: 48 bytes of /U for the owner password, nothing for the user). */
static int hash_r6(int r, const uint8_t *pw, size_t pw_len, const uint8_t *salt,
                   const uint8_t *udata, size_t udata_len, uint8_t out[32]) {
  const uint8_t *parts[3] = {pw, salt, udata};
  size_t lens[3] = {pw_len, 8, udata_len};
  uint8_t k[64], *k1 = NULL, *e = NULL;
  size_t k_len = 32, block, e_len = 0, i;
  int round, ret = -1;

  if (digest(EVP_sha256(), parts, lens, 3, k) != 0)
    goto done;
  if (r == 5) {
    memcpy(out, k, 32);
    ret = 0;
    goto done;
  }
  block = pw_len + 64 + udata_len;
  k1 = malloc(block * 64);
  e = malloc(block * 64 + 16);
  if (!k1 || !e)
    goto done;
  for (round = 0; round < KYSO_LIMIT_CRYPT_R6_ROUNDS; round++) {
    unsigned sum = 0;
    const EVP_MD *md;
    size_t one = pw_len + k_len + udata_len;
    for (i = 0; i < 64; i++) {
      uint8_t *at = k1 + i * one;
      if (pw_len)
        memcpy(at, pw, pw_len);
      memcpy(at + pw_len, k, k_len);
      if (udata_len)
        memcpy(at + pw_len + k_len, udata, udata_len);
    }
    if (aes_cbc(1, k, 16, k + 16, 0, k1, one * 64, e, &e_len) != 0)
      goto done;
    for (i = 0; i < 16; i++)
      sum += e[i];
    md = sum % 3 == 0   ? EVP_sha256()
         : sum % 3 == 1 ? EVP_sha384()
                        : EVP_sha512();
    k_len = sum % 3 == 0 ? 32 : sum % 3 == 1 ? 48 : 64;
    {
      const uint8_t *ep[1] = {e};
      size_t el[1] = {e_len};
      if (digest(md, ep, el, 1, k) != 0)
        goto done;
    }
    if (round >= 63 && e[e_len - 1] <= (unsigned)(round + 1 - 32))
      break;
  }
  if (round == KYSO_LIMIT_CRYPT_R6_ROUNDS)
    goto done;
  memcpy(out, k, 32);
  ret = 0;
done:
  free(k1);
  free(e);
  OPENSSL_cleanse(k, sizeof(k));
  return ret;
}

/* 1 authenticated (key set), 0 wrong password, -1 crypto failure. */
static int authenticate_r6(kyso_crypt *c, const crypt_input *in,
                           const char *password) {
  uint8_t h[32], key[48];
  size_t pw_len = password ? strlen(password) : 0, n = 0;
  const uint8_t *pw = (const uint8_t *)password;
  int ret = -1;

  /* UTF-8, at most 127 bytes (SASLprep is not applied: an ASCII or
   * already-normalised password works). */
  if (pw_len > KYSO_LIMIT_CRYPT_PASSWORD)
    pw_len = KYSO_LIMIT_CRYPT_PASSWORD;
  /* User password: /U = hash(pw, validation salt) || vsalt || ksalt. */
  if (hash_r6(c->r, pw, pw_len, in->u + 32, NULL, 0, h) != 0)
    goto done;
  if (CRYPTO_memcmp(h, in->u, 32) == 0) {
    if (hash_r6(c->r, pw, pw_len, in->u + 40, NULL, 0, h) != 0 ||
        aes_cbc(0, h, 32, NULL, 0, in->ue, 32, key, &n) != 0 || n != 32)
      goto done;
    ret = 1;
  } else {
    /* Owner password: hashed with the 48 bytes of /U. */
    if (hash_r6(c->r, pw, pw_len, in->o + 32, in->u, 48, h) != 0)
      goto done;
    if (CRYPTO_memcmp(h, in->o, 32) != 0) {
      ret = 0;
      goto done;
    }
    if (hash_r6(c->r, pw, pw_len, in->o + 40, in->u, 48, h) != 0 ||
        aes_cbc(0, h, 32, NULL, 0, in->oe, 32, key, &n) != 0 || n != 32)
      goto done;
    ret = 1;
  }
  memcpy(c->key, key, 32);
done:
  OPENSSL_cleanse(h, sizeof(h));
  OPENSSL_cleanse(key, sizeof(key));
  return ret;
}

/* ------------------------------------------------------------------ */
/* Reading the /Encrypt dictionary.                                   */

static kyso_status get_string(kyso_pdf *pdf, const kyso_obj *dict,
                              const char *key, size_t min, const uint8_t **out,
                              size_t *len, kyso_error *err) {
  kyso_obj *v = NULL;
  kyso_status ret = kyso_pdf_dict_get(pdf, dict, key, &v, err);
  if (ret != KYSO_OK)
    return ret;
  if (!kyso_obj_is(v, KYSO_OBJ_STRING) || v->u.string.len < min)
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: /%s missing or shorter than %zu bytes",
                          key, min);
  *out = v->u.string.data;
  *len = v->u.string.len;
  return KYSO_OK;
}

/* The method of crypt filter `name` (7.6.5): /Identity, or /CF[name]. */
static kyso_status filter_method(kyso_pdf *pdf, const kyso_obj *cf,
                                 const kyso_obj *name, kyso_crypt_method *out,
                                 kyso_error *err) {
  kyso_status ret;
  kyso_obj *f = NULL, *cfm = NULL;
  if (!name || kyso_obj_is_name(name, "Identity")) {
    *out = KYSO_CRYPT_NONE;
    return KYSO_OK;
  }
  if (!kyso_obj_is(name, KYSO_OBJ_NAME))
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: /StmF or /StrF is not a name");
  ret = kyso_pdf_dict_get(pdf, cf, name->u.name, &f, err);
  if (ret == KYSO_OK && kyso_obj_is(f, KYSO_OBJ_DICT))
    ret = kyso_pdf_dict_get(pdf, f, "CFM", &cfm, err);
  if (ret != KYSO_OK)
    return ret;
  if (!kyso_obj_is(f, KYSO_OBJ_DICT))
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: crypt filter /%s is not in /CF",
                          name->u.name);
  if (!cfm || kyso_obj_is_name(cfm, "None"))
    *out = KYSO_CRYPT_NONE;
  else if (kyso_obj_is_name(cfm, "V2"))
    *out = KYSO_CRYPT_RC4;
  else if (kyso_obj_is_name(cfm, "AESV2"))
    *out = KYSO_CRYPT_AESV2;
  else if (kyso_obj_is_name(cfm, "AESV3"))
    *out = KYSO_CRYPT_AESV3;
  else
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: crypt filter method /%s is not "
                          "supported",
                          kyso_obj_is(cfm, KYSO_OBJ_NAME) ? cfm->u.name : "?");
  return KYSO_OK;
}

/* /V, /R, /Length, /CF: which methods and how long a key (7.6.3.2). */
static kyso_status read_methods(kyso_pdf *pdf, kyso_crypt *c,
                                const kyso_obj *enc, kyso_error *err) {
  kyso_status ret;
  kyso_obj *length = NULL, *cf = NULL;
  int64_t bits = 40;

  ret = kyso_pdf_dict_get(pdf, enc, "Length", &length, err);
  if (ret != KYSO_OK)
    return ret;
  if (kyso_obj_is(length, KYSO_OBJ_INT))
    bits = length->u.integer;
  if (c->v == 1 || c->v == 2 || c->v == 3) {
    if (c->v == 1)
      bits = 40;
    if (bits < 40 || bits > 128 || bits % 8 != 0)
      return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                            "/Encrypt: key /Length %lld is not 40 to 128 "
                            "bits in steps of 8",
                            (long long)bits);
    c->key_len = (size_t)bits / 8;
    c->stm = c->str = KYSO_CRYPT_RC4;
    /* V 1 with R 3 (a 40-bit key through the R3 algorithms) is in files
     * users posted; qpdf and pdf.js read it. */
    if (c->r < 2 || c->r > 3)
      return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                            "/Encrypt: /V %d with /R %d is not supported", c->v,
                            c->r);
    return KYSO_OK;
  }
  if (c->v != 4 && c->v != 5)
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: /V %d is not supported", c->v);
  if ((c->v == 4 && c->r != 4) || (c->v == 5 && c->r != 5 && c->r != 6))
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: /V %d with /R %d is not supported", c->v,
                          c->r);
  c->key_len = 32;
  ret = kyso_pdf_dict_get(pdf, enc, "CF", &cf, err);
  if (ret == KYSO_OK && c->v == 4) {
    /* 7.6.3.2: /Length, else (as pdf.js reads files without it) the
     * default crypt filter's /Length, in bytes when below 40, else 128. */
    kyso_obj *f = NULL, *fl = NULL;
    kyso_obj *stmf = kyso_dict_get(enc, "StmF");
    if (!kyso_obj_is(length, KYSO_OBJ_INT) && kyso_obj_is(stmf, KYSO_OBJ_NAME))
      ret = kyso_pdf_dict_get(pdf, cf, stmf->u.name, &f, err);
    if (ret == KYSO_OK && kyso_obj_is(f, KYSO_OBJ_DICT))
      ret = kyso_pdf_dict_get(pdf, f, "Length", &fl, err);
    if (!kyso_obj_is(length, KYSO_OBJ_INT))
      bits = kyso_obj_is(fl, KYSO_OBJ_INT) && fl->u.integer > 0 &&
                     fl->u.integer < 1024
                 ? (fl->u.integer < 40 ? fl->u.integer * 8 : fl->u.integer)
                 : 128;
    if (bits < 40 || bits > 128 || bits % 8 != 0)
      return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                            "/Encrypt: key /Length %lld is not 40 to 128 "
                            "bits in steps of 8",
                            (long long)bits);
    c->key_len = (size_t)bits / 8;
  }
  if (ret == KYSO_OK)
    ret = filter_method(pdf, cf, kyso_dict_get(enc, "StmF"), &c->stm, err);
  if (ret == KYSO_OK)
    ret = filter_method(pdf, cf, kyso_dict_get(enc, "StrF"), &c->str, err);
  if (ret != KYSO_OK)
    return ret;
  /* AES-128 needs a 128-bit file key and AES-256 (V5) 256 bits: AESV3
   * under V4, AESV2 with a shorter /Length, or AESV2 or RC4 under V5 would
   * use a key of the wrong size. */
  if ((c->v == 4 &&
       (c->stm == KYSO_CRYPT_AESV3 || c->str == KYSO_CRYPT_AESV3 ||
        ((c->stm == KYSO_CRYPT_AESV2 || c->str == KYSO_CRYPT_AESV2) &&
         c->key_len != 16))) ||
      (c->v == 5 && (c->stm == KYSO_CRYPT_AESV2 || c->stm == KYSO_CRYPT_RC4 ||
                     c->str == KYSO_CRYPT_AESV2 || c->str == KYSO_CRYPT_RC4)))
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "/Encrypt: crypt filter method does not match /V %d",
                          c->v);
  return KYSO_OK;
}

/* Loads RC4 from the legacy provider when a method needs it. */
static kyso_status load_rc4(kyso_crypt *c, kyso_error *err) {
  /* Revisions 2-4 check the password with RC4 (algorithms 4 and 5) even
   * when the data is AES-128: those documents need RC4 too. */
  c->libctx = OSSL_LIB_CTX_new();
  if (c->libctx) {
    c->legacy = OSSL_PROVIDER_load(c->libctx, "legacy");
    c->deflt = OSSL_PROVIDER_load(c->libctx, "default");
  }
  if (c->legacy)
    c->rc4 = EVP_CIPHER_fetch(c->libctx, "RC4", NULL);
  if (!c->rc4)
    return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                          "RC4-encrypted document not supported in this "
                          "build: its OpenSSL has no RC4 (legacy provider), "
                          "which revisions 2-4 also use to check the "
                          "password (this document: R %d)",
                          c->r);
  return KYSO_OK;
}

kyso_status kyso_crypt_open(kyso_pdf *pdf, const char *password,
                            kyso_crypt **out, kyso_error *err) {
  kyso_status ret;
  kyso_crypt *c = NULL;
  kyso_obj *enc_ref, *enc = NULL, *v = NULL, *id;
  crypt_input in;
  size_t ou_len;
  int auth;

  *out = NULL;
  memset(&in, 0, sizeof(in));
  c = calloc(1, sizeof(*c));
  if (!c) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  enc_ref = kyso_dict_get(pdf->trailer, "Encrypt");
  if (kyso_obj_is(enc_ref, KYSO_OBJ_REF))
    c->encrypt_num = enc_ref->u.ref.num;
  ret = kyso_pdf_resolve(pdf, enc_ref, &enc, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is(enc, KYSO_OBJ_DICT)) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                         "/Encrypt is not a dictionary");
    goto done;
  }
  ret = kyso_pdf_dict_get(pdf, enc, "Filter", &v, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is_name(v, "Standard")) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                         "encrypted with the /%s security handler (a "
                         "certificate or a plug-in): only password "
                         "encryption (/Standard) is supported",
                         kyso_obj_is(v, KYSO_OBJ_NAME) ? v->u.name : "?");
    goto done;
  }
  ret = kyso_pdf_dict_get(pdf, enc, "V", &v, err);
  if (ret == KYSO_OK)
    c->v =
        kyso_obj_is(v, KYSO_OBJ_INT) && v->u.integer > 0 && v->u.integer < 100
            ? (int)v->u.integer
            : 0;
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, enc, "R", &v, err);
  if (ret == KYSO_OK)
    c->r =
        kyso_obj_is(v, KYSO_OBJ_INT) && v->u.integer > 0 && v->u.integer < 100
            ? (int)v->u.integer
            : 0;
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, enc, "P", &v, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is(v, KYSO_OBJ_INT) || v->u.integer < INT32_MIN ||
      v->u.integer > UINT32_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                         "/Encrypt: /P missing or out of range");
    goto done;
  }
  c->p = v->u.integer;
  ret = kyso_pdf_dict_get(pdf, enc, "EncryptMetadata", &v, err);
  if (ret != KYSO_OK)
    goto done;
  c->encrypt_metadata = !(kyso_obj_is(v, KYSO_OBJ_BOOL) && !v->u.boolean);
  ret = read_methods(pdf, c, enc, err);
  if (ret != KYSO_OK)
    goto done;
  ou_len = c->r >= 5 ? 48 : 32;
  ret = get_string(pdf, enc, "O", ou_len, &in.o, &in.o_len, err);
  if (ret == KYSO_OK)
    ret = get_string(pdf, enc, "U", ou_len, &in.u, &in.u_len, err);
  if (ret == KYSO_OK && c->r >= 5)
    ret = get_string(pdf, enc, "OE", 32, &in.oe, &in.oe_len, err);
  if (ret == KYSO_OK && c->r >= 5)
    ret = get_string(pdf, enc, "UE", 32, &in.ue, &in.ue_len, err);
  if (ret != KYSO_OK)
    goto done;
  /* 7.6.3.3: the first element of the trailer's /ID (empty if absent, as
   * qpdf and pdf.js read it). */
  id = kyso_dict_get(pdf->trailer, "ID");
  if (kyso_obj_is(id, KYSO_OBJ_ARRAY) && id->u.array.count > 0 &&
      kyso_obj_is(id->u.array.items[0], KYSO_OBJ_STRING)) {
    in.id = id->u.array.items[0]->u.string.data;
    in.id_len = id->u.array.items[0]->u.string.len;
    if (in.id_len > KYSO_LIMIT_CRYPT_ID) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                           "/ID string longer than %d bytes",
                           KYSO_LIMIT_CRYPT_ID);
      goto done;
    }
  }
  if (c->r <= 4 || c->stm == KYSO_CRYPT_RC4 || c->str == KYSO_CRYPT_RC4) {
    ret = load_rc4(c, err);
    if (ret != KYSO_OK)
      goto done;
  }
  if (password && strlen(password) > KYSO_LIMIT_CRYPT_PASSWORD) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_PASSWORD,
                         "password longer than %d bytes",
                         KYSO_LIMIT_CRYPT_PASSWORD);
    goto done;
  }
  auth = c->r >= 5 ? authenticate_r6(c, &in, password)
                   : authenticate_r4(c, &in, password);
  if (auth < 0) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO,
                         "computing the document's encryption key failed");
    goto done;
  }
  if (auth == 0) {
    ret = kyso_error_set(
        err, KYSO_ERR_PDF_PASSWORD,
        password && *password
            ? "wrong password for this encrypted document"
            : "the document is protected by a password to open it (its "
              "user password is not empty)");
    goto done;
  }
  if (password)
    memcpy(c->password, password, strlen(password) + 1);
  *out = c;
  c = NULL;
  ret = KYSO_OK;
done:
  kyso_crypt_free(c);
  return ret;
}

const char *kyso_crypt_get_password(const kyso_crypt *c) {
  return c && c->password[0] ? c->password : NULL;
}

void kyso_crypt_free(kyso_crypt *c) {
  if (!c)
    return;
  EVP_CIPHER_free(c->rc4);
  if (c->legacy)
    OSSL_PROVIDER_unload(c->legacy);
  if (c->deflt)
    OSSL_PROVIDER_unload(c->deflt);
  OSSL_LIB_CTX_free(c->libctx);
  OPENSSL_cleanse(c->key, sizeof(c->key));
  OPENSSL_cleanse(c->password, sizeof(c->password));
  free(c);
}

const uint8_t *kyso_crypt_get_key(const kyso_crypt *c, size_t *len) {
  *len = c->key_len;
  return c->key;
}

int kyso_crypt_allows_new_signature(const kyso_crypt *c) {
  /* Table 22: bit positions count from 1 (low-order bit). */
  return (c->p >> 5 & 1) != 0;
}

int kyso_crypt_allows_existing_fields_only(const kyso_crypt *c) {
  return !kyso_crypt_allows_new_signature(c) && c->r >= 3 &&
         (c->p >> 8 & 1) != 0;
}

/* ------------------------------------------------------------------ */
/* Object keys and the data transforms.                               */

/* Algorithm 1 (7.6.2): MD5 of the file key, the object number and
 * generation (low bytes first), and "sAlT" for AES; AESV3 uses the file
 * key itself (ISO 32000-2 7.6.3.3). */
static int object_key(const kyso_crypt *c, kyso_crypt_method m, uint32_t num,
                      uint16_t gen, uint8_t out[32], size_t *out_len) {
  uint8_t buf[KYSO_LIMIT_CRYPT_KEY + 9], h[16];
  size_t n = c->key_len;
  if (m == KYSO_CRYPT_AESV3) {
    memcpy(out, c->key, 32);
    *out_len = 32;
    return 0;
  }
  memcpy(buf, c->key, n);
  buf[n++] = (uint8_t)num;
  buf[n++] = (uint8_t)(num >> 8);
  buf[n++] = (uint8_t)(num >> 16);
  buf[n++] = (uint8_t)gen;
  buf[n++] = (uint8_t)(gen >> 8);
  if (m == KYSO_CRYPT_AESV2) {
    memcpy(buf + n, "sAlT", 4);
    n += 4;
  }
  if (md5(buf, n, NULL, 0, h) != 0)
    return -1;
  *out_len = c->key_len + 5 > 16 ? 16 : c->key_len + 5;
  memcpy(out, h, *out_len);
  return 0;
}

/* Decrypts len bytes at in into a new arena buffer (*out, *out_len). */
static kyso_status decrypt_bytes(const kyso_crypt *c, kyso_arena *a,
                                 kyso_crypt_method m, const uint8_t *key,
                                 size_t key_len, const uint8_t *in, size_t len,
                                 uint8_t **out, size_t *out_len,
                                 kyso_error *err) {
  uint8_t *buf = kyso_arena_alloc(a, len + 16);
  size_t n = 0;
  if (!buf)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (m == KYSO_CRYPT_RC4) {
    if (rc4(c, key, key_len, in, len, buf) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "RC4 failed");
    n = len;
  } else if (len == 0) {
    n = 0; /* an empty string written without IV: nothing to decrypt */
  } else {
    uint8_t pad;
    size_t i;
    if (len < 32 || len % 16 != 0)
      return kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                            "AES-encrypted data of %zu bytes (not an IV and "
                            "whole blocks)",
                            len);
    /* 7.6.3.1: the first 16 bytes are the IV. Padding is checked by hand:
     * a writer with bad padding keeps its data (as qpdf reads it). */
    if (aes_cbc(0, key, key_len, in, 0, in + 16, len - 16, buf, &n) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "AES failed");
    pad = n ? buf[n - 1] : 0;
    if (pad >= 1 && pad <= 16 && pad <= n) {
      for (i = 0; i < pad && buf[n - 1 - i] == pad; i++)
        ;
      if (i == pad)
        n -= pad;
    }
  }
  *out = buf;
  *out_len = n;
  return KYSO_OK;
}

/* A signature dictionary, whose /Contents stays in clear (7.6.1). */
static int is_signature_dict(const kyso_obj *d) {
  kyso_obj *type = kyso_dict_get(d, "Type");
  return kyso_obj_is(kyso_dict_get(d, "ByteRange"), KYSO_OBJ_ARRAY) ||
         kyso_obj_is_name(type, "Sig") ||
         kyso_obj_is_name(type, "DocTimeStamp");
}

typedef struct crypt_walk {
  const kyso_crypt *c;
  kyso_arena *a;
  uint32_t num;
  uint16_t gen;
  uint8_t key[32];
  size_t key_len;
  uint32_t counter; /* strings written so far (synthetic IVs) */
} crypt_walk;

static kyso_status decrypt_value(crypt_walk *w, kyso_obj *v, int depth,
                                 kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t i;
  if (depth > KYSO_LIMIT_OBJECT_DEPTH)
    return kyso_error_set(err, KYSO_ERR_PDF_DEPTH, "object nested too deep");
  if (kyso_obj_is(v, KYSO_OBJ_STRING)) {
    uint8_t *out;
    size_t n;
    ret = decrypt_bytes(w->c, w->a, w->c->str, w->key, w->key_len,
                        v->u.string.data, v->u.string.len, &out, &n, err);
    if (ret == KYSO_OK) {
      v->u.string.data = out;
      v->u.string.len = n;
    }
  } else if (kyso_obj_is(v, KYSO_OBJ_ARRAY)) {
    for (i = 0; i < v->u.array.count && ret == KYSO_OK; i++)
      ret = decrypt_value(w, v->u.array.items[i], depth + 1, err);
  } else if (kyso_obj_is(v, KYSO_OBJ_DICT)) {
    int sig = is_signature_dict(v);
    for (i = 0; i < v->u.dict.count && ret == KYSO_OK; i++) {
      if (sig && strcmp(v->u.dict.entries[i].key, "Contents") == 0)
        continue;
      ret = decrypt_value(w, v->u.dict.entries[i].value, depth + 1, err);
    }
  }
  return ret;
}

/* Streams left in clear: xref streams (7.5.8.1 says they are not
 * encrypted), metadata with /EncryptMetadata false, and a stream whose own
 * first filter is /Crypt (7.4.10): kyso reads only the /Identity one. */
static int stream_in_clear(const kyso_crypt *c, const kyso_obj *dict) {
  kyso_obj *type = kyso_dict_get(dict, "Type");
  kyso_obj *filter = kyso_dict_get(dict, "Filter");
  if (kyso_obj_is_name(type, "XRef"))
    return 1;
  if (!c->encrypt_metadata && kyso_obj_is_name(type, "Metadata"))
    return 1;
  if (kyso_obj_is(filter, KYSO_OBJ_ARRAY) && filter->u.array.count > 0)
    filter = filter->u.array.items[0];
  return kyso_obj_is_name(filter, "Crypt");
}

kyso_status kyso_crypt_decrypt_object(kyso_pdf *pdf, uint32_t num, uint16_t gen,
                                      kyso_obj *obj, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const kyso_crypt *c = pdf->crypt;
  crypt_walk w;

  if (!c || (c->encrypt_num && num == c->encrypt_num))
    return KYSO_OK;
  memset(&w, 0, sizeof(w));
  w.c = c;
  w.a = &pdf->arena;
  w.num = num;
  w.gen = gen;
  if (kyso_obj_is(obj, KYSO_OBJ_STREAM)) {
    kyso_obj *dict = obj->u.stream.dict;
    if (stream_in_clear(c, dict))
      return KYSO_OK;
    if (c->str != KYSO_CRYPT_NONE) {
      if (object_key(c, c->str, num, gen, w.key, &w.key_len) != 0)
        return kyso_error_set(err, KYSO_ERR_CRYPTO, "MD5 failed");
      ret = decrypt_value(&w, dict, 1, err);
    }
    if (ret == KYSO_OK && c->stm != KYSO_CRYPT_NONE) {
      uint8_t *out;
      size_t n;
      if (object_key(c, c->stm, num, gen, w.key, &w.key_len) != 0)
        return kyso_error_set(err, KYSO_ERR_CRYPTO, "MD5 failed");
      ret = decrypt_bytes(c, w.a, c->stm, w.key, w.key_len, obj->u.stream.data,
                          obj->u.stream.len, &out, &n, err);
      if (ret == KYSO_OK) {
        obj->u.stream.data = out;
        obj->u.stream.len = n;
      }
    }
  } else if (c->str != KYSO_CRYPT_NONE) {
    if (object_key(c, c->str, num, gen, w.key, &w.key_len) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "MD5 failed");
    ret = decrypt_value(&w, obj, 0, err);
  }
  if (ret != KYSO_OK && err && err->code == KYSO_ERR_PDF_ENCRYPTED) {
    char why[KYSO_ERROR_MESSAGE_MAX];
    memcpy(why, err->message, sizeof(why));
    kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED, "object %u: %s", num, why);
  }
  OPENSSL_cleanse(w.key, sizeof(w.key));
  return ret;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                           */

/* Encrypts plaintext into a new arena buffer. AES: synthetic IV (see the
 * top of pdf_crypt.h) followed by the padded ciphertext. */
static kyso_status encrypt_bytes(crypt_walk *w, kyso_crypt_method m,
                                 const uint8_t *in, size_t len, uint8_t **out,
                                 size_t *out_len, kyso_error *err) {
  uint8_t *buf = kyso_arena_alloc(w->a, len + 48);
  size_t n = 0;
  if (!buf)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (m == KYSO_CRYPT_RC4) {
    if (rc4(w->c, w->key, w->key_len, in, len, buf) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "RC4 failed");
    n = len;
  } else {
    uint8_t meta[10], h[32];
    const uint8_t *parts[4] = {w->key, meta, in, NULL};
    size_t lens[3] = {w->key_len, sizeof(meta), len};
    meta[0] = (uint8_t)w->num;
    meta[1] = (uint8_t)(w->num >> 8);
    meta[2] = (uint8_t)(w->num >> 16);
    meta[3] = (uint8_t)(w->num >> 24);
    meta[4] = (uint8_t)w->gen;
    meta[5] = (uint8_t)(w->gen >> 8);
    meta[6] = (uint8_t)w->counter;
    meta[7] = (uint8_t)(w->counter >> 8);
    meta[8] = (uint8_t)(w->counter >> 16);
    meta[9] = (uint8_t)(w->counter >> 24);
    w->counter++;
    if (digest(EVP_sha256(), parts, lens, 3, h) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "SHA-256 failed");
    memcpy(buf, h, 16);
    if (aes_cbc(1, w->key, w->key_len, buf, 1, in, len, buf + 16, &n) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "AES failed");
    n += 16;
  }
  *out = buf;
  *out_len = n;
  return KYSO_OK;
}

static kyso_status encrypt_value(crypt_walk *w, const kyso_obj *in,
                                 kyso_obj **out, int depth, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_obj *n;
  size_t i;

  *out = (kyso_obj *)in;
  if (depth > KYSO_LIMIT_OBJECT_DEPTH)
    return kyso_error_set(err, KYSO_ERR_PDF_DEPTH,
                          "object nested too deep to write");
  if (!in || in->mark != KYSO_MARK_NONE ||
      (in->type != KYSO_OBJ_STRING && in->type != KYSO_OBJ_ARRAY &&
       in->type != KYSO_OBJ_DICT))
    return KYSO_OK; /* marked: the /Contents placeholder or /ByteRange */
  n = kyso_arena_alloc(w->a, sizeof(*n));
  if (!n)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  *n = *in;
  if (in->type == KYSO_OBJ_STRING) {
    ret = encrypt_bytes(w, w->c->str, in->u.string.data, in->u.string.len,
                        &n->u.string.data, &n->u.string.len, err);
    n->hex = 1;
  } else if (in->type == KYSO_OBJ_ARRAY) {
    n->u.array.cap = in->u.array.count;
    n->u.array.items =
        kyso_arena_alloc(w->a, (in->u.array.count + 1) * sizeof(kyso_obj *));
    if (!n->u.array.items)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    for (i = 0; i < in->u.array.count && ret == KYSO_OK; i++)
      ret = encrypt_value(w, in->u.array.items[i], &n->u.array.items[i],
                          depth + 1, err);
  } else {
    int sig = is_signature_dict(in);
    n->u.dict.cap = in->u.dict.count;
    n->u.dict.entries = kyso_arena_alloc(w->a, (in->u.dict.count + 1) *
                                                   sizeof(kyso_dict_entry));
    if (!n->u.dict.entries)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    for (i = 0; i < in->u.dict.count && ret == KYSO_OK; i++) {
      n->u.dict.entries[i] = in->u.dict.entries[i];
      if (sig && strcmp(in->u.dict.entries[i].key, "Contents") == 0)
        continue;
      ret = encrypt_value(w, in->u.dict.entries[i].value,
                          &n->u.dict.entries[i].value, depth + 1, err);
    }
  }
  *out = n;
  return ret;
}

kyso_status kyso_crypt_encrypt_object(const kyso_crypt *c, kyso_arena *a,
                                      uint32_t num, uint16_t gen,
                                      const kyso_obj *obj, kyso_obj **out,
                                      kyso_error *err) {
  kyso_status ret = KYSO_OK;
  crypt_walk w;
  kyso_obj *dict, *stm;

  *out = (kyso_obj *)obj;
  memset(&w, 0, sizeof(w));
  w.c = c;
  w.a = a;
  w.num = num;
  w.gen = gen;
  if (!kyso_obj_is(obj, KYSO_OBJ_STREAM)) {
    if (c->str == KYSO_CRYPT_NONE)
      return KYSO_OK;
    if (object_key(c, c->str, num, gen, w.key, &w.key_len) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "MD5 failed");
    ret = encrypt_value(&w, obj, out, 0, err);
    goto done;
  }
  if (stream_in_clear(c, obj->u.stream.dict))
    return KYSO_OK;
  dict = obj->u.stream.dict;
  if (c->str != KYSO_CRYPT_NONE) {
    if (object_key(c, c->str, num, gen, w.key, &w.key_len) != 0)
      return kyso_error_set(err, KYSO_ERR_CRYPTO, "MD5 failed");
    ret = encrypt_value(&w, obj->u.stream.dict, &dict, 1, err);
    if (ret != KYSO_OK)
      goto done;
  }
  if (dict == obj->u.stream.dict) {
    dict = kyso_obj_clone_shallow(a, obj->u.stream.dict);
    if (!dict) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  }
  stm = kyso_arena_alloc(a, sizeof(*stm));
  if (!stm) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  *stm = *obj;
  stm->u.stream.dict = dict;
  if (c->stm != KYSO_CRYPT_NONE) {
    uint8_t *data;
    size_t len;
    if (object_key(c, c->stm, num, gen, w.key, &w.key_len) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "MD5 failed");
      goto done;
    }
    ret = encrypt_bytes(&w, c->stm, obj->u.stream.data, obj->u.stream.len,
                        &data, &len, err);
    if (ret != KYSO_OK)
      goto done;
    stm->u.stream.data = data;
    stm->u.stream.len = len;
  }
  if (kyso_dict_set(a, dict, "Length",
                    kyso_obj_new_int(a, (int64_t)stm->u.stream.len)) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  *out = stm;
done:
  OPENSSL_cleanse(w.key, sizeof(w.key));
  return ret;
}

int kyso_crypt_same(const kyso_crypt *a, const kyso_crypt *b) {
  if (!a || !b)
    return a == b;
  return a->v == b->v && a->r == b->r && a->key_len == b->key_len &&
         memcmp(a->key, b->key, a->key_len) == 0 && a->p == b->p &&
         a->encrypt_metadata == b->encrypt_metadata && a->stm == b->stm &&
         a->str == b->str;
}
