/* buf.c - growable byte buffer. */
#include "server/base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/error.h"
#include "server/base/mem.h"

static void buf__reserve(Buf *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void buf_reserve(Buf *b, size_t n) {
  if (b->len + n + 1 <= b->cap) return;
  b->data = xrealloc(b->data, b->len + n + 1);
  b->cap = b->len + n + 1;
}

void buf_free(Buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void buf_reset(Buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void buf_append(Buf *b, const void *data, size_t n) {
  buf__reserve(b, n);
  if (n) memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_putc(Buf *b, char c) { buf_append(b, &c, 1); }

void buf_vprintf(Buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n <= 0) return;
  buf__reserve(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void buf_consume(Buf *b, size_t n) {
  if (n >= b->len) {
    buf_reset(b);
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  b->data[b->len] = '\0';
}

const char *buf_cstr(const Buf *b) { return b->data ? b->data : ""; }

char *buf_detach(Buf *b) {
  char *p = b->data ? b->data : xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

bool buf_read_file(Buf *b, const char *path, size_t max, RtError *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    return error_set(err, e == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read %s: %s", path,
                     strerror(e));
  }
  size_t start = b->len, n;
  char chunk[8192];
  bool too_big = false;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    buf_append(b, chunk, n);
    if (b->len - start > max) {
      too_big = true;
      break;
    }
  }
  bool failed = ferror(f);
  int e = errno;
  fclose(f);
  if (too_big)
    return error_set(err, ERR_CONFIG, "cannot read %s: larger than %zu bytes", path, max);
  if (failed) return error_set(err, ERR_IO, "cannot read %s: %s", path, strerror(e));
  return true;
}
