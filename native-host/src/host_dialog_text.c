/*
 * host_dialog_text.c - consent and PIN dialog texts; see host_dialog_text.h.
 */
#include "host_dialog_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* The caps tried for a document's name when its line does not fit; 0: the
 * code alone. A document whose code does not fit either is counted on the
 * "và N văn bản khác" line. */
static const size_t name_caps[] = {HOST_NAME_CHARS, 60, 40, 24, 12, 0};

#define UNICODE_REPLACEMENT 0xFFFDu
#define UNICODE_ELLIPSIS 0x2026u

/* The batch code gives each message-digest value's length in one byte:
 * a longer one is refused (never met: the profile admits 32, 48, 64). */
#define HOST_MD_MAX 255u

/* "DDD DDD" from a SHA-256 value: its first 4 bytes big-endian mod 10^6. */
static void code_from_hash(const uint8_t h[32], char out[HOST_CODE_TEXT_SIZE]) {
  unsigned long v;

  v = ((unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 |
       (unsigned long)h[2] << 8 | (unsigned long)h[3]) %
      1000000ul;
  snprintf(out, HOST_CODE_TEXT_SIZE, "%03lu %03lu", v / 1000, v % 1000);
}

int host_code_text(const uint8_t *md, size_t md_len,
                   char out[HOST_CODE_TEXT_SIZE]) {
  uint8_t h[32];
  unsigned int n = 0;

  snprintf(out, HOST_CODE_TEXT_SIZE, "??? ???");
  if (!md || md_len == 0 ||
      !EVP_Digest(md, md_len, h, &n, EVP_sha256(), NULL) || n != 32)
    return 0;
  code_from_hash(h, out);
  return 1;
}

int host_batch_code_text(const host_consent_doc *docs, size_t n,
                         char out[HOST_CODE_TEXT_SIZE]) {
  EVP_MD_CTX *ctx;
  uint8_t h[32], len;
  unsigned int hn = 0;
  size_t i;
  int ok;

  snprintf(out, HOST_CODE_TEXT_SIZE, "??? ???");
  if (!docs || n == 0)
    return 0;
  for (i = 0; i < n; i++)
    if (!docs[i].md || docs[i].md_len == 0 || docs[i].md_len > HOST_MD_MAX)
      return 0;
  ctx = EVP_MD_CTX_new();
  ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  for (i = 0; ok && i < n; i++) {
    len = (uint8_t)docs[i].md_len;
    ok = EVP_DigestUpdate(ctx, &len, 1) &&
         EVP_DigestUpdate(ctx, docs[i].md, docs[i].md_len);
  }
  ok = ok && EVP_DigestFinal_ex(ctx, h, &hn) && hn == 32;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return 0;
  code_from_hash(h, out);
  return 1;
}

/* ---- cleaning untrusted text ----------------------------------------------
 */

/* One code point at s (n > 0 bytes left), RFC 3629 3: the shortest form
 * only, no surrogates, at most U+10FFFF. -1 for a malformed sequence, of
 * which one byte is consumed. */
static long utf8_next(const unsigned char *s, size_t n, size_t *len) {
  unsigned long cp;
  size_t need, i;

  *len = 1;
  if (s[0] < 0x80)
    return s[0];
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    need = 1;
    cp = s[0] & 0x1Fu;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    need = 2;
    cp = s[0] & 0x0Fu;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    need = 3;
    cp = s[0] & 0x07u;
  } else {
    return -1; /* continuation byte, C0/C1 (overlong) or F5..FF */
  }
  if (n < need + 1)
    return -1;
  for (i = 1; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return -1;
    cp = cp << 6 | (s[i] & 0x3Fu);
  }
  if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return -1;
  *len = need + 1;
  return (long)cp;
}

typedef enum cp_class { CP_OTHER, CP_KEEP, CP_MARK } cp_class;

/* The allowlist (host_dialog_text.h); everything else is CP_OTHER. */
static cp_class cp_classify(long cp) {
  if (cp >= 0x20 && cp <= 0x7E)
    return CP_KEEP;
  if (cp >= 0xA1 && cp <= 0xFF && cp != 0xAD)
    return CP_KEEP;
  if (cp >= 0x100 && cp <= 0x24F)
    return CP_KEEP;
  /* Only the marks Vietnamese is written with when decomposed (grave,
   * acute, circumflex, tilde, breve, hook above, horn, dot below): not the
   * overlays U+0334-U+0338 that strike a digit through, nor the invisible
   * U+034F, nor the rest. */
  if (cp == 0x300 || cp == 0x301 || cp == 0x302 || cp == 0x303 || cp == 0x306 ||
      cp == 0x309 || cp == 0x31B || cp == 0x323)
    return CP_MARK;
  if (cp >= 0x1E00 && cp <= 0x1EFF)
    return CP_KEEP;
  if ((cp >= 0x2010 && cp <= 0x2015) || (cp >= 0x2018 && cp <= 0x201F) ||
      cp == 0x2026 || cp == 0x2039 || cp == 0x203A || cp == 0x20AB)
    return CP_KEEP;
  return CP_OTHER;
}

/* What a kept character is shown as. */
static unsigned long cp_shown(long cp) {
  switch (cp) {
  case '"': return '\'';
  case '<': return 0x2039;
  case '>': return 0x203A;
  default: return (unsigned long)cp;
  }
}

static size_t utf8_put(char *out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  out[0] = (char)(0xE0 | cp >> 12); /* the allowlist stays in the BMP */
  out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[2] = (char)(0x80 | (cp & 0x3F));
  return 3;
}

size_t host_text_clean(const char *in, size_t max_chars, char *out,
                       size_t cap) {
  const unsigned char *s = (const unsigned char *)in;
  size_t n, i = 0, len, used = 0, chars = 0, cut = 0;
  int marks = -1; /* marks after the last kept character; -1: none allowed */
  int last_bad = 0, last_space = 0, over = 0;
  cp_class cls;
  long cp;

  if (cap == 0)
    return 0;
  out[0] = '\0';
  if (!in || max_chars == 0 || cap < HOST_CLEAN_CAP(max_chars))
    return 0;
  n = strlen(in);
  while (i < n && !over) {
    cp = utf8_next(s + i, n - i, &len);
    i += len;
    cls = cp_classify(cp);
    if (cls == CP_MARK && (marks < 0 || marks >= HOST_MARKS_PER_CHAR))
      cls = CP_OTHER; /* no letter to carry it, or a stack of marks */
    if (cls == CP_OTHER && last_bad)
      continue; /* one U+FFFD for a run */
    if (cls == CP_KEEP && cp == ' ' && last_space)
      continue;
    if (chars + 1 > max_chars) {
      over = 1;
      break;
    }
    if (cls == CP_MARK) {
      marks++;
    } else {
      cut = used; /* a character starts here: a place to cut */
      marks = cls == CP_KEEP ? 0 : -1;
    }
    used += utf8_put(out + used,
                     cls == CP_OTHER ? UNICODE_REPLACEMENT : cp_shown(cp));
    chars++;
    last_bad = cls == CP_OTHER;
    last_space = cls == CP_KEEP && cp == ' ';
  }
  if (over) {
    /* chars before cut <= max_chars - 1: room for the ellipsis. */
    used = cut + utf8_put(out + cut, UNICODE_ELLIPSIS);
  }
  out[used] = '\0';
  return used;
}

/* ---- page-supplied names: no code from the page ---------------------------
 */

static int code_digit(long cp) {
  return (cp >= '0' && cp <= '9') || cp == 0xB2 || cp == 0xB3 || cp == 0xB9;
}

static int code_separator(long cp) {
  switch (cp) {
  case ' ':
  case '.':
  case ',':
  case '-':
  case '_':
  case '/':
  case '\'':
  case 0xB7:
  case 0x2018:
  case 0x2019:
  case UNICODE_REPLACEMENT: return 1;
  default: return cp >= 0x2010 && cp <= 0x2015;
  }
}

/* One shown character of cleaned text at s (n > 0 bytes left): its first
 * code point in *base; returns its bytes with the marks that follow. */
static size_t shown_char(const char *s, size_t n, long *base) {
  const unsigned char *u = (const unsigned char *)s;
  size_t at, len;
  long cp;

  *base = utf8_next(u, n, &at);
  while (at < n) {
    cp = utf8_next(u + at, n - at, &len);
    if (cp < 0 || cp_classify(cp) != CP_MARK)
      break;
    at += len;
  }
  return at;
}

/* The digits that start at s (n bytes left), in shown characters. */
static size_t digit_run(const char *s, size_t n, size_t *bytes) {
  size_t run = 0, at = 0, len;
  long base;

  while (at < n) {
    len = shown_char(s + at, n - at, &base);
    if (!code_digit(base))
      break;
    run++;
    at += len;
  }
  *bytes = at;
  return run;
}

/* At s, a digit after a non-digit: the shown characters of a code shape
 * (6: "971036", 7: "971 036"), else 0. */
static size_t code_shape(const char *s, size_t n) {
  size_t at, len, run;
  long base;

  run = digit_run(s, n, &at);
  if (run == 6)
    return 6;
  if (run != 3 || at >= n)
    return 0;
  len = shown_char(s + at, n - at, &base);
  if (!code_separator(base))
    return 0;
  at += len;
  return digit_run(s + at, n - at, &len) == 3 ? 7 : 0;
}

/* In place: brackets to parentheses, superscript digits to digits,
 * code-shaped digits to '#'. The text only shrinks (a digit and its marks
 * become one '#'). */
static size_t mask_page_text(char *s) {
  size_t n = strlen(s), r = 0, w = 0, len, k, shape;
  int after_digit = 0;
  long base;

  while (r < n) {
    len = shown_char(s + r, n - r, &base);
    shape = code_digit(base) && !after_digit ? code_shape(s + r, n - r) : 0;
    for (k = 0; k < (shape ? shape : 1); k++) {
      len = shown_char(s + r, n - r, &base);
      if (shape && code_digit(base)) {
        s[w++] = '#';
      } else if (base >= 0x80 && code_digit(base)) {
        /* a superscript digit (2 bytes) is shown as the digit it is */
        s[w++] = base == 0xB9 ? '1' : (char)('0' + (base - 0xB0));
        memmove(s + w, s + r + 2, len - 2);
        w += len - 2;
      } else {
        memmove(s + w, s + r, len);
        if (base == '[' || base == ']')
          s[w] = base == '[' ? '(' : ')';
        w += len;
      }
      r += len;
      after_digit = code_digit(base);
    }
  }
  s[w] = '\0';
  return w;
}

size_t host_name_clean(const char *in, size_t max_chars, char *out,
                       size_t cap) {
  if (host_text_clean(in, max_chars, out, cap) == 0)
    return 0;
  return mask_page_text(out);
}

size_t host_assuan_len(const char *s) {
  size_t n = 0;

  for (; s && *s; s++)
    n += *s == '%' || *s == '\n' || *s == '\r' ? 3 : 1;
  return n;
}

/* ---- composing ------------------------------------------------------------
 */

/* Appends to a text, or fails for good (never a silent cut). */
typedef struct text_buf {
  char *p;
  size_t cap;
  size_t len;
  int failed;
} text_buf;

static void tb_init(text_buf *b, char *p, size_t cap) {
  b->p = p;
  b->cap = cap;
  b->len = 0;
  b->failed = cap == 0;
  if (cap)
    p[0] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
tb_add(text_buf *b, const char *format, ...) {
  va_list ap;
  int n;

  if (b->failed)
    return;
  va_start(ap, format);
  n = vsnprintf(b->p + b->len, b->cap - b->len, format, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= b->cap - b->len) {
    b->failed = 1;
    b->p[b->len] = '\0'; /* drop the partial piece */
    return;
  }
  b->len += (size_t)n;
}

static int tb_fits(const text_buf *b, size_t assuan_max) {
  return !b->failed && host_assuan_len(b->p) <= assuan_max;
}

/* "1 document", "3 documents". */
static const char *plural(size_t n) {
  return n == 1 ? "" : "s";
}

/* The lines before the list: the summary, never cut. batch: the batch
 * code, "" for one document. The site's registrable domain comes first:
 * https://dichvucong.gov.vn.<padding>.evil.test is evil.test's. */
static void consent_head(text_buf *b, const host_consent *c, const char *site,
                         const char *signer, const char *batch) {
  char domain[HOST_CLEAN_CAP(HOST_SITE_CHARS)];

  if (c->domain && c->domain[0]) {
    host_text_clean(c->domain, HOST_SITE_CHARS, domain, sizeof(domain));
    tb_add(b, "Trang web thuộc tên miền «%s»\n", domain);
  }
  tb_add(b,
         "Trang %s yêu cầu ký %zu văn bản bằng chứng thư của \"%s\".\n"
         "(The site asks to sign %zu document%s with this certificate.)\n",
         site, c->doc_count, signer, c->doc_count, plural(c->doc_count));
  tb_add(b, "Mã kiểm tra do kyso tính, phải trùng với mã trên trang (must "
            "match the site's):\n");
  if (*batch)
    tb_add(b, "Mã kiểm tra của lô (cả %zu văn bản): [%s] (batch code)\n",
           c->doc_count, batch);
}

/* The documents not listed, on a line of their own. */
static void consent_more(text_buf *b, size_t more) {
  if (more)
    tb_add(b, "  … và %zu văn bản khác (%zu more)\n", more, more);
}

/* The lines after the list: how to enter the PIN, the count (and the
 * batch code) again. */
static void consent_tail(text_buf *b, const host_consent *c,
                         const char *batch) {
  if (c->pin_pad)
    tb_add(b, "Bấm Ký rồi nhập mã PIN trên bàn phím đầu đọc thẻ (PIN on the "
              "keypad).\n");
  if (*batch)
    tb_add(b,
           "Đồng ý ký %zu văn bản, mã lô %s? (Sign %zu documents, batch %s?)",
           c->doc_count, batch, c->doc_count, batch);
  else
    tb_add(b, "Đồng ý ký %zu văn bản? (Sign %zu document%s?)", c->doc_count,
           c->doc_count, plural(c->doc_count));
}

static void doc_line(text_buf *b, size_t i, const host_consent_doc *d,
                     size_t name_chars) {
  char code[HOST_CODE_TEXT_SIZE];
  char name[HOST_CLEAN_CAP(HOST_NAME_CHARS)];

  host_code_text(d->md, d->md_len, code);
  if (name_chars == 0) {
    tb_add(b, "  %zu. [%s]\n", i + 1, code);
    return;
  }
  host_name_clean(d->name, name_chars, name, sizeof(name));
  tb_add(b, "  %zu. [%s] tên do trang đặt: \"%s\"\n", i + 1, code, name);
}

int host_consent_text(const host_consent *c, char *title, size_t title_cap,
                      char *desc, size_t desc_cap, size_t *listed) {
  char site[HOST_CLEAN_CAP(HOST_SITE_CHARS)];
  char signer[HOST_CLEAN_CAP(HOST_SIGNER_CHARS)];
  char tail[HOST_DIALOG_DESC_MAX + 1], more[HOST_DIALOG_DESC_MAX + 1];
  char line[HOST_DIALOG_DESC_MAX + 1];
  char batch[HOST_CODE_TEXT_SIZE] = "";
  text_buf b, t, m, l, tt;
  size_t i, k, fixed;

  *listed = 0;
  if (desc_cap < HOST_DIALOG_DESC_MAX + 1 || c->doc_count == 0)
    return 0;
  /* Two or more documents: one code over all of them, which fits whatever
   * the names (a document not listed is still covered). */
  if (c->doc_count > 1 && !host_batch_code_text(c->docs, c->doc_count, batch))
    return 0;
  host_text_clean(c->site, HOST_SITE_CHARS, site, sizeof(site));
  host_text_clean(c->signer, HOST_SIGNER_CHARS, signer, sizeof(signer));
  tb_init(&tt, title, title_cap);
  tb_add(&tt, "kyso: ký %zu văn bản (sign %zu document%s)", c->doc_count,
         c->doc_count, plural(c->doc_count));
  tb_init(&b, desc, HOST_DIALOG_DESC_MAX + 1);
  consent_head(&b, c, site, signer, batch);
  tb_init(&t, tail, sizeof(tail));
  consent_tail(&t, c, batch);
  if (!tb_fits(&tt, HOST_DIALOG_TITLE_MAX) || b.failed || t.failed)
    return 0;
  for (i = 0; i < c->doc_count; i++) {
    /* What must still fit after this line: the tail, and the count of the
     * documents after it unless this is the last one. */
    tb_init(&m, more, sizeof(more));
    consent_more(&m, c->doc_count - i - 1);
    fixed =
        host_assuan_len(b.p) + host_assuan_len(tail) + host_assuan_len(more);
    for (k = 0; k < sizeof(name_caps) / sizeof(name_caps[0]); k++) {
      tb_init(&l, line, sizeof(line));
      doc_line(&l, i, &c->docs[i], name_caps[k]);
      if (!l.failed && fixed + host_assuan_len(line) <= HOST_DIALOG_DESC_MAX)
        break;
    }
    if (k == sizeof(name_caps) / sizeof(name_caps[0]))
      break; /* not even with a short name: counted below */
    tb_add(&b, "%s", line);
  }
  *listed = i;
  consent_more(&b, c->doc_count - i);
  tb_add(&b, "%s", tail);
  if (!tb_fits(&b, HOST_DIALOG_DESC_MAX)) {
    *listed = 0;
    return 0;
  }
  return 1;
}

int host_pin_text(const host_consent *c, char *desc, size_t cap) {
  char label[HOST_CLEAN_CAP(HOST_LABEL_CHARS)];
  char site[HOST_CLEAN_CAP(HOST_SITE_CHARS)];
  text_buf b;

  host_text_clean(c->token_label, HOST_LABEL_CHARS, label, sizeof(label));
  host_text_clean(c->site, HOST_SITE_CHARS, site, sizeof(site));
  tb_init(&b, desc,
          cap < HOST_DIALOG_DESC_MAX + 1 ? cap : HOST_DIALOG_DESC_MAX + 1);
  if (c->pin_pad)
    tb_add(&b,
           "Sai mã PIN. Bấm Thử lại rồi nhập lại mã PIN trên bàn phím của "
           "đầu đọc thẻ (token \"%s\") để ký %zu văn bản cho %s.\n"
           "(Wrong PIN. Press Retry, then type the PIN of token \"%s\" on "
           "the reader's keypad.)",
           label, c->doc_count, site, label);
  else
    tb_add(&b,
           "Nhập mã PIN của token \"%s\" để ký %zu văn bản cho %s.\n"
           "(Enter the PIN of token \"%s\" to sign %zu document%s.)",
           label, c->doc_count, site, label, c->doc_count,
           plural(c->doc_count));
  return tb_fits(&b, HOST_DIALOG_DESC_MAX);
}

void host_pin_error_text(int wrong_pin, host_pin_warning w, char *out,
                         size_t cap) {
  static const char *const vi[] = {
      "", "Token báo đã có lần nhập sai; còn ít lần thử trước khi bị khoá.",
      "Lần thử cuối: nhập sai nữa token sẽ bị khoá."};
  static const char *const en[] = {
      "", "Few tries left before the token locks.",
      "Final try: one more wrong PIN locks the token."};
  text_buf b;

  tb_init(&b, out, cap);
  if (!wrong_pin && w == HOST_PIN_WARNING_NONE)
    return;
  tb_add(&b, "%s%s%s (%s%s%s)", wrong_pin ? "Sai mã PIN." : "",
         wrong_pin && w ? " " : "", vi[w], wrong_pin ? "Wrong PIN." : "",
         wrong_pin && w ? " " : "", en[w]);
  if (b.failed && cap)
    out[0] = '\0';
}
