/* newrev.c - a new revision's id, file name and the exclusive write into a versions
 * directory (see newrev.h). */
#include "server/alembic/newrev.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"

enum { REVID_MAX = 64 };

const char *revid_kind_name(RevIdKind k) {
  switch (k) {
  case REVID_HEX: return "hex";
  case REVID_SEQUENCE: return "sequence";
  case REVID_DATETIME: return "datetime";
  case REVID_DATE_SEQUENCE: return "date_sequence";
  }
  return "hex";
}

/* ---- reading existing ids ------------------------------------------------------- */

static bool revid__hex12(const char *id) {
  if (strlen(id) != 12) return false;
  for (const char *p = id; *p; p++)
    if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f')) return false;
  return true;
}

static bool revid__digits(const char *s, size_t n) {
  if (n == 0) return false;
  for (size_t k = 0; k < n; k++)
    if (!isdigit((unsigned char)s[k])) return false;
  return true;
}

static bool revid__date8(const char *s) {
  if (!revid__digits(s, 8)) return false;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[4] - '0') * 10 + (s[5] - '0');
  int d = (s[6] - '0') * 10 + (s[7] - '0');
  return y >= 1990 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* An id read as date + separator + digits: "20240115_093000", "20240115-0001". */
typedef struct DatedId {
  char sep[4];
  const char *rest;   /* the digits after the date (and separator) */
  size_t nrest;
} DatedId;

static bool revid__dated(const char *id, DatedId *out) {
  size_t n = strlen(id);
  if (n < 10 || !revid__date8(id)) return false;
  const char *p = id + 8;
  memset(out, 0, sizeof *out);
  if (*p == '_' || *p == '-') {
    out->sep[0] = *p;
    p++;
  }
  out->rest = p;
  out->nrest = strlen(p);
  return out->nrest >= 2 && out->nrest <= 9 && revid__digits(p, out->nrest);
}

static bool revid__hhmmss(const char *s, size_t n) {
  if (n != 6) return false;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[2] - '0') * 10 + (s[3] - '0'),
      sec = (s[4] - '0') * 10 + (s[5] - '0');
  return h < 24 && m < 60 && sec < 60;
}

/* Sequence: a fixed non-digit prefix and a counter. */
static bool revid__sequence(const char *id, char *prefix, size_t cap, int *width) {
  size_t n = strlen(id);
  size_t d = n;
  while (d > 0 && isdigit((unsigned char)id[d - 1])) d--;
  if (d == n || n - d > 9 || d >= cap) return false;
  for (size_t k = 0; k < d; k++)
    if (isdigit((unsigned char)id[k])) return false;
  memcpy(prefix, id, d);
  prefix[d] = '\0';
  *width = (int)(n - d);
  return true;
}

static long long revid__num(const char *s, size_t n) {
  long long v = 0;
  for (size_t k = 0; k < n && k < 18; k++) v = v * 10 + (s[k] - '0');
  return v;
}

/* Whether `id` follows `st` (its counter is then in *counter, its date in date[9]). */
static bool revid__follows(const RevIdStyle *st, const char *id, long long *counter, char *date) {
  switch (st->kind) {
  case REVID_HEX: return revid__hex12(id);
  case REVID_SEQUENCE: {
    char prefix[32];
    int w;
    if (!revid__sequence(id, prefix, sizeof prefix, &w) || strcmp(prefix, st->prefix)) return false;
    // A 12-hex id may end in digits and start with a letter: not a sequence of ours.
    if (revid__hex12(id) && st->prefix[0]) return false;
    if (counter) *counter = revid__num(id + strlen(prefix), (size_t)w);
    return true;
  }
  case REVID_DATETIME:
  case REVID_DATE_SEQUENCE: {
    DatedId d;
    if (!revid__dated(id, &d) || strcmp(d.sep, st->sep)) return false;
    if (st->kind == REVID_DATETIME && !revid__hhmmss(d.rest, d.nrest)) return false;
    if (counter) *counter = revid__num(d.rest, d.nrest);
    if (date) {
      memcpy(date, id, 8);
      date[8] = '\0';
    }
    return true;
  }
  }
  return false;
}

/* The style one id suggests (hex ids suggest hex; dated ones datetime or date_sequence). */
static bool revid__guess(const char *id, RevIdStyle *st) {
  memset(st, 0, sizeof *st);
  DatedId d;
  if (revid__hex12(id)) {
    st->kind = REVID_HEX;
    return true;
  }
  if (revid__dated(id, &d)) {
    memcpy(st->sep, d.sep, sizeof st->sep);
    st->width = (int)d.nrest;
    // A six-digit time of day with a non-zero hour is a timestamp; small numbers are
    // counters (000001 would also read as a time, 00:00:01).
    st->kind = revid__hhmmss(d.rest, d.nrest) && (d.rest[0] != '0' || d.rest[1] != '0')
                   ? REVID_DATETIME
                   : REVID_DATE_SEQUENCE;
    return true;
  }
  if (revid__sequence(id, st->prefix, sizeof st->prefix, &st->width)) {
    st->kind = REVID_SEQUENCE;
    return true;
  }
  return false;
}

static size_t revid__count_following(const RevIdStyle *st, Revision *const *revs, size_t n) {
  size_t c = 0;
  for (size_t k = 0; k < n; k++)
    if (revs[k]->id && revid__follows(st, revs[k]->id, NULL, NULL)) c++;
  return c;
}

/* For a dated style: a counter that restarts each day shows the same counter on two days. */
static void revid__per_day(RevIdStyle *st, Revision *const *revs, size_t n) {
  st->per_day = false;
  for (size_t a = 0; a < n && !st->per_day; a++) {
    long long ca;
    char da[9];
    if (!revs[a]->id || !revid__follows(st, revs[a]->id, &ca, da)) continue;
    for (size_t b = a + 1; b < n; b++) {
      long long cb;
      char db[9];
      if (revs[b]->id && revid__follows(st, revs[b]->id, &cb, db) && ca == cb && strcmp(da, db)) {
        st->per_day = true;
        break;
      }
    }
  }
}

static void revid__describe(RevIdStyle *st, bool detected) {
  switch (st->kind) {
  case REVID_HEX:
    st->why = detected ? "12 hex characters, as the project's ids and Alembic's default"
                       : "12 hex characters (Alembic's default)";
    break;
  case REVID_SEQUENCE: st->why = "a counter, as the project's existing ids"; break;
  case REVID_DATETIME: st->why = "date and time, as the project's existing ids"; break;
  case REVID_DATE_SEQUENCE: st->why = "date and counter, as the project's existing ids"; break;
  }
}

bool revid_style(Revision *const *revs, size_t n, const char *setting, RevIdStyle *out,
                 RtError *err) {
  memset(out, 0, sizeof *out);
  if (setting && *setting && strcmp(setting, "auto")) {
    static const struct {
      const char *name;
      RevIdKind kind;
    } NAMES[] = {{"hex", REVID_HEX},
                 {"sequence", REVID_SEQUENCE},
                 {"datetime", REVID_DATETIME},
                 {"date_sequence", REVID_DATE_SEQUENCE}};
    bool found = false;
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
      if (!strcmp(setting, NAMES[k].name)) {
        out->kind = NAMES[k].kind;
        found = true;
      }
    if (!found)
      return error_set(err, ERR_CONFIG, "[retort] revision_id = %s: expected auto, hex, sequence, "
                       "datetime or date_sequence", setting);
    // Forced: take the details (prefix, width, separator) from existing ids that fit.
    for (size_t k = 0; k < n; k++) {
      RevIdStyle g;
      if (revs[k]->id && revid__guess(revs[k]->id, &g) &&
          (g.kind == out->kind ||
           (out->kind == REVID_DATE_SEQUENCE && g.kind == REVID_DATETIME))) {
        g.kind = out->kind;
        *out = g;
        break;
      }
    }
    if (out->kind == REVID_SEQUENCE && out->width == 0) out->width = 4;
    if (out->kind == REVID_DATE_SEQUENCE && out->width == 0) {
      out->width = 4;
      strcpy(out->sep, "_");
    }
    if (out->kind == REVID_DATETIME && out->width == 0) {
      out->width = 6;
      strcpy(out->sep, "_");
    }
    if (out->kind == REVID_DATE_SEQUENCE) revid__per_day(out, revs, n);
    out->why = "[retort] revision_id";
    return true;
  }
  size_t nids = 0;
  for (size_t k = 0; k < n; k++)
    if (revs[k]->id) nids++;
  // Everyone agrees: the style of the first id, if every id follows it.
  RevIdStyle st;
  for (size_t k = 0; k < n; k++) {
    if (!revs[k]->id) continue;
    if (revid__guess(revs[k]->id, &st) && nids >= 2) {
      if (st.kind == REVID_DATETIME || st.kind == REVID_DATE_SEQUENCE) {
        // A mix of time-like and counter-like suffixes reads as date + counter.
        RevIdStyle seq = st;
        seq.kind = REVID_DATE_SEQUENCE;
        RevIdStyle dt = st;
        dt.kind = REVID_DATETIME;
        if (revid__count_following(&dt, revs, n) == nids) {
          st = dt;
          bool any_hour = false;
          for (size_t j = 0; j < n; j++) {
            DatedId d;
            if (revs[j]->id && revid__dated(revs[j]->id, &d) && (d.rest[0] != '0' || d.rest[1] != '0'))
              any_hour = true;
          }
          if (!any_hour) st = seq;
        } else {
          st = seq;
        }
      }
      if (revid__count_following(&st, revs, n) == nids) {
        *out = st;
        if (out->kind == REVID_DATE_SEQUENCE) revid__per_day(out, revs, n);
        revid__describe(out, true);
        return true;
      }
    }
    break;
  }
  // A project that changed convention: follow the newest ids (the heads), when another id
  // agrees with them. Heads are the ids no other revision names as a parent.
  for (size_t k = 0; k < n; k++) {
    const char *id = revs[k]->id;
    if (!id) continue;
    bool is_parent = false;
    for (size_t j = 0; j < n && !is_parent; j++)
      for (size_t d = 0; d < revs[j]->ndown; d++)
        if (!strcmp(revs[j]->down[d], id)) {
          is_parent = true;
          break;
        }
    if (is_parent || !revid__guess(id, &st)) continue;
    if (revid__count_following(&st, revs, n) >= 2) {
      *out = st;
      if (out->kind == REVID_DATE_SEQUENCE) revid__per_day(out, revs, n);
      revid__describe(out, true);
      return true;
    }
  }
  out->kind = REVID_HEX;
  revid__describe(out, false);
  return true;
}

/* ---- making ids --------------------------------------------------------------------- */

static bool revid__taken(Revision *const *revs, size_t n, const char *id) {
  for (size_t k = 0; k < n; k++)
    if (revs[k]->id && !strcmp(revs[k]->id, id)) return true;
  return false;
}

static void revid__random(unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      // No entropy source at all: time and pid still make collisions unlikely, and the
      // caller checks the id against the project's anyway.
      unsigned long long seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
      for (; got < n; got++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[got] = (unsigned char)(seed >> 56);
      }
      return;
    }
    got += (size_t)r;
  }
}

char *revid_make(const RevIdStyle *st, Revision *const *revs, size_t n, time_t now) {
  struct tm tm;
  localtime_r(&now, &tm);
  char date[16];
  strftime(date, sizeof date, "%Y%m%d", &tm);
  for (int attempt = 0;; attempt++) {
    char id[REVID_MAX + 96];
    switch (st->kind) {
    case REVID_HEX: {
      unsigned char r[6];
      revid__random(r, sizeof r);
      snprintf(id, sizeof id, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
      break;
    }
    case REVID_SEQUENCE: {
      long long max = 0, c;
      for (size_t k = 0; k < n; k++)
        if (revs[k]->id && revid__follows(st, revs[k]->id, &c, NULL) && c > max) max = c;
      int w = st->width > 0 && st->width < 20 ? st->width : 4;
      snprintf(id, sizeof id, "%s%0*lld", st->prefix, w, max + 1 + attempt);
      break;
    }
    case REVID_DATETIME: {
      time_t t = now + attempt;  // the same second twice: the next one
      struct tm tt;
      localtime_r(&t, &tt);
      char d8[16], hms[16];
      strftime(d8, sizeof d8, "%Y%m%d", &tt);
      strftime(hms, sizeof hms, "%H%M%S", &tt);
      snprintf(id, sizeof id, "%s%s%s", d8, st->sep, hms);
      break;
    }
    case REVID_DATE_SEQUENCE: {
      long long max = 0, c;
      char d[9];
      for (size_t k = 0; k < n; k++)
        if (revs[k]->id && revid__follows(st, revs[k]->id, &c, d) && (!st->per_day || !strcmp(d, date)) &&
            c > max)
          max = c;
      int w = st->width > 0 && st->width < 20 ? st->width : 4;
      snprintf(id, sizeof id, "%.8s%.3s%0*lld", date, st->sep, w, max + 1 + attempt);
      break;
    }
    }
    if (!revid__taken(revs, n, id)) return xstrdup(id);
  }
}

bool revid_valid(const char *id, RtError *err) {
  size_t n = strlen(id);
  if (n == 0 || n > REVID_MAX)
    return error_set(err, ERR_PARAMS, "rev_id must be 1 to %d characters long", REVID_MAX);
  for (const char *p = id; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_')
      return error_set(err, ERR_PARAMS, "rev_id %s: only letters, digits and '_' are allowed "
                       "(it becomes part of a file name; Alembic itself rejects '-', '@' and '+')",
                       id);
  return true;
}

/* ---- file names ---------------------------------------------------------------------- */

/* Python's \w for one UTF-8 sequence: letters and digits of any script and '_'. Non-ASCII
 * punctuation, symbols and spaces in the common blocks are not word characters. */
static bool revfile__word(const unsigned char *s, size_t *len) {
  unsigned c = s[0];
  if (c < 0x80) {
    *len = 1;
    return isalnum(c) || c == '_';
  }
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  for (size_t k = 1; k < n; k++)
    if ((s[k] & 0xC0) != 0x80) n = k;
  *len = n;
  if (n == 1) return false;
  unsigned cp = c & (0x3Fu >> (n - 1));
  for (size_t k = 1; k < n; k++) cp = (cp << 6) | (s[k] & 0x3Fu);
  if (cp >= 0x80 && cp <= 0xBF)
    return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
           (cp >= 0xBC && cp <= 0xBE);
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows, box drawing
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji and pictographs
  return true;
}

/* Lower-cases one UTF-8 sequence the way str.lower() does for ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic capitals; others are copied. */
static void revfile__lower(Buf *b, const unsigned char *s, size_t n) {
  if (n == 1) {
    buf_putc(b, (char)tolower(s[0]));
    return;
  }
  if (n == 2) {
    unsigned cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    unsigned lo = cp;
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)) lo = cp + 0x20;
    else if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && cp != 0x138 &&
             cp != 0x149 && cp != 0x17F) {
      bool even_upper = (cp < 0x138) || (cp >= 0x14A && cp < 0x178);
      if (even_upper ? (cp % 2 == 0) : (cp % 2 == 1)) lo = cp + 1;
      if (cp == 0x178) lo = 0xFF;
    } else if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) lo = cp + 0x20;
    else if (cp >= 0x410 && cp <= 0x42F) lo = cp + 0x20;
    else if (cp >= 0x400 && cp <= 0x40F) lo = cp + 0x50;
    if (lo != cp) {
      buf_putc(b, (char)(0xC0 | (lo >> 6)));
      buf_putc(b, (char)(0x80 | (lo & 0x3F)));
      return;
    }
  }
  buf_append(b, s, n);
}

char *revfile_slug(const char *message, int truncate) {
  Buf b = BUF_INIT;
  const unsigned char *p = (const unsigned char *)(message ? message : "");
  bool in_word = false;
  size_t chars = 0;           // characters, as Python counts them
  size_t *char_off = NULL;    // byte offset of each character in b
  size_t cap = 0;
  while (*p) {
    size_t n;
    bool w = revfile__word(p, &n);
    if (w) {
      if (!in_word && b.len) {
        if (chars == cap) char_off = xrealloc(char_off, (cap = cap ? cap * 2 : 64) * sizeof *char_off);
        char_off[chars++] = b.len;
        buf_putc(&b, '_');
      }
      if (chars == cap) char_off = xrealloc(char_off, (cap = cap ? cap * 2 : 64) * sizeof *char_off);
      char_off[chars++] = b.len;
      revfile__lower(&b, p, n);
    }
    in_word = w;
    p += n;
  }
  if (truncate > 0 && chars > (size_t)truncate) {
    // slug[:truncate].rsplit("_", 1)[0] + "_"
    size_t cut = char_off[truncate];
    size_t keep = cut;
    for (size_t k = cut; k > 0; k--)
      if (b.data[k - 1] == '_') {
        keep = k - 1;
        break;
      }
    if (keep == cut) keep = cut;  // no '_' in the first `truncate` characters: all of them
    Buf t = BUF_INIT;
    buf_append(&t, b.data, keep);
    buf_putc(&t, '_');
    buf_free(&b);
    b = t;
  }
  free(char_off);
  char *out = buf_detach(&b);
  return out ? out : xstrdup("");
}

bool revfile_name(const char *tmpl, const RevFileVars *v, bool allow_subdirs, char **out,
                  RtError *err) {
  *out = NULL;
  Buf b = BUF_INIT;
  const char *p = tmpl;
  while (*p) {
    if (*p != '%') {
      buf_putc(&b, *p++);
      continue;
    }
    if (p[1] == '%') {
      buf_putc(&b, '%');
      p += 2;
      continue;
    }
    if (p[1] != '(') {
      buf_free(&b);
      return error_set(err, ERR_CONFIG, "file_template %s: '%%' must be followed by '(name)' or "
                       "'%%' (Python %%-formatting)", tmpl);
    }
    const char *key = p + 2, *close = strchr(key, ')');
    if (!close) {
      buf_free(&b);
      return error_set(err, ERR_CONFIG, "file_template %s: unclosed %%(", tmpl);
    }
    const char *q = close + 1;
    char flags[8] = "";
    size_t nf = 0;
    while (*q && strchr("-0+ #", *q) && nf < sizeof flags - 1) flags[nf++] = *q++;
    flags[nf] = '\0';
    int width = -1, prec = -1;
    if (isdigit((unsigned char)*q)) {
      width = 0;
      while (isdigit((unsigned char)*q) && width < 1000) width = width * 10 + (*q++ - '0');
    }
    if (*q == '.') {
      q++;
      prec = 0;
      while (isdigit((unsigned char)*q) && prec < 1000) prec = prec * 10 + (*q++ - '0');
    }
    char conv = *q;
    if (conv != 's' && conv != 'd' && conv != 'i' && conv != 'r') {
      buf_free(&b);
      return error_set(err, ERR_CONFIG, "file_template %s: conversion '%c' is not supported "
                       "(s, d, i)", tmpl, conv ? conv : ' ');
    }
    size_t klen = (size_t)(close - key);
    const char *sval = NULL;
    long long ival = 0;
    bool is_int = true;
    const struct tm *tm = &v->tm;
#define KEY(k) (klen == strlen(k) && !strncmp(key, k, klen))
    if (KEY("rev")) sval = v->rev, is_int = false;
    else if (KEY("slug")) sval = v->slug, is_int = false;
    else if (KEY("epoch")) ival = (long long)v->epoch;
    else if (KEY("year")) ival = tm->tm_year + 1900;
    else if (KEY("month")) ival = tm->tm_mon + 1;
    else if (KEY("day")) ival = tm->tm_mday;
    else if (KEY("hour")) ival = tm->tm_hour;
    else if (KEY("minute")) ival = tm->tm_min;
    else if (KEY("second")) ival = tm->tm_sec;
    else {
      buf_free(&b);
      return error_set(err, ERR_CONFIG, "file_template %s: unknown key '%.*s' (Alembic provides "
                       "rev, slug, epoch, year, month, day, hour, minute, second)", tmpl,
                       (int)(klen > 40 ? 40 : klen), key);
    }
#undef KEY
    if (!is_int && conv != 's' && conv != 'r') {
      buf_free(&b);
      return error_set(err, ERR_CONFIG, "file_template %s: %%(%.*s)%c needs a number, and "
                       "%.*s is text", tmpl, (int)klen, key, conv, (int)klen, key);
    }
    char fmt[32], piece[256];
    if (is_int && conv != 's' && conv != 'r') {
      // %.2d in Python means at least 2 digits, as in C.
      snprintf(fmt, sizeof fmt, "%%%s%s%s%s%slld", flags, width >= 0 ? "*" : "", prec >= 0 ? "." : "",
               prec >= 0 ? "*" : "", "");
      if (width >= 0 && prec >= 0) snprintf(piece, sizeof piece, fmt, width, prec, ival);
      else if (width >= 0) snprintf(piece, sizeof piece, fmt, width, ival);
      else if (prec >= 0) snprintf(piece, sizeof piece, fmt, prec, ival);
      else snprintf(piece, sizeof piece, fmt, ival);
      buf_puts(&b, piece);
    } else {
      char num[32];
      const char *s = sval;
      if (is_int) {
        snprintf(num, sizeof num, "%lld", ival);
        s = num;
      }
      Buf sv = BUF_INIT;
      if (conv == 'r' && !is_int) {
        buf_printf(&sv, "'%s'", s);
      } else {
        buf_puts(&sv, s);
      }
      size_t len = sv.len;
      if (prec >= 0 && (size_t)prec < len) len = (size_t)prec;
      bool left = strchr(flags, '-') != NULL;
      if (width > 0 && (size_t)width > len && !left)
        for (size_t k = len; k < (size_t)width; k++) buf_putc(&b, ' ');
      buf_append(&b, buf_cstr(&sv), len);
      if (width > 0 && (size_t)width > len && left)
        for (size_t k = len; k < (size_t)width; k++) buf_putc(&b, ' ');
      buf_free(&sv);
    }
    p = q + 1;
  }
  buf_puts(&b, ".py");
  char *name = buf_detach(&b);
  // What the name may be: relative, no '.' / '..' / empty components, no control bytes.
  const char *bad = NULL;
  if (name[0] == '/') bad = "an absolute path";
  for (const unsigned char *c = (const unsigned char *)name; *c && !bad; c++)
    if (*c < 0x20 || *c == 0x7F) bad = "a control character";
  if (!bad && strchr(name, '/') && !allow_subdirs)
    bad = "a '/' (a subdirectory; retort writes there only with recursive_version_locations = "
          "true, so that Alembic finds the file)";
  for (const char *c = name; *c && !bad;) {
    const char *slash = strchr(c, '/');
    size_t n = slash ? (size_t)(slash - c) : strlen(c);
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      bad = "an empty, '.' or '..' path component";
    if (!slash && (n == 3 || (n > 3 && c[0] == '.')))  // ".py" alone, or a hidden file
      bad = n == 3 ? "an empty file name" : "a file name starting with '.'";
    c = slash ? slash + 1 : c + n;
  }
  if (!bad && strlen(name) > NAME_MAX * 4) bad = "a path that is too long";
  if (bad) {
    error_set(err, ERR_CONFIG, "file_template %s gives %s: %s; nothing was written", tmpl, bad,
              name);
    free(name);
    return false;
  }
  *out = name;
  return true;
}

/* ---- writing ------------------------------------------------------------------------- */

static bool revfile__inside(const char *path, const char *root) {
  size_t n = strlen(root);
  if (n == 1 && root[0] == '/') return true;
  return !strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0');
}

bool revfile_write(const char *root, const char *dir, const char *name, const char *content,
                   size_t len, char **path_out, RtError *err) {
  if (path_out) *path_out = NULL;
  struct stat st;
  if (lstat(dir, &st) != 0) {
    if (errno != ENOENT)
      return error_set(err, ERR_IO, "cannot use the versions directory %s: %s; nothing was "
                       "written", dir, strerror(errno));
    // Alembic creates a configured version location on demand; only the last level here.
    if (mkdir(dir, 0777) != 0)
      return error_set(err, ERR_IO, "cannot create the versions directory %s: %s; nothing was "
                       "written", dir, strerror(errno));
  }
  char real_root[PATH_MAX], real_dir[PATH_MAX];
  if (!realpath(root, real_root) || !realpath(dir, real_dir))
    return error_set(err, ERR_IO, "cannot resolve %s: %s; nothing was written", dir,
                     strerror(errno));
  // A versions directory reached through a symlink must stay inside the project.
  if (!revfile__inside(real_dir, real_root) && strcmp(real_dir, dir) != 0)
    return error_set(err, ERR_PARAMS, "the versions directory %s leads outside the project "
                     "(%s, through a symlink); retort writes only inside the project; nothing "
                     "was written", dir, real_dir);
  // Every directory on the way stays open until the end, so that what this call
  // created can be removed relative to its parent if the write fails.
  enum { MAX_DEPTH = 32 };
  int fds[MAX_DEPTH + 1];
  size_t nfds = 0;
  const char *created[MAX_DEPTH + 1] = {0}; /* created[k]: made by us inside fds[k] */
  fds[nfds++] = open(real_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fds[0] < 0)
    return error_set(err, ERR_IO, "cannot open the versions directory %s: %s; nothing was "
                     "written", dir, strerror(errno));
  char *rel = xstrdup(name);
  char *file = rel;
  bool ok = true;
  for (char *slash; ok && (slash = strchr(file, '/'));) {
    *slash = '\0';
    int parent = fds[nfds - 1];
    if (nfds >= MAX_DEPTH) {
      error_set(err, ERR_PARAMS, "%s: too many subdirectories; nothing was written", name);
      ok = false;
      break;
    }
    if (mkdirat(parent, file, 0777) == 0) {
      created[nfds - 1] = file;
    } else if (errno != EEXIST) {
      error_set(err, ERR_IO, "cannot create directory %s in %s: %s; nothing was written", file,
                dir, strerror(errno));
      ok = false;
      break;
    }
    int sub = openat(parent, file, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      error_set(err, ERR_IO, "cannot enter %s in %s: %s (a symlink is not followed); nothing "
                "was written", file, dir, strerror(errno));
      ok = false;
      break;
    }
    fds[nfds++] = sub;
    file = slash + 1;
  }
  int dfd = fds[nfds - 1];
  if (ok) {
    int fd = openat(dfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST)
        error_set(err, ERR_IO, "%s/%s already exists; retort never overwrites a file; nothing "
                  "was written", dir, name);
      else
        error_set(err, ERR_IO, "cannot create %s/%s: %s; nothing was written", dir, name,
                  strerror(errno));
      ok = false;
    } else {
      size_t done = 0;
      while (done < len) {
        ssize_t w = write(fd, content + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          error_set(err, ERR_IO, "cannot write %s/%s: %s; the partial file was removed", dir,
                    name, strerror(errno));
          ok = false;
          break;
        }
        done += (size_t)w;
      }
      if (close(fd) != 0 && ok) {
        error_set(err, ERR_IO, "cannot write %s/%s: %s; the partial file was removed", dir,
                  name, strerror(errno));
        ok = false;
      }
      if (!ok) unlinkat(dfd, file, 0);
    }
  }
  // On failure, remove the (empty) directories this call created, innermost first.
  for (size_t k = nfds; k-- > 0;) {
    if (!ok && created[k]) unlinkat(fds[k], created[k], AT_REMOVEDIR);
    close(fds[k]);
  }
  if (!ok) {
    free(rel);
    return false;
  }
  if (path_out) {
    Buf b = BUF_INIT;
    buf_printf(&b, "%s/%s", real_dir, name);
    *path_out = buf_detach(&b);
  }
  free(rel);
  return true;
}
