/* history.h - `alembic history` text: one line per revision (Script._head_only) or the
 * verbose log entry (Script.log_entry), byte for byte as Alembic 1.8 prints them. */
#ifndef RETORT_ALEMBIC_HISTORY_H
#define RETORT_ALEMBIC_HISTORY_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/graph.h"
#include "server/base/buf.h"

/**
 * Appends the text `alembic history [--verbose]` prints for `revs` (usually the output
 * of graph_history, in that order) to `out`, each entry followed by "\n" as print() does.
 * `current` (may be NULL, ncurrent 0) lists the database's version rows: those
 * revisions get " (current)" as with `--indicate-current`. Revisions not in `g` are
 * skipped. Sets (children, branch labels) are printed in the graph's order; Alembic
 * prints them in Python set order, which varies from run to run.
 */
void history_format(Buf *out, const Graph *g, Revision *const *revs, size_t n, bool verbose,
                    const char *const *current, size_t ncurrent);

/** Appends one entry (as history_format does for a single revision). */
void history_format_entry(Buf *out, const Graph *g, const Revision *rev, bool verbose,
                          bool is_current);

/**
 * Appends what `alembic heads [--verbose]` prints: one entry per versioned head
 * (graph_heads), short form "id (labels) (head)" / "(effective head)".
 */
void history_format_heads(Buf *out, const Graph *g, bool verbose);

#endif
