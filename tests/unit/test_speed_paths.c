/*
 * test_speed_paths.c - the fast paths of verification give what the plain
 * ones gave (issue 12 part 5):
 *   - the table-driven lexer and its integer fast path produce the same
 *     tokens as the lexer before them (kept below as ref_*), on random
 *     PDF-like text, and kyso_lex_next3 the same three tokens on
 *     cross-reference entries;
 *   - the two-digit hex decoder gives the same bytes and errors;
 *   - kyso_range_hash (one running digest per file) gives the digest of the
 *     concatenated parts for signatures met in any order, and declines
 *     shapes it does not handle;
 *   - kyso_cms_decode (certificates decoded once per file) gives a CMS
 *     with the same signer infos and, as a set in first-seen order, the
 *     same certificates as d2i_CMS_ContentInfo, consumes the same bytes,
 *     and verifies; BER, no certificates and garbage go the old way;
 *   - kyso_pdf_open_revision shares objects with the whole document only
 *     where the same bytes mean the same: a stream whose indirect /Length a
 *     later revision rewrites is read with the revision's own length.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "check.h"
#include "cms/der_read.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_lex.h"
#include "pdf/pdf_parse.h"
#include "test_pki.h"
#include "verify/verify_cms_certs.h"
#include "verify/verify_hash.h"

/* ---- the lexer before the fast paths (pdf_lex.c at f8f956c) ------------- */

static int ref_is_space(uint8_t c) {
  /* ISO 32000-1 Table 1: NUL, HT, LF, FF, CR, SP. */
  return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

static int ref_is_delimiter(uint8_t c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' ||
         c == '{' || c == '}' || c == '/' || c == '%';
}

static void ref_skip_space(kyso_lexer *lx) {
  while (lx->pos < lx->len) {
    uint8_t c = lx->data[lx->pos];
    if (ref_is_space(c)) {
      lx->pos++;
    } else if (c == '%') {
      while (lx->pos < lx->len && lx->data[lx->pos] != '\n' &&
             lx->data[lx->pos] != '\r')
        lx->pos++;
    } else {
      break;
    }
  }
}

static int ref_is_regular(uint8_t c) {
  return !ref_is_space(c) && !ref_is_delimiter(c);
}

/* Numbers: [+-]digits[.digits] or [+-].digits (7.3.3); no exponents.
 * Parsed by hand so the result does not depend on the C locale. */
static void ref_lex_number(kyso_lexer *lx, kyso_lex_token *tok) {
  size_t p = lx->pos;
  int neg = 0, digits = 0, dot = 0;
  int64_t ival = 0;
  double rval = 0.0, scale = 1.0;
  int overflow = 0;

  if (lx->data[p] == '+' || lx->data[p] == '-')
    neg = lx->data[p++] == '-';
  for (; p < lx->len; p++) {
    uint8_t c = lx->data[p];
    if (c >= '0' && c <= '9') {
      digits++;
      if (dot) {
        scale /= 10.0;
        rval += (c - '0') * scale;
      } else {
        if (ival > (INT64_MAX - (c - '0')) / 10)
          overflow = 1;
        else
          ival = ival * 10 + (c - '0');
        rval = rval * 10.0 + (c - '0');
      }
    } else if (c == '.' && !dot) {
      dot = 1;
    } else {
      break;
    }
  }
  tok->start = lx->pos;
  tok->end = p;
  lx->pos = p;
  if (!digits || (p < lx->len && ref_is_regular(lx->data[p]))) {
    tok->type = KYSO_LEX_TOK_ERROR;
    return;
  }
  if (dot) {
    tok->type = KYSO_LEX_TOK_REAL;
    tok->real = neg ? -rval : rval;
  } else if (overflow) {
    tok->type = KYSO_LEX_TOK_ERROR;
  } else {
    tok->type = KYSO_LEX_TOK_INT;
    tok->integer = neg ? -ival : ival;
    tok->real = (double)tok->integer;
  }
}

/* Literal string: balanced parentheses, backslash escapes (7.3.4.2). */
static void ref_lex_string(kyso_lexer *lx, kyso_lex_token *tok) {
  size_t p = lx->pos + 1;
  size_t depth = 1;
  tok->start = lx->pos;
  while (p < lx->len && depth > 0) {
    uint8_t c = lx->data[p++];
    if (c == '\\')
      p++; /* the escaped byte, whatever it is */
    else if (c == '(')
      depth++;
    else if (c == ')')
      depth--;
  }
  if (depth > 0 || p > lx->len) {
    tok->type = KYSO_LEX_TOK_ERROR;
    lx->pos = lx->len;
    return;
  }
  tok->type = KYSO_LEX_TOK_STRING;
  tok->end = p;
  lx->pos = p;
}

static void ref_lex_hex(kyso_lexer *lx, kyso_lex_token *tok) {
  size_t p = lx->pos + 1;
  tok->start = lx->pos;
  while (p < lx->len && lx->data[p] != '>') {
    uint8_t c = lx->data[p];
    if (!ref_is_space(c) && !((c >= '0' && c <= '9') ||
                              (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      break;
    p++;
  }
  if (p >= lx->len || lx->data[p] != '>') {
    tok->type = KYSO_LEX_TOK_ERROR;
    tok->end = p;
    lx->pos = p;
    return;
  }
  tok->type = KYSO_LEX_TOK_HEX;
  tok->end = p + 1;
  lx->pos = p + 1;
}

static void ref_lex_next(kyso_lexer *lx, kyso_lex_token *tok) {
  uint8_t c;

  memset(tok, 0, sizeof(*tok));
  ref_skip_space(lx);
  tok->start = tok->end = lx->pos;
  if (lx->pos >= lx->len) {
    tok->type = KYSO_LEX_TOK_EOF;
    return;
  }
  c = lx->data[lx->pos];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    ref_lex_number(lx, tok);
  } else if (c == '(') {
    ref_lex_string(lx, tok);
  } else if (c == '<') {
    if (lx->pos + 1 < lx->len && lx->data[lx->pos + 1] == '<') {
      tok->type = KYSO_LEX_TOK_DICT_OPEN;
      lx->pos += 2;
      tok->end = lx->pos;
    } else {
      ref_lex_hex(lx, tok);
    }
  } else if (c == '>') {
    if (lx->pos + 1 < lx->len && lx->data[lx->pos + 1] == '>') {
      tok->type = KYSO_LEX_TOK_DICT_CLOSE;
      lx->pos += 2;
    } else {
      tok->type = KYSO_LEX_TOK_ERROR;
      lx->pos++;
    }
    tok->end = lx->pos;
  } else if (c == '[' || c == ']') {
    tok->type = c == '[' ? KYSO_LEX_TOK_ARRAY_OPEN : KYSO_LEX_TOK_ARRAY_CLOSE;
    tok->end = ++lx->pos;
  } else if (c == '/') {
    size_t p = lx->pos + 1;
    while (p < lx->len && ref_is_regular(lx->data[p]))
      p++;
    tok->type = KYSO_LEX_TOK_NAME;
    tok->end = p;
    lx->pos = p;
  } else if (ref_is_regular(c)) {
    size_t p = lx->pos;
    while (p < lx->len && ref_is_regular(lx->data[p]))
      p++;
    tok->type = KYSO_LEX_TOK_KEYWORD;
    tok->end = p;
    lx->pos = p;
  } else {
    /* ), {, } on their own are not PDF object syntax. */
    tok->type = KYSO_LEX_TOK_ERROR;
    tok->end = ++lx->pos;
  }
}

/* kyso_parse_decode_hex as it was before its two-digit fast path. */
static int ref_hex_value(uint8_t c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static kyso_status ref_decode_hex(const uint8_t *raw, size_t len, uint8_t *out,
                                  size_t *out_len) {
  size_t i, n = 0;
  int high = -1;
  for (i = 0; i < len; i++) {
    int v;
    if (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n' ||
        raw[i] == '\f' || raw[i] == 0)
      continue;
    v = ref_hex_value(raw[i]);
    if (v < 0)
      return KYSO_ERR_PDF_SYNTAX;
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  if (high >= 0)
    out[n++] = (uint8_t)(high << 4);
  *out_len = n;
  return KYSO_OK;
}

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* PDF-like text: numbers of every length (the fast path stops at 15
 * digits), reals, names, strings, hex strings, keywords, comments, odd
 * bytes. */
static size_t random_pdf_text(uint8_t *buf, size_t cap) {
  static const char *const pieces[] = {
      " ",     "\n",  "\r\n",   "\t",  "\f",   "%c\n", "0",   "00",     "12",
      "-",     "+",   ".",      "-.5", "3.",   "R",    "obj", "endobj", "<<",
      ">>",    "[",   "]",      "(",   ")",    "\\",   "<",   ">",      "/",
      "/Name", "#41", "{",      "}",   "true", "null", "a",   "f",      "F",
      "9",     "7",   "stream", "x",   "\x80", "\x00"};
  size_t n = 0, len = 1 + rng() % 200;
  while (n < len && n + 32 < cap) {
    uint32_t k = rng() % 10;
    if (k < 3) { /* a run of digits, 1 to 22 long, maybe signed */
      size_t d = 1 + rng() % 22, i;
      if (rng() % 4 == 0)
        buf[n++] = rng() % 2 ? '-' : '+';
      for (i = 0; i < d; i++)
        buf[n++] = (uint8_t)('0' + rng() % 10);
    } else if (k < 4) {
      buf[n++] = (uint8_t)(rng() % 256);
    } else {
      const char *p = pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
      size_t pl = strcmp(p, "\x00") == 0 ? 1 : strlen(p);
      memcpy(buf + n, p, pl);
      n += pl;
    }
  }
  return n;
}

static void test_lexer_same_tokens(void) {
  uint8_t buf[512];
  int round, mismatches = 0;
  for (round = 0; round < 20000; round++) {
    size_t len = random_pdf_text(buf, sizeof(buf)), steps;
    kyso_lexer a = {buf, len, 0}, b = {buf, len, 0};
    for (steps = 0; steps <= len + 1; steps++) {
      kyso_lex_token ta, tb;
      int same;
      kyso_lex_next(&a, &ta);
      ref_lex_next(&b, &tb);
      same = ta.type == tb.type && ta.start == tb.start && ta.end == tb.end &&
             a.pos == b.pos &&
             (ta.type != KYSO_LEX_TOK_INT || ta.integer == tb.integer) &&
             (ta.type != KYSO_LEX_TOK_INT && ta.type != KYSO_LEX_TOK_REAL
                  ? 1
                  : memcmp(&ta.real, &tb.real, sizeof(double)) == 0);
      if (!same) {
        if (mismatches++ < 5)
          fprintf(stderr,
                  "round %d: token %zu differs (type %d/%d at %zu/%zu)\n",
                  round, steps, ta.type, tb.type, ta.start, tb.start);
        break;
      }
      if (ta.type == KYSO_LEX_TOK_EOF)
        break;
    }
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* Cross-reference entries, well-formed and not: kyso_lex_next3 gives the
 * three tokens the old lexer gave. */
static void test_lexer_xref_entries(void) {
  static const char *const endings[] = {" \r\n", "\r\n", " \n", "\n", "",
                                        "x",     "/",    "<",   " ",  "%c"};
  char buf[64];
  int round, mismatches = 0;
  for (round = 0; round < 20000; round++) {
    size_t len, k;
    kyso_lexer a, b;
    kyso_lex_token t[3], r[3];
    len = (size_t)snprintf(
        buf, sizeof(buf), "%s%010u %05u %c%s", rng() % 4 ? "" : " \n",
        (unsigned)(rng() % 2000000000u), (unsigned)(rng() % 70000),
        rng() % 8 ? (rng() % 2 ? 'n' : 'f') : 'q',
        endings[rng() % (sizeof(endings) / sizeof(endings[0]))]);
    if (rng() % 5 == 0) /* a stray byte somewhere */
      buf[rng() % len] = (char)(rng() % 128);
    if (rng() % 7 == 0) /* cut short */
      len = rng() % (len + 1);
    a.data = b.data = (const uint8_t *)buf;
    a.len = b.len = len;
    a.pos = b.pos = 0;
    kyso_lex_next3(&a, &t[0], &t[1], &t[2]);
    for (k = 0; k < 3; k++)
      ref_lex_next(&b, &r[k]);
    for (k = 0; k < 3; k++)
      if (t[k].type != r[k].type || t[k].start != r[k].start ||
          t[k].end != r[k].end ||
          (t[k].type == KYSO_LEX_TOK_INT &&
           (t[k].integer != r[k].integer || t[k].real != r[k].real)))
        break;
    if (k < 3 || a.pos != b.pos) {
      if (mismatches++ < 5)
        fprintf(stderr, "xref entry '%.*s': token %zu differs\n", (int)len, buf,
                k);
    }
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* Whitespace handling and the class table on every byte value. */
static void test_lexer_byte_classes(void) {
  int c, wrong = 0;
  for (c = 0; c < 256; c++) {
    if (!kyso_lex_is_space((uint8_t)c) != !ref_is_space((uint8_t)c) ||
        !kyso_lex_is_delimiter((uint8_t)c) != !ref_is_delimiter((uint8_t)c))
      wrong++;
  }
  CHECK_EQ_INT(wrong, 0);
}

static void test_hex_same_bytes(void) {
  static const char alphabet[] = "0123456789abcdefABCDEF \n\r\t\f\x00g>";
  uint8_t raw[300], out_a[300], out_b[300];
  int round, mismatches = 0;
  for (round = 0; round < 20000; round++) {
    size_t len = rng() % 300, i, na = 0, nb = 0;
    kyso_status sa, sb;
    int bad = rng() % 3 == 0; /* most runs all valid */
    for (i = 0; i < len; i++)
      raw[i] = (uint8_t)alphabet[rng() % (sizeof(alphabet) - (bad ? 1 : 3))];
    sa = kyso_parse_decode_hex(raw, len, out_a, &na);
    sb = ref_decode_hex(raw, len, out_b, &nb);
    if (sa != sb || (sa == KYSO_OK && (na != nb || memcmp(out_a, out_b, na))))
      mismatches++;
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* ---- kyso_range_hash ----------------------------------------------------- */

static int digest_of(const char *alg, const kyso_blob *parts, uint8_t *out,
                     size_t *len) {
  EVP_MD *md = EVP_MD_fetch(NULL, alg, NULL);
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok = md && c && EVP_DigestInit_ex(c, md, NULL) == 1 &&
           EVP_DigestUpdate(c, parts[0].data, parts[0].len) == 1 &&
           EVP_DigestUpdate(c, parts[1].data, parts[1].len) == 1 &&
           EVP_DigestFinal_ex(c, out, &n) == 1;
  *len = n;
  EVP_MD_CTX_free(c);
  EVP_MD_free(md);
  return ok;
}

static void test_range_hash(void) {
  enum { FILE_LEN = 200000, SIGS = 12 };
  static const char *const algs[] = {"SHA256", "SHA384", "SHA512", "SHA1"};
  uint8_t *file = malloc(FILE_LEN);
  size_t holes[SIGS][3], i, order;
  int wrong = 0, declined = 0;
  for (i = 0; i < FILE_LEN; i++)
    file[i] = (uint8_t)rng();
  /* Revision i: a hole at a, b and the revision ending at c. */
  for (i = 0; i < SIGS; i++) {
    size_t base = (i + 1) * (FILE_LEN / (SIGS + 1));
    holes[i][0] = base - 5000 + rng() % 1000;
    holes[i][1] = holes[i][0] + 3000;
    holes[i][2] = base + rng() % 2000;
  }
  for (order = 0; order < 3; order++) { /* forward, backward, shuffled */
    kyso_range_hash *h = kyso_range_hash_new(file, FILE_LEN);
    size_t k;
    CHECK(h != NULL);
    for (k = 0; k < SIGS * 2; k++) {
      size_t s = order == 0   ? k % SIGS
                 : order == 1 ? SIGS - 1 - k % SIGS
                              : rng() % SIGS;
      const char *alg = algs[(k + order) % 4];
      kyso_blob parts[2];
      uint8_t got[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE];
      size_t got_len = 0, want_len = 0;
      parts[0].data = file;
      parts[0].len = holes[s][0];
      parts[1].data = file + holes[s][1];
      parts[1].len = holes[s][2] - holes[s][1];
      if (!kyso_range_hash_get(h, alg, parts, 2, got, &got_len)) {
        declined++;
        continue;
      }
      if (!digest_of(alg, parts, want, &want_len) || got_len != want_len ||
          memcmp(got, want, got_len) != 0)
        wrong++;
    }
    kyso_range_hash_free(h);
  }
  CHECK_EQ_INT(wrong, 0);
  CHECK_EQ_INT(declined, 0);
  {
    /* Shapes it leaves to the caller. */
    kyso_range_hash *h = kyso_range_hash_new(file, FILE_LEN);
    kyso_blob parts[2] = {{file + 1, 10}, {file + 20, 10}};
    uint8_t out[EVP_MAX_MD_SIZE];
    size_t n = 0;
    CHECK(!kyso_range_hash_get(h, "SHA256", parts, 2, out, &n)); /* not at 0 */
    parts[0].data = file;
    parts[0].len = 30;
    CHECK(!kyso_range_hash_get(h, "SHA256", parts, 2, out, &n)); /* overlap */
    parts[0].len = 10;
    parts[1].len = FILE_LEN;
    CHECK(!kyso_range_hash_get(h, "SHA256", parts, 2, out, &n)); /* past end */
    parts[1].len = 10;
    CHECK(!kyso_range_hash_get(h, "SHA256", parts, 1, out, &n)); /* one part */
    CHECK(!kyso_range_hash_get(h, "SHAKE256", parts, 2, out, &n)); /* XOF */
    CHECK(!kyso_range_hash_get(h, "NO-SUCH-DIGEST", parts, 2, out, &n));
    CHECK(!kyso_range_hash_get(NULL, "SHA256", parts, 2, out, &n));
    CHECK(kyso_range_hash_get(h, "SHA256", parts, 2, out, &n) && n == 32);
    kyso_range_hash_free(h);
  }
  free(file);
}

/* ---- kyso_cms_decode ----------------------------------------------------- */

/* The DER of each certificate of cms, duplicates dropped (first kept). */
static size_t cert_ders(CMS_ContentInfo *cms, unsigned char **ders, int *lens,
                        size_t max) {
  STACK_OF(X509) *certs = CMS_get1_certs(cms);
  size_t n = 0, k;
  int i;
  for (i = 0; certs && i < sk_X509_num(certs) && n < max; i++) {
    unsigned char *d = NULL;
    int len = i2d_X509(sk_X509_value(certs, i), &d), again = 0;
    for (k = 0; k < n && !again; k++)
      again = lens[k] == len && memcmp(ders[k], d, (size_t)len) == 0;
    if (again) {
      OPENSSL_free(d);
    } else {
      ders[n] = d;
      lens[n++] = len;
    }
  }
  sk_X509_pop_free(certs, X509_free);
  return n;
}

/* kyso_cms_decode against d2i_CMS_ContentInfo on one input. */
static void same_cms(kyso_cert_cache *cache, const uint8_t *in, size_t len,
                     const uint8_t *data, size_t data_len, X509 *signer,
                     int must_decode) {
  const unsigned char *pa = in, *pb = in;
  CMS_ContentInfo *a = kyso_cms_decode(cache, &pa, (long)len);
  CMS_ContentInfo *b = d2i_CMS_ContentInfo(NULL, &pb, (long)len);
  CHECK(!a == !b);
  CHECK(pa == pb);
  CHECK(!must_decode || a);
  if (a && b) {
    unsigned char *da[8], *db[8];
    int la[8], lb[8];
    size_t na = cert_ders(a, da, la, 8), nb = cert_ders(b, db, lb, 8), k;
    BIO *bio = BIO_new_mem_buf(data, (int)data_len);
    STACK_OF(X509) *certs = sk_X509_new_null();
    CHECK(na == nb);
    CHECK(certs && sk_X509_push(certs, signer) > 0 && X509_up_ref(signer));
    for (k = 0; k < na && k < nb; k++)
      CHECK(la[k] == lb[k] && memcmp(da[k], db[k], (size_t)la[k]) == 0);
    for (k = 0; k < na; k++)
      OPENSSL_free(da[k]);
    for (k = 0; k < nb; k++)
      OPENSSL_free(db[k]);
    {
      CMS_SignerInfo *sia = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(a), 0);
      CMS_SignerInfo *sib = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(b), 0);
      CHECK(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(a)) ==
            sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(b)));
      CHECK(sia && sib &&
            ASN1_STRING_cmp(CMS_SignerInfo_get0_signature(sia),
                            CMS_SignerInfo_get0_signature(sib)) == 0 &&
            CMS_signed_get_attr_count(sia) == CMS_signed_get_attr_count(sib));
    }
    /* The decoded CMS is usable: its signature verifies over data with
     * the certificates it carries. */
    CHECK(CMS_verify(a, certs, NULL, bio, NULL,
                     CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1);
    sk_X509_pop_free(certs, X509_free);
    BIO_free(bio);
  }
  CMS_ContentInfo_free(a);
  CMS_ContentInfo_free(b);
}

/* in with its first certificate repeated at the end of the certificates
 * (lengths fixed up); out holds the result. 0 on success. */
static int with_duplicate(const uint8_t *in, size_t len, uint8_t *out,
                          size_t cap, size_t *out_len) {
  kyso_blob d = {in, len}, ci, ci_w, cur, oid_w, ex, ex_w, sd, sd_w, item,
            certs, certs_w, first;
  uint8_t tag;
  size_t n = 0, before, extra, hdr, i;
  if (kyso_der_read(&d, &tag, &ci, &ci_w) ||
      (cur = ci, kyso_der_read(&cur, &tag, &item, &oid_w)) ||
      kyso_der_read(&cur, &tag, &ex, &ex_w) ||
      (cur = ex, kyso_der_read(&cur, &tag, &sd, &sd_w)))
    return -1;
  cur = sd;
  for (i = 0; i < 3; i++)
    if (kyso_der_read(&cur, &tag, &item, NULL))
      return -1;
  if (kyso_der_read(&cur, &tag, &certs, &certs_w) || tag != 0xa0)
    return -1;
  cur = certs;
  if (kyso_der_read(&cur, &tag, &item, &first))
    return -1;
  extra = first.len;
  /* Rewrite with four-octet lengths everywhere (0x82 LL LL). */
#define HDR(t, l)                                                              \
  (out[n++] = (t), out[n++] = 0x82, out[n++] = (uint8_t)((l) >> 8),            \
   out[n++] = (uint8_t)(l))
  before = (size_t)(certs_w.data - sd.data);
  hdr = certs_w.len - certs.len;
  {
    size_t certs_len = certs.len + extra;
    size_t sd_len = sd.len - certs_w.len + 4 + certs_len;
    size_t ex_len = 4 + sd_len;
    size_t ci_len = oid_w.len + 4 + ex_len;
    if (ci_len + 4 > cap || certs_len > 0xffff || ci_len > 0xffff)
      return -1;
    HDR(0x30, ci_len);
    memcpy(out + n, oid_w.data, oid_w.len);
    n += oid_w.len;
    HDR(0xa0, ex_len);
    HDR(0x30, sd_len);
    memcpy(out + n, sd.data, before);
    n += before;
    HDR(0xa0, certs_len);
    memcpy(out + n, certs.data, certs.len);
    n += certs.len;
    memcpy(out + n, first.data, first.len);
    n += first.len;
    memcpy(out + n, certs_w.data + certs_w.len, sd.len - before - certs_w.len);
    n += sd.len - before - certs_w.len;
  }
#undef HDR
  (void)hdr;
  *out_len = n;
  return 0;
}

static void test_cms_decode(void) {
  static const uint8_t data[] = "the signed bytes";
  EVP_PKEY *key = test_pki_key_new("RSA", 2048, NULL),
           *key2 = test_pki_key_new("EC", 0, "P-256");
  X509 *cert = NULL, *other = NULL;
  uint8_t *der = NULL, *der2 = NULL;
  size_t der_len = 0, der2_len = 0, dup_len = 0;
  kyso_cert_cache *cache = kyso_cert_cache_new();
  STACK_OF(X509) *extra = sk_X509_new_null();
  BIO *in = BIO_new_mem_buf(data, sizeof(data));
  CMS_ContentInfo *cms = NULL;
  unsigned char *plain = NULL, *nocerts = NULL, *ber = NULL;
  int plain_len = 0, nocerts_len = 0, round;
  static uint8_t dup[16384];
  size_t ber_len = 0;

  CHECK(key && key2 && cache && extra && in);
  CHECK(test_pki_cert_self_signed(key, 1, "VN", "Signer", 30, &cert, &der,
                                  &der_len) == 1);
  CHECK(test_pki_cert_self_signed(key2, 2, "VN", "Other", 30, &other, &der2,
                                  &der2_len) == 1);
  if (!cert || !other || !cache)
    goto done;
  sk_X509_push(extra, other);
  cms = CMS_sign(cert, key, extra, in, CMS_BINARY | CMS_DETACHED);
  plain_len = i2d_CMS_ContentInfo(cms, &plain);
  CMS_ContentInfo_free(cms);
  (void)BIO_reset(in);
  cms = CMS_sign(cert, key, NULL, in, CMS_BINARY | CMS_DETACHED | CMS_NOCERTS);
  nocerts_len = i2d_CMS_ContentInfo(cms, &nocerts);
  /* BER: the same ContentInfo with its outer SEQUENCE in the indefinite
   * form (0x30 0x80 ... 0x00 0x00). */
  if (plain_len > 4 && plain[1] == 0x82) {
    ber_len = (size_t)plain_len - 4 + 2 + 2;
    ber = OPENSSL_malloc(ber_len);
    if (ber) {
      ber[0] = 0x30;
      ber[1] = 0x80;
      memcpy(ber + 2, plain + 4, (size_t)plain_len - 4);
      ber[ber_len - 2] = 0;
      ber[ber_len - 1] = 0;
    }
  }
  CHECK(plain_len > 0 && nocerts_len > 0 && ber);
  CHECK(with_duplicate(plain, (size_t)plain_len, dup, sizeof(dup), &dup_len) ==
        0);
  for (round = 0; round < 2; round++) { /* the second from the cache */
    same_cms(cache, plain, (size_t)plain_len, data, sizeof(data), cert, 1);
    same_cms(cache, dup, dup_len, data, sizeof(data), cert, 1);
    same_cms(cache, nocerts, (size_t)nocerts_len, data, sizeof(data), cert, 0);
    if (ber)
      same_cms(cache, ber, ber_len, data, sizeof(data), cert, 1);
    same_cms(cache, plain, (size_t)plain_len / 2, data, sizeof(data), cert, 0);
    same_cms(NULL, plain, (size_t)plain_len, data, sizeof(data), cert, 1);
  }
  {
    /* The duplicate input really holds three certificates. */
    const unsigned char *p = dup;
    CMS_ContentInfo *b = d2i_CMS_ContentInfo(NULL, &p, (long)dup_len);
    STACK_OF(X509) *c = b ? CMS_get1_certs(b) : NULL;
    CHECK(c && sk_X509_num(c) == 3);
    sk_X509_pop_free(c, X509_free);
    CMS_ContentInfo_free(b);
  }
done:
  CMS_ContentInfo_free(cms);
  OPENSSL_free(plain);
  OPENSSL_free(nocerts);
  OPENSSL_free(ber);
  BIO_free(in);
  sk_X509_free(extra);
  X509_free(cert);
  X509_free(other);
  OPENSSL_free(der);
  OPENSSL_free(der2);
  EVP_PKEY_free(key);
  EVP_PKEY_free(key2);
  kyso_cert_cache_free(cache);
}

/* ---- kyso_pdf_open_revision ---------------------------------------------- */

/* Two revisions; object 4 is a stream whose /Length is object 3: 2 in the
 * first revision ("AB"), rewritten by the second to take in the bytes up
 * to a second "endstream endobj". Both readings parse. */
static size_t build_length_rewrite(char *out, size_t cap, size_t *rev1_end) {
  size_t off[5], n = 0, xref1, xref2, long_len, o3b;
  const char *tail = "\nendstream\nendobj\nCD";
#define PUT(...) n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__)
  PUT("%%PDF-1.7\n");
  off[1] = n;
  PUT("1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
  off[2] = n;
  PUT("2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n");
  off[3] = n;
  PUT("3 0 obj\n2\nendobj\n");
  off[4] = n;
  PUT("4 0 obj\n<</Length 3 0 R>>\nstream\nAB%s\nendstream\nendobj\n", tail);
  long_len = 2 + strlen(tail);
  xref1 = n;
  PUT("xref\n0 5\n0000000000 65535 f \n");
  PUT("%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n",
      off[1], off[2], off[3], off[4]);
  PUT("trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%zu\n%%%%EOF\n", xref1);
  *rev1_end = n;
  o3b = n;
  PUT("3 0 obj\n%zu\nendobj\n", long_len);
  xref2 = n;
  PUT("xref\n0 1\n0000000000 65535 f \n3 1\n%010zu 00000 n \n", o3b);
  PUT("trailer\n<</Size 5/Root 1 0 R/Prev %zu>>\nstartxref\n%zu\n%%%%EOF\n",
      xref1, xref2);
#undef PUT
  return n;
}

static void test_open_revision(void) {
  char buf[4096];
  size_t rev1_end = 0, len = build_length_rewrite(buf, sizeof(buf), &rev1_end);
  kyso_pdf *doc = NULL, *old = NULL, *again = NULL;
  kyso_obj *s_doc = NULL, *s_old = NULL, *cat_doc = NULL, *cat_old = NULL;
  kyso_error err;

  CHECK_EQ_INT(kyso_pdf_open((const uint8_t *)buf, len, &doc, &err), KYSO_OK);
  if (!doc)
    return;
  CHECK_EQ_INT(kyso_pdf_get_object(doc, 4, &s_doc, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_pdf_get_object(doc, 2, &cat_doc, &err), KYSO_OK);
  CHECK(kyso_obj_is(s_doc, KYSO_OBJ_STREAM) && s_doc->u.stream.len > 2);
  CHECK_EQ_INT(kyso_pdf_open_revision(doc, rev1_end, &old, &err), KYSO_OK);
  if (old) {
    CHECK_EQ_INT(kyso_pdf_get_object(old, 4, &s_old, &err), KYSO_OK);
    CHECK_EQ_INT(kyso_pdf_get_object(old, 2, &cat_old, &err), KYSO_OK);
    /* The first revision's own length, not the rewritten one. */
    CHECK(kyso_obj_is(s_old, KYSO_OBJ_STREAM) && s_old != s_doc &&
          s_old->u.stream.len == 2 &&
          memcmp(s_old->u.stream.data, "AB", 2) == 0);
    /* The page tree root is the same bytes: taken from the document. */
    CHECK(cat_old == cat_doc);
    /* A second caller gets the revision kept open, not a new parse. */
    CHECK_EQ_INT(kyso_pdf_open_revision(doc, rev1_end, &again, &err), KYSO_OK);
    CHECK(again == old);
    kyso_pdf_close(again);
    kyso_pdf_close(old);
  }
  kyso_pdf_close(doc); /* closes the kept revision too (ASan: no leak) */
}

int main(void) {
  test_lexer_byte_classes();
  test_lexer_same_tokens();
  test_lexer_xref_entries();
  test_hex_same_bytes();
  test_range_hash();
  test_cms_decode();
  test_open_revision();
  return check_summary();
}
