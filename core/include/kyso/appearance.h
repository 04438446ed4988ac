/*
 * kyso/appearance.h - how a signature looks on the page: the Decree 30/2020
 * (Appendix I) profiles, their text, the number and date fields, the seal.
 *
 * These options only shape the widget, its appearance stream and the form
 * fields made or filled in the same update; what is signed and how
 * (certificate, digest, time, /Name, /Reason) is kyso/sign.h. A
 * kyso_appearance is a member of kyso_sign_options; its strings and font
 * are borrowed until kyso_sig_prepare returns, like the rest of the
 * options. Text options are UTF-8 (NFC), at most 1024 bytes each.
 */
#ifndef KYSO_APPEARANCE_H
#define KYSO_APPEARANCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed byte range. */
typedef struct kyso_blob {
  const uint8_t *data;
  size_t len;
} kyso_blob;

/*
 * Decree 30/2020 Appendix I signature profiles (see DESIGN.md "Decree 30
 * appearances").
 *
 * Coordinates. Every rectangle a caller gives (rect, number_rect,
 * date_rect) is x, y, width, height in points in the page AS A PERSON SEES
 * IT: origin at the bottom left of the visible page (the CropBox, or the
 * MediaBox when there is none) after the page's /Rotate (inherited
 * 0/90/180/270) is applied, x to the right, y up. kyso converts it to the
 * page's default user space for the widget /Rect and gives the appearance
 * stream a /Matrix (and text fields /MK /R) so that it shows upright.
 * "Top right of page 1" is likewise the top right of the visible page.
 */
typedef enum kyso_sign_profile {
  /* The leader's signature: image (blue handwritten PNG, alpha kept, or
   * JPEG) fitted in rect, centered, aspect ratio kept. With number_rect
   * and/or date_rect the same update creates EMPTY text fields there
   * (named number_field/date_field) that the clerk fills at issuance. */
  KYSO_PROFILE_PERSONAL = 0,
  /* The clerk's seal at issuance: image (red seal PNG) drawn at its real
   * size (seal_size_mm wide, height from the image's aspect ratio), its
   * right edge on the line one third into the personal signature image,
   * vertically centered on it, so it covers the image's left third. The
   * personal signature is the last signature widget on the page whose
   * appearance draws an image; a visible rect overrides this: the seal is
   * then fitted in rect. In the same update the number/date fields made
   * at the personal step get doc_number and issue_date_text as /V with a
   * real-text /AP (form filling: the leader's signature stays valid with
   * "form field filled" after it, the seal signature covers the values).
   * /Name: name if given, else organization, else the certificate CN.
   * No signature image on the page and no rect: KYSO_ERR_PDF_FORM. */
  KYSO_PROFILE_ORGANIZATION = 1,
  /* An attachment or appendix: no image; at the top right of the page
   * (the box's right edge 15 mm from the right, its top 10 mm from the
   * top of the visible page; or right-aligned in rect when visible) two
   * lines of text, 10 pt, 12 pt leading, black, upright: doc_number
   * (required) and signing_time shifted by utc_offset_minutes as ISO 8601,
   * e.g. 2024-12-11T09:30:15+07:00. The widget's /Rect is the text box. */
  KYSO_PROFILE_ATTACHMENT = 2,
  /* An electronic copy (box 14): no image; top right as for ATTACHMENT,
   * three lines: copy_form ("SAO Y", "SAO LỤC", "TRÍCH SAO"; required),
   * copier (the copying organization; required), the signing time.
   * /Reason defaults to copy_form, /Name to copier (name and reason, when
   * given, win). */
  KYSO_PROFILE_COPY = 3
} kyso_sign_profile;

typedef struct kyso_appearance {
  /* default KYSO_PROFILE_PERSONAL */
  kyso_sign_profile profile;
  /* TrueType (glyf) font bytes, borrowed until prepare returns: number,
   * date, ATTACHMENT and COPY text is drawn with an embedded subset of it
   * (Type0/Identity-H + ToUnicode, so text extraction gives back the exact
   * string). Required when text is drawn or fields are created, else
   * KYSO_ERR_ARGUMENT; not a TrueType font: KYSO_ERR_ARGUMENT. The CLI
   * reads Liberation Serif Regular (fonts-liberation2). */
  kyso_blob font;
  /* "123/QĐ-UBND". ORGANIZATION: the value of the number field (optional);
   * ATTACHMENT: required, drawn on the first line. */
  const char *doc_number;
  /* "Tiền Giang, ngày 11 tháng 12 năm 2024". ORGANIZATION: the value of
   * the date field (optional). */
  const char *issue_date_text;
  /* PERSONAL: with has_number_rect / has_date_rect set, an empty text
   * field (merged field + widget, /F Print, /DA "/KysoSerif 13 Tf 0 g",
   * number left-aligned /Q 0, date centered /Q 1, /MK /R = page rotation)
   * is created at the rect (visible-page x, y, width, height). /KysoSerif
   * is put in /AcroForm /DR: a subset of font with ASCII, Đđ and the
   * Vietnamese lower-case letters, for other form fillers. */
  int has_number_rect;
  double number_rect[4];
  int has_date_rect;
  double date_rect[4];
  /* Field names, default "SoVanBan" and "NgayBanHanh" (1-256 bytes, no
   * '.'). PERSONAL creates them (a name already used in the document:
   * KYSO_ERR_PDF_FORM); ORGANIZATION fills the text fields of that name on
   * the signature's page: /V = the value, /AP /N = the value in 13 pt
   * (less if the field is lower than 16 pt; shrunk to fit its width), the
   * field's /Q alignment. A field missing or already holding a value:
   * KYSO_ERR_PDF_FORM. */
  const char *number_field;
  const char *date_field;
  /* ORGANIZATION: seal width in millimetres, 5..100; 0 = 36 (a round
   * seal). The height follows the image's aspect ratio. */
  double seal_size_mm;
  /* COPY: the copy form, "SAO Y", "SAO LỤC" or "TRÍCH SAO" (any text is
   * drawn as given); required. Also the default /Reason. */
  const char *copy_form;
  /* COPY: the copying organization, e.g. "Văn phòng UBND tỉnh"; required
   * (organization is used when copier is NULL). Also the default /Name. */
  const char *copier;
  /* ORGANIZATION: the organization's name, written as the signature
   * dictionary's /Name (ISO 32000-1 12.8.1: "the name of the person or
   * authority signing"; for a seal the authority is the organization)
   * unless name is given. NULL: /Name is name, else the certificate CN. */
  const char *organization;
} kyso_appearance;

#ifdef __cplusplus
}
#endif

#endif
