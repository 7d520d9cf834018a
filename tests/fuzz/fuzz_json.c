/* fuzz_json.c - the JSON reader on arbitrary bytes, and the writer on what it accepted:
 * writing a parsed value and parsing that again gives the same text (a fixed point). */
#include <string.h>

#include "fuzz_input.h"
#include "protocol/json.h"
#include "server/base/arena.h"
#include "server/base/buf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Arena *a = arena_new();
  RtError err = {0};
  JsonLimits lim = {64, 100000};
  Json *v = json_parse(a, (const char *)data, size, &lim, &err, NULL);
  if (!v && !err.msg[0]) abort();
  if (v) {
    Buf one = BUF_INIT, two = BUF_INIT;
    JsonWriter w;
    jw_init(&w, &one);
    jw_value(&w, v);
    Json *again = json_parse(a, one.data, one.len, &lim, &err, NULL);
    if (!again) abort(); // our own output must parse
    jw_init(&w, &two);
    jw_value(&w, again);
    if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0) abort();
    buf_free(&one);
    buf_free(&two);
  }
  arena_delete(a);
  return 0;
}
