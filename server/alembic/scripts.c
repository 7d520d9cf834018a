/* scripts.c - every revision file of a project, parsed by 2 threads, cached per file by
 * (path, mtime ns, size, inode, mode); from the second load on, a change journal on the
 * directories (watch.h) says which files to re-check, so a warm load stats none. */
#include "server/alembic/scripts.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/alembic/watch.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

// Worker threads for a cold load (the machine budget is 2 cores), and the smallest
// batch worth a thread (below it, thread start-up costs more than it saves).
static const int SCRIPTS_THREADS = 2;
static const size_t SCRIPTS_MIN_PARALLEL = 16;
// An entry not requested by this many consecutive loads is dropped (deleted files).
static const unsigned SCRIPTS_EVICT_AFTER = 16;
// Revision files are small; anything bigger than this is not one.
static const off_t SCRIPTS_MAX_FILE = 64 * 1024 * 1024;

typedef struct FileKey {
  int64_t mtime_ns;
  int64_t size;
  uint64_t ino, dev;
  uint32_t mode;
} FileKey;

/* An arena shared by the files one worker parsed in one load (a 64 KB arena per 2 KB
 * file would cost more in page faults than the parse). Freed with its last file. */
typedef struct Pool {
  Arena *arena;
  size_t refs;
} Pool;

/* One cached file. The Revision and everything it points to live in `pool`. */
typedef struct Entry {
  struct Entry *next; /* hash chain */
  char *path;
  uint64_t hash;
  FileKey key;
  bool valid;          /* rev/findings match key */
  RevParseMode parsed; /* mode of the cached parse */
  Pool *pool;
  Revision *rev;
  FindingList findings; /* from the parse (arena created on first finding) */
  char *io_error;       /* set by a worker when the file could not be read (malloc'd) */
  unsigned last_gen;    /* the load that last asked for this file */
  unsigned parsed_gen;  /* the load that last parsed it */
  bool queued;          /* in this load's work list */
  /* Trust without a stat: the entry matches the file as long as its directory's journal
   * epoch is still `trust` (the watch predates the last check of the file) and no event
   * named the file since (scripts__untrust sets trust to 0). Never for `follow` files. */
  WatchDir *dir;        /* the directory's journal record at the last check; NULL: none */
  uint64_t trust;
  bool follow;          /* a symlink (its target changes unseen) or a file with other hard
                           links (written through them unseen): stat-checked every load */
  bool written;         /* an event said its bytes may have changed: re-read it, whatever
                           its mtime and size say */
} Entry;

/* The last listing of a project's revision files (scripts_list), kept while the journal
 * says no entry of its directories was created, deleted or renamed. */
typedef struct Listing {
  char *key;        /* what it was made for: the version locations and flags; NULL: none */
  char **paths;
  size_t n;
  WatchDir **dirs;  /* the version locations' journal records, and their counters then */
  uint64_t *epochs, *names;
  size_t ndirs;
  bool keep;        /* every location watched, and the listing depended only on entries */
} Listing;

struct ScriptCache {
  Entry **buckets;
  size_t nbuckets, count;
  RevParser *parsers[2];
  unsigned gen;
  Watch *watch;     /* the change journal; NULL before the second load or without inotify */
  bool watch_tried;
  Listing listing;
  uint64_t listings;   /* bumped by each new listing */
  /* The last load, when it was of the cache's own listing: the next load of the same
   * listing finds its entries here instead of hashing every path. */
  Entry **last;
  size_t nlast;
  uint64_t last_listing; /* `listings` then; 0: the last load was of other paths */
};

ScriptCache *scripts_cache_new(void) {
  ScriptCache *c = xcalloc(1, sizeof *c);
  c->nbuckets = 256;
  c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
  return c;
}

static void scripts__pool_release(Pool *p) {
  if (p && --p->refs == 0) {
    arena_delete(p->arena);
    free(p);
  }
}

/* Called on the loading thread only: pools are shared between entries. */
static void scripts__entry_clear(Entry *e) {
  scripts__pool_release(e->pool);
  e->pool = NULL;
  e->rev = NULL;
  findings_free(&e->findings);
  free(e->io_error);
  e->io_error = NULL;
  e->valid = false;
}

static void scripts__entry_delete(Entry *e) {
  scripts__entry_clear(e);
  free(e->path);
  free(e);
}

static void scripts__listing_clear(Listing *l) {
  free(l->key);
  project_free_paths(l->paths, l->n);
  free(l->dirs);
  free(l->epochs);
  free(l->names);
  memset(l, 0, sizeof *l);
}

void scripts_cache_delete(ScriptCache *c) {
  if (!c) return;
  scripts__listing_clear(&c->listing);
  free(c->last);
  watch_delete(c->watch);
  for (size_t b = 0; b < c->nbuckets; b++) {
    Entry *e = c->buckets[b];
    while (e) {
      Entry *next = e->next;
      scripts__entry_delete(e);
      e = next;
    }
  }
  free(c->buckets);
  for (int k = 0; k < SCRIPTS_THREADS; k++) revparser_delete(c->parsers[k]);
  free(c);
}

static uint64_t scripts__hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; // FNV-1a
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void scripts__grow(ScriptCache *c) {
  size_t nb = c->nbuckets * 2;
  Entry **buckets = xcalloc(nb, sizeof *buckets);
  for (size_t b = 0; b < c->nbuckets; b++) {
    Entry *e = c->buckets[b];
    while (e) {
      Entry *next = e->next;
      size_t slot = e->hash & (nb - 1);
      e->next = buckets[slot];
      buckets[slot] = e;
      e = next;
    }
  }
  free(c->buckets);
  c->buckets = buckets;
  c->nbuckets = nb;
}

static Entry *scripts__entry_find(const ScriptCache *c, const char *path, uint64_t h) {
  for (Entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->next)
    if (e->hash == h && !strcmp(e->path, path)) return e;
  return NULL;
}

static Entry *scripts__entry_get(ScriptCache *c, const char *path) {
  uint64_t h = scripts__hash(path);
  Entry *found = scripts__entry_find(c, path, h);
  if (found) return found;
  if (c->count + 1 > c->nbuckets) scripts__grow(c);
  Entry *e = xcalloc(1, sizeof *e);
  e->path = xstrdup(path);
  e->hash = h;
  size_t slot = h & (c->nbuckets - 1);
  e->next = c->buckets[slot];
  c->buckets[slot] = e;
  c->count++;
  return e;
}

static FileKey scripts__key(const struct stat *st) {
  FileKey k;
  memset(&k, 0, sizeof k);
  k.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
  k.size = (int64_t)st->st_size;
  k.ino = (uint64_t)st->st_ino;
  k.dev = (uint64_t)st->st_dev;
  k.mode = (uint32_t)st->st_mode;
  return k;
}

static bool scripts__key_eq(const FileKey *a, const FileKey *b) {
  return a->mtime_ns == b->mtime_ns && a->size == b->size && a->ino == b->ino && a->dev == b->dev &&
         a->mode == b->mode;
}

/* Reads and parses one file (already cleared) into the worker's pool. Runs on a worker
 * thread: touches only `e`, the worker's parser and the worker's pool. */
static void scripts__parse_one(RevParser *p, Pool **pool, Entry *e, RevParseMode mode) {
  char *buf = NULL;
  // O_NOFOLLOW first: a symlink fails with ELOOP, and is then opened through.
  bool link = false;
  int fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ELOOP) {
    link = true;
    fd = open(e->path, O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) goto fail;
  struct stat st;
  if (fstat(fd, &st) != 0) goto fail;
  if (!S_ISREG(st.st_mode)) {
    errno = EISDIR;
    goto fail;
  }
  if (st.st_size > SCRIPTS_MAX_FILE) {
    errno = EFBIG;
    goto fail;
  }
  size_t size = (size_t)st.st_size, got = 0;
  buf = xmalloc(size + 1);
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) goto fail;
    if (r == 0) break; // shrank while we read: parse what is there
    got += (size_t)r;
  }
  buf[got] = '\0';
  close(fd);
  fd = -1;
  e->key = scripts__key(&st);
  e->follow = link || st.st_nlink > 1;
  if (!*pool) {
    *pool = xcalloc(1, sizeof **pool);
    (*pool)->arena = arena_new();
  }
  (*pool)->refs++;
  e->pool = *pool;
  e->rev = revision_parse(p, (*pool)->arena, e->path, buf, got, mode, &e->findings);
  e->parsed = mode;
  e->valid = true;
  free(buf);
  return;
fail:;
  int saved = errno;
  if (fd >= 0) close(fd);
  free(buf);
  e->io_error = xstrdup(strerror(saved));
}

typedef struct Work {
  Entry **items;
  size_t n;
  atomic_size_t next;
  RevParseMode mode;
} Work;

typedef struct Worker {
  Work *work;
  RevParser *parser;
  Pool *pool; /* created on the worker's first file */
} Worker;

static void *scripts__worker(void *arg) {
  Worker *w = arg;
  for (;;) {
    size_t k = atomic_fetch_add(&w->work->next, 1);
    if (k >= w->work->n) break;
    scripts__parse_one(w->parser, &w->pool, w->work->items[k], w->work->mode);
  }
  return NULL;
}

static void scripts__run(ScriptCache *c, Entry **items, size_t n, RevParseMode mode) {
  Work work = {items, n, 0, mode};
  atomic_init(&work.next, 0);
  int threads = n >= SCRIPTS_MIN_PARALLEL ? SCRIPTS_THREADS : 1;
  Worker workers[2];
  pthread_t tids[2];
  bool started[2] = {false, false};
  for (int k = 0; k < threads; k++) {
    if (!c->parsers[k]) c->parsers[k] = revparser_new();
    workers[k].work = &work;
    workers[k].parser = c->parsers[k];
    workers[k].pool = NULL;
  }
  // The calling thread is worker 0; the others are started here.
  for (int k = 1; k < threads; k++)
    started[k] = pthread_create(&tids[k], NULL, scripts__worker, &workers[k]) == 0;
  scripts__worker(&workers[0]);
  for (int k = 1; k < threads; k++)
    if (started[k]) pthread_join(tids[k], NULL);
}

static void scripts__evict(ScriptCache *c) {
  for (size_t b = 0; b < c->nbuckets; b++) {
    Entry **link = &c->buckets[b];
    while (*link) {
      Entry *e = *link;
      if (c->gen - e->last_gen > SCRIPTS_EVICT_AFTER) {
        *link = e->next;
        scripts__entry_delete(e);
        c->count--;
      } else {
        link = &e->next;
      }
    }
  }
}

/* The directory of the previous stat, held open: fstatat() relative to the directory
 * walks one path component instead of all of them (the kernel's path walk was most of a
 * warm 1,000-file load before the journal, and still is when there is none). */
typedef struct StatDir {
  int fd;
  const char *path; /* borrowed: the directory part of the previous path */
  size_t len;
} StatDir;

/* stat() of `path`, saying whether the path itself is a symlink (lstat first: one call
 * for a regular file, two for a link). */
static int scripts__stat(StatDir *d, const char *path, struct stat *st, bool *link) {
  *link = false;
  const char *slash = strrchr(path, '/');
  int dfd = AT_FDCWD;
  const char *name = path;
  if (slash && slash != path) {
    size_t len = (size_t)(slash - path);
    if (d->fd < 0 || len != d->len || memcmp(path, d->path, len) != 0) {
      if (d->fd >= 0) close(d->fd);
      char *dir = xstrndup(path, len);
      d->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      free(dir);
      d->path = path;
      d->len = len;
    }
    if (d->fd >= 0) {
      dfd = d->fd;
      name = slash + 1;
    }
  }
  if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (!S_ISLNK(st->st_mode)) return 0;
  *link = true;
  return fstatat(dfd, name, st, 0);
}

/* watch_poll's callback: an event named this file, so its entry must be checked. */
static void scripts__untrust(void *ctx, WatchDir *d, const char *name, size_t len,
                             bool content) {
  ScriptCache *c = ctx;
  // Entries are keyed by path: the directory as the journal has it (the part before the
  // last '/' of the paths given to scripts_load, "/" for the root), '/', the name.
  size_t dl = d->len == 1 && d->path[0] == '/' ? 0 : d->len;
  char small[512];
  char *path = dl + len + 2 <= sizeof small ? small : xmalloc(dl + len + 2);
  memcpy(path, d->path, dl);
  path[dl] = '/';
  memcpy(path + dl + 1, name, len);
  path[dl + 1 + len] = '\0';
  Entry *e = scripts__entry_find(c, path, scripts__hash(path));
  if (e) {
    e->trust = 0;
    e->written |= content;
  }
  if (path != small) free(path);
}

/* The journal, started by the second load (or the listing before it): a one-shot command
 * loads once and never needs one. Drained here. NULL when there is none. */
static Watch *scripts__watch(ScriptCache *c) {
  if (!c->watch && !c->watch_tried && c->gen >= 1) {
    c->watch_tried = true;
    c->watch = watch_new();
  }
  if (c->watch) watch_poll(c->watch, scripts__untrust, c);
  return c->watch;
}

/* The journal's record of the directory of `path` (the part before its last '/'); NULL
 * for a relative path (its directory depends on the working directory). */
static WatchDir *scripts__dir_of(Watch *w, const char *path, WatchDir *prev) {
  if (path[0] != '/') return NULL;
  const char *slash = strrchr(path, '/');
  size_t len = (size_t)(slash - path);
  if (prev && (prev->len == len || (len == 0 && prev->len == 1 && prev->path[0] == '/')) &&
      memcmp(prev->path, path, len) == 0)
    return prev;
  return watch_dir(w, path, len);
}

bool scripts_load(ScriptCache *c, const char *const *paths, size_t n, RevParseMode mode,
                  ScriptSet *out, RtError *err) {
  memset(out, 0, sizeof *out);
  if (!c || (n && !paths)) return error_set(err, ERR_PARAMS, "scripts_load: no cache or no paths");
  for (size_t k = 0; k < n; k++)
    if (!paths[k] || !paths[k][0])
      return error_set(err, ERR_PARAMS, "scripts_load: path %zu is empty; nothing was loaded", k);
  Watch *w = scripts__watch(c);
  c->gen++;
  findings_init(&out->findings);
  out->revs = xcalloc(n ? n : 1, sizeof *out->revs);
  out->read = xcalloc(n ? n : 1, sizeof *out->read);
  Entry **entries = xcalloc(n ? n : 1, sizeof *entries);
  Entry **todo = xcalloc(n ? n : 1, sizeof *todo);
  char **stat_errors = xcalloc(n ? n : 1, sizeof *stat_errors);
  StatDir sd = {-1, NULL, 0};
  WatchDir *dir = NULL;
  size_t ntodo = 0;
  // The same listing as last time: the same entries, in the same order (the last load
  // asked for all of them, so none was evicted since).
  bool same = c->last_listing && c->last_listing == c->listings && paths == (const char *const *)
              c->listing.paths && n == c->nlast;
  for (size_t k = 0; k < n; k++) {
    Entry *e = same ? c->last[k] : scripts__entry_get(c, paths[k]);
    // The directory's record first: the watch must predate the check that it vouches for.
    if (w && same && e->dir) {
      if (e->dir != dir) dir = watch_dir(w, e->dir->path, e->dir->len);
    } else if (w) {
      dir = scripts__dir_of(w, paths[k], dir);
    }
    bool fresh = false;
    // A file never read needs no stat here: the worker's fstat gives its key.
    if (e->valid) {
      bool full = e->parsed == REV_PARSE_FULL || mode == REV_PARSE_HEADER;
      if (dir && dir->epoch && e->dir == dir && e->trust == dir->epoch && !e->follow) {
        fresh = full; // nothing happened to the file since it was last checked
      } else if (e->written) {
        fresh = false; // written since it was read: same mtime and size prove nothing
      } else {
        struct stat st;
        bool link;
        out->statted++;
        if (scripts__stat(&sd, paths[k], &st, &link) != 0) {
          stat_errors[k] = xstrdup(strerror(errno));
          scripts__entry_clear(e);
          continue;
        }
        FileKey key = scripts__key(&st);
        fresh = scripts__key_eq(&e->key, &key) && full;
        if (fresh) e->follow = link || st.st_nlink > 1;
      }
    }
    e->last_gen = c->gen;
    e->written = false;
    e->dir = dir;
    e->trust = dir ? dir->epoch : 0; // the file is checked now (or parsed below)
    entries[k] = e;
    if (!fresh && !e->queued) {
      scripts__entry_clear(e);
      e->queued = true;
      todo[ntodo++] = e;
    }
  }
  if (sd.fd >= 0) close(sd.fd);
  scripts__run(c, todo, ntodo, mode);
  for (size_t k = 0; k < ntodo; k++) {
    todo[k]->queued = false;
    todo[k]->parsed_gen = c->gen;
  }
  out->parsed = ntodo;
  SrcRange nowhere = {0, 0, 0, 0, 0, 0};
  for (size_t k = 0; k < n; k++) {
    Entry *e = entries[k];
    const char *why = stat_errors[k] ? stat_errors[k] : e && e->io_error ? e->io_error : NULL;
    if (why || !e || !e->rev) {
      findings_add(&out->findings, "unreadable-file", SEV_ERROR, paths[k], nowhere,
                   "cannot read revision file %s: %s", paths[k], why ? why : "unknown error");
      continue;
    }
    out->read[out->n] = e->parsed_gen == c->gen;
    out->revs[out->n++] = e->rev;
    if (e->parsed_gen != c->gen) out->reused++;
    findings_extend(&out->findings, &e->findings);
  }
  findings_sort(&out->findings);
  for (size_t k = 0; k < n; k++) free(stat_errors[k]);
  free(stat_errors);
  free(todo);
  free(c->last);
  c->last = entries;
  c->nlast = n;
  c->last_listing = paths == (const char *const *)c->listing.paths ? c->listings : 0;
  // A stat error left a hole: find that path by hashing next time.
  for (size_t k = 0; k < n && c->last_listing; k++)
    if (!entries[k]) c->last_listing = 0;
  scripts__evict(c);
  return true;
}

/* The key of a listing: what project_list_revision_files reads of the project. */
static char *scripts__listing_key(const Project *p) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%d%d", p->version_locations_configured, p->recursive_version_locations);
  for (size_t i = 0; i < p->nversion_locations; i++) {
    buf_putc(&b, '\n');
    buf_puts(&b, p->version_locations[i]);
  }
  return buf_detach(&b);
}

bool scripts_list(ScriptCache *c, const Project *p, const char *const **paths, size_t *n,
                  RtError *err) {
  *paths = NULL;
  *n = 0;
  if (!c || !p) return error_set(err, ERR_PARAMS, "scripts_list: no cache or no project");
  Watch *w = scripts__watch(c);
  Listing *l = &c->listing;
  char *key = scripts__listing_key(p);
  bool hit = w && l->key && l->keep && strcmp(key, l->key) == 0;
  for (size_t i = 0; hit && i < l->ndirs; i++) {
    WatchDir *d = watch_dir(w, l->dirs[i]->path, l->dirs[i]->len);
    hit = d->epoch && d->epoch == l->epochs[i] && d->names == l->names[i];
  }
  if (hit) {
    free(key);
    *paths = (const char *const *)l->paths;
    *n = l->n;
    return true;
  }
  scripts__listing_clear(l);
  // The directories' records before the listing: what it reads is then vouched for.
  if (w) {
    l->ndirs = p->nversion_locations;
    l->dirs = xcalloc(l->ndirs ? l->ndirs : 1, sizeof *l->dirs);
    l->epochs = xcalloc(l->ndirs ? l->ndirs : 1, sizeof *l->epochs);
    l->names = xcalloc(l->ndirs ? l->ndirs : 1, sizeof *l->names);
    for (size_t i = 0; i < l->ndirs; i++) {
      const char *loc = p->version_locations[i];
      l->dirs[i] = watch_dir(w, loc, strlen(loc));
      l->epochs[i] = l->dirs[i]->epoch;
      l->names[i] = l->dirs[i]->names;
    }
  }
  bool only_entries = false;
  if (!project_list_revision_files_ex(p, &l->paths, &l->n, &only_entries, err)) {
    free(key);
    scripts__listing_clear(l);
    return false;
  }
  l->key = key;
  c->listings++;
  l->keep = w && only_entries;
  for (size_t i = 0; l->keep && i < l->ndirs; i++) l->keep = l->epochs[i] != 0;
  *paths = (const char *const *)l->paths;
  *n = l->n;
  return true;
}

void scripts_set_free(ScriptSet *s) {
  if (!s) return;
  free(s->revs);
  free(s->read);
  findings_free(&s->findings);
  memset(s, 0, sizeof *s);
}
