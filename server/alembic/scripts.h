/* scripts.h - loads every revision file of a project, in parallel, through a cache keyed
 * by (path, mtime, size, mode) so that a warm call re-stats files and re-parses nothing. */
#ifndef RETORT_ALEMBIC_SCRIPTS_H
#define RETORT_ALEMBIC_SCRIPTS_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/revision.h"
#include "server/base/error.h"
#include "server/base/finding.h"

/* Long-lived parsed-revision cache, owned by the server session. Not thread-safe: one
 * load at a time per cache (the load itself uses worker threads internally). */
typedef struct ScriptCache ScriptCache;

/** A new, empty cache. Free it with scripts_cache_delete. */
ScriptCache *scripts_cache_new(void);
/** Frees the cache and every Revision it handed out. scripts_cache_delete(NULL) is a no-op. */
void scripts_cache_delete(ScriptCache *c);

typedef struct ScriptSet {
  Revision **revs;       /* one per readable file, in the order of `paths`; owned by the
                            cache (see scripts_load); the array itself by the set */
  size_t n;
  FindingList findings;  /* syntax errors, missing/non-literal ids, unreadable files
                            (rule "unreadable-file"); owned by the set, sorted */
  size_t parsed;         /* files parsed by this load (the rest came from the cache) */
  size_t reused;         /* files served from the cache unchanged */
} ScriptSet;

/**
 * Loads the given revision files (absolute paths; the directory listing is project.c's
 * job). A cached parse is reused when the file's mtime (ns), size, inode and mode are
 * unchanged and the cached mode satisfies `mode` (a FULL parse also serves HEADER).
 * Cold files are parsed by 2 threads. An unreadable file is a finding, not a failure.
 * The Revisions in `out` are owned by `c` and stay valid until the next scripts_load on
 * the same cache or its deletion; free `out` itself with scripts_set_free.
 * Returns false (with `err`, `out` left empty) only for bad arguments.
 */
bool scripts_load(ScriptCache *c, const char *const *paths, size_t n, RevParseMode mode,
                  ScriptSet *out, RtError *err);

/** Frees the set's array and findings (not the Revisions: the cache owns them). NULL-safe. */
void scripts_set_free(ScriptSet *s);

#endif
