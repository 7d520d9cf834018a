/* scripts.h - loads every revision file of a project, in parallel, through a cache keyed
 * by (path, mtime, size, mode); a long-lived cache also watches the version directories
 * (inotify), so that a warm call stats only the files that changed and re-parses nothing. */
#ifndef RETORT_ALEMBIC_SCRIPTS_H
#define RETORT_ALEMBIC_SCRIPTS_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/project.h"
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
  bool *read;            /* per revs[k]: parsed by this load, so a new Revision (which may
                            sit at the address of one freed by this load: compare these
                            flags, not pointers, to tell what changed); owned by the set */
  FindingList findings;  /* syntax errors, missing/non-literal ids, unreadable files
                            (rule "unreadable-file"); owned by the set, sorted */
  size_t parsed;         /* files parsed by this load (the rest came from the cache) */
  size_t reused;         /* files served from the cache unchanged */
  size_t statted;        /* cached files whose metadata this load read to revalidate them
                            (the rest were vouched for by the change journal, or new) */
} ScriptSet;

/**
 * Loads the given revision files (absolute paths; the directory listing is project.c's
 * job, or scripts_list's). A cached parse is reused when the file's mtime (ns), size,
 * inode and mode are unchanged and the cached mode satisfies `mode` (a FULL parse also
 * serves HEADER). Cold files are parsed by 2 threads. An unreadable file is a finding,
 * not a failure.
 * Revalidation: the first load of a cache reads everything. From the second load on, the
 * cache keeps a change journal of the files' directories (watch.h: inotify), and a file
 * checked after its directory was watched is not stat-ed again until an event names it
 * (written, truncated, touched, chmod-ed, replaced by a rename, deleted) or the journal
 * loses track (queue overflow, the directory moved, deleted or replaced). Symlinks and
 * files with more than one hard link are stat-ed on every load (their changes can happen
 * elsewhere), and so is everything when inotify is unavailable or the directory is on a
 * network or FUSE file system. Not seen by either way: a change that keeps the mtime, size
 * and inode of a file that is not watched, or one made through a hard link created after
 * the last check from another directory.
 * The Revisions in `out` are owned by `c` and stay valid until the next scripts_load on
 * the same cache or its deletion; free `out` itself with scripts_set_free.
 * Returns false (with `err`, `out` left empty) only for bad arguments.
 */
bool scripts_load(ScriptCache *c, const char *const *paths, size_t n, RevParseMode mode,
                  ScriptSet *out, RtError *err);

/**
 * The project's revision files, exactly as project_list_revision_files lists them, kept
 * by the cache from the second call on while the change journal shows that no entry of a
 * version location was created, deleted or renamed (and the locations are the same
 * directories). Listings that depend on more than those entries (recursive locations, a
 * missing configured location, symlinked entries: see project_list_revision_files_ex) are
 * made afresh on every call. `*paths` (`*n` entries) is owned by the cache: valid until the
 * next scripts_list on `c` or its deletion. Fails as project_list_revision_files does.
 */
bool scripts_list(ScriptCache *c, const Project *p, const char *const **paths, size_t *n,
                  RtError *err);

/** Frees the set's array and findings (not the Revisions: the cache owns them). NULL-safe. */
void scripts_set_free(ScriptSet *s);

#endif
