/* tsquery.h - our tree-sitter queries (the .scm files of grammars/queries, embedded at
 * build time), compiled once and run with their predicates checked: libtree-sitter 0.20
 * parses #eq? / #match? / #any-of? but leaves their evaluation to the caller. */
#ifndef RETORT_ALEMBIC_TSQUERY_H
#define RETORT_ALEMBIC_TSQUERY_H
#include <stdbool.h>
#include <stdint.h>
#include <tree_sitter/api.h>

typedef struct TsQuery TsQuery;

/** The embedded query `name` ("revision.scm") for the Python grammar, compiled on first use
 * (thread-safe). A query that is missing or does not compile, or a predicate it does not
 * support, is a build bug: it aborts with the reason (the unit tests load every query).
 * Static: never freed. */
const TsQuery *tsquery_get(const char *name);

/** The index of capture `@name` in the query; aborts when it has none (a build bug). */
uint32_t tsquery_capture(const TsQuery *q, const char *name);

/** Called for each match whose predicates hold; return false to stop. */
typedef bool (*TsMatchFn)(void *ctx, const TSQueryMatch *m);

/**
 * Runs `q` over `node` (a tree parsed from `src`, `len` bytes) with `cursor` (owned by the
 * caller: one per thread), calling fn in the order tree-sitter finds matches. Captured
 * nodes are borrowed from the tree.
 */
void tsquery_run(const TsQuery *q, TSQueryCursor *cursor, TSNode node, const char *src,
                 uint32_t len, TsMatchFn fn, void *ctx);

/** The first node captured as `capture` in `m`, or a null node. */
TSNode tsquery_node(const TSQueryMatch *m, uint32_t capture);

#endif
