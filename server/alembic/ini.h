/* ini.h - an INI reader with the semantics of Python's configparser.ConfigParser as
 * Alembic uses it: defaults={"here": <ini dir>}, BasicInterpolation, strict=True. */
#ifndef RETORT_ALEMBIC_INI_H
#define RETORT_ALEMBIC_INI_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/error.h"

/* What is reproduced from configparser (Python 3.11, the defaults Alembic uses):
 * - `[section]` headers: the name is everything between the first '[' and the last ']'
 *   of the line (so `[a] x` is section "a"); names are case-sensitive. `[DEFAULT]` holds
 *   values visible from every section; it may be reopened.
 * - `key = value` and `key: value`: the key is what precedes the first '=' or ':',
 *   stripped and lowercased; the value is stripped. Lines with neither are errors.
 * - Full-line comments start with '#' or ';' (after optional indentation), also inside
 *   multi-line values. There are no inline comments: `a = b # c` is "b # c".
 * - A line indented deeper than the line that started the current key continues the
 *   value; parts are joined with "\n". Empty lines inside a value are kept (as empty
 *   lines) and trailing whitespace of the whole value is removed.
 * - strict=True: a section or a key (within one section) given twice is an error,
 *   exactly as configparser raises DuplicateSectionError / DuplicateOptionError, which
 *   means Alembic would refuse the same file.
 * - BasicInterpolation on read (ini_get): `%%` → `%`, `%(name)s` → the value of `name`
 *   (lowercased) from the same section, else [DEFAULT] (which holds `here`); nested
 *   references are expanded in the context of the section asked for; more than 10
 *   nested steps (MAX_INTERPOLATION_DEPTH) is an error; so are `%` followed by anything
 *   else and unknown names. Messages carry configparser's own wording. A value that
 *   expands to more than 1 MiB is an error too (configparser has no such limit).
 * Differences: \r\n and lone \r end lines (Python's universal newlines do the same); a
 * leading UTF-8 BOM is skipped; a NUL byte is an error; whitespace is ASCII whitespace
 * (plus \x1c-\x1f, as Python's str.strip); keys are lowercased in ASCII only.
 * Error messages that would quote a value (raw values of interpolation errors) hide it
 * when the key's name contains "url", "password", "passwd", "secret" or "dsn". */
typedef struct Ini Ini;

/**
 * Parses `text` (`len` bytes, need not be NUL-terminated). `here` (may be NULL: no
 * `here` default) is put in [DEFAULT] as "here" before the text is read, as Alembic's
 * Config does; the file may override it. Interpolation is checked for every key at
 * once, but a bad value only fails ini_get for the keys that use it.
 * Returns a new Ini (free with ini_delete), or NULL with err set (ERR_CONFIG: syntax,
 * missing section header, duplicate section or key, each with its line number).
 */
Ini *ini_parse(const char *text, size_t len, const char *here, RtError *err);

/**
 * Reads and parses a file; `here` is the absolute directory of `path`, and error
 * messages name the file. NULL with err set on failure (ERR_IO when the file cannot be
 * read, ERR_CONFIG when it does not parse).
 */
Ini *ini_read_file(const char *path, RtError *err);

/** Frees the Ini and every string it handed out. ini_delete(NULL) is a no-op. */
void ini_delete(Ini *ini);

/** Whether `section` was in the text (never true for "DEFAULT", as configparser). */
bool ini_has_section(const Ini *ini, const char *section);

/**
 * Whether `key` is visible from `section` (its own keys or [DEFAULT]'s), like
 * configparser's has_option. `section` NULL or "DEFAULT" asks about [DEFAULT].
 */
bool ini_has_key(const Ini *ini, const char *section, const char *key);

/**
 * The interpolated value of `key` (case-insensitive) as seen from `section` (its own
 * keys, then [DEFAULT]; "DEFAULT" or NULL reads [DEFAULT] alone). Returns NULL, with
 * err untouched, when the section or key is absent; NULL with err set (ERR_CONFIG,
 * naming key, section and file) when the value does not interpolate.
 * The string is owned by the Ini.
 */
const char *ini_get(const Ini *ini, const char *section, const char *key, RtError *err);

/** Like ini_get but without interpolation (configparser's raw=True); NULL when absent. */
const char *ini_get_raw(const Ini *ini, const char *section, const char *key);

/**
 * Parses a configparser boolean: 1/yes/true/on and 0/no/false/off, case-insensitive.
 * Returns false with err set (ERR_CONFIG, "Not a boolean: <value>") otherwise.
 */
bool ini_parse_bool(const char *value, bool *out, RtError *err);

/**
 * Section names in file order, without DEFAULT (configparser's sections()). Returns the
 * count; *names is owned by the Ini (NULL when there are none).
 */
size_t ini_sections(const Ini *ini, const char *const **names);

/**
 * The keys written in `section` itself (not those inherited from [DEFAULT]), lowercased,
 * in file order; "DEFAULT" lists [DEFAULT]'s own keys, including `here`. Returns the
 * count (0 when the section is absent); *keys is owned by the Ini.
 */
size_t ini_section_keys(const Ini *ini, const char *section, const char *const **keys);

#endif
