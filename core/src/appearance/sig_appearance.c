/* sig_appearance.c - signature widget appearance; see sig_appearance.h. */
#include "appearance/sig_appearance.h"

#include <stdio.h>

#include "appearance/image.h"

/* An image XObject (8.9.5) from decoded PNG data (alpha as an SMask) or
 * a JPEG passed through as DCTDecode. */
static kyso_status add_image(kyso_update *u, const kyso_image *img,
                             kyso_obj **out, kyso_error *err) {
  kyso_arena *a = &u->arena;
  kyso_obj *dict = kyso_obj_new_dict(a), *smask_ref = NULL;
  kyso_obj *stm;

  if (!dict)
    goto nomem;
  if (img->alpha.len > 0) {
    kyso_obj *sd = kyso_obj_new_dict(a);
    if (!sd || kyso_dict_set(a, sd, "Type", kyso_obj_new_name(a, "XObject")) ||
        kyso_dict_set(a, sd, "Subtype", kyso_obj_new_name(a, "Image")) ||
        kyso_dict_set(a, sd, "Width", kyso_obj_new_int(a, img->width)) ||
        kyso_dict_set(a, sd, "Height", kyso_obj_new_int(a, img->height)) ||
        kyso_dict_set(a, sd, "ColorSpace",
                      kyso_obj_new_name(a, "DeviceGray")) ||
        kyso_dict_set(a, sd, "BitsPerComponent", kyso_obj_new_int(a, 8)) ||
        kyso_dict_set(a, sd, "Filter", kyso_obj_new_name(a, "FlateDecode")) ||
        kyso_dict_set(a, sd, "Length",
                      kyso_obj_new_int(a, (int64_t)img->alpha.len)))
      goto nomem;
    smask_ref = kyso_update_add(
        u, kyso_obj_new_stream(a, sd, img->alpha.data, img->alpha.len));
    if (!smask_ref)
      goto nomem;
  }
  if (kyso_dict_set(a, dict, "Type", kyso_obj_new_name(a, "XObject")) ||
      kyso_dict_set(a, dict, "Subtype", kyso_obj_new_name(a, "Image")) ||
      kyso_dict_set(a, dict, "Width", kyso_obj_new_int(a, img->width)) ||
      kyso_dict_set(a, dict, "Height", kyso_obj_new_int(a, img->height)) ||
      kyso_dict_set(a, dict, "ColorSpace",
                    kyso_obj_new_name(a, img->components == 1 ? "DeviceGray"
                                         : img->components == 4
                                             ? "DeviceCMYK"
                                             : "DeviceRGB")) ||
      kyso_dict_set(a, dict, "BitsPerComponent", kyso_obj_new_int(a, 8)) ||
      kyso_dict_set(
          a, dict, "Filter",
          kyso_obj_new_name(a, img->dct ? "DCTDecode" : "FlateDecode")) ||
      kyso_dict_set(a, dict, "Length",
                    kyso_obj_new_int(a, (int64_t)img->pixels.len)) ||
      (smask_ref && kyso_dict_set(a, dict, "SMask", smask_ref)))
    goto nomem;
  if (img->adobe_cmyk) {
    /* Adobe writes CMYK JPEGs inverted (APP14). */
    kyso_obj *decode = kyso_obj_new_array(a);
    int i;
    if (!decode || kyso_dict_set(a, dict, "Decode", decode))
      goto nomem;
    for (i = 0; i < 8; i++)
      if (kyso_array_push(a, decode, kyso_obj_new_int(a, (i + 1) % 2)))
        goto nomem;
  }
  stm = kyso_obj_new_stream(a, dict, img->pixels.data, img->pixels.len);
  *out = kyso_update_add(u, stm);
  if (!*out)
    goto nomem;
  return KYSO_OK;
nomem:
  return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
}

kyso_status kyso_appearance_build_spec(kyso_update *u,
                                       const kyso_appearance_spec *spec,
                                       kyso_obj **out, kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_image img = {0};
  kyso_obj *form = NULL, *bbox, *matrix, *res, *xo = NULL, *fonts = NULL;
  kyso_obj *image_ref = NULL, *stm;
  kyso_buf content;
  double width = spec->width, height = spec->height;
  int i;

  kyso_buf_init(&content);
  if (spec->image.len > 0) {
    double sx, sy, s, dw, dh;
    ret = kyso_image_decode(spec->image.data, spec->image.len, &img, err);
    if (ret != KYSO_OK)
      goto done;
    ret = add_image(u, &img, &image_ref, err);
    if (ret != KYSO_OK)
      goto done;
    /* Fit inside the box keeping the aspect ratio, centered. */
    sx = width / img.width;
    sy = height / img.height;
    s = sx < sy ? sx : sy;
    dw = img.width * s;
    dh = img.height * s;
    kyso_buf_printf(&content, "q\n%.4f 0 0 %.4f %.4f %.4f cm\n/Im0 Do\nQ\n", dw,
                    dh, (width - dw) / 2, (height - dh) / 2);
  }
  if (spec->text_len > 0)
    kyso_buf_append(&content, spec->text, spec->text_len);
  res = kyso_obj_new_dict(a);
  if (!res || !kyso_buf_ok(&content))
    goto nomem;
  if (image_ref) {
    xo = kyso_obj_new_dict(a);
    if (!xo || kyso_dict_set(a, xo, "Im0", image_ref) ||
        kyso_dict_set(a, res, "XObject", xo))
      goto nomem;
  }
  if (spec->font_ref) {
    fonts = kyso_obj_new_dict(a);
    if (!fonts || kyso_dict_set(a, fonts, spec->font_name, spec->font_ref) ||
        kyso_dict_set(a, res, "Font", fonts))
      goto nomem;
  }
  form = kyso_obj_new_dict(a);
  bbox = kyso_obj_new_array(a);
  matrix = kyso_obj_new_array(a);
  if (!form || !bbox || !matrix ||
      kyso_array_push(a, bbox, kyso_obj_new_int(a, 0)) ||
      kyso_array_push(a, bbox, kyso_obj_new_int(a, 0)) ||
      kyso_array_push(a, bbox, kyso_obj_new_real(a, width)) ||
      kyso_array_push(a, bbox, kyso_obj_new_real(a, height)) ||
      kyso_dict_set(a, form, "Type", kyso_obj_new_name(a, "XObject")) ||
      kyso_dict_set(a, form, "Subtype", kyso_obj_new_name(a, "Form")) ||
      kyso_dict_set(a, form, "BBox", bbox) ||
      kyso_dict_set(a, form, "Resources", res) ||
      kyso_dict_set(a, form, "Length",
                    kyso_obj_new_int(a, (int64_t)content.len)))
    goto nomem;
  if (spec->has_matrix) {
    for (i = 0; i < 6; i++)
      if (kyso_array_push(a, matrix, kyso_obj_new_real(a, spec->matrix[i])))
        goto nomem;
    if (kyso_dict_set(a, form, "Matrix", matrix))
      goto nomem;
  }
  stm = kyso_obj_new_stream(a, form, content.data, content.len);
  *out = stm ? kyso_update_add(u, stm) : NULL;
  if (!*out)
    goto nomem;
  ret = KYSO_OK;
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  kyso_buf_free(&content);
  kyso_image_free(&img);
  return ret;
}
