/*
 * fuzz_image.c - libFuzzer target: any bytes as a signature or seal image
 * (PNG decoded, JPEG read for pass-through), as a web page or the CLI hands
 * them over. Must never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "appearance/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kyso_image image;
  kyso_error err;

  if (kyso_image_decode(data, size, &image, &err) == KYSO_OK)
    kyso_image_free(&image);
  return 0;
}
