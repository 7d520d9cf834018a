/* buf.h - a growable byte buffer, always NUL-terminated after its contents. */
#ifndef RETORT_BASE_BUF_H
#define RETORT_BASE_BUF_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Buf {
  char *data; /* NULL until the first append; then data[len] == '\0' */
  size_t len, cap;
} Buf;

#define BUF_INIT {NULL, 0, 0}

void buf_free(Buf *b);
void buf_reset(Buf *b); /* len = 0, keeps the memory */
/** Room for `n` more bytes (and the NUL) without growing: for a caller that knows the size
 * of what it is about to append, so that a large result is not copied at each doubling. */
void buf_reserve(Buf *b, size_t n);
void buf_append(Buf *b, const void *data, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
/** Removes the first n bytes. */
void buf_consume(Buf *b, size_t n);
/** Contents as a C string ("" when empty); owned by the buffer. */
const char *buf_cstr(const Buf *b);
/** Hands the contents to the caller (free() it) and empties the buffer. */
char *buf_detach(Buf *b);

struct RtError;
/**
 * Appends the whole file at `path` to b. False with err set when it cannot be opened
 * (ERR_NOT_FOUND when it does not exist, else ERR_IO, "cannot read PATH: reason"), a read
 * fails (ERR_IO), or it holds more than `max` bytes (ERR_CONFIG, "cannot read PATH:
 * larger than MAX bytes"); b then holds what was read so far.
 */
bool buf_read_file(Buf *b, const char *path, size_t max, struct RtError *err);

#endif
