/* schema.c - a small JSON Schema checker for tool arguments: enough for our schemas,
 * strict about what it does not understand (an unknown keyword is a bug: assert). */
#include "server/tools/schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *schema__type_name(const Json *v) {
  switch (v->type) {
  case JSON_NULL: return "null";
  case JSON_BOOL: return "a boolean";
  case JSON_NUMBER: return "a number";
  case JSON_STRING: return "a string";
  case JSON_ARRAY: return "an array";
  case JSON_OBJECT: return "an object";
  }
  return "a value";
}

static bool schema__is_type(const Json *v, const char *type) {
  if (strcmp(type, "null") == 0) return v->type == JSON_NULL;
  if (strcmp(type, "boolean") == 0) return v->type == JSON_BOOL;
  if (strcmp(type, "string") == 0) return v->type == JSON_STRING;
  if (strcmp(type, "array") == 0) return v->type == JSON_ARRAY;
  if (strcmp(type, "object") == 0) return v->type == JSON_OBJECT;
  if (strcmp(type, "number") == 0) return v->type == JSON_NUMBER && isfinite(v->num);
  if (strcmp(type, "integer") == 0) {
    int64_t i;
    return v->type == JSON_NUMBER && json_is_integer(v, &i);
  }
  return false;
}

static bool schema__json_equal(const Json *a, const Json *b) {
  if (a->type != b->type) return false;
  switch (a->type) {
  case JSON_NULL: return true;
  case JSON_BOOL: return a->b == b->b;
  case JSON_NUMBER: return a->num == b->num;
  case JSON_STRING: return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
  default: return false; /* enums of containers are not used by our schemas */
  }
}

static bool schema__check(const Json *schema, const Json *v, const char *path, RtError *err) {
  const char *where = *path ? path : "arguments";
  const Json *type = json_get(schema, "type");
  if (type) {
    bool ok = false;
    char expected[128] = "";
    if (type->type == JSON_STRING) {
      ok = schema__is_type(v, type->str);
      snprintf(expected, sizeof expected, "%s", type->str);
    } else if (type->type == JSON_ARRAY) {
      for (size_t i = 0; i < type->n; i++) {
        ok = ok || schema__is_type(v, type->items[i]->str);
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof expected - used, "%s%s", i ? " or " : "",
                 type->items[i]->str);
      }
    }
    if (!ok) {
      return error_set(err, ERR_PARAMS, "%s%s%s must be %s %s, got %s",
                       *path ? "argument '" : "", where, *path ? "'" : "",
                       strchr("aeiou", expected[0]) ? "an" : "a", expected,
                       schema__type_name(v));
    }
  }
  // C strings end at the first NUL: a path like "/tmp\u0000/x" would silently become
  // "/tmp". No argument of ours may hold one.
  if (v->type == JSON_STRING && memchr(v->str, '\0', v->len))
    return error_set(err, ERR_PARAMS, "%s%s%s contains a NUL character (\\u0000), which no %s can hold",
                     *path ? "argument '" : "", where, *path ? "'" : "",
                     *path ? "path, revision or option" : "argument");
  const Json *en = json_get(schema, "enum");
  if (en && en->type == JSON_ARRAY) {
    bool found = false;
    for (size_t i = 0; i < en->n && !found; i++) found = schema__json_equal(en->items[i], v);
    if (!found) {
      char allowed[512] = "";
      for (size_t i = 0; i < en->n; i++) {
        size_t used = strlen(allowed);
        if (en->items[i]->type == JSON_STRING)
          snprintf(allowed + used, sizeof allowed - used, "%s'%s'", i ? ", " : "", en->items[i]->str);
      }
      return error_set(err, ERR_PARAMS, "argument '%s' must be one of %s", where, allowed);
    }
  }
  const Json *min = json_get(schema, "minimum");
  if (min && v->type == JSON_NUMBER && v->num < min->num)
    return error_set(err, ERR_PARAMS, "argument '%s' must be at least %s", where, min->str);
  if (v->type == JSON_OBJECT) {
    const Json *props = json_get(schema, "properties");
    const Json *extra = json_get(schema, "additionalProperties");
    for (size_t i = 0; i < v->n; i++) {
      const Json *ps = json_get(props, v->keys[i]);
      char sub[256];
      snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", v->keys[i]);
      if (!ps) {
        if (extra && extra->type == JSON_BOOL && !extra->b) {
          char known[512] = "";
          for (size_t k = 0; props && k < props->n; k++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", props->keys[k]);
          }
          return error_set(err, ERR_PARAMS, "unknown argument '%s' (this tool takes: %s)", sub,
                           known);
        }
        continue;
      }
      if (!schema__check(ps, v->items[i], sub, err)) return false;
    }
    const Json *req = json_get(schema, "required");
    for (size_t i = 0; req && i < req->n; i++) {
      if (!json_get(v, req->items[i]->str))
        return error_set(err, ERR_PARAMS, "missing required argument '%s%s%s'", path,
                         *path ? "." : "", req->items[i]->str);
    }
  }
  if (v->type == JSON_ARRAY) {
    const Json *items = json_get(schema, "items");
    for (size_t i = 0; items && i < v->n; i++) {
      char sub[256];
      snprintf(sub, sizeof sub, "%s[%zu]", where, i);
      if (!schema__check(items, v->items[i], sub, err)) return false;
    }
  }
  return true;
}

bool schema_validate(const Json *schema, const Json *value, RtError *err) {
  return schema__check(schema, value, "", err);
}
