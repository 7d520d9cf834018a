/* verify.h - round-trip verification of revisions (review_migration with verify: true):
 * on a throwaway database of retort's scratch cluster, never the user's database. */
#ifndef RETORT_TOOLS_VERIFY_H
#define RETORT_TOOLS_VERIFY_H
#include <stdbool.h>
#include <stddef.h>

#include "server/tools/tools.h"

/**
 * For each revision R of `revs` (REV_PARSE_FULL revisions of tp->graph): in a new
 * database retort_verify_<pid> of the project's scratch cluster (created for R, dropped
 * afterwards), upgrades to R's parents with the native engine, snapshots the catalog
 * (catalog_snapshot: every object with its whole definition and comments), runs R's
 * upgrade once inside a transaction that is rolled back while reading pg_locks after
 * each statement (the lock modes each statement newly took, with the relation), then
 * upgrades R for real, downgrades R, snapshots again and compares with the snapshot
 * before R (every difference is an object the downgrade failed to restore), and
 * upgrades R once more (a failure there is reported too).
 *
 * Writes one JSON object value to `w` (the caller writes the key, "verify"):
 *   {database, available, error, revisions: [{revision, verified, skipped, upgrade,
 *    downgrade, reupgrade ({ok, error, statement}), not_restored: [{kind, object, name,
 *    detail}], locks: [{statement, sql, relation, mode}], notes: [...]}]}
 * and a text section for people to `text`. Revisions with dynamic code (or whose
 * ancestors have some) cannot run natively: skipped, with the reason and location.
 * Verification problems are data: returns false only for an internal error; when the
 * scratch cluster cannot be started, `available` is false with the reason. The user's
 * database (database_url, DATABASE_URL, sqlalchemy.url) is never touched.
 */
bool tool_verify_revisions(ToolSession *s, const ToolProject *tp, Revision *const *revs,
                           size_t n, JsonWriter *w, Buf *text, RtError *err);

#endif
