/* finding.c - the findings list and source ranges. */
#include "server/base/finding.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

static uint32_t finding__chars(const char *s, size_t n) {
  uint32_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
  return count;
}

SrcRange srcrange_make(const char *src, uint32_t start_byte, uint32_t start_row,
                       uint32_t start_col_byte, uint32_t end_byte, uint32_t end_row,
                       uint32_t end_col_byte) {
  SrcRange r;
  r.start_byte = start_byte;
  r.end_byte = end_byte;
  r.line = start_row + 1;
  r.end_line = end_row + 1;
  r.col = finding__chars(src + start_byte - start_col_byte, start_col_byte) + 1;
  r.end_col = finding__chars(src + end_byte - end_col_byte, end_col_byte) + 1;
  return r;
}

SrcRange srcrange_from_bytes(const char *src, size_t len, size_t start_byte, size_t end_byte) {
  if (start_byte > len) start_byte = len;
  if (end_byte > len) end_byte = len;
  if (end_byte < start_byte) end_byte = start_byte;
  uint32_t row = 0;
  size_t line_start = 0, i = 0;
  uint32_t srow = 0, scol = 0;
  for (; i < end_byte; i++) {
    if (i == start_byte) {
      srow = row;
      scol = (uint32_t)(i - line_start);
    }
    if (src[i] == '\n') {
      row++;
      line_start = i + 1;
    }
  }
  if (start_byte == end_byte) {
    srow = row;
    scol = (uint32_t)(end_byte - line_start);
  }
  return srcrange_make(src, (uint32_t)start_byte, srow, scol, (uint32_t)end_byte, row,
                       (uint32_t)(end_byte - line_start));
}

const char *severity_name(Severity s) {
  switch (s) {
  case SEV_ERROR: return "error";
  case SEV_WARNING: return "warning";
  case SEV_INFO: return "info";
  }
  return "info";
}

void findings_init(FindingList *fl) {
  memset(fl, 0, sizeof *fl);
  fl->arena = arena_new();
}

void findings_free(FindingList *fl) {
  arena_delete(fl->arena);
  free(fl->items);
  memset(fl, 0, sizeof *fl);
}

static Finding *finding__push(FindingList *fl) {
  if (!fl->arena) fl->arena = arena_new();
  if (fl->len == fl->cap) {
    fl->cap = fl->cap ? fl->cap * 2 : 16;
    fl->items = xrealloc(fl->items, fl->cap * sizeof *fl->items);
  }
  Finding *f = &fl->items[fl->len++];
  memset(f, 0, sizeof *f);
  return f;
}

Finding *findings_add(FindingList *fl, const char *rule, Severity sev, const char *path,
                      SrcRange range, const char *fmt, ...) {
  Finding *f = finding__push(fl);
  f->rule = arena_strdup(fl->arena, rule);
  f->severity = sev;
  f->path = path ? arena_strdup(fl->arena, path) : NULL;
  f->range = range;
  va_list ap;
  va_start(ap, fmt);
  f->message = arena_vprintf(fl->arena, fmt, ap);
  va_end(ap);
  return f;
}

void findings_extend(FindingList *dst, const FindingList *src) {
  for (size_t i = 0; i < src->len; i++) {
    const Finding *s = &src->items[i];
    Finding *f = finding__push(dst);
    *f = *s;
    f->rule = arena_strdup(dst->arena, s->rule);
    f->message = arena_strdup(dst->arena, s->message);
    if (s->path) f->path = arena_strdup(dst->arena, s->path);
    if (s->help) f->help = arena_strdup(dst->arena, s->help);
    if (s->fix) f->fix = arena_strdup(dst->arena, s->fix);
  }
}

static int finding__cmp(const void *pa, const void *pb) {
  const Finding *a = pa, *b = pb;
  int c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
  if (c) return c;
  if (a->range.line != b->range.line) return a->range.line < b->range.line ? -1 : 1;
  if (a->range.col != b->range.col) return a->range.col < b->range.col ? -1 : 1;
  c = strcmp(a->rule, b->rule);
  if (c) return c;
  return strcmp(a->message, b->message);
}

void findings_sort(FindingList *fl) {
  if (fl->len > 1) qsort(fl->items, fl->len, sizeof *fl->items, finding__cmp);
}

bool findings_has_severity(const FindingList *fl, Severity sev) {
  for (size_t i = 0; i < fl->len; i++)
    if (fl->items[i].severity == sev) return true;
  return false;
}
