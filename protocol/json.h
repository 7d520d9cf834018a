/* json.h - JSON reading (jsmn tokens, fully validated, strings unescaped into a tree)
 * and writing (a streaming writer that escapes correctly). */
#ifndef RETORT_PROTOCOL_JSON_H
#define RETORT_PROTOCOL_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/error.h"

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct Json Json;
struct Json {
  JsonType type;
  bool b;              /* JSON_BOOL */
  double num;          /* JSON_NUMBER (strtod of the literal) */
  const char *str;     /* JSON_STRING: unescaped UTF-8, NUL-terminated; JSON_NUMBER: literal text */
  size_t len;          /* length of str (a string may contain \u0000) */
  Json **items;        /* JSON_ARRAY elements; JSON_OBJECT values */
  const char **keys;   /* JSON_OBJECT keys (unescaped), parallel to items */
  size_t *key_lens;
  size_t n;
};

typedef struct JsonLimits {
  size_t max_tokens; /* 0 = default (1,000,000) */
  int max_depth;     /* 0 = default (64) */
} JsonLimits;
/* Beyond these, json_parse also refuses (too_big) a text whose containers are so wide
 * that jsmn, built without parent links, would spend more than about 0.2 s scanning
 * back for parents (quadratic in a container's width): e.g. an object of more than
 * ~8,000 members or an array of more than ~5,000 small objects. */

/**
 * Parses exactly one JSON value spanning the whole of text[0..len) (surrounding
 * whitespace allowed). Validates everything jsmn lets through: literals, number
 * grammar, UTF-8, escapes, lone surrogates, trailing commas, a second value.
 * Returns the tree, owned by `arena`, or NULL with `err` (ERR_PARAMS) saying what and
 * at which byte offset; `*too_big` (may be NULL) is set when a limit was the cause.
 */
Json *json_parse(Arena *arena, const char *text, size_t len, const JsonLimits *limits,
                 RtError *err, bool *too_big);

/** Member of an object, or NULL (also NULL when obj is NULL or not an object).
 * Duplicate keys are all kept in the tree; json_get returns the last one (as
 * JavaScript's JSON.parse and Python's json do). */
const Json *json_get(const Json *obj, const char *key);
/** Typed member getters: return false when absent; set *bad_type when present but wrong. */
const char *json_get_string(const Json *obj, const char *key);  /* NULL if absent or not a string */
bool json_get_true(const Json *obj, const char *key);            /* the member is the literal true */
bool json_is_integer(const Json *v, int64_t *out);               /* number without fraction, in range */

/* ---- writing ---- */

/* A streaming writer into a Buf. Commas and colons are placed automatically. */
typedef struct JsonWriter {
  Buf *out;
  int depth;
  bool first[128]; /* per depth: no element written yet */
  bool after_key;
} JsonWriter;

void jw_init(JsonWriter *w, Buf *out);
void jw_object_begin(JsonWriter *w);
void jw_object_end(JsonWriter *w);
void jw_array_begin(JsonWriter *w);
void jw_array_end(JsonWriter *w);
void jw_key(JsonWriter *w, const char *key);
void jw_string(JsonWriter *w, const char *s);          /* NULL writes null */
void jw_stringn(JsonWriter *w, const char *s, size_t n); /* invalid UTF-8 becomes U+FFFD */
void jw_int(JsonWriter *w, int64_t v);
void jw_double(JsonWriter *w, double v);
void jw_bool(JsonWriter *w, bool v);
void jw_null(JsonWriter *w);
/** Writes already-serialized JSON text (trusted, e.g. an embedded schema or a re-emitted id). */
void jw_raw(JsonWriter *w, const char *json, size_t n);
/** Writes a parsed value back out. */
void jw_value(JsonWriter *w, const Json *v);

/* Convenience: key + value in one call. */
void jw_kv_string(JsonWriter *w, const char *key, const char *s);
void jw_kv_int(JsonWriter *w, const char *key, int64_t v);
void jw_kv_bool(JsonWriter *w, const char *key, bool v);

/** Appends s as a JSON string literal (with quotes) to b. */
void json_escape(Buf *b, const char *s, size_t n);

#endif
