/*
 * host_dialog_text_test.c - what the consent and PIN dialogs may show
 * (native-host/src/host_dialog_text.h): the verification code (contract 1
 * in PROTOCOL.md), the cleaning of untrusted text (table-driven), and the
 * budget of the consent text against worst-case inputs: the summary and
 * the document count are never cut, every listed document shows its code,
 * the description fits in one Assuan line once percent-escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A batch with names of n characters made of c (UTF-8). */
static void check_batch(const char *what, const char *site, const char *signer,
                        const char *name, size_t count, int pin_pad,
                        size_t min_listed) {
  host_consent_doc *docs = calloc(count, sizeof(*docs));
  uint8_t md[64];
  char title[HOST_DIALOG_TITLE_MAX + 1], desc[HOST_DIALOG_DESC_MAX + 1];
  char want[256], line[HOST_DIALOG_DESC_MAX + 1], code[HOST_CODE_TEXT_SIZE];
  host_consent c;
  size_t i, listed = 0, lines;

  memset(md, 0x5a, sizeof(md));
  for (i = 0; i < count; i++) {
    docs[i].name = name;
    docs[i].md = md;
    docs[i].md_len = 32;
  }
  host_code_text(md, 32, code);
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
  snprintf(want, sizeof(want), "Đồng ý ký %zu văn bản? (Sign %zu document",
           count, count);
  CHECK(strncmp(line, want, strlen(want)) == 0);
  /* each listed document with its code, the rest counted */
  for (i = 0; i < listed; i++) {
    snprintf(want, sizeof(want), "\n  %zu. [%s]", i + 1, code);
    CHECK(strstr(desc, want) != NULL);
  }
  snprintf(want, sizeof(want), "  … và %zu văn bản khác", count - listed);
  CHECK((listed == count) == (strstr(desc, want) == NULL));
  CHECK((pin_pad != 0) == (strstr(desc, "bàn phím của đầu đọc") != NULL));
  free(docs);
}

static void test_consent(void) {
  char site[300], signer[HOST_SIGNER_CHARS * 3 + 1], name[300];
  size_t i;

  /* The longest origin (HOST_ORIGIN_MAX - 1 bytes), a signer name of 64
   * and document names of 90 three-byte characters: the worst the summary
   * can be. A transport's note after the origin ("(qua tiện ích kyso)")
   * must fit too. */
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
  check_batch("usual, 3", "https://portal.kyso.test", "Nguyễn Văn A",
              "Tờ trình số 1.pdf", 3, 0, 3);
  check_batch("usual, 100", "https://portal.kyso.test", "Nguyễn Văn A",
              "Tờ trình số 1.pdf", 100, 0, 6);
  /* names full of characters Assuan escapes: still within one line */
  memset(name, '%', 200);
  name[200] = '\0';
  check_batch("escapes", "https://portal.kyso.test", "Nguyễn Văn A", name, 100,
              0, 1);
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
  test_code();
  test_consent();
  test_pin();
  return check_summary();
}
