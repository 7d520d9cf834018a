/* json.c - JSON reading on jsmn (tokens), validated and unescaped into a Json tree, and
 * a streaming writer. jsmn is lenient; every byte it accepts is re-checked here. */
#include "protocol/json.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

// jsmn is header-only; this is the one translation unit that instantiates it.
// Parent links make closing a container O(1) instead of a backward scan over its members
// (quadratic in a container's width without them). Only this file includes jsmn.h.
#define JSMN_PARENT_LINKS
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

static const size_t JSON_DEFAULT_TOKENS = 1000000;
static const int JSON_DEFAULT_DEPTH = 64;

/* ---- reading ---- */

typedef struct JsonReader {
  Arena *arena;
  const char *text;
  size_t len;
  const jsmntok_t *tok;
  int ntok;
  int max_depth;
  RtError *err;
  bool *too_big;
} JsonReader;

static bool json__fail(JsonReader *r, size_t at, const char *what) {
  return error_set(r->err, ERR_PARAMS, "invalid JSON at byte %zu: %s", at, what);
}

static bool json__is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t json__skip_ws(const JsonReader *r, size_t pos) {
  while (pos < r->len && json__is_ws(r->text[pos])) pos++;
  return pos;
}

/*
 * The linear pre-pass: counts the tokens jsmn will allocate and the nesting depth, so
 * the token array is sized exactly and over-limit input is refused before jsmn runs. It
 * only models jsmn; syntax errors are left to jsmn and the tree walk, so its numbers
 * need only be right for input jsmn would accept.
 */
typedef struct JsonCost {
  size_t tokens;
  int depth;
  size_t depth_at; /* byte offset where max_depth was first exceeded */
} JsonCost;

static void json__jsmn_cost(const char *s, size_t len, int max_depth, size_t max_tokens, JsonCost *c) {
  int sp = 0;
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < len && s[i] != '\0' && c->tokens <= max_tokens; i++) {
    switch (s[i]) {
    case '{':
    case '[':
      if (sp >= max_depth) {
        c->depth = sp + 1;
        c->depth_at = i;
        return;
      }
      sp++;
      c->tokens++;
      if (sp > c->depth) c->depth = sp;
      break;
    case '}':
    case ']':
      if (sp == 0) return; // jsmn reports the unmatched bracket
      sp--;
      break;
    case '"':
      for (i++; i < len && s[i] != '"'; i++)
        if (s[i] == '\\') i++;
      c->tokens++;
      break;
    case ',':
    case ':':
    case ' ':
    case '\t':
    case '\r':
    case '\n':
      break;
    default:
      while (i + 1 < len && s[i + 1] != ',' && s[i + 1] != ']' && s[i + 1] != '}' &&
             !json__is_ws(s[i + 1]) && s[i + 1] != '\0')
        i++;
      c->tokens++;
      break;
    }
  }
}

static bool json__literal_is(const char *p, size_t n, const char *lit) {
  return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static bool json__digit(char c) { return c >= '0' && c <= '9'; }

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json__number_ok(const char *p, size_t n, size_t *bad) {
  size_t i = 0;
  if (i < n && p[i] == '-') i++;
  if (i >= n) return *bad = i, false;
  if (p[i] == '0') {
    i++;
  } else if (p[i] >= '1' && p[i] <= '9') {
    while (i < n && json__digit(p[i])) i++;
  } else {
    return *bad = i, false;
  }
  if (i < n && p[i] == '.') {
    i++;
    if (i >= n || !json__digit(p[i])) return *bad = i, false;
    while (i < n && json__digit(p[i])) i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    if (i >= n || !json__digit(p[i])) return *bad = i, false;
    while (i < n && json__digit(p[i])) i++;
  }
  if (i != n) return *bad = i, false;
  return true;
}

static int json__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t json__put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid (overlong,
 * surrogate, above U+10FFFF, truncated, stray continuation byte). */
static size_t json__utf8_seq(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;      // overlong
    if (c == 0xED) hi = 0x9F;      // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;      // overlong
    if (c == 0xF4) hi = 0x8F;      // above U+10FFFF
  } else {
    return 0; // continuation byte, C0/C1 overlong lead, F5..FF
  }
  if (n < need) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < need; k++)
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  return need;
}

/* Unescapes and validates the string body text[start..end). */
static bool json__string(JsonReader *r, size_t start, size_t end, const char **out, size_t *out_len) {
  const unsigned char *s = (const unsigned char *)r->text;
  char *o = arena_alloc(r->arena, end - start + 1);
  size_t k = 0;
  for (size_t i = start; i < end;) {
    unsigned char c = s[i];
    if (c < 0x20) return json__fail(r, i, "control character in string (must be escaped)");
    if (c == '\\') {
      if (i + 1 >= end) return json__fail(r, i, "unfinished escape");
      char e = (char)s[i + 1];
      switch (e) {
      case '"': o[k++] = '"'; i += 2; continue;
      case '\\': o[k++] = '\\'; i += 2; continue;
      case '/': o[k++] = '/'; i += 2; continue;
      case 'b': o[k++] = '\b'; i += 2; continue;
      case 'f': o[k++] = '\f'; i += 2; continue;
      case 'n': o[k++] = '\n'; i += 2; continue;
      case 'r': o[k++] = '\r'; i += 2; continue;
      case 't': o[k++] = '\t'; i += 2; continue;
      case 'u': break;
      default: return json__fail(r, i, "invalid escape");
      }
      unsigned cp = 0;
      if (i + 6 > end) return json__fail(r, i, "\\u needs four hex digits");
      for (int d = 0; d < 4; d++) {
        int h = json__hex((char)s[i + 2 + d]);
        if (h < 0) return json__fail(r, i, "\\u needs four hex digits");
        cp = cp * 16 + (unsigned)h;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF) return json__fail(r, i, "lone low surrogate escape");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo = 0;
        bool ok = i + 12 <= end && s[i + 6] == '\\' && s[i + 7] == 'u';
        for (int d = 0; ok && d < 4; d++) {
          int h = json__hex((char)s[i + 8 + d]);
          if (h < 0) ok = false;
          lo = lo * 16 + (unsigned)h;
        }
        if (!ok || lo < 0xDC00 || lo > 0xDFFF)
          return json__fail(r, i, "high surrogate escape not followed by a low surrogate escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        i += 12;
      } else {
        i += 6;
      }
      k += json__put_utf8(o + k, cp);
      continue;
    }
    size_t n = json__utf8_seq(s + i, end - i);
    if (n == 0) return json__fail(r, i, "invalid UTF-8 in string");
    memcpy(o + k, s + i, n);
    k += n;
    i += n;
  }
  o[k] = '\0';
  *out = o;
  *out_len = k;
  return true;
}

/* Builds the value of token *ti, which must start at the first non-space byte at *pos.
 * Advances *ti past the subtree and *pos past the value. */
static Json *json__value(JsonReader *r, int *ti, size_t *pos, int depth) {
  *pos = json__skip_ws(r, *pos);
  if (*ti >= r->ntok) {
    json__fail(r, *pos, *pos < r->len ? "unexpected character" : "unexpected end of input");
    return NULL;
  }
  const jsmntok_t *t = &r->tok[*ti];
  size_t begin = (size_t)t->start - (t->type == JSMN_STRING ? 1 : 0);
  if (begin != *pos) {
    json__fail(r, *pos, *pos < r->len ? "unexpected character" : "unexpected end of input");
    return NULL;
  }
  Json *v = ARENA_NEW(r->arena, Json);
  (*ti)++;
  switch (t->type) {
  case JSMN_PRIMITIVE: {
    const char *p = r->text + t->start;
    size_t n = (size_t)(t->end - t->start);
    if (json__literal_is(p, n, "true") || json__literal_is(p, n, "false")) {
      v->type = JSON_BOOL;
      v->b = p[0] == 't';
    } else if (json__literal_is(p, n, "null")) {
      v->type = JSON_NULL;
    } else {
      size_t bad = 0;
      if (p[0] == 't' || p[0] == 'f' || p[0] == 'n') {
        json__fail(r, *pos, "invalid literal (expected true, false or null)");
        return NULL;
      }
      if (!json__number_ok(p, n, &bad)) {
        json__fail(r, *pos + bad, "invalid number");
        return NULL;
      }
      v->type = JSON_NUMBER;
      v->str = arena_strndup(r->arena, p, n);
      v->len = n;
      v->num = strtod(v->str, NULL); // 1e400 gives inf; the literal text is kept in str
    }
    *pos = (size_t)t->end;
    return v;
  }
  case JSMN_STRING:
    v->type = JSON_STRING;
    if (!json__string(r, (size_t)t->start, (size_t)t->end, &v->str, &v->len)) return NULL;
    *pos = (size_t)t->end + 1;
    return v;
  case JSMN_ARRAY:
  case JSMN_OBJECT: {
    bool obj = t->type == JSMN_OBJECT;
    if (depth + 1 > r->max_depth) {
      if (r->too_big) *r->too_big = true;
      json__fail(r, *pos, "nesting too deep");
      return NULL;
    }
    v->type = obj ? JSON_OBJECT : JSON_ARRAY;
    size_t n = t->size > 0 ? (size_t)t->size : 0;
    v->items = ARENA_ARRAY(r->arena, Json *, n ? n : 1);
    if (obj) {
      v->keys = ARENA_ARRAY(r->arena, const char *, n ? n : 1);
      v->key_lens = ARENA_ARRAY(r->arena, size_t, n ? n : 1);
    }
    char close = obj ? '}' : ']';
    *pos += 1;
    for (size_t k = 0; k < n; k++) {
      *pos = json__skip_ws(r, *pos);
      if (k > 0) {
        if (*pos >= r->len || r->text[*pos] != ',') {
          json__fail(r, *pos, obj ? "expected ',' or '}'" : "expected ',' or ']'");
          return NULL;
        }
        *pos += 1;
      }
      if (obj) {
        Json *key = json__value(r, ti, pos, depth + 1);
        if (!key) return NULL;
        if (key->type != JSON_STRING) {
          json__fail(r, *pos, "object key must be a string");
          return NULL;
        }
        v->keys[k] = key->str;
        v->key_lens[k] = key->len;
        *pos = json__skip_ws(r, *pos);
        if (*pos >= r->len || r->text[*pos] != ':') {
          json__fail(r, *pos, "expected ':' after object key");
          return NULL;
        }
        *pos += 1;
      }
      Json *item = json__value(r, ti, pos, depth + 1);
      if (!item) return NULL;
      v->items[k] = item;
    }
    v->n = n;
    *pos = json__skip_ws(r, *pos);
    if (*pos >= r->len || r->text[*pos] != close) {
      if (*pos < r->len && r->text[*pos] == ',')
        json__fail(r, *pos, "trailing comma");
      else
        json__fail(r, *pos, obj ? "expected ',' or '}'" : "expected ',' or ']'");
      return NULL;
    }
    *pos += 1;
    return v;
  }
  default:
    json__fail(r, *pos, "unexpected token");
    return NULL;
  }
}

static const char *json__jsmn_error(int rc) {
  switch (rc) {
  case JSMN_ERROR_PART: return "unexpected end of input (truncated JSON)";
  case JSMN_ERROR_INVAL: return "unexpected character";
  default: return "malformed JSON";
  }
}

Json *json_parse(Arena *arena, const char *text, size_t len, const JsonLimits *limits,
                 RtError *err, bool *too_big) {
  size_t max_tokens = limits && limits->max_tokens ? limits->max_tokens : JSON_DEFAULT_TOKENS;
  int max_depth = limits && limits->max_depth > 0 ? limits->max_depth : JSON_DEFAULT_DEPTH;
  if (too_big) *too_big = false;
  // jsmn counts positions in int and unsigned int
  if (len > (size_t)1 << 30) {
    if (too_big) *too_big = true;
    error_set(err, ERR_PARAMS, "JSON text too large (%zu bytes)", len);
    return NULL;
  }
  // jsmn treats a NUL byte as the end of input; say plainly where it is instead
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    error_set(err, ERR_PARAMS, "invalid JSON at byte %zu: NUL byte (must be escaped as \\u0000 in a string)",
              (size_t)(nul - text));
    return NULL;
  }
  JsonCost cost;
  json__jsmn_cost(text, len, max_depth, max_tokens, &cost);
  if (cost.depth > max_depth) {
    if (too_big) *too_big = true;
    error_set(err, ERR_PARAMS, "invalid JSON at byte %zu: nesting deeper than %d levels",
              cost.depth_at, max_depth);
    return NULL;
  }
  if (cost.tokens > max_tokens) {
    if (too_big) *too_big = true;
    error_set(err, ERR_PARAMS, "JSON has more than %zu values", max_tokens);
    return NULL;
  }
  size_t ntok = cost.tokens + 1;
  jsmntok_t *tok = xmalloc(ntok * sizeof *tok);
  // Strict jsmn wants a delimiter after a primitive, so a text ending in one (`42`,
  // `1 2`) is handed over with a space appended; containers end in ] or } anyway.
  size_t last = len;
  while (last > 0 && json__is_ws(text[last - 1])) last--;
  char *padded = NULL;
  if (last > 0 && text[last - 1] != '"' && text[last - 1] != ']' && text[last - 1] != '}') {
    padded = xmalloc(len + 2);
    memcpy(padded, text, len);
    padded[len] = ' ';
    padded[len + 1] = '\0';
  }
  jsmn_parser p;
  jsmn_init(&p);
  int rc = jsmn_parse(&p, padded ? padded : text, padded ? len + 1 : len, tok, (unsigned)ntok);
  Json *root = NULL;
  JsonReader r = {arena, text, len, tok, rc, max_depth, err, too_big};
  if (rc < 0) {
    size_t at = p.pos > len ? len : p.pos; // not past the padding space
    // jsmn stops at a NUL byte without complaint; the tree walk reports it below
    error_set(err, ERR_PARAMS, "invalid JSON at byte %zu: %s", at, json__jsmn_error(rc));
    goto done;
  }
  if (rc == 0) {
    size_t at = json__skip_ws(&r, 0);
    json__fail(&r, at, at < len ? "unexpected character" : "empty input (no JSON value)");
    goto done;
  }
  int ti = 0;
  size_t pos = 0;
  root = json__value(&r, &ti, &pos, 0);
  if (root) {
    pos = json__skip_ws(&r, pos);
    if (pos < len) {
      json__fail(&r, pos, text[pos] == '\0' ? "NUL byte outside a string"
                                             : "unexpected data after the JSON value");
      root = NULL;
    }
  }
done:
  free(padded);
  free(tok);
  return root;
}

const Json *json_get(const Json *obj, const char *key) {
  if (!obj || obj->type != JSON_OBJECT) return NULL;
  size_t kl = strlen(key);
  // Duplicate keys: the last one wins (as in JavaScript's JSON.parse and Python's json).
  for (size_t i = obj->n; i-- > 0;)
    if (obj->key_lens[i] == kl && memcmp(obj->keys[i], key, kl) == 0) return obj->items[i];
  return NULL;
}

const char *json_get_string(const Json *obj, const char *key) {
  const Json *v = json_get(obj, key);
  return v && v->type == JSON_STRING ? v->str : NULL;
}

bool json_get_true(const Json *obj, const char *key) {
  const Json *v = json_get(obj, key);
  return v && v->type == JSON_BOOL && v->b;
}

bool json_is_integer(const Json *v, int64_t *out) {
  if (!v || v->type != JSON_NUMBER) return false;
  if (!isfinite(v->num)) return false;
  if (v->num < -9223372036854775808.0 || v->num >= 9223372036854775808.0) return false;
  if ((double)(int64_t)v->num != v->num) return false; // has a fraction
  // Exact for literals without fraction or exponent; strtod rounding would lose digits.
  bool plain = strpbrk(v->str, ".eE") == NULL;
  if (plain) {
    char *end;
    long long x = strtoll(v->str, &end, 10);
    if (out) *out = (int64_t)x;
    return true;
  }
  if (out) *out = (int64_t)v->num;
  return true;
}

/* ---- writing ---- */

/* Whether any of the 8 bytes of `x` needs escaping or a UTF-8 check: a control byte,
 * '"', '\\', or a byte >= 0x80 (the classic has-zero / has-less bit tricks). */
static inline bool json__word_special(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
  uint64_t ctl = (x - ones * 0x20) & ~x;        // bytes < 0x20 (and >= 0x80, caught below)
  uint64_t zq = (quote - ones) & ~quote;        // bytes == '"'
  uint64_t zb = (bslash - ones) & ~bslash;      // bytes == '\\'
  return ((ctl | zq | zb) & highs) || (x & highs);
}

void json_escape(Buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  // A long text (a tool's text block) mostly needs no escape: room for it, plus a
  // little, in one step. Short strings leave growth to the buffer's doubling (buf_reserve
  // sizes exactly, which per key and value would copy the whole result each time).
  if (n > 4096) buf_reserve(b, n + n / 16 + 8);
  buf_putc(b, '"');
  size_t run = 0; // start of a run of bytes copied as they are
  for (size_t i = 0; i < n;) {
    // Skip plain ASCII eight bytes at a time, then byte by byte.
    while (i + 8 <= n) {
      uint64_t x;
      memcpy(&x, p + i, 8);
      if (json__word_special(x)) break;
      i += 8;
    }
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') i++;
    if (i >= n) break;
    unsigned char c = p[i];
    const char *esc = NULL;
    char u[7];
    size_t adv = 1;
    if (c == '"') {
      esc = "\\\"";
    } else if (c == '\\') {
      esc = "\\\\";
    } else if (c < 0x20) {
      switch (c) {
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      default:
        u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = 0;
        esc = u;
      }
    } else {
      adv = json__utf8_seq(p + i, n - i);
      if (adv == 0) {
        esc = "\xEF\xBF\xBD"; // U+FFFD for each byte that is not valid UTF-8
        adv = 1;
      }
    }
    if (esc) {
      buf_append(b, p + run, i - run);
      buf_puts(b, esc);
      i += adv;
      run = i;
    } else {
      i += adv;
    }
  }
  buf_append(b, p + run, n - run);
  buf_putc(b, '"');
}

void jw_init(JsonWriter *w, Buf *out) {
  memset(w, 0, sizeof *w);
  w->out = out;
  w->first[0] = true;
}

static void jw__sep(JsonWriter *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (!w->first[w->depth]) buf_putc(w->out, ',');
  w->first[w->depth] = false;
}

static void jw__open(JsonWriter *w, char c) {
  jw__sep(w);
  buf_putc(w->out, c);
  // Our own output never nests this deep; a caller that does has a bug.
  assert(w->depth + 1 < (int)(sizeof w->first / sizeof w->first[0]));
  w->depth++;
  w->first[w->depth] = true;
}

static void jw__close(JsonWriter *w, char c) {
  if (w->depth > 0) w->depth--;
  buf_putc(w->out, c);
}

void jw_object_begin(JsonWriter *w) { jw__open(w, '{'); }
void jw_object_end(JsonWriter *w) { jw__close(w, '}'); }
void jw_array_begin(JsonWriter *w) { jw__open(w, '['); }
void jw_array_end(JsonWriter *w) { jw__close(w, ']'); }

void jw_key(JsonWriter *w, const char *key) {
  jw__sep(w);
  json_escape(w->out, key, strlen(key));
  buf_putc(w->out, ':');
  w->after_key = true;
}

void jw_string(JsonWriter *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  jw_stringn(w, s, strlen(s));
}

void jw_stringn(JsonWriter *w, const char *s, size_t n) {
  jw__sep(w);
  json_escape(w->out, s, n);
}

void jw_int(JsonWriter *w, int64_t v) {
  jw__sep(w);
  // Without printf: results carry thousands of line and column numbers.
  char tmp[24];
  size_t k = sizeof tmp;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[--k] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--k] = '-';
  buf_append(w->out, tmp + k, sizeof tmp - k);
}

void jw_double(JsonWriter *w, double v) {
  jw__sep(w);
  if (!isfinite(v)) {
    buf_puts(w->out, "null"); // JSON has no inf/nan
    return;
  }
  char tmp[40];
  // The shortest of %.15g / %.17g that reads back as the same double.
  snprintf(tmp, sizeof tmp, "%.15g", v);
  if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof tmp, "%.17g", v);
  buf_puts(w->out, tmp);
}

void jw_bool(JsonWriter *w, bool v) {
  jw__sep(w);
  buf_puts(w->out, v ? "true" : "false");
}

void jw_null(JsonWriter *w) {
  jw__sep(w);
  buf_puts(w->out, "null");
}

void jw_raw(JsonWriter *w, const char *json, size_t n) {
  jw__sep(w);
  buf_append(w->out, json, n);
}

void jw_value(JsonWriter *w, const Json *v) {
  if (!v) {
    jw_null(w);
    return;
  }
  switch (v->type) {
  case JSON_NULL: jw_null(w); break;
  case JSON_BOOL: jw_bool(w, v->b); break;
  case JSON_NUMBER:
    if (v->str) jw_raw(w, v->str, v->len); // the literal as received, digits intact
    else jw_double(w, v->num);
    break;
  case JSON_STRING: jw_stringn(w, v->str, v->len); break;
  case JSON_ARRAY:
    jw_array_begin(w);
    for (size_t i = 0; i < v->n; i++) jw_value(w, v->items[i]);
    jw_array_end(w);
    break;
  case JSON_OBJECT:
    jw_object_begin(w);
    for (size_t i = 0; i < v->n; i++) {
      jw__sep(w);
      json_escape(w->out, v->keys[i], v->key_lens[i]);
      buf_putc(w->out, ':');
      w->after_key = true;
      jw_value(w, v->items[i]);
    }
    jw_object_end(w);
    break;
  }
}

void jw_kv_string(JsonWriter *w, const char *key, const char *s) {
  jw_key(w, key);
  jw_string(w, s);
}

void jw_kv_int(JsonWriter *w, const char *key, int64_t v) {
  jw_key(w, key);
  jw_int(w, v);
}

void jw_kv_bool(JsonWriter *w, const char *key, bool v) {
  jw_key(w, key);
  jw_bool(w, v);
}
