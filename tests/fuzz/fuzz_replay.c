/*
 * fuzz_replay.c - runs a fuzz target over files given on the command line,
 * so the seed corpus is replayed by ctest in every build (and under ASan in
 * CI) without needing libFuzzer. Prints "N passed, 0 failed": a crash or a
 * sanitizer report fails the test by itself.
 */
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int main(int argc, char **argv) {
  int i, done = 0;
  for (i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    unsigned char *buf;
    long n;
    if (!f) {
      fprintf(stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
      fprintf(stderr, "cannot read %s\n", argv[i]);
      fclose(f);
      free(buf);
      return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    done++;
  }
  printf("%d passed, 0 failed\n", done);
  return done > 0 ? 0 : 1;
}
