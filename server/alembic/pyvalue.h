/* pyvalue.h - reading Python expressions statically from tree-sitter nodes: literals
 * evaluated exactly as CPython would (strings unescaped, concatenation joined), calls
 * kept as trees, anything else kept as source text. */
#ifndef RETORT_ALEMBIC_PYVALUE_H
#define RETORT_ALEMBIC_PYVALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "server/alembic/revision.h"
#include "server/base/arena.h"
#include "server/base/buf.h"

/* The source a tree was parsed from, and where results go. */
typedef struct PySrc {
  const char *src;  /* the whole file (not necessarily NUL-terminated) */
  size_t len;
  Arena *arena;     /* owns every value, string and array built from this source */
  bool bom;         /* src starts with a UTF-8 BOM: line-1 columns do not count it */
} PySrc;

/** The node's range (1-based line, 1-based character columns, BOM not counted). */
SrcRange pysrc_range(const PySrc *s, TSNode n);
/** The node's source text, NUL-terminated, owned by s->arena. */
char *pysrc_text(const PySrc *s, TSNode n);
/** True when the node is not null and its type name is `type`. */
bool pysrc_is(TSNode n, const char *type);
/** The node's named children except comments, in an array owned by s->arena. */
TSNode *pysrc_children(const PySrc *s, TSNode n, size_t *count);

/**
 * The tree-sitter tree of a whole Python source, for readers of Python files other than
 * revision_parse (model files). NULL when the source cannot be given to tree-sitter safely
 * (a logical line of 30,000+ tokens: see revision_parse). A syntax error is reported to
 * `findings` (may be NULL) exactly as revision_parse reports it (rule "syntax-error"). The
 * caller deletes the tree. Implemented in revision.c.
 */
TSTree *revparser_parse_source(RevParser *p, const PySrc *s, const char *path,
                               FindingList *findings);

/** Reads an expression node as a PyValue (never NULL; unknown forms are PV_EXPR). */
PyValue *pyvalue_read(const PySrc *s, TSNode n);
/** "a.b.c" for an identifier/attribute chain of identifiers, else NULL. Owned by s->arena. */
char *pyvalue_dotted_name(const PySrc *s, TSNode n);
/**
 * Evaluates a `string` or `concatenated_string` node. Returns false for f-strings (and
 * for str/bytes mixtures); otherwise stores the value (NUL-terminated, owned by
 * s->arena) in *out / *out_len and whether it is bytes in *is_bytes.
 */
bool pyvalue_eval_string(const PySrc *s, TSNode n, char **out, size_t *out_len, bool *is_bytes);
/**
 * Appends the value of one string literal token (prefix, quotes and body, e.g. rb'\x00')
 * to `b`, with escapes and source newlines handled as CPython does. Returns false (b
 * unchanged) for an f-string or a token that is not a string; sets *is_bytes.
 */
bool pyvalue_unescape_literal(Buf *b, const char *lit, size_t len, bool *is_bytes);

#endif
