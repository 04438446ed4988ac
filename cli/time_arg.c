/* time_arg.c - ISO 8601 parsing for --time; see time_arg.h. */
#include "time_arg.h"

#include <string.h>

static int digits(const char *s, int n, int *out) {
  int v = 0, i;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Days from 1970-01-01 (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int kyso_time_parse(const char *t, int64_t *seconds, int *offset_minutes) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 1;
  size_t n = strlen(t);

  if (n < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':' || digits(t, 4, &y) || digits(t + 5, 2, &mo) ||
      digits(t + 8, 2, &d) || digits(t + 11, 2, &h) || digits(t + 14, 2, &mi) ||
      digits(t + 17, 2, &s))
    return -1;
  if (n == 20 && t[19] == 'Z') {
    /* UTC */
  } else if (n == 25 && (t[19] == '+' || t[19] == '-') && t[22] == ':' &&
             !digits(t + 20, 2, &oh) && !digits(t + 23, 2, &om)) {
    sign = t[19] == '-' ? -1 : 1;
  } else {
    return -1;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
      mi > 59 || s > 59 || oh > 14 || om > 59)
    return -1;
  if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
    return -1;
  *offset_minutes = sign * (oh * 60 + om);
  *seconds = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
             mi * 60 + s - (int64_t)*offset_minutes * 60;
  return 0;
}
