/* sarif.h - review findings as SARIF 2.1.0, for code-scanning upload from CI. */
#ifndef RETORT_TOOLS_SARIF_H
#define RETORT_TOOLS_SARIF_H

#include "protocol/json.h"
#include "server/base/buf.h"

/**
 * Appends one SARIF 2.1.0 log for a review_migration result (its structuredContent,
 * parsed; NULL gives a log with no results) to `out`. Paths under the working directory
 * become relative URIs (what code scanning expects); columns are Unicode code points,
 * as the run's columnKind says. Rules come from the registry with their doc pages.
 */
void sarif_write_review(Buf *out, const Json *review, const char *tool_version);

#endif
