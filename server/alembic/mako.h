/* mako.h - the part of Mako that script.py.mako templates use, rendered without Python:
 * ${expr | filters}, % if / elif / else / endif lines, ## comments, <%text>, and
 * line continuations, with the small expression language Alembic's templates need. */
#ifndef RETORT_ALEMBIC_MAKO_H
#define RETORT_ALEMBIC_MAKO_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/buf.h"
#include "server/base/error.h"

/* A template variable's value: what Alembic passes (str, None, a tuple or list of str). */
/* MV_INT appears only inside expressions (len()). */
typedef enum MakoKind { MV_NONE, MV_STR, MV_TUPLE, MV_LIST, MV_BOOL, MV_INT } MakoKind;

typedef struct MakoValue {
  MakoKind kind;
  const char *s;             /* MV_STR */
  const char *const *items;  /* MV_TUPLE / MV_LIST */
  size_t n;
  bool b;                    /* MV_BOOL */
  long long i;               /* MV_INT */
} MakoValue;

typedef struct MakoVar {
  const char *name;
  MakoValue value;
} MakoVar;

/* `config.get_main_option(key[, default])` in a template: returns the [alembic] value or
 * NULL. `ctx` is MakoEnv.config_ctx. */
typedef const char *(*MakoConfigFn)(void *ctx, const char *key);

typedef struct MakoEnv {
  const MakoVar *vars;
  size_t nvars;
  MakoConfigFn config;       /* NULL: `config` is not available */
  void *config_ctx;
} MakoEnv;

/**
 * Renders `tmpl` (len bytes) into `out`. Supported, as Mako does them:
 *   ${expr} and ${expr | f1, f2}: str() of the value (None → "None"); filters `n` (no
 *     default filter), `comma` (Alembic's format_as_comma: None → "", a tuple → "a, b"),
 *     `str`, `trim`, `h` (HTML escape), `u` (URL escape);
 *   expressions: names, 'str' / "str" literals (with \\ \' \" \n \t escapes), None, True,
 *     False, repr(x), str(x), len(x), `a if c else b`, `not`, `and`, `or`, `==`, `!=`,
 *     `is None`, `is not None`, parentheses, `config.get_main_option("k"[, "d"])`;
 *   control lines: `% if e:`, `% elif e:`, `% else:`, `% endif` (nested);
 *   `## comment` lines (dropped), `%%` at the start of a line (a literal %), a `\` ending a
 *   line (joins it with the next), <%text>...</%text> (verbatim), <%doc>...</%doc> (dropped).
 * Anything else Mako would execute (<% %>, <%! %>, % for, <%def>, <%include>, method
 * calls, unknown names) fails with ERR_CONFIG: "script.py.mako line N: ..." naming the
 * construct, and out holds a partial result the caller must discard.
 */
bool mako_render(const char *tmpl, size_t len, const MakoEnv *env, Buf *out, RtError *err);

#endif
