/* test_watch.c - the change journal (watch.h) and the script cache's revalidation with
 * it: once warm, a load stats no file, yet every way a file can change is seen. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/alembic/project.h"
#include "server/alembic/scripts.h"
#include "server/alembic/watch.h"
#include "server/base/mem.h"

static char dir[64], other[80];
static ScriptCache *cache;

static void setup(void) {
  unsetenv("RETORT_NO_WATCH");
  strcpy(dir, "/tmp/retort-watch-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  // Revision files go to <dir>/versions; <dir>/elsewhere holds symlink targets and links.
  char versions[96];
  snprintf(versions, sizeof versions, "%s/versions", dir);
  cr_assert_eq(mkdir(versions, 0755), 0);
  snprintf(other, sizeof other, "%s/elsewhere", dir);
  cr_assert_eq(mkdir(other, 0755), 0);
  cache = scripts_cache_new();
}

static void teardown(void) {
  scripts_cache_delete(cache);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_expect_eq(system(cmd), 0);
}

TestSuite(watch, .init = setup, .fini = teardown);

static char *vpath(const char *name) {
  char *p = xmalloc(strlen(dir) + strlen(name) + 16);
  sprintf(p, "%s/versions/%s", dir, name);
  return p;
}

static char *opath(const char *name) {
  char *p = xmalloc(strlen(other) + strlen(name) + 2);
  sprintf(p, "%s/%s", other, name);
  return p;
}

/* A revision file whose message is `msg`: same-length messages give same-size files. */
static void write_file(const char *path, const char *id, const char *msg) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  fprintf(f, "\"\"\"%s\"\"\"\nrevision = '%s'\ndown_revision = None\n\n"
             "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n", msg, id);
  fclose(f);
}

/* Writes into the existing file (same inode), then puts its mtime back: only the journal
 * can tell that it changed. */
static void rewrite_keeping_mtime(const char *path, const char *id, const char *msg) {
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  write_file(path, id, msg);
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void set_mtime(const char *path, time_t sec) {
  struct timespec ts[2] = {{sec, 0}, {sec, 0}};
  cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static ScriptSet load(char *const *paths, size_t n) {
  ScriptSet s;
  RtError err = {0};
  cr_assert(scripts_load(cache, (const char *const *)paths, n, REV_PARSE_HEADER, &s, &err), "%s",
            err.msg);
  return s;
}

/* Loads until warm (the first load reads, the second starts the journal and checks
 * everything once): the third load must stat and parse nothing. */
static void warm_up(char *const *paths, size_t n) {
  for (int k = 0; k < 3; k++) {
    ScriptSet s = load(paths, n);
    if (k == 2) {
      cr_expect_eq(s.parsed, 0);
      cr_expect_eq(s.statted, 0, "a warm load stats no file (%zu)", s.statted);
      cr_expect_eq(s.reused, n);
    }
    scripts_set_free(&s);
  }
}

static const char *message_of(const ScriptSet *s, const char *path) {
  for (size_t k = 0; k < s->n; k++)
    if (!strcmp(s->revs[k]->path, path)) return s->revs[k]->message;
  return NULL;
}

static bool unreadable(const ScriptSet *s, const char *path) {
  for (size_t k = 0; k < s->findings.len; k++)
    if (!strcmp(s->findings.items[k].rule, "unreadable-file") &&
        !strcmp(s->findings.items[k].path, path))
      return true;
  return false;
}

Test(watch, an_edit_that_keeps_size_and_mtime_is_seen) {
  char *p[3] = {vpath("a.py"), vpath("b.py"), vpath("c.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  write_file(p[2], "c1", "third");
  warm_up(p, 3);
  rewrite_keeping_mtime(p[1], "b1", "SECOND");
  ScriptSet s = load(p, 3);
  cr_expect_str_eq(message_of(&s, p[1]), "SECOND");
  cr_expect_eq(s.parsed, 1, "only the written file is re-read");
  cr_expect_eq(s.statted, 0);
  scripts_set_free(&s);
  s = load(p, 3);
  cr_expect_eq(s.parsed, 0);
  cr_expect_eq(s.statted, 0, "and then trusted again");
  scripts_set_free(&s);
  for (int k = 0; k < 3; k++) free(p[k]);
}

Test(watch, touch_and_chmod_are_checked) {
  char *p[2] = {vpath("a.py"), vpath("b.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  set_mtime(p[0], 1700000000);
  warm_up(p, 2);
  set_mtime(p[0], 1700000001); // touch: metadata only
  ScriptSet s = load(p, 2);
  cr_expect_eq(s.statted, 1, "the touched file is stat-ed, not the other");
  cr_expect_eq(s.parsed, 1, "a new mtime is a change");
  scripts_set_free(&s);
  cr_assert_eq(chmod(p[1], 0600), 0);
  s = load(p, 2);
  cr_expect_eq(s.statted, 1);
  cr_expect_eq(s.parsed, 1, "a new mode is a change");
  scripts_set_free(&s);
  for (int k = 0; k < 2; k++) free(p[k]);
}

Test(watch, an_atomic_save_is_seen) {
  char *p[2] = {vpath("a.py"), vpath("b.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  warm_up(p, 2);
  // An editor's save: a temporary file in the same directory, renamed over the original.
  char *tmp = vpath(".b.py.swp");
  write_file(tmp, "b2", "saved");
  cr_assert_eq(rename(tmp, p[1]), 0);
  ScriptSet s = load(p, 2);
  cr_expect_str_eq(message_of(&s, p[1]), "saved");
  cr_expect_str_eq(s.revs[1]->id, "b2");
  cr_expect_eq(s.parsed, 1);
  scripts_set_free(&s);
  free(tmp);
  for (int k = 0; k < 2; k++) free(p[k]);
}

Test(watch, a_deleted_file_is_seen_and_so_is_its_return) {
  char *p[2] = {vpath("a.py"), vpath("b.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  warm_up(p, 2);
  cr_assert_eq(unlink(p[1]), 0);
  ScriptSet s = load(p, 2);
  cr_expect_eq(s.n, 1);
  cr_expect(unreadable(&s, p[1]));
  scripts_set_free(&s);
  write_file(p[1], "b3", "back");
  s = load(p, 2);
  cr_expect_eq(s.n, 2);
  cr_expect_str_eq(message_of(&s, p[1]), "back");
  scripts_set_free(&s);
  for (int k = 0; k < 2; k++) free(p[k]);
}

Test(watch, a_symlinked_file_is_checked_on_every_load) {
  char *target = opath("target.py"), *target2 = opath("target2.py");
  char *p[2] = {vpath("a.py"), vpath("link.py")};
  write_file(p[0], "a1", "first");
  write_file(target, "l1", "linked");
  write_file(target2, "l2", "LINKED");
  set_mtime(target, 1700000000);
  cr_assert_eq(symlink(target, p[1]), 0);
  ScriptSet s;
  for (int k = 0; k < 3; k++) {
    s = load(p, 2);
    scripts_set_free(&s);
  }
  s = load(p, 2);
  cr_expect_eq(s.statted, 1, "the symlink, every time");
  cr_expect_eq(s.parsed, 0);
  scripts_set_free(&s);
  // The target changes in a directory nobody watches: no event, but the stat sees it.
  write_file(target, "l1", "edited");
  set_mtime(target, 1700000005);
  s = load(p, 2);
  cr_expect_str_eq(message_of(&s, p[1]), "edited");
  scripts_set_free(&s);
  // The link is pointed elsewhere (ln -sfn: a new link renamed over the old one).
  char *tmp = vpath(".link.tmp");
  cr_assert_eq(symlink(target2, tmp), 0);
  cr_assert_eq(rename(tmp, p[1]), 0);
  s = load(p, 2);
  cr_expect_str_eq(message_of(&s, p[1]), "LINKED");
  scripts_set_free(&s);
  free(tmp);
  free(target);
  free(target2);
  for (int k = 0; k < 2; k++) free(p[k]);
}

Test(watch, a_file_with_another_hard_link_is_checked_on_every_load) {
  char *p[2] = {vpath("a.py"), vpath("b.py")};
  char *alias = opath("alias.py");
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  cr_assert_eq(link(p[1], alias), 0);
  warm_up(p, 1); // a.py alone is warm
  ScriptSet s;
  for (int k = 0; k < 3; k++) {
    s = load(p, 2);
    scripts_set_free(&s);
  }
  // Written through the other link: the event goes to elsewhere/, not to versions/.
  FILE *f = fopen(alias, "ab");
  fputs("# through the other link\n", f);
  fclose(f);
  set_mtime(alias, 1700000009);
  s = load(p, 2);
  cr_expect_eq(s.parsed, 1, "the write through the other link is seen");
  cr_expect_eq(s.statted, 1, "the linked file alone is stat-ed");
  scripts_set_free(&s);
  free(alias);
  for (int k = 0; k < 2; k++) free(p[k]);
}

Test(watch, a_replaced_directory_is_read_again) {
  char *p[2] = {vpath("a.py"), vpath("b.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  warm_up(p, 2);
  // The whole directory swapped for another (a checkout, a deploy): new files with the
  // same sizes at the same paths.
  char versions[96], old[112], cmd[320];
  snprintf(versions, sizeof versions, "%s/versions", dir);
  snprintf(old, sizeof old, "%s/versions.old", dir);
  cr_assert_eq(rename(versions, old), 0);
  cr_assert_eq(mkdir(versions, 0755), 0);
  write_file(p[0], "a1", "FIRST");
  write_file(p[1], "b1", "SECOND");
  ScriptSet s = load(p, 2);
  cr_expect_str_eq(message_of(&s, p[0]), "FIRST");
  cr_expect_str_eq(message_of(&s, p[1]), "SECOND");
  scripts_set_free(&s);
  // And the new directory is watched in turn.
  s = load(p, 2);
  scripts_set_free(&s);
  rewrite_keeping_mtime(p[0], "a1", "fIRST");
  s = load(p, 2);
  cr_expect_str_eq(message_of(&s, p[0]), "fIRST");
  scripts_set_free(&s);
  snprintf(cmd, sizeof cmd, "rm -rf %s", old);
  cr_expect_eq(system(cmd), 0);
  for (int k = 0; k < 2; k++) free(p[k]);
}

Test(watch, a_lost_event_falls_back_to_stat) {
  char *p[3] = {vpath("a.py"), vpath("b.py"), vpath("c.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  write_file(p[2], "c1", "third");
  warm_up(p, 3);
  // Overflow the kernel's queue (touches of two files in turn: identical events in a row
  // are merged), then change c.py: its event is lost, the overflow is not.
  long max = 16384;
  FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
  if (f) {
    if (fscanf(f, "%ld", &max) != 1) max = 16384;
    fclose(f);
  }
  for (long k = 0; k < max + 64; k++) set_mtime(p[k % 2], 1700000000 + k);
  write_file(p[2], "c1", "THIRD");
  set_mtime(p[2], 1600000000);
  ScriptSet s = load(p, 3);
  cr_expect_str_eq(message_of(&s, p[2]), "THIRD");
  cr_expect_eq(s.statted, 3, "after an overflow every file is checked");
  scripts_set_free(&s);
  s = load(p, 3);
  cr_expect_eq(s.statted, 0, "then trusted again");
  scripts_set_free(&s);
  for (int k = 0; k < 3; k++) free(p[k]);
}

Test(watch, without_the_journal_every_load_stats) {
  setenv("RETORT_NO_WATCH", "1", 1);
  char *p[2] = {vpath("a.py"), vpath("b.py")};
  write_file(p[0], "a1", "first");
  write_file(p[1], "b1", "second");
  set_mtime(p[1], 1700000000);
  ScriptSet s;
  for (int k = 0; k < 3; k++) {
    s = load(p, 2);
    if (k) cr_expect_eq(s.statted, 2);
    scripts_set_free(&s);
  }
  write_file(p[1], "b1", "SECOND");
  set_mtime(p[1], 1700000001);
  s = load(p, 2);
  cr_expect_str_eq(message_of(&s, p[1]), "SECOND");
  scripts_set_free(&s);
  unsetenv("RETORT_NO_WATCH");
  for (int k = 0; k < 2; k++) free(p[k]);
}

/* ---- the listing -------------------------------------------------------------- */

static Project *open_project(void) {
  char versions[96];
  snprintf(versions, sizeof versions, "%s/versions", dir);
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_open_versions_dir(versions, &p, &err), "%s", err.msg);
  return p;
}

static bool listed(const char *const *paths, size_t n, const char *name) {
  char *want = vpath(name);
  bool found = false;
  for (size_t k = 0; k < n && !found; k++) found = !strcmp(paths[k], want);
  free(want);
  return found;
}

/* What project_list_revision_files says, compared with the cache's listing. */
static void same_as_project(Project *p, const char *const *paths, size_t n) {
  char **fresh = NULL;
  size_t nf = 0;
  RtError err = {0};
  cr_assert(project_list_revision_files(p, &fresh, &nf, &err));
  cr_assert_eq(n, nf);
  for (size_t k = 0; k < n; k++) cr_expect_str_eq(paths[k], fresh[k]);
  project_free_paths(fresh, nf);
}

static void list(Project *p, const char *const **paths, size_t *n) {
  RtError err = {0};
  cr_assert(scripts_list(cache, p, paths, n, &err), "%s", err.msg);
  same_as_project(p, *paths, *n);
}

Test(watch, the_listing_follows_new_deleted_and_renamed_files) {
  char *a = vpath("a.py"), *b = vpath("b.py");
  write_file(a, "a1", "first");
  write_file(b, "b1", "second");
  Project *p = open_project();
  const char *const *paths;
  size_t n;
  const char *const *kept = NULL;
  for (int k = 0; k < 4; k++) {
    list(p, &paths, &n);
    cr_expect_eq(n, 2);
    ScriptSet s = load((char *const *)paths, n);
    scripts_set_free(&s);
    if (k == 2) kept = paths;
    if (k == 3) cr_expect_eq(paths, kept, "an unchanged directory is not listed again");
  }
  char *c = vpath("c.py");
  write_file(c, "c1", "third");
  list(p, &paths, &n);
  cr_expect_eq(n, 3, "a new file is listed");
  cr_expect(listed(paths, n, "c.py"));
  ScriptSet s = load((char *const *)paths, n);
  cr_expect_eq(s.n, 3);
  scripts_set_free(&s);
  cr_assert_eq(unlink(a), 0);
  list(p, &paths, &n);
  cr_expect_eq(n, 2, "a deleted file is not");
  cr_expect_not(listed(paths, n, "a.py"));
  char *d = vpath("d.py");
  cr_assert_eq(rename(b, d), 0);
  list(p, &paths, &n);
  cr_expect(listed(paths, n, "d.py") && !listed(paths, n, "b.py"), "a renamed one moves");
  // Not revision files: listed neither before nor after.
  char *init = vpath("__init__.py"), *txt = vpath("notes.txt");
  write_file(init, "i1", "init");
  write_file(txt, "t1", "text");
  list(p, &paths, &n);
  cr_expect_eq(n, 2);
  project_delete(p);
  free(a), free(b), free(c), free(d), free(init), free(txt);
}

Test(watch, a_listing_with_a_symlink_is_made_afresh) {
  char *a = vpath("a.py"), *l = vpath("l.py"), *target = opath("t.py");
  write_file(a, "a1", "first");
  write_file(target, "t1", "target");
  cr_assert_eq(symlink(target, l), 0);
  Project *p = open_project();
  const char *const *paths;
  size_t n;
  for (int k = 0; k < 3; k++) {
    list(p, &paths, &n);
    cr_expect_eq(n, 2);
  }
  // The link dangles now: no event in versions/, but it is no longer a file.
  cr_assert_eq(unlink(target), 0);
  list(p, &paths, &n);
  cr_expect_eq(n, 1);
  cr_expect_not(listed(paths, n, "l.py"));
  write_file(target, "t1", "target");
  list(p, &paths, &n);
  cr_expect_eq(n, 2, "and back");
  project_delete(p);
  free(a), free(l), free(target);
}

Test(watch, a_replaced_versions_directory_is_listed_again) {
  char *a = vpath("a.py");
  write_file(a, "a1", "first");
  Project *p = open_project();
  const char *const *paths;
  size_t n;
  for (int k = 0; k < 3; k++) list(p, &paths, &n);
  char versions[96], old[112], cmd[320];
  snprintf(versions, sizeof versions, "%s/versions", dir);
  snprintf(old, sizeof old, "%s/versions.old", dir);
  cr_assert_eq(rename(versions, old), 0);
  cr_assert_eq(mkdir(versions, 0755), 0);
  char *b = vpath("b.py");
  write_file(b, "b1", "second");
  list(p, &paths, &n);
  cr_expect_eq(n, 1);
  cr_expect(listed(paths, n, "b.py"));
  snprintf(cmd, sizeof cmd, "rm -rf %s", old);
  cr_expect_eq(system(cmd), 0);
  project_delete(p);
  free(a), free(b);
}

/* ---- the journal itself ------------------------------------------------------- */

typedef struct Seen {
  char names[16][32];
  bool content[16];
  int n;
} Seen;

static void seen_fn(void *ctx, WatchDir *d, const char *name, size_t len, bool content) {
  (void)d;
  Seen *s = ctx;
  if (s->n < 16 && len < 32) {
    memcpy(s->names[s->n], name, len);
    s->names[s->n][len] = '\0';
    s->content[s->n++] = content;
  }
}

Test(watch, journal_counters) {
  Watch *w = watch_new();
  cr_assert_not_null(w, "inotify is available on the test machine");
  char versions[96];
  snprintf(versions, sizeof versions, "%s/versions", dir);
  WatchDir *d = watch_dir(w, versions, strlen(versions));
  cr_assert_neq(d->epoch, 0, "a local directory is watched");
  uint64_t epoch = d->epoch, names = d->names;
  Seen seen = {0};
  watch_poll(w, seen_fn, &seen);
  cr_expect_eq(seen.n, 0);
  char *a = vpath("a.py");
  write_file(a, "a1", "first");
  watch_poll(w, seen_fn, &seen);
  cr_expect_gt(seen.n, 0);
  cr_expect_str_eq(seen.names[0], "a.py");
  cr_expect(seen.content[0]);
  cr_expect_neq(d->names, names, "a created file changes the names counter");
  cr_expect_eq(d->epoch, epoch, "but not the epoch");
  names = d->names;
  seen.n = 0;
  cr_assert_eq(chmod(a, 0600), 0);
  watch_poll(w, seen_fn, &seen);
  cr_expect_eq(seen.n, 1);
  cr_expect_not(seen.content[0], "an attribute change says so");
  cr_expect_eq(d->names, names, "and leaves the names alone");
  // The same record for the same path; a missing directory is not watched.
  cr_expect_eq(watch_dir(w, versions, strlen(versions)), d);
  char missing[128];
  snprintf(missing, sizeof missing, "%s/nowhere", dir);
  cr_expect_eq(watch_dir(w, missing, strlen(missing))->epoch, 0);
  // Deleted: the epoch ends.
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf %s", versions);
  cr_assert_eq(system(cmd), 0);
  watch_poll(w, NULL, NULL);
  cr_expect_eq(watch_dir(w, versions, strlen(versions))->epoch, 0);
  cr_assert_eq(mkdir(versions, 0755), 0);
  watch_poll(w, NULL, NULL);
  cr_expect_neq(watch_dir(w, versions, strlen(versions))->epoch, 0, "watched again");
  cr_expect_neq(d->epoch, epoch, "under a new epoch");
  watch_delete(w);
  watch_delete(NULL);
  free(a);
}
