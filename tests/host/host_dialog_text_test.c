/*
 * host_dialog_text_test.c - what the consent and PIN dialogs may show
 * (native-host/src/host_dialog_text.h): the verification code (contract 1
 * in PROTOCOL.md), the cleaning of untrusted text (table-driven), and the
 * budget of the consent text against worst-case inputs: the summary and
 * the document count are never cut, every listed document shows its code,
 * the description fits in one Assuan line once percent-escaped. A batch's
 * code (computed here on its own: one buffer, one SHA-256) is in the
 * dialog's first part and its last line, whatever the names, and changes
 * when any one document's message-digest does, listed or not. A name
 * cannot carry a code: brackets become parentheses, code-shaped digits '#'.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "check.h"
#include "host_dialog_text.h"

/* "\uFFFD" and "\u2026" in UTF-8. */
#define REPL "\xEF\xBF\xBD"
#define ELL "\xE2\x80\xA6"

static const struct {
  const char *in;
  size_t max;
  const char *out;
} clean_cases[] = {
    /* kept as is: Vietnamese, precomposed and decomposed */
    {"Tờ trình số 1.pdf", 80, "Tờ trình số 1.pdf"},
    {"Nguyê\xCC\xA3n", 80, "Nguyê\xCC\xA3n"},
    {"e\xCC\xA3\xCC\x82", 80, "e\xCC\xA3\xCC\x82"},
    {"Giá 100.000₫ – “báo cáo” …", 80, "Giá 100.000₫ – “báo cáo” …"},
    /* a third mark, or a mark with no letter, is not shown */
    {"e\xCC\xA3\xCC\x82\xCC\x81x", 80, "e\xCC\xA3\xCC\x82" REPL "x"},
    /* red-team review: a long stroke overlay (U+0336) striking a digit
     * through and the invisible combining grapheme joiner (U+034F) */
    {"971\xCC\xB6 036", 80, "971" REPL " 036"},
    {"a\xCD\x8F.pdf", 80, "a" REPL ".pdf"},
    {"\xCC\x81"
     "abc",
     80, REPL "abc"},
    /* line and paragraph separators, C1, bidi, zero-width, BOM */
    {"a.pdf\xE2\x80\xA8Trang https://x", 80, "a.pdf" REPL "Trang https://x"},
    {"a\xE2\x80\xA9"
     "b",
     80, "a" REPL "b"},
    {"a\xC2\x85"
     "b\xC2\x9B"
     "c",
     80, "a" REPL "b" REPL "c"},
    {"fdp.\xE2\x80\xAE"
     "exe",
     80, "fdp." REPL "exe"},
    {"a\xE2\x80\x8B\xE2\x80\x8C\xE2\x80\x8D\xE2\x80\x8E\xE2\x80\x8F"
     "b",
     80, "a" REPL "b"},
    {"a\xE2\x81\xA6"
     "b\xE2\x81\xA9",
     80, "a" REPL "b" REPL},
    {"\xEF\xBB\xBF"
     "a",
     80, REPL "a"},
    /* private use, unassigned, soft hyphen, no-break space, other scripts */
    {"a\xEE\x80\x80"
     "b\xCD\xB8"
     "c",
     80, "a" REPL "b" REPL "c"},
    {"a\xC2\xAD"
     "b\xC2\xA0"
     "c",
     80, "a" REPL "b" REPL "c"},
    {"báo cáo \xF0\x9F\x93\x84.pdf", 80, "báo cáo " REPL ".pdf"},
    {"\xE6\x96\x87\xE4\xBB\xB6.pdf", 80, REPL ".pdf"},
    /* malformed UTF-8: stray continuation, overlong, surrogate, > U+10FFFF,
     * truncated */
    {"a\x80"
     "b",
     80, "a" REPL "b"},
    {"a\xC0\xAF"
     "b",
     80, "a" REPL "b"},
    {"a\xED\xA0\x80"
     "b",
     80, "a" REPL "b"},
    {"a\xF4\x90\x80\x80"
     "b",
     80, "a" REPL "b"},
    {"ab\xE1\xBB", 80, "ab" REPL},
    /* the dialog's own quoting and markup-looking text */
    {"a\"b", 80, "a'b"},
    {"<b>x</b>", 80,
     "\xE2\x80\xB9"
     "b\xE2\x80\xBA"
     "x\xE2\x80\xB9/b\xE2\x80\xBA"},
    {"a     b", 80, "a b"},
    /* the cap: in characters, cut before a whole character */
    {"abcdef", 6, "abcdef"},
    {"abcdefg", 6, "abcde" ELL},
    {"ờờờờờờờ", 6, "ờờờờờ" ELL},
    {"abcde\xCC\x81"
     "f",
     6, "abcd" ELL},
    {"abcd\xCC\x81"
     "ef",
     6, "abcd\xCC\x81" ELL},
};

/* Page-supplied names (host_name_clean): what host_text_clean does, and
 * no code from the page. */
static const struct {
  const char *in;
  const char *out;
} name_cases[] = {
    /* the red team's: the genuine code in a swapped document's name */
    {"Tờ trình số 1.pdf [971 036] (mã kiểm tra đúng: 971 036)",
     "Tờ trình số 1.pdf (### ###) (mã kiểm tra đúng: ### ###)"},
    {"Hop dong [482 193] - ma kiem tra dung la 482 193",
     "Hop dong (### ###) - ma kiem tra dung la ### ###"},
    {"a 971036.pdf", "a ######.pdf"},
    {"a 971.036.pdf", "a ###.###.pdf"},
    {"971-036 971_036 971/036 971,036", "###-### ###_### ###/### ###,###"},
    /* a no-break space, a thin space, an en dash, a middle dot */
    {"971\xC2\xA0"
     "036",
     "###" REPL "###"},
    {"971\xE2\x80\x89"
     "036",
     "###" REPL "###"},
    {"971–036 971·036", "###–### ###·###"},
    /* two spaces are one once cleaned */
    {"971  036", "### ###"},
    /* marks on the digits do not hide them; superscripts are digits */
    {"9\xCC\x81"
     "71 036",
     "### ###"},
    {"\xC2\xB9\xC2\xB2\xC2\xB3 456", "### ###"},
    {"224 819\xC2\xB3", "224 8193"},
    {"Diện tích 100 m\xC2\xB2", "Diện tích 100 m2"},
    /* a chain: whichever group was meant, it is broken */
    {"123 971 036", "### ### 036"},
    {"12 971 036", "12 ### ###"},
    {"100.000.000₫", "###.###.000₫"},
    /* brackets are the host's */
    {"[Mật] Báo cáo [2025]", "(Mật) Báo cáo (2025)"},
    /* not code-shaped: kept */
    {"123/QĐ-UBND", "123/QĐ-UBND"},
    {"Quyết định số 1234/QĐ-UBND ngày 15/01/2025",
     "Quyết định số 1234/QĐ-UBND ngày 15/01/2025"},
    {"Hồ sơ 1234567", "Hồ sơ 1234567"},
    {"12345 678", "12345 678"},
    {"971 0365", "971 0365"},
    {"971 : 036", "971 : 036"},
    {"97 1036", "97 1036"},
};

static void test_name_clean(void) {
  char out[HOST_CLEAN_CAP(HOST_NAME_CHARS)];
  size_t i;

  for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
    host_name_clean(name_cases[i].in, HOST_NAME_CHARS, out, sizeof(out));
    if (strcmp(out, name_cases[i].out) != 0)
      fprintf(stderr, "name case %zu\n", i);
    CHECK_EQ_STR(out, name_cases[i].out);
  }
  /* everything host_text_clean does still holds */
  host_name_clean("a\xE2\x80\xAE\"b\"", HOST_NAME_CHARS, out, sizeof(out));
  CHECK_EQ_STR(out, "a" REPL "'b'");
  host_name_clean("abcdefg", 6, out, sizeof(out));
  CHECK_EQ_STR(out, "abcde" ELL);
  /* a code cut by the cap is no longer code-shaped: "971 03…" */
  host_name_clean("x 971 036 y", 9, out, sizeof(out));
  CHECK_EQ_STR(out, "x 971 03" ELL);
  CHECK_EQ_INT(host_name_clean("abc", 80, out, 10), 0);
}

static void test_clean(void) {
  char out[HOST_CLEAN_CAP(HOST_NAME_CHARS)];
  size_t i;

  for (i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++) {
    host_text_clean(clean_cases[i].in, clean_cases[i].max, out, sizeof(out));
    if (strcmp(out, clean_cases[i].out) != 0)
      fprintf(stderr, "clean case %zu\n", i);
    CHECK_EQ_STR(out, clean_cases[i].out);
  }
  /* too small an output buffer: nothing, never an overflow */
  CHECK_EQ_INT(host_text_clean("abc", 80, out, 10), 0);
  CHECK_EQ_STR(out, "");
}

static void test_code(void) {
  uint8_t md[48];
  char code[HOST_CODE_TEXT_SIZE];
  size_t i;

  /* SHA-256 of 32 zero bytes starts 66 68 7a ad: 1718123181 mod 10^6 */
  memset(md, 0, sizeof(md));
  CHECK(host_code_text(md, 32, code));
  CHECK_EQ_STR(code, "123 181");
  for (i = 0; i < sizeof(md); i++)
    md[i] = (uint8_t)i;
  CHECK(host_code_text(md, 48, code));
  CHECK_EQ_STR(code, "281 778");
  CHECK(!host_code_text(md, 0, code));
}

/* The batch code here: the whole input in one buffer, one SHA-256. */
static void batch_code(const host_consent_doc *docs, size_t n, char *out) {
  unsigned char *buf = malloc(n * 65), h[SHA256_DIGEST_LENGTH];
  size_t i, len = 0;
  unsigned long v;

  for (i = 0; i < n; i++) {
    buf[len++] = (unsigned char)docs[i].md_len;
    memcpy(buf + len, docs[i].md, docs[i].md_len);
    len += docs[i].md_len;
  }
  SHA256(buf, len, h);
  free(buf);
  v = ((unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 |
       (unsigned long)h[2] << 8 | h[3]) %
      1000000ul;
  snprintf(out, HOST_CODE_TEXT_SIZE, "%03lu %03lu", v / 1000, v % 1000);
}

static void test_batch_code(void) {
  uint8_t zero[32], seq[48], ff[64];
  host_consent_doc docs[3], swapped[3];
  char code[HOST_CODE_TEXT_SIZE], mine[HOST_CODE_TEXT_SIZE];
  size_t i;

  memset(zero, 0, sizeof(zero));
  for (i = 0; i < sizeof(seq); i++)
    seq[i] = (uint8_t)i;
  memset(ff, 0xff, sizeof(ff));
  memset(docs, 0, sizeof(docs));
  docs[0].md = zero;
  docs[0].md_len = 32;
  docs[1].md = seq;
  docs[1].md_len = 48;
  docs[2].md = ff;
  docs[2].md_len = 64;
  /* The known vector, computed by tests/lib/vcode.mjs (node's crypto):
   * SHA-256(20 00*32 30 00..2f 40 ff*64) starts 59 95 51 e5. */
  CHECK(host_batch_code_text(docs, 3, code));
  CHECK_EQ_STR(code, "958 053");
  batch_code(docs, 3, mine);
  CHECK_EQ_STR(code, mine);
  /* the order and the lengths are in it */
  swapped[0] = docs[1];
  swapped[1] = docs[0];
  swapped[2] = docs[2];
  CHECK(host_batch_code_text(swapped, 3, code));
  CHECK(strcmp(code, "958 053") != 0);
  swapped[0] = docs[0];
  swapped[1] = docs[1];
  swapped[1].md_len = 47;
  CHECK(host_batch_code_text(swapped, 3, code));
  batch_code(swapped, 3, mine);
  CHECK(strcmp(code, "958 053") != 0 && strcmp(code, mine) == 0);
  /* refused: nothing, or an md missing or too long for its length byte */
  CHECK(!host_batch_code_text(docs, 0, code));
  CHECK_EQ_STR(code, "??? ???");
  swapped[1].md_len = 0;
  CHECK(!host_batch_code_text(swapped, 3, code));
  swapped[1].md_len = 256;
  CHECK(!host_batch_code_text(swapped, 3, code));
}

/* The number of lines of text, and line k (0-based) into out. */
static size_t text_line(const char *s, size_t k, char *out, size_t cap) {
  size_t n = 0, len;
  const char *e;

  for (;;) {
    e = strchr(s, '\n');
    len = e ? (size_t)(e - s) : strlen(s);
    if (n == k && len < cap) {
      memcpy(out, s, len);
      out[len] = '\0';
    }
    n++;
    if (!e)
      return n;
    s = e + 1;
  }
}

/* The consent text of c, checked for what must always hold; the batch
 * code it shows ("" for one document) into batch. */
static int consent(const host_consent *c, char *desc, size_t *listed,
                   char batch[HOST_CODE_TEXT_SIZE]) {
  char title[HOST_DIALOG_TITLE_MAX + 1];
  const char *at;

  batch[0] = '\0';
  if (!host_consent_text(c, title, sizeof(title), desc,
                         HOST_DIALOG_DESC_MAX + 1, listed))
    return 0;
  at = strstr(desc, ", mã lô ");
  if (at && strlen(at) > strlen(", mã lô ") + 7) {
    memcpy(batch, at + strlen(", mã lô "), 7);
    batch[7] = '\0';
  }
  return 1;
}

/* A batch of count documents, each with its own message-digest, all named
 * name. */
static void check_batch(const char *what, const char *site, const char *signer,
                        const char *name, size_t count, int pin_pad,
                        size_t min_listed) {
  host_consent_doc *docs = calloc(count, sizeof(*docs));
  uint8_t *md = malloc(count * 32), other[32];
  char title[HOST_DIALOG_TITLE_MAX + 1], desc[HOST_DIALOG_DESC_MAX + 1];
  char want[256], line[HOST_DIALOG_DESC_MAX + 1], code[HOST_CODE_TEXT_SIZE];
  char batch[HOST_CODE_TEXT_SIZE], shown[HOST_CODE_TEXT_SIZE];
  const char *list;
  host_consent c;
  size_t i, k, listed = 0, lines, changed = 0;

  for (i = 0; i < count * 32; i++)
    md[i] = (uint8_t)(i * 7 + 1);
  for (i = 0; i < count; i++) {
    docs[i].name = name;
    docs[i].md = md + 32 * i;
    docs[i].md_len = 32;
  }
  memset(&c, 0, sizeof(c));
  c.site = site;
  c.signer = signer;
  c.token_label = "Nguyen Van A";
  c.pin_pad = pin_pad;
  c.docs = docs;
  c.doc_count = count;
  CHECK(
      host_consent_text(&c, title, sizeof(title), desc, sizeof(desc), &listed));
  if (listed < min_listed)
    fprintf(stderr, "%s: %zu listed\n", what, listed);
  CHECK(listed >= min_listed);
  CHECK(host_assuan_len(desc) <= HOST_DIALOG_DESC_MAX);
  /* the count in the title, the first and the last line */
  snprintf(want, sizeof(want), "kyso: ký %zu văn bản", count);
  CHECK(strncmp(title, want, strlen(want)) == 0);
  lines = text_line(desc, 0, line, sizeof(line));
  snprintf(want, sizeof(want), "Trang %s yêu cầu ký %zu văn bản", site, count);
  CHECK(strncmp(line, want, strlen(want)) == 0);
  text_line(desc, lines - 1, line, sizeof(line));
  /* the batch code (this test's own computation) before the list and in
   * the last line; none for one document */
  batch_code(docs, count, batch);
  if (count == 1)
    snprintf(want, sizeof(want), "Đồng ý ký 1 văn bản? (Sign 1 document?)");
  else
    snprintf(want, sizeof(want),
             "Đồng ý ký %zu văn bản, mã lô %s? (Sign %zu documents, batch "
             "%s?)",
             count, batch, count, batch);
  if (strcmp(line, want) != 0)
    fprintf(stderr, "%s: last line \"%s\"\n", what, line);
  CHECK_EQ_STR(line, want);
  list = strstr(desc, "\n  ");
  CHECK(list != NULL);
  snprintf(want, sizeof(want), "\nMã kiểm tra của lô (cả %zu văn bản): [%s]",
           count, batch);
  if (count == 1)
    CHECK(strstr(desc, "lô") == NULL);
  else
    CHECK(strstr(desc, want) != NULL && list && strstr(desc, want) < list);
  /* each listed document with its code, the rest counted */
  for (i = 0; i < listed; i++) {
    host_code_text(docs[i].md, 32, code);
    snprintf(want, sizeof(want), "\n  %zu. [%s]", i + 1, code);
    CHECK(strstr(desc, want) != NULL);
  }
  snprintf(want, sizeof(want), "  … và %zu văn bản khác", count - listed);
  CHECK((listed == count) == (strstr(desc, want) == NULL));
  CHECK((pin_pad != 0) == (strstr(desc, "bàn phím đầu đọc") != NULL));
  /* Any one document swapped (another message-digest), listed or not: the
   * batch code the dialog shows is another, and this test's own. */
  memset(other, 0xee, sizeof(other));
  for (k = 0; count > 1 && k < count; k++) {
    docs[k].md = other;
    batch_code(docs, count, code);
    if (consent(&c, desc, &listed, shown) && strcmp(shown, batch) != 0 &&
        strcmp(shown, code) == 0)
      changed++;
    docs[k].md = md + 32 * k;
  }
  if (count > 1 && changed != count)
    fprintf(stderr, "%s: %zu of %zu swaps change the batch code\n", what,
            changed, count);
  CHECK(count == 1 || changed == count);
  free(md);
  free(docs);
}

/* Names that carry codes (a swapped document's name with the genuine
 * code, a fake one in the host's brackets): none reaches the dialog. */
static void check_code_names(void) {
  static const char *const names[] = {
      "Tờ trình số 1.pdf [971 036] (mã kiểm tra đúng: 971 036)",
      "Tờ trình [971 036].pdf", "971036.pdf", "Tờ trình 971.036.pdf",
      "x\xE2\x80\xA8  9. [971 036] tên do trang đặt: \"y\""};
  const size_t n = sizeof(names) / sizeof(names[0]);
  host_consent_doc docs[sizeof(names) / sizeof(names[0])];
  uint8_t md[sizeof(names) / sizeof(names[0])][32];
  char desc[HOST_DIALOG_DESC_MAX + 1], batch[HOST_CODE_TEXT_SIZE];
  char code[HOST_CODE_TEXT_SIZE], want[32];
  const char *at;
  host_consent c;
  size_t i, listed = 0, brackets = 0, host_brackets = 0;

  memset(&c, 0, sizeof(c));
  for (i = 0; i < n; i++) {
    memset(md[i], (int)(0x10 + i), 32);
    docs[i].name = names[i];
    docs[i].md = md[i];
    docs[i].md_len = 32;
  }
  c.site = "https://portal.kyso.test";
  c.signer = "Nguyễn Văn A";
  c.docs = docs;
  c.doc_count = n;
  CHECK(consent(&c, desc, &listed, batch));
  CHECK(listed == n);
  CHECK(strstr(desc, "971 036") == NULL && strstr(desc, "971036") == NULL &&
        strstr(desc, "971.036") == NULL);
  CHECK(strstr(desc, "\"Tờ trình số 1.pdf (### ###) (mã kiểm tra đúng: ### "
                     "###)\"") != NULL);
  CHECK(strstr(desc, "\"######.pdf\"") != NULL);
  CHECK(strstr(desc, "\"Tờ trình ###.###.pdf\"") != NULL);
  /* every '[' is the host's: a listed document's code or the batch code */
  for (at = desc; (at = strchr(at, '[')) != NULL; at++)
    brackets++;
  for (i = 0; i < n; i++) {
    host_code_text(md[i], 32, code);
    snprintf(want, sizeof(want), "[%s]", code);
    host_brackets += strstr(desc, want) != NULL;
  }
  snprintf(want, sizeof(want), "[%s]", batch);
  host_brackets += strstr(desc, want) != NULL;
  CHECK_EQ_INT((int)brackets, (int)(n + 1));
  CHECK_EQ_INT((int)host_brackets, (int)(n + 1));
  /* one document: the same cleaning, no batch code */
  c.doc_count = 1;
  CHECK(consent(&c, desc, &listed, batch));
  CHECK(strstr(desc, "971 036") == NULL &&
        strchr(desc, '[') == strrchr(desc, '['));
}

static void test_consent(void) {
  char site[300], signer[HOST_SIGNER_CHARS * 3 + 1], name[300];
  size_t i;

  /* The longest origin (HOST_ORIGIN_MAX - 1 bytes), a signer name of 64
   * and document names of 90 three-byte characters: the worst the summary
   * can be. A transport's note after the origin ("(qua tiện ích kyso)")
   * must fit too, with a PIN pad and the batch code. */
  memcpy(site, "https://", 8);
  memset(site + 8, 'a', 255 - 8);
  site[255] = '\0';
  signer[0] = name[0] = '\0';
  for (i = 0; i < HOST_SIGNER_CHARS; i++)
    strcat(signer, "ễ");
  for (i = 0; i < 90; i++)
    strcat(name, "ờ");
  check_batch("worst, one", site, signer, name, 1, 0, 1);
  check_batch("worst, one, PIN pad", site, signer, name, 1, 1, 1);
  check_batch("worst, 100", site, signer, name, 100, 1, 0);
  strcat(site, " (qua tiện ích kyso)");
  check_batch("worst, one, PIN pad, note", site, signer, name, 1, 1, 1);
  check_batch("worst, 2, PIN pad, note", site, signer, name, 2, 1, 0);
  check_batch("worst, 100, PIN pad, note", site, signer, name, 100, 1, 0);
  check_batch("usual, 3", "https://portal.kyso.test", "Nguyễn Văn A",
              "Tờ trình số 1.pdf", 3, 0, 3);
  check_batch("usual, 100", "https://portal.kyso.test", "Nguyễn Văn A",
              "Tờ trình số 1.pdf", 100, 0, 6);
  /* long names (the red team's starvation): 20 and 100 documents, the
   * batch code still shown and changed by any swap */
  check_batch("long names, 20", "https://portal.kyso.test", "Nguyễn Văn A",
              name, 20, 0, 1);
  check_batch("long names, 100", "https://portal.kyso.test", "Nguyễn Văn A",
              name, 100, 0, 1);
  /* names full of characters Assuan escapes: still within one line */
  memset(name, '%', 200);
  name[200] = '\0';
  check_batch("escapes", "https://portal.kyso.test", "Nguyễn Văn A", name, 100,
              0, 1);
  check_code_names();
}

/* The site's registrable domain comes first (issue 11 red team: a long
 * origin such as https://dichvucong.gov.vn.<padding>.evil.test pushed the
 * real domain out of view), then the whole origin; the rest as before. A
 * text that cannot fit is refused, never cut. */
#define DOMAIN_TEST_DOCS 100
#define LONG_LABEL                                                             \
  "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"

static void check_domain(const char *what, const char *site, const char *domain,
                         const char *signer, size_t count, int pin_pad,
                         int fits) {
  host_consent_doc docs[DOMAIN_TEST_DOCS];
  uint8_t md[DOMAIN_TEST_DOCS * 32];
  char title[HOST_DIALOG_TITLE_MAX + 1], desc[HOST_DIALOG_DESC_MAX + 1];
  char line[HOST_DIALOG_DESC_MAX + 1], want[HOST_DIALOG_DESC_MAX + 1];
  host_consent c;
  size_t i, listed = 0, lines;
  int ok;

  for (i = 0; i < sizeof(md); i++)
    md[i] = (uint8_t)(i * 5 + 3);
  for (i = 0; i < count; i++) {
    docs[i].name = "Tờ trình.pdf";
    docs[i].md = md + 32 * i;
    docs[i].md_len = 32;
  }
  memset(&c, 0, sizeof(c));
  c.site = site;
  c.domain = domain;
  c.signer = signer;
  c.token_label = "Nguyen Van A";
  c.pin_pad = pin_pad;
  c.docs = docs;
  c.doc_count = count;
  ok = host_consent_text(&c, title, sizeof(title), desc, sizeof(desc), &listed);
  if (ok != fits)
    fprintf(stderr, "%s: consent text %s\n", what, ok ? "fits" : "refused");
  CHECK_EQ_INT(ok, fits);
  if (!ok) {
    CHECK_EQ_INT((int)listed, 0);
    return;
  }
  CHECK(host_assuan_len(desc) <= HOST_DIALOG_DESC_MAX);
  lines = text_line(desc, 0, line, sizeof(line));
  snprintf(want, sizeof(want), "Trang web thuộc tên miền «%s»", domain);
  CHECK_EQ_STR(line, want);
  text_line(desc, 1, line, sizeof(line));
  snprintf(want, sizeof(want), "Trang %s yêu cầu ký %zu văn bản", site, count);
  CHECK(strncmp(line, want, strlen(want)) == 0);
  text_line(desc, lines - 1, line, sizeof(line));
  snprintf(want, sizeof(want), "Đồng ý ký %zu văn bản", count);
  CHECK(strncmp(line, want, strlen(want)) == 0);
}

static void test_domain(void) {
  char site[300], domain[80], signer[HOST_SIGNER_CHARS * 3 + 1];
  size_t i;

  signer[0] = '\0';
  for (i = 0; i < HOST_SIGNER_CHARS; i++)
    strcat(signer, "ễ");
  check_domain("usual", "https://vanban.tiengiang.gov.vn", "tiengiang.gov.vn",
               "Nguyễn Văn A", 3, 0, 1);
  /* the red team's origin, through the extension, with the longest signer,
   * a PIN pad and 100 documents */
  snprintf(site, sizeof(site), "https://dichvucong.gov.vn.%s.evil.test%s",
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
           " (qua tiện ích kyso)");
  check_domain("padded", site, "evil.test", signer, DOMAIN_TEST_DOCS, 1, 1);
  /* no domain (an extension's own request): no such line */
  {
    host_consent_doc d = {"a.pdf",
                          (const uint8_t *)"0123456789abcdef"
                                           "0123456789abcdef",
                          32};
    host_consent c;
    char title[HOST_DIALOG_TITLE_MAX + 1], desc[HOST_DIALOG_DESC_MAX + 1];
    size_t listed;

    memset(&c, 0, sizeof(c));
    c.site = "chrome-extension://abcdefghijklmnop";
    c.signer = "Nguyễn Văn A";
    c.token_label = "x";
    c.docs = &d;
    c.doc_count = 1;
    CHECK(host_consent_text(&c, title, sizeof(title), desc, sizeof(desc),
                            &listed));
    CHECK(strstr(desc, "tên miền") == NULL &&
          strncmp(desc, "Trang chrome-extension://", 25) == 0);
  }
  /* the longest origin (253 bytes: three long labels, then one of 63 under
   * .vn, its registrable domain), everything else at its longest: more than
   * one Assuan line, so refused (no dialog), never cut; alone it fits */
  snprintf(site, sizeof(site), "https://%.63s.%.63s.%.50s.%.63s.vn", LONG_LABEL,
           LONG_LABEL, LONG_LABEL, LONG_LABEL);
  snprintf(domain, sizeof(domain), "%.63s.vn", LONG_LABEL);
  check_domain("longest, 1", site, domain, signer, 1, 0, 1);
  strcat(site, " (qua tiện ích kyso)");
  check_domain("longest, 100, PIN pad, note", site, domain, signer,
               DOMAIN_TEST_DOCS, 1, 0);
}

static void test_pin(void) {
  char out[HOST_DIALOG_DESC_MAX + 1];
  host_consent c;

  host_pin_error_text(0, HOST_PIN_WARNING_NONE, out, sizeof(out));
  CHECK_EQ_STR(out, "");
  host_pin_error_text(1, HOST_PIN_WARNING_NONE, out, sizeof(out));
  CHECK(strncmp(out, "Sai mã PIN.", 12) == 0);
  host_pin_error_text(1, HOST_PIN_WARNING_FINAL_TRY, out, sizeof(out));
  CHECK(strstr(out, "Sai mã PIN. Lần thử cuối") == out);
  host_pin_error_text(0, HOST_PIN_WARNING_COUNT_LOW, out, sizeof(out));
  CHECK(strstr(out, "còn ít lần thử") != NULL && strstr(out, "Sai") == NULL);
  memset(&c, 0, sizeof(c));
  c.site = "https://portal.kyso.test";
  c.token_label = "Nguyen\xE2\x80\xAE Van A";
  c.doc_count = 2;
  CHECK(host_pin_text(&c, out, sizeof(out)));
  CHECK(strstr(out, "token \"Nguyen" REPL " Van A\" để ký 2 văn bản") != NULL);
}

int main(void) {
  test_clean();
  test_name_clean();
  test_code();
  test_batch_code();
  test_consent();
  test_domain();
  test_pin();
  return check_summary();
}
