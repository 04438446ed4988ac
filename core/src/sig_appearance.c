/* sig_appearance.c - signature widget appearance; see sig_appearance.h. */
#include "sig_appearance.h"

#include <stdio.h>

#include "image.h"

/* An image XObject (8.9.5) from decoded PNG data; alpha as an SMask. */
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
                                                              : "DeviceRGB")) ||
      kyso_dict_set(a, dict, "BitsPerComponent", kyso_obj_new_int(a, 8)) ||
      kyso_dict_set(a, dict, "Filter", kyso_obj_new_name(a, "FlateDecode")) ||
      kyso_dict_set(a, dict, "Length",
                    kyso_obj_new_int(a, (int64_t)img->pixels.len)) ||
      (smask_ref && kyso_dict_set(a, dict, "SMask", smask_ref)))
    goto nomem;
  stm = kyso_obj_new_stream(a, dict, img->pixels.data, img->pixels.len);
  *out = kyso_update_add(u, stm);
  if (!*out)
    goto nomem;
  return KYSO_OK;
nomem:
  return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
}

kyso_status kyso_appearance_build(kyso_update *u, kyso_blob png, double width,
                                  double height, kyso_obj **out,
                                  kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_image img = {0};
  kyso_obj *form = NULL, *bbox, *res = NULL, *image_ref = NULL, *stm;
  char content[256];
  int n = 0;

  if (png.len > 0) {
    double sx, sy, s, dw, dh;
    ret = kyso_image_decode_png(png.data, png.len, &img, err);
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
    n = snprintf(content, sizeof(content),
                 "q\n%.4f 0 0 %.4f %.4f %.4f cm\n/Im0 Do\nQ\n", dw, dh,
                 (width - dw) / 2, (height - dh) / 2);
    res = kyso_obj_new_dict(a);
    {
      kyso_obj *xo = kyso_obj_new_dict(a);
      if (!res || !xo || kyso_dict_set(a, xo, "Im0", image_ref) ||
          kyso_dict_set(a, res, "XObject", xo))
        goto nomem;
    }
  }
  form = kyso_obj_new_dict(a);
  bbox = kyso_obj_new_array(a);
  if (!form || !bbox || kyso_array_push(a, bbox, kyso_obj_new_int(a, 0)) ||
      kyso_array_push(a, bbox, kyso_obj_new_int(a, 0)) ||
      kyso_array_push(a, bbox, kyso_obj_new_real(a, width)) ||
      kyso_array_push(a, bbox, kyso_obj_new_real(a, height)) ||
      kyso_dict_set(a, form, "Type", kyso_obj_new_name(a, "XObject")) ||
      kyso_dict_set(a, form, "Subtype", kyso_obj_new_name(a, "Form")) ||
      kyso_dict_set(a, form, "BBox", bbox) ||
      kyso_dict_set(a, form, "Resources", res ? res : kyso_obj_new_dict(a)) ||
      kyso_dict_set(a, form, "Length", kyso_obj_new_int(a, n)))
    goto nomem;
  stm = kyso_obj_new_stream(a, form, content, (size_t)n);
  *out = kyso_update_add(u, stm);
  if (!*out)
    goto nomem;
  ret = KYSO_OK;
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  kyso_image_free(&img);
  return ret;
}
