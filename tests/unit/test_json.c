/* test_json.c - JSON reader validation (everything jsmn lets through), limits, and the
 * writer's escaping. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol/json.h"
#include "server/base/mem.h"

static Arena *arena;

static void setup(void) { arena = arena_new(); }
static void teardown(void) { arena_delete(arena); }

TestSuite(json, .init = setup, .fini = teardown);

static Json *parse_n(const char *text, size_t len, RtError *err, bool *too_big) {
  return json_parse(arena, text, len, NULL, err, too_big);
}

static Json *parse(const char *text) {
  RtError err = {0};
  Json *v = parse_n(text, strlen(text), &err, NULL);
  cr_assert(v, "expected %s to parse, got: %s", text, err.msg);
  return v;
}

static void reject(const char *text, size_t len, const char *why) {
  RtError err = {0};
  Json *v = parse_n(text, len, &err, NULL);
  cr_assert_null(v, "expected rejection (%s) of: %.*s", why, (int)(len > 80 ? 80 : len), text);
  cr_assert_eq(err.kind, ERR_PARAMS);
  cr_assert(strstr(err.msg, "invalid JSON") || strstr(err.msg, "JSON"), "message: %s", err.msg);
  if (why) cr_assert(strstr(err.msg, why), "expected '%s' in: %s", why, err.msg);
}

#define REJECT(s, why) reject((s), sizeof(s) - 1, (why))

Test(json, scalars_and_containers) {
  Json *v = parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}} ");
  cr_assert_eq(v->type, JSON_OBJECT);
  cr_assert_eq(v->n, 2);
  const Json *a = json_get(v, "a");
  cr_assert_eq(a->type, JSON_ARRAY);
  cr_assert_eq(a->n, 6);
  cr_assert_eq(a->items[0]->num, 1);
  cr_assert_eq(a->items[1]->num, -2500);
  cr_assert_str_eq(a->items[1]->str, "-2.5e3");
  cr_assert(a->items[2]->b);
  cr_assert_eq(a->items[3]->type, JSON_BOOL);
  cr_assert_not(a->items[3]->b);
  cr_assert_eq(a->items[4]->type, JSON_NULL);
  cr_assert_str_eq(a->items[5]->str, "x");
  cr_assert_eq(json_get(v, "b")->type, JSON_OBJECT);
  cr_assert_null(json_get(v, "c"));
  cr_assert_null(json_get_string(v, "b")); /* present but not a string */
  cr_assert_eq(parse("[]")->n, 0);
  cr_assert_eq(parse("\"\"")->len, 0);
  cr_assert_eq(parse("0")->num, 0);
  cr_assert_eq(parse("-0.0e+1")->type, JSON_NUMBER);
}

/* json_get_true: the literal true only (tool arguments such as verbose, verify). */
Test(json, get_true) {
  Json *v = parse("{\"t\": true, \"f\": false, \"s\": \"true\", \"n\": 1, \"z\": null}");
  cr_assert(json_get_true(v, "t"));
  cr_assert_not(json_get_true(v, "f"));
  cr_assert_not(json_get_true(v, "s"));
  cr_assert_not(json_get_true(v, "n"));
  cr_assert_not(json_get_true(v, "z"));
  cr_assert_not(json_get_true(v, "absent"));
  cr_assert_not(json_get_true(NULL, "t"));
}

Test(json, bad_literals) {
  REJECT("tru", "literal");
  REJECT("nul", "literal");
  REJECT("[truex]", "literal");
  REJECT("[True]", NULL);
  REJECT("nan", NULL);
  REJECT("[Infinity]", NULL);
  REJECT("{\"a\": undefined}", NULL);
}

Test(json, bad_numbers) {
  REJECT("1.2.3", "number");
  REJECT("01", "number");
  REJECT("-", "number");
  REJECT("1e", "number");
  REJECT("1e+", "number");
  REJECT("1.", "number");
  REJECT(".5", NULL);
  REJECT("+1", NULL);
  REJECT("[-01]", "number");
  REJECT("[0x10]", "number");
  REJECT("[1_000]", "number");
}

Test(json, huge_number_is_a_number) {
  char big[500] = "1";
  for (int i = 0; i < 400; i++) strcat(big, "0");
  Json *v = parse(big);
  cr_assert_eq(v->type, JSON_NUMBER);
  cr_assert(isinf(v->num));
  cr_assert_eq(v->len, 401);
  cr_assert_not(json_is_integer(v, NULL));
  v = parse("1e400");
  cr_assert(isinf(v->num));
  cr_assert_str_eq(v->str, "1e400");
  // written back digit for digit
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_value(&w, v);
  cr_assert_str_eq(buf_cstr(&b), "1e400");
  buf_free(&b);
}

Test(json, integers) {
  int64_t x = 0;
  cr_assert(json_is_integer(parse("9007199254740993"), &x));
  cr_assert_eq(x, 9007199254740993LL);
  cr_assert(json_is_integer(parse("-42"), &x));
  cr_assert_eq(x, -42);
  cr_assert_not(json_is_integer(parse("1.5"), &x));
  cr_assert_not(json_is_integer(parse("\"1\""), &x));
  cr_assert_not(json_is_integer(parse("1e30"), &x));
}

Test(json, structure_errors) {
  REJECT("[1,]", "trailing comma");
  REJECT("{\"a\":1,}", "trailing comma");
  REJECT("[1 2]", NULL);
  REJECT("{\"a\":1 \"b\":2}", NULL);
  REJECT("{\"a\" 1}", NULL);
  REJECT("{\"a\"}", NULL);
  REJECT("{1:2}", NULL);
  REJECT("[,1]", NULL);
  REJECT("{,}", NULL);
  REJECT("[1]]", NULL);
  REJECT("]", NULL);
  REJECT("{\"a\":1]", NULL);
  REJECT("{} {}", "after the JSON value");
  REJECT("1 2", "after the JSON value");
  REJECT("\"a\" \"b\"", "after the JSON value");
  REJECT("", "empty");
  REJECT("   ", "empty");
  REJECT("[1]\0", "NUL");
  REJECT("[\"a\0b\"]", "NUL byte");
  REJECT("[\"a\":1]", NULL);
  REJECT("{\"a\"::1}", NULL);
  REJECT("'a'", NULL);
}

Test(json, truncated) {
  const char *full = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":[1,2,{\"b\":\"c\\u00e9\"}]}}";
  size_t n = strlen(full);
  parse(full);
  for (size_t cut = 0; cut < n; cut++) {
    RtError err = {0};
    Json *v = parse_n(full, cut, &err, NULL);
    // a prefix of an object is never a complete value
    cr_assert_null(v, "prefix of %zu bytes parsed", cut);
    cr_assert(err.msg[0]);
  }
}

Test(json, strings_and_escapes) {
  Json *v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"");
  cr_assert_str_eq(v->str, "a\"b\\c/d\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  v = parse("\"x\\u0000y\"");
  cr_assert_eq(v->len, 3);
  cr_assert_eq(memcmp(v->str, "x\0y", 3), 0);
  v = parse("\"\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9\""); // raw UTF-8 kept
  cr_assert_str_eq(v->str, "\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9");
}

Test(json, string_errors) {
  REJECT("\"a\x01z\"", "control character");
  REJECT("\"tab\there\"", "control character");
  REJECT("\"line\nbreak\"", "control character");
  REJECT("\"\\x41\"", NULL);
  REJECT("\"\\u12\"", NULL);
  REJECT("\"\\u12G4\"", NULL);
  REJECT("\"\\ud83d\"", "surrogate");
  REJECT("\"\\ud83dx\"", "surrogate");
  REJECT("\"\\ud83d\\u0041\"", "surrogate");
  REJECT("\"\\ude00\"", "surrogate");
  REJECT("\"\\ude00\\ud83d\"", "surrogate");
  REJECT("\"abc", "end of input");
  REJECT("\"abc\\", NULL);
}

Test(json, invalid_utf8) {
  REJECT("\"\xC0\xAF\"", "UTF-8");             // overlong '/'
  REJECT("\"\xC1\xBF\"", "UTF-8");             // overlong
  REJECT("\"\xE0\x80\xAF\"", "UTF-8");         // overlong 3-byte
  REJECT("\"\xF0\x80\x80\xAF\"", "UTF-8");     // overlong 4-byte
  REJECT("\"\xED\xA0\x80\"", "UTF-8");         // U+D800 encoded in UTF-8
  REJECT("\"\xED\xBF\xBF\"", "UTF-8");         // U+DFFF encoded in UTF-8
  REJECT("\"\xF4\x90\x80\x80\"", "UTF-8");     // U+110000
  REJECT("\"\xF5\x80\x80\x80\"", "UTF-8");
  REJECT("\"\xFF\"", "UTF-8");
  REJECT("\"\x80\"", "UTF-8");                 // stray continuation
  REJECT("\"\xC3\"", "UTF-8");                 // truncated sequence
  REJECT("\"\xE2\x82\"", "UTF-8");
  REJECT("\"\xE2\x28\xA1\"", "UTF-8");
  parse("\"\xF4\x8F\xBF\xBF\"");                // U+10FFFF is fine
  parse("\"\xEF\xBF\xBF\"");                    // U+FFFF is fine
  REJECT("{\"k\xFF\":1}", "UTF-8");            // keys too
}

Test(json, duplicate_keys_last_wins) {
  Json *v = parse("{\"a\":1,\"b\":2,\"a\":3}");
  cr_assert_eq(v->n, 3);
  cr_assert_eq(json_get(v, "a")->num, 3);
}

Test(json, keys_with_nul) {
  Json *v = parse("{\"a\\u0000b\":1,\"a\":2}");
  cr_assert_eq(json_get(v, "a")->num, 2);
}

Test(json, nesting_depth) {
  size_t deep = 10000;
  char *s = xmalloc(2 * deep + 1);
  memset(s, '[', deep);
  memset(s + deep, ']', deep);
  s[2 * deep] = 0;
  RtError err = {0};
  bool too_big = false;
  cr_assert_null(parse_n(s, 2 * deep, &err, &too_big));
  cr_assert(too_big);
  cr_assert(strstr(err.msg, "nesting"), "%s", err.msg);
  // exactly 64 levels pass, 65 fail
  cr_assert(parse_n(s + deep - 64, 128, &err, &too_big), "%s", err.msg);
  cr_assert_null(parse_n(s + deep - 65, 130, &err, &too_big));
  cr_assert(too_big);
  // objects count too
  Buf b = BUF_INIT;
  for (int i = 0; i < 65; i++) buf_puts(&b, "{\"a\":");
  buf_puts(&b, "1");
  for (int i = 0; i < 65; i++) buf_puts(&b, "}");
  cr_assert_null(parse_n(b.data, b.len, &err, &too_big));
  cr_assert(too_big);
  // a custom limit
  JsonLimits lim = {.max_depth = 3};
  cr_assert_null(json_parse(arena, "[[[[1]]]]", 9, &lim, &err, &too_big));
  cr_assert(json_parse(arena, "[[[1]]]", 7, &lim, &err, &too_big));
  lim.max_depth = 500;
  cr_assert(json_parse(arena, s + deep - 400, 800, &lim, &err, &too_big), "%s", err.msg);
  buf_free(&b);
  free(s);
}

Test(json, token_cap) {
  JsonLimits lim = {.max_tokens = 10};
  RtError err = {0};
  bool too_big = false;
  cr_assert(json_parse(arena, "[1,2,3,4,5,6,7,8,9]", 19, &lim, &err, &too_big));
  cr_assert_null(json_parse(arena, "[1,2,3,4,5,6,7,8,9,10,11]", 25, &lim, &err, &too_big));
  cr_assert(too_big);
  cr_assert(strstr(err.msg, "more than 10"), "%s", err.msg);
}

/* A wide container must not take quadratic time (jsmn runs with parent links). */
Test(json, wide_containers_stay_fast) {
  Buf b = BUF_INIT;
  buf_putc(&b, '{');
  for (int i = 0; i < 400000; i++) buf_printf(&b, "%s\"k%d\":1", i ? "," : "", i);
  buf_putc(&b, '}');
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  RtError err = {0};
  bool too_big = false;
  Json *v = parse_n(b.data, b.len, &err, &too_big);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  cr_assert(v, "%s", err.msg);
  cr_assert_eq(v->n, 400000);
  cr_assert_lt(secs, 2.0, "took %.2fs", secs);

  // a wide array of arrays likewise
  buf_reset(&b);
  buf_putc(&b, '[');
  for (int i = 0; i < 400000; i++) buf_puts(&b, i ? ",[]" : "[]");
  buf_putc(&b, ']');
  clock_gettime(CLOCK_MONOTONIC, &t0);
  v = parse_n(b.data, b.len, &err, &too_big);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  cr_assert(v, "%s", err.msg);
  cr_assert_eq(v->n, 400000);
  cr_assert_lt(secs, 2.0, "took %.2fs", secs);

  // but a long flat array of numbers and a moderately wide object parse
  buf_reset(&b);
  buf_putc(&b, '[');
  for (int i = 0; i < 200000; i++) buf_printf(&b, "%s%d", i ? "," : "", i);
  buf_putc(&b, ']');
  v = parse_n(b.data, b.len, &err, &too_big);
  cr_assert(v, "%s", err.msg);
  cr_assert_eq(v->n, 200000);
  buf_reset(&b);
  buf_putc(&b, '{');
  for (int i = 0; i < 2000; i++) buf_printf(&b, "%s\"k%d\":\"v\"", i ? "," : "", i);
  buf_putc(&b, '}');
  v = parse_n(b.data, b.len, &err, &too_big);
  cr_assert(v, "%s", err.msg);
  cr_assert_eq(v->n, 2000);
  cr_assert_str_eq(json_get_string(v, "k1999"), "v");
  buf_free(&b);
}

static const char *write_string(const char *s, size_t n) {
  Buf b = BUF_INIT;
  json_escape(&b, s, n);
  const char *out = arena_strdup(arena, buf_cstr(&b));
  buf_free(&b);
  return out;
}

Test(json, writer_escapes) {
  cr_assert_str_eq(write_string("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
  cr_assert_str_eq(write_string("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
  cr_assert_str_eq(write_string("\x01\x1f\x00", 3), "\"\\u0001\\u001f\\u0000\"");
  cr_assert_str_eq(write_string("/\x7f", 2), "\"/\x7f\"");
  cr_assert_str_eq(write_string("\xC3\xA9\xF0\x9F\x98\x80", 6), "\"\xC3\xA9\xF0\x9F\x98\x80\"");
  // invalid bytes become U+FFFD, valid neighbours are kept
  cr_assert_str_eq(write_string("a\xFF" "b", 3), "\"a\xEF\xBF\xBD" "b\"");
  cr_assert_str_eq(write_string("\xC0\xAF", 2), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  cr_assert_str_eq(write_string("\xED\xA0\x80", 3), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  cr_assert_str_eq(write_string("x\xE2\x82", 3), "\"x\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

/* The escape as the JSON spec words it, one byte at a time: the reference for the
 * word-at-a-time scan of json_escape (invalid UTF-8 is left to writer_escapes). */
static void escape_reference(Buf *b, const unsigned char *p, size_t n) {
  buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (c == '"') buf_puts(b, "\\\"");
    else if (c == '\\') buf_puts(b, "\\\\");
    else if (c == '\n') buf_puts(b, "\\n");
    else if (c == '\r') buf_puts(b, "\\r");
    else if (c == '\t') buf_puts(b, "\\t");
    else if (c == '\b') buf_puts(b, "\\b");
    else if (c == '\f') buf_puts(b, "\\f");
    else if (c < 0x20) buf_printf(b, "\\u%04x", c);
    else buf_putc(b, (char)c);
  }
  buf_putc(b, '"');
}

Test(json, writer_escapes_long_texts_like_the_reference) {
  // Every special byte at every offset of an 8-byte word, in short and long texts
  // (longer than 4 KB: the reserved path), with valid multi-byte UTF-8 around.
  static const char *const SPECIAL[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xC3\xA9",
                                        "\xE2\x82\xAC", "\xF0\x9F\x98\x80", " ", "~"};
  unsigned seed = 12345;
  for (size_t len = 1; len < 9000; len = len < 40 ? len + 1 : len * 3) {
    for (size_t round = 0; round < 20; round++) {
      Buf in = BUF_INIT;
      while (in.len < len) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 4 == 0) buf_puts(&in, SPECIAL[(seed >> 8) % (sizeof SPECIAL / sizeof *SPECIAL)]);
        else buf_putc(&in, (char)('a' + (seed >> 20) % 26));
      }
      Buf got = BUF_INIT, want = BUF_INIT;
      json_escape(&got, in.data, in.len);
      escape_reference(&want, (const unsigned char *)in.data, in.len);
      cr_assert_eq(got.len, want.len, "length %zu round %zu", len, round);
      cr_assert(memcmp(got.data, want.data, got.len) == 0, "length %zu round %zu", len, round);
      buf_free(&in);
      buf_free(&got);
      buf_free(&want);
    }
  }
  // Integers without printf.
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_array_begin(&w);
  jw_int(&w, 0);
  jw_int(&w, -1);
  jw_int(&w, 9);
  jw_int(&w, 10);
  jw_int(&w, INT64_MAX);
  jw_int(&w, INT64_MIN);
  jw_array_end(&w);
  cr_assert_str_eq(buf_cstr(&b), "[0,-1,9,10,9223372036854775807,-9223372036854775808]");
  buf_free(&b);
}

Test(json, writer_structure_and_round_trip) {
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_object_begin(&w);
  jw_kv_string(&w, "s", "t\"");
  jw_kv_int(&w, "i", -7);
  jw_kv_bool(&w, "b", true);
  jw_key(&w, "n");
  jw_null(&w);
  jw_key(&w, "a");
  jw_array_begin(&w);
  jw_double(&w, 0.1);
  jw_double(&w, 1.0 / 0.0);
  jw_string(&w, NULL);
  jw_raw(&w, "{\"r\":1}", 7);
  jw_array_end(&w);
  jw_key(&w, "e");
  jw_object_begin(&w);
  jw_object_end(&w);
  jw_object_end(&w);
  cr_assert_str_eq(buf_cstr(&b),
                   "{\"s\":\"t\\\"\",\"i\":-7,\"b\":true,\"n\":null,\"a\":[0.1,null,null,{\"r\":1}],\"e\":{}}");

  // parse → write gives the same text for canonical input
  const char *canon = "{\"a\":[1,2.5e-3,\"\\u0001\\n\xC3\xA9\",{\"b\":null,\"c\":false}],\"d\":{}}";
  buf_reset(&b);
  jw_init(&w, &b);
  jw_value(&w, parse(canon));
  cr_assert_str_eq(buf_cstr(&b), canon);
  buf_free(&b);
}

/* ---- differential check against an independent, obviously-correct validator ---- */

/* A plain recursive-descent JSON validator (RFC 8259, UTF-8 checked, no lone
 * surrogates, depth-limited like json_parse) used as the oracle for random inputs. */
typedef struct Oracle {
  const unsigned char *s;
  size_t n, i;
  int depth;
} Oracle;

static void o_ws(Oracle *o) {
  while (o->i < o->n && (o->s[o->i] == ' ' || o->s[o->i] == '\t' || o->s[o->i] == '\n' || o->s[o->i] == '\r')) o->i++;
}
static bool o_lit(Oracle *o, const char *l) {
  size_t k = strlen(l);
  if (o->n - o->i < k || memcmp(o->s + o->i, l, k) != 0) return false;
  o->i += k;
  return true;
}
static bool o_digit(Oracle *o) { return o->i < o->n && o->s[o->i] >= '0' && o->s[o->i] <= '9'; }
static bool o_number(Oracle *o) {
  if (o->i < o->n && o->s[o->i] == '-') o->i++;
  if (!o_digit(o)) return false;
  if (o->s[o->i] == '0') o->i++;
  else while (o_digit(o)) o->i++;
  if (o->i < o->n && o->s[o->i] == '.') {
    o->i++;
    if (!o_digit(o)) return false;
    while (o_digit(o)) o->i++;
  }
  if (o->i < o->n && (o->s[o->i] == 'e' || o->s[o->i] == 'E')) {
    o->i++;
    if (o->i < o->n && (o->s[o->i] == '+' || o->s[o->i] == '-')) o->i++;
    if (!o_digit(o)) return false;
    while (o_digit(o)) o->i++;
  }
  return true;
}
static int o_hex4(Oracle *o) {
  if (o->n - o->i < 4) return -1;
  int v = 0;
  for (int k = 0; k < 4; k++) {
    int c = o->s[o->i + k], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  o->i += 4;
  return v;
}
static bool o_string(Oracle *o) {
  o->i++; // opening quote
  while (o->i < o->n) {
    unsigned c = o->s[o->i];
    if (c == '"') {
      o->i++;
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      o->i++;
      if (o->i >= o->n) return false;
      unsigned e = o->s[o->i++];
      if (strchr("\"\\/bfnrt", (int)e) && e) continue;
      if (e != 'u') return false;
      int v = o_hex4(o);
      if (v < 0 || (v >= 0xDC00 && v <= 0xDFFF)) return false;
      if (v >= 0xD800 && v <= 0xDBFF) {
        if (!o_lit(o, "\\u")) return false;
        int lo = o_hex4(o);
        if (lo < 0xDC00 || lo > 0xDFFF) return false;
      }
      continue;
    }
    if (c < 0x80) {
      o->i++;
      continue;
    }
    // decode and range-check the code point
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (!len || c > 0xF4 || o->n - o->i < (size_t)len) return false;
    unsigned cp = c & (0x7F >> len);
    for (int k = 1; k < len; k++) {
      unsigned cc = o->s[o->i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    unsigned min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    o->i += (size_t)len;
  }
  return false;
}
static bool o_value(Oracle *o) {
  o_ws(o);
  if (o->i >= o->n) return false;
  unsigned c = o->s[o->i];
  if (c == '{' || c == '[') {
    if (++o->depth > 64) return false;
    char close = c == '{' ? '}' : ']';
    o->i++;
    o_ws(o);
    if (o->i < o->n && o->s[o->i] == (unsigned char)close) {
      o->i++;
      o->depth--;
      return true;
    }
    for (;;) {
      if (c == '{') {
        o_ws(o);
        if (o->i >= o->n || o->s[o->i] != '"' || !o_string(o)) return false;
        o_ws(o);
        if (o->i >= o->n || o->s[o->i] != ':') return false;
        o->i++;
      }
      if (!o_value(o)) return false;
      o_ws(o);
      if (o->i < o->n && o->s[o->i] == ',') {
        o->i++;
        continue;
      }
      if (o->i < o->n && o->s[o->i] == (unsigned char)close) {
        o->i++;
        o->depth--;
        return true;
      }
      return false;
    }
  }
  if (c == '"') return o_string(o);
  if (c == 't') return o_lit(o, "true");
  if (c == 'f') return o_lit(o, "false");
  if (c == 'n') return o_lit(o, "null");
  return o_number(o);
}
static bool oracle_valid(const char *s, size_t n) {
  Oracle o = {(const unsigned char *)s, n, 0, 0};
  if (!o_value(&o)) return false;
  o_ws(&o);
  return o.i == n;
}

/* A tiny deterministic PRNG so failures reproduce. */
static uint64_t rng_state;
static uint32_t rng(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}

Test(json, differential_mutations) {
  static const char *seeds[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"history\",\"arguments\":{\"range\":\"-3:\",\"verbose\":true}}}",
      "{\"a\":[1,-2.5e+3,0.0,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\"],\"b\":{\"c\":{}},\"d\":[]}",
      "[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",{\"k\":\"v\"},[[[0]]],1e400,-0]",
      " \"just a string with \\\\ and \\\" \" ",
      "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///a.py\",\"text\":\"x = 1\\n\"}}}",
  };
  static const char alphabet[] = "{}[],:\"\\ -+.eE0123456789tfnrulsa\t\n\r\x01\x7f\x80\xbf\xc0\xc3\xed\xa0\xf0\xf4\xf5\xff";
  rng_state = 20261123;
  char buf[512];
  size_t accepted = 0, rejected = 0;
  for (int iter = 0; iter < 60000; iter++) {
    const char *seed = seeds[rng() % (sizeof seeds / sizeof seeds[0])];
    size_t n = strlen(seed);
    memcpy(buf, seed, n);
    int edits = 1 + (int)(rng() % 3);
    for (int e = 0; e < edits && n > 0; e++) {
      size_t at = rng() % n;
      char ch = alphabet[rng() % (sizeof alphabet - 1)];
      switch (rng() % 4) {
      case 0: buf[at] = ch; break;                                   // replace
      case 1: memmove(buf + at, buf + at + 1, n - at - 1); n--; break; // delete
      case 2:                                                         // insert
        if (n + 1 < sizeof buf) {
          memmove(buf + at + 1, buf + at, n - at);
          buf[at] = ch;
          n++;
        }
        break;
      case 3: n = at; break;                                          // truncate
      }
    }
    bool want = oracle_valid(buf, n);
    RtError err = {0};
    bool too_big = false;
    arena_reset(arena);
    Json *v = json_parse(arena, buf, n, NULL, &err, &too_big);
    cr_assert_eq(v != NULL, want, "iteration %d: parser says %s, oracle says %s, for: %.*s (%s)", iter,
                 v ? "valid" : "invalid", want ? "valid" : "invalid", (int)n, buf, err.msg);
    if (!v) {
      cr_assert(err.msg[0], "rejected without a message");
      rejected++;
      continue;
    }
    accepted++;
    // what we write back parses again and is a fixed point
    Buf a = BUF_INIT, b = BUF_INIT;
    JsonWriter w;
    jw_init(&w, &a);
    jw_value(&w, v);
    Json *again = json_parse(arena, a.data, a.len, NULL, &err, NULL);
    cr_assert(again, "re-parse failed: %s for %s", err.msg, a.data);
    jw_init(&w, &b);
    jw_value(&w, again);
    cr_assert_str_eq(a.data, b.data);
    buf_free(&a);
    buf_free(&b);
  }
  cr_assert_gt(accepted, 1000);
  cr_assert_gt(rejected, 1000);
}
