/* font_ttf.c - TrueType reading and subsetting; see font_ttf.h. */
#include "appearance/font_ttf.h"

#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------ */

static uint16_t rd16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

static void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put16(kyso_buf *b, uint16_t v) {
  uint8_t p[2];
  wr16(p, v);
  kyso_buf_append(b, p, 2);
}

static void put32(kyso_buf *b, uint32_t v) {
  uint8_t p[4];
  wr32(p, v);
  kyso_buf_append(b, p, 4);
}

/* Start of table tb in the font data (its bounds were checked on parse). */
static const uint8_t *tab(const kyso_ttf *t, kyso_ttf_table tb) {
  return t->data + tb.off;
}

#define TAG(a, b, c, d)                                                        \
  (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |      \
   (uint32_t)(d))

/* Glyph gid's bytes within glyf: [*start, *end). Checked on parse. */
static void glyph_range(const kyso_ttf *t, uint16_t gid, uint32_t *start,
                        uint32_t *end) {
  const uint8_t *l = tab(t, t->loca);
  if (t->loca_long) {
    *start = rd32(l + 4 * (size_t)gid);
    *end = rd32(l + 4 * (size_t)gid + 4);
  } else {
    *start = 2 * (uint32_t)rd16(l + 2 * (size_t)gid);
    *end = 2 * (uint32_t)rd16(l + 2 * (size_t)gid + 2);
  }
}

/* Picks the cmap subtable to read: (3,10) or Unicode full repertoire
 * format 12 first, then BMP format 4 (OpenType 1.9 "cmap"). A cmap with no
 * usable subtable is accepted: every lookup then finds nothing. */
static kyso_status parse_cmap(kyso_ttf *t, kyso_error *err) {
  const uint8_t *c = tab(t, t->cmap);
  uint32_t len = t->cmap.len, i, n, best_off = 0;
  int best = 0, best_format = 0;

  if (len == 0)
    return KYSO_OK;
  if (len < 4)
    goto broken;
  n = rd16(c + 2);
  if ((uint64_t)4 + 8 * (uint64_t)n > len)
    goto broken;
  for (i = 0; i < n; i++) {
    const uint8_t *r = c + 4 + 8 * i;
    uint16_t plat = rd16(r), enc = rd16(r + 2), format;
    uint32_t off = rd32(r + 4);
    int score = 0;
    if (off >= len || len - off < 4)
      goto broken;
    format = rd16(c + off);
    if (format == 12 && ((plat == 3 && enc == 10) || plat == 0))
      score = 4;
    else if (format == 4 && ((plat == 3 && enc == 1) || plat == 0))
      score = plat == 3 ? 2 : 1;
    if (score > best) {
      best = score;
      best_off = off;
      best_format = format;
    }
  }
  if (!best)
    return KYSO_OK;
  {
    uint32_t rest = len - best_off;
    const uint8_t *s = c + best_off;
    if (best_format == 4) {
      uint32_t seg_x2;
      if (rest < 16)
        goto broken;
      seg_x2 = rd16(s + 6);
      if (seg_x2 == 0 || (seg_x2 & 1) || 16 + 4 * seg_x2 > rest)
        goto broken;
    } else {
      uint32_t groups;
      if (rest < 16)
        goto broken;
      groups = rd32(s + 12);
      if ((uint64_t)groups * 12 > rest - 16)
        goto broken;
    }
    t->cmap_sub = t->cmap.off + best_off;
    t->cmap_sub_len = rest;
    t->cmap_format = best_format;
  }
  return KYSO_OK;
broken:
  return kyso_error_set(err, KYSO_ERR_ARGUMENT, "broken font (cmap table)");
}

/* The PostScript name (name ID 6), keeping only characters that need no
 * escaping in a PDF name; "Font" when there is none. */
static void parse_ps_name(kyso_ttf *t) {
  const uint8_t *nm = tab(t, t->name);
  uint32_t len = t->name.len, count, strings, i;

  strcpy(t->ps_name, "Font");
  if (len < 6)
    return;
  count = rd16(nm + 2);
  strings = rd16(nm + 4);
  if ((uint64_t)6 + 12 * (uint64_t)count > len || strings > len)
    return;
  for (i = 0; i < count; i++) {
    const uint8_t *r = nm + 6 + 12 * i;
    uint16_t plat = rd16(r), id = rd16(r + 6), slen = rd16(r + 8);
    uint32_t soff = strings + (uint32_t)rd16(r + 10), j, k = 0, step;
    if (id != 6 || (plat != 1 && plat != 3) || soff > len || slen > len - soff)
      continue;
    step = plat == 3 ? 2 : 1;
    for (j = 0; j + step <= slen && k < KYSO_FONT_LIMIT_NAME; j += step) {
      unsigned ch = step == 2 ? rd16(nm + soff + j) : nm[soff + j];
      if (ch > 32 && ch < 127 && !strchr("()<>[]{}/%#", (int)ch))
        t->ps_name[k++] = (char)ch;
    }
    if (k > 0) {
      t->ps_name[k] = '\0';
      return;
    }
    strcpy(t->ps_name, "Font");
  }
}

kyso_status kyso_ttf_parse(kyso_ttf *t, const uint8_t *data, size_t len,
                           kyso_error *err) {
  kyso_status ret;
  uint32_t version, n, i, ng;
  const uint8_t *p;

  memset(t, 0, sizeof(*t));
  t->data = data;
  t->len = len;
  if (!data || len < 12)
    goto notttf;
  if (len > KYSO_FONT_LIMIT_SIZE) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "font larger than %zu bytes",
                         KYSO_FONT_LIMIT_SIZE);
    goto done;
  }
  version = rd32(data);
  if (version == TAG('O', 'T', 'T', 'O')) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "not a TrueType font (CFF outlines)");
    goto done;
  }
  if (version == TAG('t', 't', 'c', 'f')) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "not a TrueType font (a collection)");
    goto done;
  }
  if (version != 0x00010000 && version != TAG('t', 'r', 'u', 'e'))
    goto notttf;
  n = rd16(data + 4);
  if (n == 0 || n > KYSO_FONT_LIMIT_TABLES || 12 + 16 * (size_t)n > len)
    goto notttf;
  for (i = 0; i < n; i++) {
    const uint8_t *r = data + 12 + 16 * i;
    uint32_t tag = rd32(r), off = rd32(r + 8), tlen = rd32(r + 12);
    kyso_ttf_table tb = {off, tlen}, *slot = NULL;
    if (off > len || tlen > len - off)
      goto truncated;
    switch (tag) {
    case TAG('h', 'e', 'a', 'd'): slot = &t->head; break;
    case TAG('h', 'h', 'e', 'a'): slot = &t->hhea; break;
    case TAG('m', 'a', 'x', 'p'): slot = &t->maxp; break;
    case TAG('h', 'm', 't', 'x'): slot = &t->hmtx; break;
    case TAG('l', 'o', 'c', 'a'): slot = &t->loca; break;
    case TAG('g', 'l', 'y', 'f'): slot = &t->glyf; break;
    case TAG('c', 'm', 'a', 'p'): slot = &t->cmap; break;
    case TAG('O', 'S', '/', '2'): slot = &t->os2; break;
    case TAG('p', 'o', 's', 't'): slot = &t->post; break;
    case TAG('n', 'a', 'm', 'e'): slot = &t->name; break;
    case TAG('c', 'v', 't', ' '): slot = &t->cvt; break;
    case TAG('f', 'p', 'g', 'm'): slot = &t->fpgm; break;
    case TAG('p', 'r', 'e', 'p'): slot = &t->prep; break;
    default: break;
    }
    if (slot && slot->len == 0)
      *slot = tb;
  }
  if (t->glyf.len == 0 || t->loca.len == 0)
    goto notttf;

  /* head (OpenType "head"): magic number, units per em, loca format */
  if (t->head.len < 54 || rd32(tab(t, t->head) + 12) != 0x5F0F3CF5)
    goto broken;
  p = tab(t, t->head);
  t->units_per_em = rd16(p + 18);
  for (i = 0; i < 4; i++)
    t->bbox[i] = (int16_t)rd16(p + 36 + 2 * i);
  if (t->units_per_em < 16 || t->units_per_em > 16384 || rd16(p + 50) > 1)
    goto broken;
  t->loca_long = rd16(p + 50) == 1;

  if (t->maxp.len < 6)
    goto broken;
  t->num_glyphs = rd16(tab(t, t->maxp) + 4);
  ng = t->num_glyphs;
  if (ng == 0)
    goto broken;

  if (t->hhea.len < 36)
    goto broken;
  p = tab(t, t->hhea);
  t->ascent = (int16_t)rd16(p + 4);
  t->descent = (int16_t)rd16(p + 6);
  t->num_hmetrics = rd16(p + 34);
  if (t->num_hmetrics == 0 || t->num_hmetrics > ng)
    goto broken;
  if (4 * (uint64_t)t->num_hmetrics + 2 * (uint64_t)(ng - t->num_hmetrics) >
      t->hmtx.len)
    goto broken;

  /* loca: every glyph lies inside glyf */
  if ((uint64_t)(ng + 1) * (t->loca_long ? 4 : 2) > t->loca.len)
    goto broken;
  for (i = 0; i < ng; i++) {
    uint32_t s, e;
    glyph_range(t, (uint16_t)i, &s, &e);
    if (s > e || e > t->glyf.len)
      goto broken;
  }

  /* OS/2 (optional): weight, serif class, cap height (version 2+) */
  t->weight_class = 400;
  t->cap_height = t->ascent;
  if (t->os2.len >= 78) {
    p = tab(t, t->os2);
    t->weight_class = rd16(p + 4);
    /* sFamilyClass high byte 1-5, 7: serif classes; or PANOSE Latin Text
     * with a serif style 2-10 */
    t->serif = (p[30] >= 1 && p[30] <= 5) || p[30] == 7 ||
               (p[32] == 2 && p[33] >= 2 && p[33] <= 10);
    if (rd16(p) >= 2 && t->os2.len >= 90)
      t->cap_height = (int16_t)rd16(p + 88);
  }
  if (t->post.len >= 16) {
    p = tab(t, t->post);
    t->italic_angle = (int32_t)rd32(p + 4);
    t->fixed_pitch = rd32(p + 12) != 0;
  }
  parse_ps_name(t);
  ret = parse_cmap(t, err);
  goto done;
notttf:
  ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "not a TrueType font");
  goto done;
truncated:
  ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                       "broken font (table outside the file)");
  goto done;
broken:
  ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                       "broken font (head, hhea, maxp, hmtx or loca)");
done:
  return ret;
}

uint16_t kyso_ttf_glyph(const kyso_ttf *t, uint32_t cp) {
  const uint8_t *s = t->data + t->cmap_sub;
  uint32_t i, g = 0;

  if (!t->cmap_sub)
    return 0;
  if (t->cmap_format == 4) {
    uint32_t seg_x2 = rd16(s + 6), n = seg_x2 / 2;
    uint32_t ends = 14, starts = ends + seg_x2 + 2;
    uint32_t deltas = starts + seg_x2, ranges = deltas + seg_x2;
    if (cp > 0xFFFF)
      return 0;
    for (i = 0; i < n; i++) {
      uint32_t end = rd16(s + ends + 2 * i), start = rd16(s + starts + 2 * i);
      uint32_t delta = rd16(s + deltas + 2 * i);
      uint32_t ro = rd16(s + ranges + 2 * i);
      if (cp > end || cp < start)
        continue;
      if (ro == 0) {
        g = (cp + delta) & 0xFFFF;
      } else {
        /* idRangeOffset counts from its own position (OpenType cmap) */
        uint64_t at = (uint64_t)ranges + 2 * i + ro + 2 * (cp - start);
        if (at + 2 > t->cmap_sub_len)
          return 0;
        g = rd16(s + at);
        if (g != 0)
          g = (g + delta) & 0xFFFF;
      }
      break;
    }
  } else {
    uint32_t groups = rd32(s + 12);
    for (i = 0; i < groups; i++) {
      const uint8_t *r = s + 16 + 12 * (size_t)i;
      uint32_t start = rd32(r), end = rd32(r + 4);
      if (cp >= start && cp <= end) {
        uint64_t g64 = (uint64_t)rd32(r + 8) + (cp - start);
        g = g64 < t->num_glyphs ? (uint32_t)g64 : 0;
        break;
      }
    }
  }
  return g < t->num_glyphs ? (uint16_t)g : 0;
}

uint16_t kyso_ttf_advance(const kyso_ttf *t, uint16_t gid) {
  uint32_t i = gid < t->num_hmetrics ? gid : t->num_hmetrics - 1u;
  return rd16(tab(t, t->hmtx) + 4 * (size_t)i);
}

static uint16_t lsb(const kyso_ttf *t, uint16_t gid) {
  const uint8_t *h = tab(t, t->hmtx);
  if (gid < t->num_hmetrics)
    return rd16(h + 4 * (size_t)gid + 2);
  return rd16(h + 4 * (size_t)t->num_hmetrics +
              2 * (size_t)(gid - t->num_hmetrics));
}

/* ---- subsetting --------------------------------------------------------- */

/* Composite glyph flags (OpenType "glyf", composite glyph description). */
enum {
  COMP_ARG_WORDS = 0x0001,
  COMP_SCALE = 0x0008,
  COMP_MORE = 0x0020,
  COMP_XY_SCALE = 0x0040,
  COMP_TWO_BY_TWO = 0x0080
};

/* Walks the components of glyph bytes g[0..len): calls back with the
 * position of each glyphIndex field. -1 when a record runs past the end or
 * names a glyph the font does not have. A simple glyph has none. */
static int each_component(const kyso_ttf *t, const uint8_t *g, uint32_t len,
                          int (*fn)(void *ctx, uint8_t *at, uint16_t gid),
                          void *ctx, uint8_t *writable) {
  uint32_t p = 10;
  uint16_t flags;

  if (len == 0)
    return 0;
  if (len < 10)
    return -1;
  if ((int16_t)rd16(g) >= 0)
    return 0;
  do {
    uint16_t comp;
    if (p + 4 > len)
      return -1;
    flags = rd16(g + p);
    comp = rd16(g + p + 2);
    if (comp >= t->num_glyphs ||
        fn(ctx, writable ? writable + p + 2 : NULL, comp) != 0)
      return -1;
    p += 4 + ((flags & COMP_ARG_WORDS) ? 4 : 2);
    if (flags & COMP_SCALE)
      p += 2;
    else if (flags & COMP_XY_SCALE)
      p += 4;
    else if (flags & COMP_TWO_BY_TWO)
      p += 8;
    if (p > len)
      return -1;
  } while (flags & COMP_MORE);
  return 0;
}

typedef struct closure_ctx {
  uint16_t *gids;
  size_t *count;
  uint16_t *map;
} closure_ctx;

static int add_component(void *ctx, uint8_t *at, uint16_t gid) {
  closure_ctx *c = ctx;
  (void)at;
  if (c->map[gid] == 0xFFFF) {
    c->map[gid] = (uint16_t)*c->count;
    c->gids[(*c->count)++] = gid;
  }
  return 0;
}

static int rewrite_component(void *ctx, uint8_t *at, uint16_t gid) {
  const uint16_t *map = ctx;
  if (map[gid] == 0xFFFF)
    return -1;
  wr16(at, map[gid]);
  return 0;
}

static uint32_t checksum(const uint8_t *p, size_t len) {
  uint32_t sum = 0;
  size_t i;
  for (i = 0; i + 4 <= len; i += 4)
    sum += rd32(p + i);
  if (i < len) {
    uint8_t last[4] = {0};
    memcpy(last, p + i, len - i);
    sum += rd32(last);
  }
  return sum;
}

typedef struct cmap_pair {
  uint32_t cp;
  uint16_t gid;
} cmap_pair;

static int pair_cmp(const void *a, const void *b) {
  const cmap_pair *x = a, *y = b;
  if (x->cp != y->cp)
    return x->cp < y->cp ? -1 : 1;
  return x->gid < y->gid ? -1 : x->gid > y->gid;
}

/* A cmap with one (3,10) format 12 subtable: Unicode → subset glyph. */
static int build_cmap(kyso_buf *b, const uint32_t *unicode, size_t n) {
  cmap_pair *pairs = malloc((n ? n : 1) * sizeof(*pairs));
  size_t i, k = 0, groups = 0, count_at;
  uint32_t last_cp = 0, last_gid = 0;

  if (!pairs)
    return -1;
  for (i = 0; i < n; i++)
    if (unicode[i]) {
      pairs[k].cp = unicode[i];
      pairs[k++].gid = (uint16_t)i;
    }
  qsort(pairs, k, sizeof(*pairs), pair_cmp);
  put16(b, 0);  /* version */
  put16(b, 1);  /* one encoding record */
  put16(b, 3);  /* Windows */
  put16(b, 10); /* Unicode full repertoire */
  put32(b, 12);
  put16(b, 12); /* format */
  put16(b, 0);
  put32(b, 0); /* length, set below */
  put32(b, 0); /* language */
  count_at = b->len;
  put32(b, 0);
  for (i = 0; i < k; i++) {
    if (groups > 0 && pairs[i].cp == last_cp)
      continue; /* a code point maps to one glyph: the first */
    if (!kyso_buf_ok(b))
      break;
    if (groups > 0 && pairs[i].cp == last_cp + 1 &&
        pairs[i].gid == last_gid + 1) {
      wr32(b->data + b->len - 8, pairs[i].cp); /* extend the group */
    } else {
      put32(b, pairs[i].cp);
      put32(b, pairs[i].cp);
      put32(b, pairs[i].gid);
      groups++;
    }
    last_cp = pairs[i].cp;
    last_gid = pairs[i].gid;
  }
  free(pairs);
  if (!kyso_buf_ok(b))
    return -1;
  wr32(b->data + 16, (uint32_t)(b->len - 12));
  wr32(b->data + count_at, (uint32_t)groups);
  return 0;
}

/* The subset's tables, in tag order (the directory must be sorted). */
enum {
  T_OS2,
  T_CMAP,
  T_CVT,
  T_FPGM,
  T_GLYF,
  T_HEAD,
  T_HHEA,
  T_HMTX,
  T_LOCA,
  T_MAXP,
  T_NAME,
  T_POST,
  T_PREP,
  T_COUNT
};
static const char table_tags[T_COUNT][5] = {
    "OS/2", "cmap", "cvt ", "fpgm", "glyf", "head", "hhea",
    "hmtx", "loca", "maxp", "name", "post", "prep"};

kyso_status kyso_ttf_subset(const kyso_ttf *t, uint16_t *gids, size_t *count,
                            const uint32_t *unicode, kyso_buf *out,
                            kyso_error *err) {
  kyso_status ret;
  uint16_t *map = NULL;
  kyso_buf tb[T_COUNT];
  size_t i, n = *count, given = *count, head_at = 0, base = out->len;
  closure_ctx cc;
  uint32_t present = 0, ntables = 0, pow2 = 1, log2 = 0, off;

  for (i = 0; i < T_COUNT; i++)
    kyso_buf_init(&tb[i]);
  if (n == 0 || n > t->num_glyphs) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no glyphs to subset");
    goto done;
  }
  map = malloc((size_t)t->num_glyphs * sizeof(*map));
  if (!map)
    goto nomem;
  memset(map, 0xFF, (size_t)t->num_glyphs * sizeof(*map));
  for (i = 0; i < n; i++) {
    if (gids[i] >= t->num_glyphs || map[gids[i]] != 0xFFFF) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "bad glyph list");
      goto done;
    }
    map[gids[i]] = (uint16_t)i;
  }

  /* Closure over composite components: each glyph joins once, so the
   * walk ends after at most num_glyphs glyphs whatever the font says. */
  cc.gids = gids;
  cc.count = &n;
  cc.map = map;
  for (i = 0; i < n; i++) {
    uint32_t s, e;
    glyph_range(t, gids[i], &s, &e);
    if (each_component(t, tab(t, t->glyf) + s, e - s, add_component, &cc,
                       NULL) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "broken font (glyph %u)",
                           (unsigned)gids[i]);
      goto done;
    }
  }

  /* glyf and loca (long offsets, glyphs padded to 4 bytes), hmtx */
  for (i = 0; i < n; i++) {
    uint32_t s, e;
    glyph_range(t, gids[i], &s, &e);
    put32(&tb[T_LOCA], (uint32_t)tb[T_GLYF].len);
    if (e > s) {
      size_t at = tb[T_GLYF].len;
      kyso_buf_append(&tb[T_GLYF], tab(t, t->glyf) + s, e - s);
      if (!kyso_buf_ok(&tb[T_GLYF]))
        goto nomem;
      if (each_component(t, tab(t, t->glyf) + s, e - s, rewrite_component, map,
                         tb[T_GLYF].data + at) != 0) {
        ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "broken font (glyph %u)",
                             (unsigned)gids[i]);
        goto done;
      }
      while (tb[T_GLYF].len % 4)
        kyso_buf_append_byte(&tb[T_GLYF], 0);
    }
    put16(&tb[T_HMTX], kyso_ttf_advance(t, gids[i]));
    put16(&tb[T_HMTX], lsb(t, gids[i]));
  }
  put32(&tb[T_LOCA], (uint32_t)tb[T_GLYF].len);
  if (tb[T_GLYF].len == 0)
    put32(&tb[T_GLYF], 0); /* no empty table */

  kyso_buf_append(&tb[T_HEAD], tab(t, t->head), 54);
  kyso_buf_append(&tb[T_HHEA], tab(t, t->hhea), 36);
  kyso_buf_append(&tb[T_MAXP], tab(t, t->maxp),
                  t->maxp.len < 32 ? t->maxp.len : 32);
  if (t->os2.len >= 78) /* as read on parse; a stub is left out */
    kyso_buf_append(&tb[T_OS2], tab(t, t->os2), t->os2.len);
  kyso_buf_append(&tb[T_NAME], tab(t, t->name), t->name.len);
  kyso_buf_append(&tb[T_CVT], tab(t, t->cvt), t->cvt.len);
  kyso_buf_append(&tb[T_FPGM], tab(t, t->fpgm), t->fpgm.len);
  kyso_buf_append(&tb[T_PREP], tab(t, t->prep), t->prep.len);
  {
    /* post format 3: the header only, no glyph names */
    uint8_t post[32] = {0};
    if (t->post.len >= 16)
      memcpy(post, tab(t, t->post), 16);
    wr32(post, 0x00030000);
    kyso_buf_append(&tb[T_POST], post, sizeof(post));
  }
  if (build_cmap(&tb[T_CMAP], unicode, given) != 0)
    goto nomem;
  for (i = 0; i < T_COUNT; i++)
    if (!kyso_buf_ok(&tb[i]))
      goto nomem;
  wr32(tb[T_HEAD].data + 8, 0);  /* checkSumAdjustment, set below */
  wr16(tb[T_HEAD].data + 50, 1); /* indexToLocFormat: long */
  wr16(tb[T_HHEA].data + 34, (uint16_t)n);
  wr16(tb[T_MAXP].data + 4, (uint16_t)n);

  /* the sfnt: offset table, directory, tables padded to 4 bytes */
  for (i = 0; i < T_COUNT; i++)
    if (tb[i].len > 0) {
      present |= 1u << i;
      ntables++;
    }
  while (pow2 * 2 <= ntables) {
    pow2 *= 2;
    log2++;
  }
  put32(out, 0x00010000);
  put16(out, (uint16_t)ntables);
  put16(out, (uint16_t)(pow2 * 16));
  put16(out, (uint16_t)log2);
  put16(out, (uint16_t)(ntables * 16 - pow2 * 16));
  off = 12 + 16 * ntables;
  for (i = 0; i < T_COUNT; i++) {
    if (!(present & (1u << i)))
      continue;
    kyso_buf_append(out, table_tags[i], 4);
    put32(out, checksum(tb[i].data, tb[i].len));
    put32(out, off);
    put32(out, (uint32_t)tb[i].len);
    off += (uint32_t)((tb[i].len + 3) & ~(size_t)3);
  }
  for (i = 0; i < T_COUNT; i++) {
    if (!(present & (1u << i)))
      continue;
    if (i == T_HEAD)
      head_at = out->len;
    kyso_buf_append(out, tb[i].data, tb[i].len);
    while (out->len % 4)
      kyso_buf_append_byte(out, 0);
  }
  if (!kyso_buf_ok(out))
    goto nomem;
  /* OpenType "head": checkSumAdjustment = 0xB1B0AFBA - whole font sum */
  wr32(out->data + head_at + 8,
       0xB1B0AFBAu - checksum(out->data + base, out->len - base));
  *count = n;
  ret = KYSO_OK;
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  for (i = 0; i < T_COUNT; i++)
    kyso_buf_free(&tb[i]);
  free(map);
  return ret;
}
