/* pyrepr.c - Python literals written as CPython's repr() writes them. */
#include "server/alembic/pyrepr.h"

#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s (valid or not); returns its length (>= 1). */
static size_t pyrepr__decode(const unsigned char *s, uint32_t *cp) {
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
  if (n == 0) {
    *cp = s[0];  // a stray continuation byte: shown as \x escape below
    return 1;
  }
  uint32_t v = s[0] & (0x3F >> (n - 1));
  for (size_t k = 1; k < n; k++) {
    if ((s[k] & 0xC0) != 0x80) {
      *cp = s[0];
      return 1;
    }
    v = (v << 6) | (s[k] & 0x3F);
  }
  *cp = v;
  return n;
}

/* str.isprintable() is false for these (Unicode categories Cc, Cf, Zs but ' ', Zl, Zp,
 * Cs, Co, Cn), in the ranges that matter for text people write. */
static bool pyrepr__unprintable(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return true;
  if (cp >= 0x80 && cp <= 0xA0) return true;
  if (cp == 0xAD) return true;
  if (cp == 0x61C || cp == 0x180E || cp == 0x1680) return true;
  if (cp >= 0x2000 && cp <= 0x200F) return true;
  if (cp >= 0x2028 && cp <= 0x202F) return true;
  if (cp >= 0x205F && cp <= 0x206F) return true;
  if (cp == 0x3000 || cp == 0xFEFF) return true;
  if (cp >= 0xD800 && cp <= 0xDFFF) return true;
  if (cp >= 0xE000 && cp <= 0xF8FF) return true;
  if (cp >= 0xFFF0 && cp <= 0xFFFB) return true;
  if (cp > 0x10FFFF) return true;
  return false;
}

void py_repr_str(Buf *b, const char *s) {
  bool has_single = strchr(s, '\'') != NULL, has_double = strchr(s, '"') != NULL;
  char q = has_single && !has_double ? '"' : '\'';
  buf_putc(b, q);
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t cp;
    size_t n = pyrepr__decode(p, &cp);
    if (n == 1 && cp >= 0x80) {
      buf_printf(b, "\\x%02x", cp);  // not UTF-8: cannot happen for a str, shown anyway
    } else if (cp == '\\' || cp == (uint32_t)q) {
      buf_putc(b, '\\');
      buf_putc(b, (char)cp);
    } else if (cp == '\t') {
      buf_puts(b, "\\t");
    } else if (cp == '\n') {
      buf_puts(b, "\\n");
    } else if (cp == '\r') {
      buf_puts(b, "\\r");
    } else if (pyrepr__unprintable(cp)) {
      if (cp <= 0xFF)
        buf_printf(b, "\\x%02x", cp);
      else if (cp <= 0xFFFF)
        buf_printf(b, "\\u%04x", cp);
      else
        buf_printf(b, "\\U%08x", cp);
    } else {
      buf_append(b, p, n);
    }
    p += n;
  }
  buf_putc(b, q);
}

void py_repr_opt_str(Buf *b, const char *s) {
  if (s)
    py_repr_str(b, s);
  else
    buf_puts(b, "None");
}

void py_repr_str_list(Buf *b, const char *const *s, size_t n) {
  buf_putc(b, '[');
  for (size_t k = 0; k < n; k++) {
    if (k) buf_puts(b, ", ");
    py_repr_str(b, s[k]);
  }
  buf_putc(b, ']');
}

void py_repr_str_tuple(Buf *b, const char *const *s, size_t n) {
  buf_putc(b, '(');
  for (size_t k = 0; k < n; k++) {
    if (k) buf_puts(b, ", ");
    py_repr_str(b, s[k]);
  }
  if (n == 1) buf_putc(b, ',');
  buf_putc(b, ')');
}

void py_repr_bool(Buf *b, bool v) { buf_puts(b, v ? "True" : "False"); }
