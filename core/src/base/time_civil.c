/* time_civil.c - calendar arithmetic and ISO 8601 / PDF / ASN.1 times; see
 * time_civil.h and kyso/time.h. */
#include "base/time_civil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kyso/time.h"

int64_t kyso_days_from_civil(int64_t y, unsigned m, unsigned d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void kyso_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  int64_t era, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  yoe = z - era * 146097;
  yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
  doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

void kyso_civil_from_seconds(int64_t t, int64_t *y, unsigned *mo, unsigned *d,
                             unsigned *h, unsigned *mi, unsigned *s) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  kyso_civil_from_days(days, y, mo, d);
  *h = (unsigned)(secs / 3600);
  *mi = (unsigned)(secs / 60 % 60);
  *s = (unsigned)(secs % 60);
}

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

static int days_in_month(int y, int m) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  return m == 2 && leap ? 29 : mdays[m - 1];
}

static int valid_fields(int y, int mo, int d, int h, int mi, int s) {
  return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
         d <= days_in_month(y, mo) && h <= 23 && mi <= 59 && s <= 59;
}

int kyso_time_parse_iso8601(const char *t, int64_t *seconds,
                            int *offset_minutes) {
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
             !digits(t + 20, 2, &oh) && !digits(t + 23, 2, &om) && oh <= 14 &&
             om <= 59) {
    sign = t[19] == '-' ? -1 : 1;
  } else {
    return -1;
  }
  if (!valid_fields(y, mo, d, h, mi, s))
    return -1;
  *offset_minutes = sign * (oh * 60 + om);
  *seconds = kyso_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
             h * 3600 + mi * 60 + s - (int64_t)*offset_minutes * 60;
  return 0;
}

void kyso_time_format_iso8601(int64_t t, int offset_minutes, char *out) {
  int64_t y;
  unsigned mo, d, h, mi, s;
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char text[96];
  kyso_civil_from_seconds(t + (int64_t)offset_minutes * 60, &y, &mo, &d, &h,
                          &mi, &s);
  /* Formatted in a buffer wide enough for any year and offset the types
   * allow (so -O3 sees no truncation), then cut to out's 32 bytes: real
   * times take 25 at most. */
  if (offset_minutes == 0)
    snprintf(text, sizeof(text), "%04lld-%02u-%02uT%02u:%02u:%02uZ",
             (long long)y, mo, d, h, mi, s);
  else
    snprintf(text, sizeof(text), "%04lld-%02u-%02uT%02u:%02u:%02u%c%02d:%02d",
             (long long)y, mo, d, h, mi, s, offset_minutes < 0 ? '-' : '+',
             off / 60, off % 60);
  snprintf(out, 32, "%.31s", text);
}

void kyso_time_format_utc(int64_t t, char out[32]) {
  kyso_time_format_iso8601(t, 0, out);
}

/* D:YYYYMMDDHHmmSSOHH'mm' with every part after the year optional
 * (ISO 32000-1 7.9.4); a missing offset means UTC here (the spec says
 * "unknown"; UTC is what viewers assume). */
int kyso_time_parse_pdf(const char *s, size_t len, int64_t *out) {
  int v[6] = {0, 1, 1, 0, 0, 0};
  static const int width[6] = {4, 2, 2, 2, 2, 2};
  size_t i = 0;
  int k, oh = 0, om = 0, sign = 0;

  if (len >= 2 && s[0] == 'D' && s[1] == ':')
    i = 2;
  for (k = 0; k < 6; k++) {
    if (i + (size_t)width[k] > len || s[i] < '0' || s[i] > '9') {
      if (k == 0)
        return -1;
      break;
    }
    if (digits(s + i, width[k], &v[k]))
      return -1;
    i += (size_t)width[k];
  }
  if (i < len && (s[i] == '+' || s[i] == '-')) {
    sign = s[i] == '-' ? -1 : 1;
    i++;
    if (i + 2 > len || digits(s + i, 2, &oh))
      return -1;
    i += 2;
    if (i < len && s[i] == '\'')
      i++;
    if (i + 2 <= len && !digits(s + i, 2, &om))
      i += 2;
    if (i < len && s[i] == '\'')
      i++;
  } else if (i < len && s[i] == 'Z') {
    i++;
    if (i < len && s[i] == '\'')
      i++;
    while (i < len && (s[i] == '0' || s[i] == '\''))
      i++;
  }
  if (i != len || !valid_fields(v[0], v[1], v[2], v[3], v[4], v[5]) ||
      oh > 14 || om > 59)
    return -1;
  *out = kyso_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]) * 86400 +
         v[3] * 3600 + v[4] * 60 + v[5] - (int64_t)sign * (oh * 60 + om) * 60;
  return 0;
}

int kyso_time_from_asn1(const ASN1_TIME *t, int64_t *out) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
    return -1;
  *out = kyso_days_from_civil((int64_t)tm.tm_year + 1900,
                              (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
             86400 +
         tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  return 0;
}
