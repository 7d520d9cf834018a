/* watch.c - the change journal of watch.h on inotify: a watch per directory, events
 * drained on demand, counters that tell a cache what it may keep trusting. */
#include "server/alembic/watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "server/base/mem.h"

// A project has a handful of version directories; past this many watched ones, the rest
// are checked file by file (a watch is kernel memory, and records are searched linearly).
static const size_t WATCH_MAX_DIRS = 64;

static const uint32_t WATCH_MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                   IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF |
                                   IN_MOVE_SELF | IN_ONLYDIR;

typedef struct Dir {
  WatchDir pub;
  char *path;     /* owned; pub.path points here */
  int wd;         /* -1: no watch */
  dev_t dev;      /* the directory the watch is on */
  ino_t ino;
  unsigned round; /* Watch.round when the path was last checked */
} Dir;

struct Watch {
  int fd;
  Dir **dirs;
  size_t ndirs;
  uint64_t clock; /* epochs and name counters are drawn from here: never reused */
  unsigned round; /* bumped by each poll */
};

Watch *watch_new(void) {
  // The way out when the journal cannot be trusted on some system: stat everything.
  const char *off = getenv("RETORT_NO_WATCH");
  if (off && *off && strcmp(off, "0") != 0) return NULL;
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return NULL;
  Watch *w = xcalloc(1, sizeof *w);
  w->fd = fd;
  w->round = 1;
  return w;
}

void watch_delete(Watch *w) {
  if (!w) return;
  close(w->fd); // drops every watch
  for (size_t i = 0; i < w->ndirs; i++) {
    free(w->dirs[i]->path);
    free(w->dirs[i]);
  }
  free(w->dirs);
  free(w);
}

/* Trust ends: whatever was read under the old epoch must be checked again. */
static void watch__reset(Watch *w, Dir *d, bool watched) {
  d->pub.epoch = watched ? ++w->clock : 0;
  d->pub.names = ++w->clock;
}

/* The directory no longer has a (valid) watch. Another record may share the watch
 * descriptor (two paths to one directory): only drop it when none does. */
static void watch__unwatch(Watch *w, Dir *d, bool kernel_dropped) {
  int wd = d->wd;
  d->wd = -1;
  watch__reset(w, d, false);
  if (wd < 0 || kernel_dropped) return;
  for (size_t i = 0; i < w->ndirs; i++)
    if (w->dirs[i]->wd == wd) return;
  inotify_rm_watch(w->fd, wd);
}

/* Local file systems, where every change goes through this kernel's VFS and so through
 * inotify. Network and FUSE file systems (NFS, SMB, sshfs, 9p, virtiofs) change under
 * us unseen: their directories are never trusted. */
static bool watch__local_fs(const char *path) {
  struct statfs fs;
  if (statfs(path, &fs) != 0) return false;
  switch ((unsigned long)fs.f_type) {
  case 0xEF53UL:     // ext2/3/4
  case 0x58465342UL: // xfs
  case 0x9123683EUL: // btrfs
  case 0x01021994UL: // tmpfs
  case 0x858458F6UL: // ramfs
  case 0x794C7630UL: // overlayfs
  case 0xF2F52010UL: // f2fs
  case 0x2FC12FC1UL: // zfs
  case 0xCA451A4EUL: // bcachefs
  case 0x52654973UL: // reiserfs
  case 0x3153464AUL: // jfs
    return true;
  default:
    return false;
  }
}

static Dir *watch__find_wd(Watch *w, int wd, size_t *from) {
  for (size_t i = *from; i < w->ndirs; i++) {
    if (w->dirs[i]->wd == wd) {
      *from = i + 1;
      return w->dirs[i];
    }
  }
  return NULL;
}

/* Reads per poll at most: past them (a checkout, a generator writing thousands of files,
 * or a writer that never stops), the rest is not read one by one: as after an overflow,
 * nothing is trusted, and the queue is emptied at the next poll. */
static const int WATCH_MAX_READS = 64;

static void watch__reset_all(Watch *w) {
  for (size_t i = 0; i < w->ndirs; i++) watch__reset(w, w->dirs[i], w->dirs[i]->wd >= 0);
}

void watch_poll(Watch *w, WatchFn fn, void *ctx) {
  if (!w) return;
  w->round++;
  // Aligned for struct inotify_event; room for many events per read.
  char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (int reads = 0;; reads++) {
    if (reads == WATCH_MAX_READS) {
      watch__reset_all(w);
      break;
    }
    ssize_t got = read(w->fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break; // EAGAIN: drained (any other error: the next watch_dir re-checks)
    for (char *p = buf; p < buf + got;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        watch__reset_all(w); // events were lost: nothing read so far can be trusted
        continue;
      }
      size_t from = 0;
      Dir *d;
      while ((d = watch__find_wd(w, ev->wd, &from))) {
        if (ev->mask & IN_IGNORED) { // the kernel dropped the watch (deleted, unmounted)
          watch__unwatch(w, d, true);
          continue;
        }
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
          // The path no longer leads here: the next watch_dir watches what it leads to.
          watch__unwatch(w, d, false);
          continue;
        }
        if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
          d->pub.names = ++w->clock;
        if (ev->len && fn)
          fn(ctx, &d->pub, ev->name, strlen(ev->name),
             (ev->mask & (IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO)) != 0);
      }
    }
  }
}

/* Watches d->path now (a new epoch), or leaves it unwatched (epoch 0). */
static void watch__start(Watch *w, Dir *d, const struct stat *st) {
  if (!watch__local_fs(d->path)) {
    watch__reset(w, d, false);
    return;
  }
  int wd = inotify_add_watch(w->fd, d->path, WATCH_MASK);
  // The watch is on whatever the path led to at that moment: make sure that is the
  // directory stat saw (a rename in between would put the watch elsewhere).
  struct stat again;
  if (wd < 0 || stat(d->path, &again) != 0 || again.st_dev != st->st_dev ||
      again.st_ino != st->st_ino) {
    if (wd >= 0) {
      d->wd = wd;
      watch__unwatch(w, d, false);
    } else {
      watch__reset(w, d, false);
    }
    return;
  }
  d->wd = wd;
  d->dev = st->st_dev;
  d->ino = st->st_ino;
  watch__reset(w, d, true);
}

WatchDir *watch_dir(Watch *w, const char *path, size_t len) {
  if (len == 0) path = "/", len = 1;
  Dir *d = NULL;
  for (size_t i = 0; i < w->ndirs && !d; i++)
    if (w->dirs[i]->pub.len == len && memcmp(w->dirs[i]->path, path, len) == 0) d = w->dirs[i];
  if (!d) {
    d = xcalloc(1, sizeof *d);
    d->path = xstrndup(path, len);
    d->pub.path = d->path;
    d->pub.len = len;
    d->wd = -1;
    w->dirs = xrealloc(w->dirs, (w->ndirs + 1) * sizeof *w->dirs);
    w->dirs[w->ndirs++] = d;
  }
  if (d->round == w->round) return &d->pub; // checked since the last poll
  d->round = w->round;
  struct stat st;
  if (stat(d->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (d->wd >= 0) watch__unwatch(w, d, false);
    else if (d->pub.epoch) watch__reset(w, d, false);
    return &d->pub;
  }
  if (d->wd >= 0 && st.st_dev == d->dev && st.st_ino == d->ino) return &d->pub;
  if (d->wd >= 0) watch__unwatch(w, d, false); // the path leads elsewhere now
  size_t watched = 0;
  for (size_t i = 0; i < w->ndirs; i++) watched += w->dirs[i]->wd >= 0;
  if (watched < WATCH_MAX_DIRS) watch__start(w, d, &st);
  else watch__reset(w, d, false);
  return &d->pub;
}
