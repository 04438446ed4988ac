/* pdf_password.c - opening a PDF that may need a password; see
 * pdf_password.h. */
#include "pdf_password.h"

#include "pin_read.h"

kyso_status kyso_cli_pdf_open(const uint8_t *data, size_t len,
                              const char *password_file, char *password,
                              size_t cap, kyso_pdf **out, kyso_error *err) {
  kyso_status ret;
  kyso_pdf *pdf = NULL;

  if (out)
    *out = NULL;
  password[0] = '\0';
  if (password_file) {
    ret = kyso_password_read(password_file, password, cap, err);
    if (ret != KYSO_OK)
      goto done;
  }
  ret = kyso_pdf_open_password(data, len, password[0] ? password : NULL, &pdf,
                               err);
  if (ret == KYSO_ERR_PDF_PASSWORD && !password_file) {
    ret = kyso_password_read(NULL, password, cap, err);
    if (ret == KYSO_OK)
      ret = kyso_pdf_open_password(data, len, password, &pdf, err);
  }
  if (ret != KYSO_OK)
    goto done;
  if (out) {
    *out = pdf;
    pdf = NULL;
  }
done:
  if (ret != KYSO_OK)
    kyso_pin_wipe(password, cap);
  kyso_pdf_close(pdf);
  return ret;
}
