/*
 * test_sig_profile.c - the pieces of the Decree 30 profiles that need no
 * PDF: visible page space <-> user space for every /Rotate with a CropBox
 * offset (pdf_page_space.c), the appearance /Matrix, JPEG frame headers
 * (image_jpeg.c) and the profile option checks (sig_profile.c). The
 * rendering itself is proven end to end by tests/integration/decree30_*.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "appearance/image.h"
#include "appearance/sig_profile.h"
#include "check.h"
#include "pdf/pdf_page.h"

static int near(double a, double b) {
  return fabs(a - b) < 1e-9;
}

static void test_page_space(void) {
  /* MediaBox 0 0 600 800, CropBox 10 20 590 780 (580 x 760). */
  static const struct {
    int rotate;
    double vw, vh;
    double user[4]; /* where vis (5, 7, 30, 40) lands */
    double m[4];
  } cases[] = {
      {0, 580, 760, {15, 27, 45, 67}, {1, 0, 0, 1}},
      /* 90: x = cx1 - vy, y = cy0 + vx */
      {90, 760, 580, {590 - 47, 25, 590 - 7, 55}, {0, 1, -1, 0}},
      /* 180: x = cx1 - vx, y = cy1 - vy */
      {180, 580, 760, {590 - 35, 780 - 47, 585, 773}, {-1, 0, 0, -1}},
      /* 270: x = cx0 + vy, y = cy1 - vx */
      {270, 760, 580, {17, 780 - 35, 57, 775}, {0, -1, 1, 0}},
  };
  size_t i;
  int k;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    kyso_page p;
    double vis[4] = {5, 7, 30, 40}, user[4], back[4], m[6], w, h;
    memset(&p, 0, sizeof(p));
    p.media_box[2] = 600;
    p.media_box[3] = 800;
    p.crop_box[0] = 10;
    p.crop_box[1] = 20;
    p.crop_box[2] = 590;
    p.crop_box[3] = 780;
    p.rotate = cases[i].rotate;
    kyso_page_visible_size(&p, &w, &h);
    CHECK(near(w, cases[i].vw) && near(h, cases[i].vh));
    kyso_page_rect_to_user(&p, vis, user);
    for (k = 0; k < 4; k++)
      CHECK(near(user[k], cases[i].user[k]));
    kyso_page_rect_from_user(&p, user, back);
    for (k = 0; k < 4; k++)
      CHECK(near(back[k], vis[k]));
    kyso_page_appearance_matrix(&p, m);
    for (k = 0; k < 4; k++)
      CHECK(near(m[k], cases[i].m[k]));
    /* The matrix turns the form's width (visible x) along the page's
     * displayed x: for 90 that is user +y. */
    if (cases[i].rotate == 90)
      CHECK(near(m[1], 1));
  }
}

/* A JPEG up to its frame header: SOI, APP0 (JFIF), SOF0, EOI. */
static size_t make_jpeg(uint8_t *b, unsigned w, unsigned h, int comps,
                        int precision, uint8_t sof, int adobe) {
  size_t n = 0;
  int i;
  b[n++] = 0xFF;
  b[n++] = 0xD8;
  b[n++] = 0xFF;
  b[n++] = 0xE0;
  b[n++] = 0;
  b[n++] = 7;
  memcpy(b + n, "JFIF\0", 5);
  n += 5;
  if (adobe) {
    b[n++] = 0xFF;
    b[n++] = 0xEE;
    b[n++] = 0;
    b[n++] = 14;
    memcpy(b + n, "Adobe\0\0\0\0\0\0\0", 12);
    n += 12;
  }
  b[n++] = 0xFF;
  b[n++] = sof;
  b[n++] = 0;
  b[n++] = (uint8_t)(8 + 3 * comps);
  b[n++] = (uint8_t)precision;
  b[n++] = (uint8_t)(h >> 8);
  b[n++] = (uint8_t)h;
  b[n++] = (uint8_t)(w >> 8);
  b[n++] = (uint8_t)w;
  b[n++] = (uint8_t)comps;
  for (i = 0; i < comps; i++) {
    b[n++] = (uint8_t)(i + 1);
    b[n++] = 0x11;
    b[n++] = 0;
  }
  b[n++] = 0xFF;
  b[n++] = 0xD9;
  return n;
}

static void test_jpeg(void) {
  uint8_t b[128];
  size_t n;
  kyso_image img;
  kyso_error err;

  n = make_jpeg(b, 300, 120, 3, 8, 0xC0, 0);
  CHECK_EQ_INT(kyso_image_decode(b, n, &img, &err), KYSO_OK);
  CHECK_EQ_INT(img.width, 300);
  CHECK_EQ_INT(img.height, 120);
  CHECK_EQ_INT(img.components, 3);
  CHECK_EQ_INT(img.dct, 1);
  CHECK_EQ_INT(img.alpha.len, 0);
  CHECK(img.pixels.len == n && memcmp(img.pixels.data, b, n) == 0);
  kyso_image_free(&img);

  n = make_jpeg(b, 40, 40, 4, 8, 0xC2, 1); /* progressive, Adobe CMYK */
  CHECK_EQ_INT(kyso_image_read_jpeg(b, n, &img, &err), KYSO_OK);
  CHECK_EQ_INT(img.components, 4);
  CHECK_EQ_INT(img.adobe_cmyk, 1);
  kyso_image_free(&img);

  n = make_jpeg(b, 20000, 20000, 3, 8, 0xC0, 0);
  CHECK_EQ_INT(kyso_image_decode(b, n, &img, &err), KYSO_ERR_IMAGE_SIZE);
  n = make_jpeg(b, 10, 10, 3, 12, 0xC1, 0);
  CHECK_EQ_INT(kyso_image_decode(b, n, &img, &err), KYSO_ERR_IMAGE_FORMAT);
  n = make_jpeg(b, 10, 10, 3, 8, 0xC3, 0); /* lossless */
  CHECK_EQ_INT(kyso_image_decode(b, n, &img, &err), KYSO_ERR_IMAGE_FORMAT);
  n = make_jpeg(b, 10, 10, 2, 8, 0xC0, 0);
  CHECK_EQ_INT(kyso_image_decode(b, n, &img, &err), KYSO_ERR_IMAGE_FORMAT);
  n = make_jpeg(b, 10, 10, 3, 8, 0xC0, 0);
  CHECK_EQ_INT(kyso_image_decode(b, 12, &img, &err), KYSO_ERR_IMAGE_FORMAT);
  b[4] = 0xFF; /* APP0 length runs past the end */
  CHECK_EQ_INT(kyso_image_decode(b, n, &img, &err), KYSO_ERR_IMAGE_FORMAT);
  CHECK_EQ_INT(kyso_image_decode((const uint8_t *)"GIF89a....", 10, &img, &err),
               KYSO_ERR_IMAGE_FORMAT);
}

static void test_profile_check(void) {
  kyso_sign_options o;
  kyso_error err;
  static const uint8_t font[4] = {0, 1, 0, 0};
  static const uint8_t png[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};

  kyso_sign_options_init(&o);
  CHECK_EQ_INT(o.appearance.profile, KYSO_PROFILE_PERSONAL);
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_OK);
  o.appearance.has_number_rect = 1; /* fields need the font and a rect */
  o.appearance.number_rect[2] = 100;
  o.appearance.number_rect[3] = 18;
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.font.data = font;
  o.appearance.font.len = sizeof(font);
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_OK);
  o.appearance.number_rect[3] = 0;
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.number_rect[3] = 18;
  o.appearance.number_field = "a.b";
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.number_field = "So";
  o.appearance.date_field = "So";
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);

  kyso_sign_options_init(&o);
  o.appearance.profile = KYSO_PROFILE_ORGANIZATION;
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT); /* no seal */
  o.image.data = png;
  o.image.len = sizeof(png);
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_OK);
  o.appearance.seal_size_mm = 3;
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.seal_size_mm = NAN;
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.seal_size_mm = 40;
  o.appearance.doc_number = "1/QĐ"; /* filling needs the font */
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);

  kyso_sign_options_init(&o);
  o.appearance.profile = KYSO_PROFILE_ATTACHMENT;
  o.appearance.font.data = font;
  o.appearance.font.len = sizeof(font);
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.doc_number = "123/QĐ-UBND";
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_OK);

  kyso_sign_options_init(&o);
  o.appearance.profile = KYSO_PROFILE_COPY;
  o.appearance.font.data = font;
  o.appearance.font.len = sizeof(font);
  o.appearance.copy_form = "SAO Y";
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
  o.appearance.copier = "Văn phòng UBND tỉnh";
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_OK);
  {
    char *long_text = malloc(2000);
    if (long_text) {
      memset(long_text, 'a', 1999);
      long_text[1999] = 0;
      o.appearance.copier = long_text;
      CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
      free(long_text);
      o.appearance.copier = NULL;
    }
  }
  o.appearance.profile = (kyso_sign_profile)9;
  CHECK_EQ_INT(kyso_profile_check(&o, &err), KYSO_ERR_ARGUMENT);
}

int main(void) {
  test_page_space();
  test_jpeg();
  test_profile_check();
  return check_summary();
}
