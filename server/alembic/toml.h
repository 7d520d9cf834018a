/* toml.h - reads one table of a TOML 1.0 document (pyproject.toml's [tool.retort]) as
 * flat settings: each key below the table, dotted, with its value as text. */
#ifndef RETORT_ALEMBIC_TOML_H
#define RETORT_ALEMBIC_TOML_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/error.h"

/* The whole document is read with TOML 1.0's syntax (what Python 3.11's tomllib reads):
 * bare, quoted and dotted keys; [table] and [[array of tables]] headers; the four kinds of
 * string with every escape; integers (decimal with `_`, 0x / 0o / 0b), floats, inf, nan,
 * booleans, offset and local date-times, dates and times (checked: a 31st of April is an
 * error); arrays over several lines with comments and a trailing comma; inline tables;
 * comments; UTF-8 (a malformed sequence is an error); CRLF line ends. A syntax error
 * anywhere fails the read, as it fails every other reader of the file.
 * What is not checked outside the wanted table: a key or table defined twice (inside it,
 * that is an error, as in tomllib). Limits tomllib does not have: keys of more than 100
 * dotted parts, arrays or inline tables nested more than 100 deep, a key holding NUL, and
 * an integer outside 64 bits (an error by the TOML spec; tomllib reads it) are refused.
 *
 * Settings: a key at any depth below the table becomes one setting named by its path
 * below the table, joined with '.' (`[tool.retort.severity]` + `ban-drop-column = "error"`,
 * `severity.ban-drop-column = "error"` and `severity = {ban-drop-column = "error"}` are
 * all "severity.ban-drop-column"). The value as text: a string as decoded; an integer in
 * decimal (underscores dropped, 0x / 0o / 0b converted); a float, date or time as
 * written (underscores dropped); true / false; an array of those joined with ", "; an
 * array of arrays with the inner ones joined by ", " and the outer by "; " (so
 * `column_groups = [["is_deleted", "deleted_at"], ["a", "b"]]` reads as alembic.ini's
 * "is_deleted, deleted_at; a, b"). Errors: an array of tables or an array nested three
 * deep as a setting's value, a string holding NUL, the table or a key given twice, and
 * the table itself being something other than a table, a table declared twice or extended
 * where TOML forbids it (an inline table, dotted keys into a declared table), and more than
 * 1000 keys or tables below it. */
typedef enum TomlKind {
  TOML_STRING,
  TOML_INTEGER,
  TOML_FLOAT,
  TOML_BOOL,
  TOML_DATETIME,
  TOML_ARRAY,
} TomlKind;

typedef struct TomlSettings {
  char **keys;   /* in document order */
  char **values;
  int *lines;    /* 1-based line of each key */
  unsigned char *kinds; /* TomlKind of each value */
  char ***lists; /* for an array of scalars: its elements' texts, NULL-terminated; else NULL */
  size_t n;
  bool found;    /* the table (or a key below it) is in the document */
} TomlSettings;

/* toml_read_table flags. */
enum {
  /* [[arrays of tables]] and arrays holding tables below the table are passed over (they
   * are not settings) instead of being errors: for [tool.alembic]'s post_write_hooks. */
  TOML_SKIP_TABLE_ARRAYS = 1,
};

/**
 * Parses `text` (`len` bytes, need not be NUL-terminated) and collects the settings of
 * the table named by `table` (dotted bare keys, e.g. "tool.retort") into *out (free with
 * toml_settings_free, also after a failure). Returns false with err set (ERR_CONFIG,
 * "line N: what") when the document is not TOML or the settings are not usable.
 */
bool toml_read_table(const char *text, size_t len, const char *table, int flags,
                     TomlSettings *out, RtError *err);

/** The index of `key` among the settings (ASCII case-insensitive when `nocase`), or -1. */
long toml_settings_find(const TomlSettings *s, const char *key, bool nocase);

void toml_settings_free(TomlSettings *s);

#endif
