/* finding.h - findings (lint violations, graph problems, syntax errors) are data:
 * appended to a list while work goes on, returned with the result, never failures. */
#ifndef RETORT_BASE_FINDING_H
#define RETORT_BASE_FINDING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"

/* A source range. Lines are 1-based; columns are 1-based and count characters (UTF-8
 * code points), as the tool contract says. Byte offsets are kept for editors and
 * slicing; the LSP layer converts to UTF-16 itself. line == 0 means "no location". */
typedef struct SrcRange {
  uint32_t start_byte, end_byte;
  uint32_t line, col, end_line, end_col;
} SrcRange;

/** Builds a range from tree-sitter style points (0-based row, byte column) over `src`. */
SrcRange srcrange_make(const char *src, uint32_t start_byte, uint32_t start_row,
                       uint32_t start_col_byte, uint32_t end_byte, uint32_t end_row,
                       uint32_t end_col_byte);
/** Builds a range from two byte offsets by scanning `src` (slower; for non-tree-sitter code). */
SrcRange srcrange_from_bytes(const char *src, size_t len, size_t start_byte, size_t end_byte);

typedef enum Severity { SEV_ERROR = 0, SEV_WARNING = 1, SEV_INFO = 2 } Severity;
const char *severity_name(Severity s); /* "error", "warning", "info" */

typedef struct Finding {
  const char *rule;    /* kebab-case id, e.g. "multiple-heads", "syntax-error" */
  Severity severity;
  const char *message;
  const char *path;    /* NULL when the finding is not about one file */
  SrcRange range;
  const char *help;    /* NULL or a longer explanation */
  const char *fix;     /* NULL or the replacement text for `range` */
} Finding;

/* Strings in a FindingList are owned by its arena. */
typedef struct FindingList {
  Arena *arena;
  Finding *items;
  size_t len, cap;
} FindingList;

void findings_init(FindingList *fl);
void findings_free(FindingList *fl);
/** Appends a finding; `path` and the formatted message are copied. Returns the new entry,
 * valid until the next append. */
Finding *findings_add(FindingList *fl, const char *rule, Severity sev, const char *path,
                      SrcRange range, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/** Copies every finding of `src` into `dst`. */
void findings_extend(FindingList *dst, const FindingList *src);
/** Sorts by path, line, column, rule (stable output for tools and tests). */
void findings_sort(FindingList *fl);
bool findings_has_severity(const FindingList *fl, Severity sev);

#endif
