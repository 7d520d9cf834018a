/* toml.c - TOML 1.0 syntax, keeping the keys of one table as flat settings (toml.h). */
#include "server/alembic/toml.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

/* Arrays and inline tables nested deeper than this are refused (tomllib's own limit is
 * Python's recursion limit); it keeps the recursive descent off the end of the stack. */
#define TOML_MAX_DEPTH 100
/* Keys and tables below the wanted table: each new one is compared with those before it. */
#define TOML_MAX_SETTINGS 1000
#define TF_EXPLICIT 1u
#define TF_FROZEN 2u
#define TF_ARRAY 4u /* an array of tables */

/* The first six are TomlKind's, in its order. */
typedef enum { TV_STRING, TV_INTEGER, TV_FLOAT, TV_BOOL, TV_DATETIME, TV_ARRAY, TV_TABLE } TvKind;
_Static_assert((int)TV_ARRAY == (int)TOML_ARRAY && (int)TV_BOOL == (int)TOML_BOOL,
               "TvKind and TomlKind agree");

typedef struct TKey {
  const char **seg;
  size_t n;
} TKey;

typedef struct TVal {
  TvKind kind;
  int line;
  const char *text; /* scalars: decoded string, or the number / date as normalised text */
  size_t len;
  struct TVal **items; /* arrays: elements; tables: values, named by keys[i] */
  TKey *keys;
  size_t n, cap;
} TVal;

typedef struct Tp {
  const char *p, *end;
  int line;
  RtError *err;
  Arena *a;
  TKey want;  /* the table whose keys are kept */
  const char *table; /* its name, for messages */
  int opts;          /* TOML_SKIP_TABLE_ARRAYS */
  bool skipping;     /* inside a [[table array]] below `want` that is passed over */
  const char **skip_keys; /* the keys of the passed-over section, joined by '\x1f' (arena) */
  size_t nskip_keys, skip_keys_cap;
  TKey cur;   /* the current [header] */
  TomlSettings *out;
  size_t out_cap;
  /* tomllib's table flags, kept for the paths that matter: `want`, what lies below it and
   * its prefixes. EXPLICIT: declared by a [header], or a table that dotted keys created in
   * an earlier section (pending until the next header); FROZEN: an inline table or a
   * value, which nothing may extend. */
  struct TFlag {
    const char *path; /* segments joined by '\x1f' (arena) */
    unsigned flags, pending;
    int line;         /* where it was first written */
  } *flags;
  size_t nflags, flags_cap;
  int depth;
} Tp;

static bool tp__fail(Tp *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool tp__fail(Tp *t, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return error_set(t->err, ERR_CONFIG, "line %d: %s", t->line, msg);
}

/* What is at the cursor, for messages. */
static const char *tp__here(Tp *t) {
  static _Thread_local char buf[32];
  if (t->p >= t->end) return "the end of the file";
  unsigned char c = (unsigned char)*t->p;
  if (c == '\r' && !(t->end - t->p >= 2 && t->p[1] == '\n'))
    return "a carriage return without a line feed";
  if (c == '\n' || c == '\r') return "the end of the line";
  if (c == 0xef && t->end - t->p >= 3 && (unsigned char)t->p[1] == 0xbb &&
      (unsigned char)t->p[2] == 0xbf)
    return "a byte-order mark (TOML has none)";
  if (c > 0x20 && c < 0x7f) snprintf(buf, sizeof buf, "'%c'", c);
  else if (c == ' ' || c == '\t') snprintf(buf, sizeof buf, "a space");
  else snprintf(buf, sizeof buf, "byte 0x%02x", c);
  return buf;
}

static void *tp__grow(Arena *a, void *old, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return old;
  size_t ncap = *cap ? *cap * 2 : 4;
  void *p = arena_alloc(a, ncap * size);
  if (n) memcpy(p, old, n * size);
  *cap = ncap;
  return p;
}

static bool tp__at(const Tp *t, char c) { return t->p < t->end && *t->p == c; }

static bool tp__at3(const Tp *t, char c) {
  return t->end - t->p >= 3 && t->p[0] == c && t->p[1] == c && t->p[2] == c;
}

/* Control characters TOML allows nowhere but as escapes (tab is allowed). */
static bool tp__ctrl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

static void tp__ws(Tp *t) {
  while (t->p < t->end && (*t->p == ' ' || *t->p == '\t')) t->p++;
}

static bool tp__newline(Tp *t) {
  if (tp__at(t, '\n')) {
    t->p++;
  } else if (tp__at(t, '\r') && t->end - t->p >= 2 && t->p[1] == '\n') {
    t->p += 2;
  } else {
    return false;
  }
  t->line++;
  return true;
}

static bool tp__comment(Tp *t) {
  if (!tp__at(t, '#')) return true;
  for (; t->p < t->end && *t->p != '\n'; t->p++) {
    if (*t->p == '\r' && t->end - t->p >= 2 && t->p[1] == '\n') break;
    if (tp__ctrl((unsigned char)*t->p)) return tp__fail(t, "a control character in a comment");
  }
  return true;
}

/* Spaces, comments and line ends (inside arrays). */
static bool tp__blank(Tp *t) {
  for (;;) {
    tp__ws(t);
    if (!tp__comment(t)) return false;
    if (!tp__newline(t)) return true;
  }
}

/* After a value or a header: spaces, an optional comment, then a line end or the end. */
static bool tp__eol(Tp *t, const char *after) {
  tp__ws(t);
  if (!tp__comment(t)) return false;
  if (t->p >= t->end || tp__newline(t)) return true;
  return tp__fail(t, "expected the end of the line after %s, found %s", after, tp__here(t));
}

/* The whole document must be UTF-8 (TOML's rule; tomllib decodes it first). */
static bool tp__utf8(Tp *t) {
  const unsigned char *s = (const unsigned char *)t->p, *e = (const unsigned char *)t->end;
  int line = 1;
  while (s < e) {
    unsigned c = *s;
    if (c < 0x80) {
      if (c == '\n') line++;
      s++;
      continue;
    }
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (n == 3 && c > 0xef) n = 0;
    bool ok = n && (size_t)(e - s) >= n;
    for (size_t k = 1; ok && k < n; k++) ok = (s[k] & 0xc0) == 0x80;
    if (ok && n == 3) ok = !(c == 0xe0 && s[1] < 0xa0) && !(c == 0xed && s[1] >= 0xa0);
    if (ok && n == 4) ok = !(c == 0xf0 && s[1] < 0x90) && !(c == 0xf4 && s[1] >= 0x90);
    if (!ok) {
      t->line = line;
      return tp__fail(t, "not UTF-8 (byte 0x%02x)", c);
    }
    s += n;
  }
  return true;
}

static void tp__utf8_put(Buf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6);
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12);
    u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | cp >> 18);
    u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  buf_append(b, u, n);
}

static int tp__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* ---- strings ------------------------------------------------------------------------- */

static bool tp__escape(Tp *t, Buf *b) {
  char e = *t->p++;
  static const char SIMPLE[] = "b\bt\tn\nf\fr\r\"\"\\\\";
  for (size_t k = 0; k + 1 < sizeof SIMPLE; k += 2)
    if (e == SIMPLE[k]) {
      buf_putc(b, SIMPLE[k + 1]);
      return true;
    }
  if (e != 'u' && e != 'U') {
    t->p--;
    if (e == ' ' || e == '\t')
      return tp__fail(t, "a backslash before a blank that does not end the line");
    return tp__fail(t, "an unknown escape \\%s in a string", tp__here(t));
  }
  int n = e == 'u' ? 4 : 8;
  uint32_t cp = 0;
  for (int k = 0; k < n; k++) {
    int h = t->p < t->end ? tp__hex(*t->p) : -1;
    if (h < 0) return tp__fail(t, "\\%c needs %d hex digits", e, n);
    cp = cp << 4 | (uint32_t)h;
    t->p++;
  }
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return tp__fail(t, "\\%c%0*X is not a Unicode scalar value", e, n, cp);
  tp__utf8_put(b, cp);
  return true;
}

/* A string of any kind, the cursor on its first quote; its decoded text goes to b. */
static bool tp__string(Tp *t, Buf *b) {
  char q = *t->p;
  bool basic = q == '"', ml = tp__at3(t, q);
  t->p += ml ? 3 : 1;
  if (ml) tp__newline(t); // a line end right after the opening quotes is not content
  for (;;) {
    if (t->p >= t->end) return tp__fail(t, "a string that does not end");
    unsigned char c = (unsigned char)*t->p;
    if (c == (unsigned char)q) {
      if (!ml) {
        t->p++;
        return true;
      }
      size_t n = 0;
      while (t->p + n < t->end && t->p[n] == q) n++;
      if (n >= 3) { // the end; one or two quotes before the closing three are content
        if (n > 5) return tp__fail(t, "too many quotes at the end of a multi-line string");
        buf_append(b, t->p, n - 3);
        t->p += n;
        return true;
      }
      buf_append(b, t->p, n);
      t->p += n;
      continue;
    }
    if (basic && c == '\\') {
      t->p++;
      if (t->p >= t->end) return tp__fail(t, "a string that does not end");
      const char *s = t->p;
      while (ml && s < t->end && (*s == ' ' || *s == '\t')) s++;
      if (ml && s < t->end && (*s == '\n' || *s == '\r')) {
        t->p = s; // a line-ending backslash: the line end and the blanks after it go
        if (!tp__newline(t)) return tp__fail(t, "a carriage return without a line feed");
        for (;;) {
          tp__ws(t);
          if (!tp__newline(t)) break;
        }
        continue;
      }
      if (!tp__escape(t, b)) return false;
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (!ml) return tp__fail(t, "a string that does not end on its line");
      if (!tp__newline(t)) return tp__fail(t, "a carriage return without a line feed");
      buf_putc(b, '\n');
      continue;
    }
    if (tp__ctrl(c))
      return tp__fail(t, "a control character (0x%02x) in a string: write it as an escape", c);
    buf_putc(b, (char)c);
    t->p++;
  }
}

/* ---- keys -------------------------------------------------------------------------------- */

static bool tp__bare(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

static bool tp__key(Tp *t, TKey *k) {
  size_t cap = 0;
  *k = (TKey){0};
  for (;;) {
    const char *seg;
    if (tp__at(t, '"') || tp__at(t, '\'')) {
      if (tp__at3(t, *t->p)) return tp__fail(t, "a key cannot be a multi-line string");
      Buf b = BUF_INIT;
      if (!tp__string(t, &b)) {
        buf_free(&b);
        return false;
      }
      bool nul = memchr(buf_cstr(&b), 0, b.len) != NULL;
      seg = arena_strndup(t->a, buf_cstr(&b), b.len);
      buf_free(&b);
      if (nul) return tp__fail(t, "a key holding a NUL character");
    } else {
      const char *s = t->p;
      while (t->p < t->end && tp__bare((unsigned char)*t->p)) t->p++;
      if (t->p == s) return tp__fail(t, "expected a key, found %s", tp__here(t));
      seg = arena_strndup(t->a, s, (size_t)(t->p - s));
    }
    if (k->n == TOML_MAX_DEPTH) return tp__fail(t, "a key of more than %d parts", TOML_MAX_DEPTH);
    k->seg = tp__grow(t->a, k->seg, &cap, k->n, sizeof *k->seg);
    k->seg[k->n++] = seg;
    tp__ws(t);
    if (!tp__at(t, '.')) return true;
    t->p++;
    tp__ws(t);
  }
}

static TKey tp__concat(Tp *t, const TKey *a, const TKey *b) {
  TKey k = {ARENA_ARRAY(t->a, const char *, a->n + b->n + 1), a->n + b->n};
  if (a->n) memcpy(k.seg, a->seg, a->n * sizeof *k.seg);
  if (b->n) memcpy(k.seg + a->n, b->seg, b->n * sizeof *k.seg);
  return k;
}

/* Whether the first `n` segments of a and b agree. */
static bool tp__same(const TKey *a, const TKey *b, size_t n) {
  if (a->n < n || b->n < n) return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp(a->seg[i], b->seg[i]) != 0) return false;
  return true;
}

/* ---- scalars ----------------------------------------------------------------------------- */

static bool tp__digit(char c) { return c >= '0' && c <= '9'; }

/* d(_?d)* in base 2, 8, 10 or 16 from s[*i]; appends the digits to b (when given). */
static bool tp__digits(const char *s, size_t n, size_t *i, int base, Buf *b) {
  size_t start = *i;
  for (;;) {
    if (*i >= n) return *i > start && s[*i - 1] != '_';
    char c = s[*i];
    int v = tp__hex(c);
    if (v >= 0 && v < base && (base == 16 || tp__digit(c))) {
      if (b) buf_putc(b, c);
    } else if (c != '_' || *i == start || s[*i - 1] == '_') {
      return *i > start && s[*i - 1] != '_';
    }
    (*i)++;
  }
}

/* Exactly `n` decimal digits at s[*i] as a number. */
static bool tp__fixed(const char *s, size_t len, size_t *i, int n, int *out) {
  *out = 0;
  for (int k = 0; k < n; k++, (*i)++) {
    if (*i >= len || !tp__digit(s[*i])) return false;
    *out = *out * 10 + (s[*i] - '0');
  }
  return true;
}

static bool tp__date(const char *s, size_t n, size_t *i) {
  int y, m, d;
  if (!tp__fixed(s, n, i, 4, &y) || *i >= n || s[(*i)++] != '-' || !tp__fixed(s, n, i, 2, &m) ||
      *i >= n || s[(*i)++] != '-' || !tp__fixed(s, n, i, 2, &d))
    return false;
  static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false; // year 0: Python's date refuses it
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= DAYS[m - 1] + (m == 2 && leap);
}

static bool tp__time(const char *s, size_t n, size_t *i) {
  int h, m, sec;
  if (!tp__fixed(s, n, i, 2, &h) || *i >= n || s[(*i)++] != ':' || !tp__fixed(s, n, i, 2, &m) ||
      *i >= n || s[(*i)++] != ':' || !tp__fixed(s, n, i, 2, &sec))
    return false;
  if (h > 23 || m > 59 || sec > 59) return false;
  if (*i < n && s[*i] == '.') {
    size_t start = ++*i;
    while (*i < n && tp__digit(s[*i])) (*i)++;
    if (*i == start) return false;
  }
  return true;
}

/* Offset date-time, local date-time, local date or local time; the whole token. */
static bool tp__datetime(const char *s, size_t n) {
  size_t i = 0;
  if (n >= 3 && s[2] == ':') return tp__time(s, n, &i) && i == n;
  if (!tp__date(s, n, &i)) return false;
  if (i == n) return true;
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
  i++;
  if (!tp__time(s, n, &i)) return false;
  if (i == n) return true;
  if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) return true;
  if (s[i] != '+' && s[i] != '-') return false;
  i++;
  int h, m;
  return tp__fixed(s, n, &i, 2, &h) && i < n && s[i++] == ':' && tp__fixed(s, n, &i, 2, &m) &&
         i == n && h <= 23 && m <= 59;
}

/* Integer or float; the normalised text goes to b. */
static bool tp__number(Tp *t, const char *s, size_t n, TVal *v, Buf *b) {
  size_t i = 0;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
    int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
    Buf d = BUF_INIT;
    i = 2;
    bool ok = tp__digits(s, n, &i, base, &d) && i == n;
    uint64_t x = 0;
    for (size_t k = 0; ok && k < d.len; k++) {
      uint64_t digit = (uint64_t)tp__hex(d.data[k]);
      if (x > (UINT64_MAX - digit) / (uint64_t)base) ok = false;
      x = x * (uint64_t)base + digit;
    }
    buf_free(&d);
    if (!ok || x > INT64_MAX)
      return tp__fail(t, "%.*s is not a TOML integer (of at most 64 bits)", (int)n, s);
    buf_printf(b, "%llu", (unsigned long long)x);
    v->kind = TV_INTEGER;
    return true;
  }
  if (i < n && (s[i] == '+' || s[i] == '-')) buf_putc(b, s[i++]);
  const char *rest = s + i;
  size_t rn = n - i;
  if ((rn == 3 && (!memcmp(rest, "inf", 3) || !memcmp(rest, "nan", 3)))) {
    buf_append(b, rest, 3);
    v->kind = TV_FLOAT;
    return true;
  }
  size_t int_start = i;
  if (!tp__digits(s, n, &i, 10, b) || (s[int_start] == '0' && i - int_start > 1))
    return tp__fail(t, "%.*s is not a TOML number (a leading 0, or a misplaced '_')", (int)n, s);
  v->kind = TV_INTEGER;
  if (i < n && s[i] == '.') {
    buf_putc(b, s[i++]);
    if (!tp__digits(s, n, &i, 10, b))
      return tp__fail(t, "%.*s is not a TOML float (digits must follow the '.')", (int)n, s);
    v->kind = TV_FLOAT;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    buf_putc(b, s[i++]);
    if (i < n && (s[i] == '+' || s[i] == '-')) buf_putc(b, s[i++]);
    if (!tp__digits(s, n, &i, 10, b))
      return tp__fail(t, "%.*s is not a TOML float (digits must follow the exponent)", (int)n, s);
    v->kind = TV_FLOAT;
  }
  if (i != n) return tp__fail(t, "%.*s is not a TOML number", (int)n, s);
  if (v->kind == TV_INTEGER) { // TOML: an integer that 64 bits cannot hold is an error
    const char *d = b->data + (b->data[0] == '+' || b->data[0] == '-');
    const char *lim = b->data[0] == '-' ? "9223372036854775808" : "9223372036854775807";
    size_t dn = strlen(d);
    if (dn > 19 || (dn == 19 && strcmp(d, lim) > 0))
      return tp__fail(t, "%.*s is not a TOML integer (of at most 64 bits)", (int)n, s);
  }
  if (v->kind == TV_INTEGER && (b->data[0] == '+' || !strcmp(b->data, "-0"))) {
    buf_consume(b, 1); // as the number reads: +3 is 3, -0 is 0
  }
  return true;
}

static bool tp__token_char(char c) {
  return tp__bare((unsigned char)c) || c == '+' || c == '.' || c == ':';
}

/* A number, boolean or date-time: the run of characters that can make one up. */
static bool tp__scalar(Tp *t, TVal *v) {
  const char *s = t->p;
  while (t->p < t->end && tp__token_char(*t->p)) t->p++;
  // a date, a space and a time make one local or offset date-time
  if (t->p - s == 10 && s[4] == '-' && t->end - t->p >= 4 && t->p[0] == ' ' &&
      tp__digit(t->p[1]) && tp__digit(t->p[2]) && t->p[3] == ':') {
    t->p++;
    while (t->p < t->end && tp__token_char(*t->p)) t->p++;
  }
  size_t n = (size_t)(t->p - s);
  if (!n) return tp__fail(t, "expected a value, found %s", tp__here(t));
  Buf b = BUF_INIT;
  bool ok = true;
  if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5))) {
    v->kind = TV_BOOL;
    buf_append(&b, s, n);
  } else if (n >= 8 && ((s[2] == ':' && tp__digit(s[0])) || (n >= 10 && s[4] == '-' && tp__digit(s[0])))) {
    if (!tp__datetime(s, n)) {
      ok = tp__fail(t, "%.*s is not a valid TOML date or time", (int)n, s);
    } else {
      v->kind = TV_DATETIME;
      buf_append(&b, s, n);
    }
  } else if (!tp__digit(s[0]) && s[0] != '+' && s[0] != '-' &&
             !(n >= 3 && (!memcmp(s, "inf", 3) || !memcmp(s, "nan", 3)))) {
    size_t w = n; // the word as the reader sees it, up to a blank or a delimiter
    while (s + w < t->end && !strchr(" \t\r\n#,]}", s[w])) w++;
    ok = tp__fail(t, "%.*s is not a TOML value: a string needs quotes (\"%.*s\")", (int)w, s,
                  (int)w, s);
  } else {
    ok = tp__number(t, s, n, v, &b);
  }
  v->text = arena_strndup(t->a, buf_cstr(&b), b.len);
  v->len = b.len;
  buf_free(&b);
  return ok;
}

/* ---- values ------------------------------------------------------------------------------ */

static TVal *tp__value(Tp *t);

/* Segment by segment; a key sorts right before the keys it is a prefix of. */
static int tp__key_cmp(const void *a, const void *b) {
  const TKey *x = a, *y = b;
  for (size_t i = 0; i < x->n && i < y->n; i++) {
    int c = strcmp(x->seg[i], y->seg[i]);
    if (c) return c;
  }
  return x->n < y->n ? -1 : x->n > y->n;
}

/* An inline table is complete where it is written: no key of it may be another, lie
 * inside another or contain one. Sorted, such a pair is adjacent: n log n, not n^2. */
static bool tp__table_check(Tp *t, const TVal *tab) {
  if (tab->n < 2) return true;
  TKey *k = ARENA_ARRAY(t->a, TKey, tab->n);
  memcpy(k, tab->keys, tab->n * sizeof *k);
  qsort(k, tab->n, sizeof *k, tp__key_cmp);
  for (size_t i = 1; i < tab->n; i++) {
    size_t m = k[i - 1].n < k[i].n ? k[i - 1].n : k[i].n;
    if (tp__same(&k[i - 1], &k[i], m))
      return tp__fail(t, "the key %s is given twice in an inline table", k[i].seg[m - 1]);
  }
  return true;
}

static bool tp__table_put(Tp *t, TVal *tab, TKey k, TVal *v) {
  size_t cap = tab->cap; // items and keys grow together
  tab->items = tp__grow(t->a, tab->items, &cap, tab->n, sizeof *tab->items);
  tab->keys = tp__grow(t->a, tab->keys, &tab->cap, tab->n, sizeof *tab->keys);
  tab->items[tab->n] = v;
  tab->keys[tab->n++] = k;
  return true;
}

static TVal *tp__inline_table(Tp *t, TVal *v) {
  v->kind = TV_TABLE;
  t->p++;
  tp__ws(t);
  if (tp__at(t, '}')) {
    t->p++;
    return v;
  }
  for (;;) {
    TKey k;
    tp__ws(t);
    if (!tp__key(t, &k)) return NULL;
    if (!tp__at(t, '='))
      return tp__fail(t, "expected '=' after the key, found %s", tp__here(t)), NULL;
    t->p++;
    tp__ws(t);
    TVal *e = tp__value(t);
    if (!e || !tp__table_put(t, v, k, e)) return NULL;
    tp__ws(t);
    if (tp__at(t, ',')) {
      t->p++;
      continue;
    }
    if (tp__at(t, '}')) {
      t->p++;
      return tp__table_check(t, v) ? v : NULL;
    }
    return tp__fail(t, "expected ',' or '}' in an inline table (on one line), found %s",
                    tp__here(t)), NULL;
  }
}

static TVal *tp__array(Tp *t, TVal *v) {
  v->kind = TV_ARRAY;
  t->p++;
  for (;;) {
    if (!tp__blank(t)) return NULL;
    if (tp__at(t, ']')) {
      t->p++;
      return v;
    }
    TVal *e = tp__value(t);
    if (!e) return NULL;
    v->items = tp__grow(t->a, v->items, &v->cap, v->n, sizeof *v->items);
    v->items[v->n++] = e;
    if (!tp__blank(t)) return NULL;
    if (tp__at(t, ',')) {
      t->p++;
      continue;
    }
    if (tp__at(t, ']')) {
      t->p++;
      return v;
    }
    return tp__fail(t, "expected ',' or ']' in an array, found %s", tp__here(t)), NULL;
  }
}

static TVal *tp__value(Tp *t) {
  TVal *v = ARENA_NEW(t->a, TVal);
  v->line = t->line;
  if (tp__at(t, '"') || tp__at(t, '\'')) {
    Buf b = BUF_INIT;
    bool ok = tp__string(t, &b);
    v->kind = TV_STRING;
    v->text = arena_strndup(t->a, buf_cstr(&b), b.len);
    v->len = b.len;
    buf_free(&b);
    return ok ? v : NULL;
  }
  if (tp__at(t, '[') || tp__at(t, '{')) {
    if (++t->depth > TOML_MAX_DEPTH)
      return tp__fail(t, "arrays or inline tables nested more than %d deep", TOML_MAX_DEPTH), NULL;
    TVal *r = tp__at(t, '[') ? tp__array(t, v) : tp__inline_table(t, v);
    t->depth--;
    return r;
  }
  return tp__scalar(t, v) ? v : NULL;
}

/* ---- settings ---------------------------------------------------------------------------- */

static bool tp__text(Tp *t, const TVal *v, Buf *b, const char *key, int level) {
  switch (v->kind) {
  case TV_TABLE:
    return tp__fail(t, "%s: a table inside an array is not a setting", key);
  case TV_ARRAY: {
    bool nested = false;
    for (size_t i = 0; i < v->n; i++) nested |= v->items[i]->kind == TV_ARRAY;
    if (nested && level > 0)
      return tp__fail(t, "%s: arrays nested three deep are not a setting", key);
    for (size_t i = 0; i < v->n; i++) {
      if (i) buf_puts(b, nested ? "; " : ", ");
      if (!tp__text(t, v->items[i], b, key, level + 1)) return false;
    }
    return true;
  }
  case TV_STRING:
    if (memchr(v->text, 0, v->len)) return tp__fail(t, "%s: a NUL character in a setting", key);
    // fallthrough
  default:
    buf_append(b, v->text, v->len);
    return true;
  }
}

/* Appends segments [from, to) of k, joined by `sep`. */
static void tp__join(Buf *b, const TKey *k, size_t from, size_t to, char sep) {
  for (size_t i = from; i < to; i++) {
    if (i > from) buf_putc(b, sep);
    buf_puts(b, k->seg[i]);
  }
}

/* Whether two keys (parts joined by `sep`) are the same, or one lies inside the other. */
static bool tp__clash(const char *a, const char *b, char sep) {
  size_t an = strlen(a), bn = strlen(b);
  size_t m = an < bn ? an : bn;
  return !strncmp(a, b, m) && (an == bn || (an < bn ? b[an] : a[bn]) == sep);
}

static bool tp__setting(Tp *t, const TKey *path, const TVal *v) {
  Buf k = BUF_INIT;
  tp__join(&k, path, t->want.n, path->n, '.');
  TomlSettings *o = t->out;
  if (o->n >= TOML_MAX_SETTINGS) {
    buf_free(&k);
    return tp__fail(t, "more than %d keys below [%s]", TOML_MAX_SETTINGS, t->table);
  }
  for (size_t i = 0; i < o->n; i++) {
    const char *a = o->keys[i], *c = buf_cstr(&k);
    size_t an = strlen(a);
    if (tp__clash(a, c, '.')) {
      int line = t->line;
      t->line = v->line;
      tp__fail(t, "%s is set twice (first on line %d)", !strcmp(a, c) ? c : an < k.len ? a : c,
               o->lines[i]);
      t->line = line;
      buf_free(&k);
      return false;
    }
  }
  if ((t->opts & TOML_SKIP_TABLE_ARRAYS) && v->kind == TV_ARRAY) {
    bool tables = false;
    for (size_t i = 0; i < v->n; i++) tables |= v->items[i]->kind == TV_TABLE;
    if (tables) { // an inline array of tables: not a setting
      buf_free(&k);
      return true;
    }
  }
  Buf val = BUF_INIT;
  int line = t->line;
  t->line = v->line;
  bool ok = tp__text(t, v, &val, buf_cstr(&k), 0);
  t->line = line;
  if (!ok) {
    buf_free(&k);
    buf_free(&val);
    return false;
  }
  if (o->n == t->out_cap) {
    t->out_cap = t->out_cap ? t->out_cap * 2 : 8;
    o->keys = xrealloc(o->keys, t->out_cap * sizeof *o->keys);
    o->values = xrealloc(o->values, t->out_cap * sizeof *o->values);
    o->lines = xrealloc(o->lines, t->out_cap * sizeof *o->lines);
    o->kinds = xrealloc(o->kinds, t->out_cap * sizeof *o->kinds);
    o->lists = xrealloc(o->lists, t->out_cap * sizeof *o->lists);
  }
  char **list = NULL;
  bool scalars = v->kind == TV_ARRAY;
  for (size_t i = 0; scalars && i < v->n; i++) scalars = v->items[i]->kind < TV_ARRAY;
  if (scalars) { // tp__text checked the strings for NUL
    list = xmalloc((v->n + 1) * sizeof *list);
    for (size_t i = 0; i < v->n; i++) list[i] = xstrndup(v->items[i]->text, v->items[i]->len);
    list[v->n] = NULL;
  }
  o->keys[o->n] = k.data ? buf_detach(&k) : xstrdup("");
  o->values[o->n] = val.data ? buf_detach(&val) : xstrdup("");
  o->kinds[o->n] = (unsigned char)v->kind;
  o->lists[o->n] = list;
  o->lines[o->n++] = v->line;
  o->found = true;
  return true;
}

/* A value at `path` (header + key): kept when it lies below the wanted table. */
static bool tp__emit(Tp *t, const TKey *path, const TVal *v) {
  size_t common = path->n < t->want.n ? path->n : t->want.n;
  if (!tp__same(path, &t->want, common)) return true;
  if (path->n > t->want.n && v->kind != TV_TABLE) return tp__setting(t, path, v);
  if (v->kind != TV_TABLE) {
    if (path->n < t->want.n) return true;
    int line = t->line;
    t->line = v->line;
    tp__fail(t, "[%s] must be a table", t->table);
    t->line = line;
    return false;
  }
  if (path->n >= t->want.n) t->out->found = true;
  for (size_t i = 0; i < v->n; i++) {
    TKey sub = tp__concat(t, path, &v->keys[i]);
    if (!tp__emit(t, &sub, v->items[i])) return false;
  }
  return true;
}

/* Whether `k` is `want`, below it, or one of its prefixes (the paths whose flags count). */
static bool tp__relevant(const Tp *t, const TKey *k) {
  return tp__same(k, &t->want, k->n < t->want.n ? k->n : t->want.n);
}

/* The flags entry of the first `n` segments of `k`: created when missing and `make`. */
static struct TFlag *tp__flag(Tp *t, const TKey *k, size_t n, bool make) {
  Buf j = BUF_INIT;
  tp__join(&j, k, 0, n, '\x1f');
  const char *path = buf_cstr(&j);
  for (size_t i = 0; i < t->nflags; i++)
    if (!strcmp(t->flags[i].path, path)) {
      buf_free(&j);
      return &t->flags[i];
    }
  if (!make) {
    buf_free(&j);
    return NULL;
  }
  t->flags = tp__grow(t->a, t->flags, &t->flags_cap, t->nflags, sizeof *t->flags);
  struct TFlag *f = &t->flags[t->nflags++];
  *f = (struct TFlag){arena_strdup(t->a, path), 0, 0, t->line};
  buf_free(&j);
  return f;
}

/* A name for the first `n` segments of k, for messages. */
static const char *tp__name(Tp *t, const TKey *k, size_t n) {
  Buf b = BUF_INIT;
  tp__join(&b, k, 0, n, '.');
  const char *r = arena_strndup(t->a, buf_cstr(&b), b.len);
  buf_free(&b);
  return r;
}

/* Room for one more flags entry (each is compared with the others: keep them few). */
static bool tp__room(Tp *t) {
  if (t->nflags + TOML_MAX_DEPTH < 2 * TOML_MAX_SETTINGS) return true;
  return tp__fail(t, "more than %d keys or tables below [%s]", TOML_MAX_SETTINGS, t->table);
}

/* The first prefix of k (1..upto segments, among those whose flags count) with any of
 * `bits`; 0 when none. */
static size_t tp__prefix_with(Tp *t, const TKey *k, size_t upto, unsigned bits) {
  for (size_t n = 1; n <= upto; n++) {
    if (!tp__same(k, &t->want, n < t->want.n ? n : t->want.n)) break;
    struct TFlag *f = tp__flag(t, k, n, false);
    if (f && (f->flags & bits)) return n;
  }
  return 0;
}

/* Flags of a `key = value` line in the current section (tomllib's key_value_rule). */
static bool tp__keyval_flags(Tp *t, const TKey *path, size_t header_n) {
  if (!tp__relevant(t, path)) return true;
  if (!tp__room(t)) return false;
  size_t n = tp__prefix_with(t, path, path->n - 1, TF_FROZEN | TF_ARRAY);
  if (n)
    return tp__fail(t, "%s is an inline table, a value or an array of tables: nothing can be "
                       "added to it", tp__name(t, path, n));
  for (n = header_n + 1; n < path->n; n++) {
    TKey pre = {path->seg, n};
    if (!tp__relevant(t, &pre)) break;
    struct TFlag *f = tp__flag(t, path, n, true);
    if (f->flags & TF_EXPLICIT)
      return tp__fail(t, "%s is a table declared earlier: dotted keys cannot add to it",
                      tp__name(t, path, n));
    f->pending |= TF_EXPLICIT;
  }
  struct TFlag *had = tp__flag(t, path, path->n, false);
  if (had) { // a value, or a table (even an empty one)
    size_t from = path->n > t->want.n ? t->want.n : 0; // named below the table
    TKey rel = {path->seg + from, path->n - from};
    return tp__fail(t, "%s is set twice (first on line %d)", tp__name(t, &rel, rel.n), had->line);
  }
  tp__flag(t, path, path->n, true)->flags |= TF_FROZEN;
  return true;
}

static bool tp__header(Tp *t) {
  for (size_t i = 0; i < t->nflags; i++) { // the previous section's dotted tables are closed
    t->flags[i].flags |= t->flags[i].pending;
    t->flags[i].pending = 0;
  }
  bool array = t->end - t->p >= 2 && t->p[1] == '[';
  t->p += array ? 2 : 1;
  tp__ws(t);
  TKey k;
  if (!tp__key(t, &k)) return false;
  if (!tp__at(t, ']') || (array && (t->end - t->p < 2 || t->p[1] != ']')))
    return tp__fail(t, "expected '%s' to close the table header, found %s", array ? "]]" : "]",
                    tp__here(t));
  t->p += array ? 2 : 1;
  t->skipping = false;
  t->nskip_keys = 0;
  t->cur = k;
  if (!tp__relevant(t, &k)) return tp__eol(t, "the table header");
  bool below = k.n >= t->want.n;
  if (!tp__room(t)) return false;
  size_t n = tp__prefix_with(t, &k, k.n, TF_FROZEN);
  if (n)
    return tp__fail(t, "%s is an inline table or a value: nothing can be added to it",
                    tp__name(t, &k, n));
  n = tp__prefix_with(t, &k, k.n - 1, TF_ARRAY);
  if (n && n <= t->want.n)
    return tp__fail(t, "[%s] is inside an array of tables ([[%s]]), so it is not read",
                    tp__name(t, &k, k.n), tp__name(t, &k, n));
  if (n) { // a table inside an element of a passed-over array of tables
    t->skipping = true;
    t->out->found = true;
    return tp__eol(t, "the table header");
  }
  struct TFlag *f = tp__flag(t, &k, k.n, true);
  if (array) {
    if (f->flags & TF_EXPLICIT)
      return tp__fail(t, "[%s] is a table: it cannot also be an array of tables",
                      tp__name(t, &k, k.n));
    f->flags |= TF_ARRAY;
    if (below && k.n == t->want.n)
      return tp__fail(t, "[[%s]]: [%s] must be a table", t->table, t->table);
    if (below && !(t->opts & TOML_SKIP_TABLE_ARRAYS))
      return tp__fail(t, "[[%s]]: arrays of tables are not settings of [%s]",
                      tp__name(t, &k, k.n), t->table);
    if (below) { // passed over: its keys are not settings
      t->skipping = true;
      t->out->found = true;
    }
    return tp__eol(t, "the table header");
  }
  if (f->flags & (TF_EXPLICIT | TF_ARRAY))
    return tp__fail(t, "the table [%s] is declared twice", tp__name(t, &k, k.n));
  f->flags |= TF_EXPLICIT;
  for (n = 1; n < k.n; n++) // the tables it implies exist: no value may take their place
    tp__flag(t, &k, n, true);
  if (below) t->out->found = true;
  return tp__eol(t, "the table header");
}

/* A key of a passed-over section: still given only once (a key that is, contains or lies
 * inside another one of the section is an error, as in tomllib). */
static bool tp__skipped_key(Tp *t, const TKey *k) {
  if (t->nskip_keys >= TOML_MAX_SETTINGS)
    return tp__fail(t, "more than %d keys in one table of an array of tables", TOML_MAX_SETTINGS);
  Buf j = BUF_INIT;
  tp__join(&j, k, 0, k->n, '\x1f');
  const char *c = buf_cstr(&j);
  for (size_t i = 0; i < t->nskip_keys; i++) {
    if (tp__clash(t->skip_keys[i], c, '\x1f')) {
      buf_free(&j);
      return tp__fail(t, "%s is set twice in one table of an array of tables",
                      tp__name(t, k, k->n));
    }
  }
  t->skip_keys = tp__grow(t->a, t->skip_keys, &t->skip_keys_cap, t->nskip_keys,
                          sizeof *t->skip_keys);
  t->skip_keys[t->nskip_keys++] = arena_strndup(t->a, c, j.len);
  buf_free(&j);
  return true;
}

static bool tp__document(Tp *t) {
  if (!tp__utf8(t)) return false;
  while (t->p < t->end) {
    tp__ws(t);
    if (!tp__comment(t)) return false;
    if (t->p >= t->end || tp__newline(t)) continue;
    if (tp__at(t, '[')) {
      if (!tp__header(t)) return false;
      continue;
    }
    TKey k;
    if (!tp__key(t, &k)) return false;
    if (!tp__at(t, '='))
      return tp__fail(t, "expected '=' after the key, found %s", tp__here(t));
    t->p++;
    tp__ws(t);
    TVal *v = tp__value(t);
    if (!v) return false;
    TKey path = tp__concat(t, &t->cur, &k);
    if (t->skipping ? !tp__skipped_key(t, &k)
                    : (!tp__keyval_flags(t, &path, t->cur.n) || !tp__emit(t, &path, v)))
      return false;
    if (!tp__eol(t, "the value")) return false;
  }
  return true;
}

bool toml_read_table(const char *text, size_t len, const char *table, int flags,
                     TomlSettings *out, RtError *err) {
  *out = (TomlSettings){0};
  Tp t = {.p = text, .end = text + len, .line = 1, .err = err, .a = arena_new(), .out = out,
         .table = table, .opts = flags};
  size_t cap = 0;
  for (const char *s = table; *s;) {
    size_t n = strcspn(s, ".");
    t.want.seg = tp__grow(t.a, t.want.seg, &cap, t.want.n, sizeof *t.want.seg);
    t.want.seg[t.want.n++] = arena_strndup(t.a, s, n);
    s += n + (s[n] == '.');
  }
  bool ok = tp__document(&t);
  arena_delete(t.a);
  return ok;
}

long toml_settings_find(const TomlSettings *s, const char *key, bool nocase) {
  for (size_t i = 0; s && i < s->n; i++)
    if (!(nocase ? strcasecmp : strcmp)(s->keys[i], key)) return (long)i;
  return -1;
}

void toml_settings_free(TomlSettings *s) {
  for (size_t i = 0; i < s->n; i++) {
    free(s->keys[i]);
    free(s->values[i]);
    for (char **l = s->lists[i]; l && *l; l++) free(*l);
    free(s->lists[i]);
  }
  free(s->keys);
  free(s->values);
  free(s->lines);
  free(s->kinds);
  free(s->lists);
  *s = (TomlSettings){0};
}
