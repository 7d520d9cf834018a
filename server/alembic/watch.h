/* watch.h - which directories saw a change since the last look: a change journal over
 * inotify, so that a long-lived cache can trust what it read without a stat per file. */
#ifndef RETORT_ALEMBIC_WATCH_H
#define RETORT_ALEMBIC_WATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the journal promises, and what it does not.
 *
 * A directory is watched (inotify: an entry created, deleted, renamed in or out, written,
 * closed after writing, or its attributes changed; the directory itself deleted or moved)
 * from the moment watch_dir returns it with a non-zero epoch. watch_poll then reports each
 * named event to the caller and bumps the directory's `names` counter when an entry was
 * created, deleted or renamed; anything that makes the journal unsure (the kernel queue
 * overflowed, the directory was deleted, moved or unmounted, the path now leads to another
 * directory) changes its `epoch`, so that whatever was trusted under the old epoch is not.
 *
 * Not seen, so not to be trusted by callers: changes to a symlink's target (the event is in
 * the target's directory), writes through a hard link in another directory, writes
 * through a shared mmap that is never closed, and any change on a network or FUSE file
 * system (watch_dir refuses those: only local file systems are watched). A caller keeps
 * stat-checking symlinks and files with more than one link, and everything in a
 * directory watch_dir returned with epoch 0.
 *
 * inotify is not free: an instance per journal (128 per user by default), a watch per
 * directory. A journal is for a long-lived cache; a one-shot command does not need one.
 * Not thread-safe. */
typedef struct Watch Watch;

/* One directory of the journal. Owned by the journal; valid until watch_delete. */
typedef struct WatchDir {
  const char *path; /* as given to watch_dir (normalised, absolute; "/" for the root) */
  size_t len;
  uint64_t epoch;   /* 0: not watched now; otherwise changes whenever trust must end */
  uint64_t names;   /* changes when an entry is created, deleted or renamed (or epoch does) */
} WatchDir;

/** A new journal. NULL when inotify is unavailable (no instance left) or the environment
 * sets RETORT_NO_WATCH (to anything but "0"): the caller then checks everything itself.
 * Free with watch_delete. */
Watch *watch_new(void);
/** Closes the instance and frees the directories. watch_delete(NULL) is a no-op. */
void watch_delete(Watch *w);

/** Called by watch_poll for each event naming an entry of `d` (`name` is not
 * NUL-terminated, `len` bytes, no '/'). `content`: the entry was written to, or a new file
 * took the name (created, renamed onto it), so its bytes may differ even if its mtime and
 * size do not; otherwise its attributes changed or it went away. */
typedef void (*WatchFn)(void *ctx, WatchDir *d, const char *name, size_t len, bool content);

/** Reads every pending event (never blocks): named events to `fn` (may be NULL), the rest
 * into the directories' counters. */
void watch_poll(Watch *w, WatchFn fn, void *ctx);

/**
 * The journal's record of directory `path` (first `len` bytes; "" means "/"), watched
 * from now on if it was not: call it before reading anything the caller will trust. Each
 * call checks that the path still leads to the watched directory (one stat) and starts
 * over (a new epoch) when it does not. Returns the record; its epoch is 0 when the
 * directory cannot be watched (missing, not local, the watch limit reached, too many
 * directories in this journal): nothing in it is to be trusted.
 */
WatchDir *watch_dir(Watch *w, const char *path, size_t len);

#endif
