/* alembic_child.c - the project's own alembic as a child process (see alembic_child.h):
 * found in the project's virtualenv or on PATH, spawned with posix_spawn. */
#include "server/tools/alembic_child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/base/mem.h"
#include "server/db/db.h"

extern char **environ;

char *alembic_child_find(const char *root) {
  const char *venvs[] = {".venv/bin/alembic", "venv/bin/alembic"};
  for (size_t i = 0; i < 2; i++) {
    Buf b = BUF_INIT;
    buf_printf(&b, "%s/%s", root, venvs[i]);
    char *p = buf_detach(&b);
    if (access(p, X_OK) == 0) return p;
    free(p);
  }
  const char *path = getenv("PATH");
  for (const char *s = path ? path : ""; *s;) {
    size_t n = strcspn(s, ":");
    if (n) {
      Buf b = BUF_INIT;
      buf_printf(&b, "%.*s/alembic", (int)n, s);
      char *p = buf_detach(&b);
      struct stat st;
      if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) return p;
      free(p);
    }
    s += n;
    if (*s == ':') s++;
  }
  return NULL;
}

/* "NAME=value", malloc'd. */
static char *alembic__env(const char *name, const char *value) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s=%s", name, value);
  return buf_detach(&b);
}

/* Removes the password of `url` (every form db_scrub_password knows) from `out`:
 * alembic's errors quote the URL it was given. */
static void alembic__scrub(Buf *out, const char *url) {
  if (!url || !out || !out->data) return;
  db_scrub_password(out->data, url);
  out->len = strlen(out->data);
}

bool alembic_child_run(const AlembicChild *c, const char *verb, const char *target,
                       int *status, Buf *output, Buf *errout, bool *cancelled, RtError *err) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0)
    return error_set(err, ERR_IO, "cannot create a pipe for alembic: %s; nothing was run",
                     strerror(errno));
  // With --sql, stderr (alembic's INFO log and errors) goes to a memory file apart from
  // the script on stdout.
  int errfd = c->sql ? memfd_create("retort-alembic-stderr", MFD_CLOEXEC) : -1;
  VEC(char *) env = {0};
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "DATABASE_URL=", 13) != 0 && strncmp(*e, "RETORT_DATABASE_URL=", 20) != 0 &&
        (c->sql || strncmp(*e, "PGOPTIONS=", 10) != 0))
      vec_push(&env, *e);
  char *pgoptions = NULL, *e1 = NULL, *e2 = NULL;
  if (!c->sql) {
    // libpq reads PGOPTIONS: alembic's connection gets the same timeouts as the native run.
    Buf b = BUF_INIT;
    buf_printf(&b, "PGOPTIONS=-c lock_timeout=%d -c statement_timeout=%d", c->lock_ms,
               c->stmt_ms);
    pgoptions = buf_detach(&b);
    vec_push(&env, pgoptions);
  }
  if (c->url) {
    e1 = alembic__env("DATABASE_URL", c->url);
    e2 = alembic__env("RETORT_DATABASE_URL", c->url);
    vec_push(&env, e1);
    vec_push(&env, e2);
  }
  vec_push(&env, NULL);
  char *argv[] = {(char *)c->bin, "-c", (char *)c->ini, (char *)verb, (char *)target,
                  c->sql ? "--sql" : NULL, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, errfd >= 0 ? errfd : pipefd[1], 2);
  posix_spawn_file_actions_addchdir_np(&fa, c->cwd);
  pid_t pid;
  int rc = posix_spawn(&pid, c->bin, &fa, NULL, argv, env.items);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  // The URL (with its password) lives on only in the child.
  if (e1) memset(e1, 0, strlen(e1));
  if (e2) memset(e2, 0, strlen(e2));
  free(e1);
  free(e2);
  free(pgoptions);
  vec_free(&env);
  if (rc != 0) {
    close(pipefd[0]);
    if (errfd >= 0) close(errfd);
    return error_set(err, ERR_IO, "cannot start %s: %s; nothing was run", c->bin, strerror(rc));
  }
  int cfd = c->cancel_fd;
  for (;;) {
    struct pollfd fds[2] = {{pipefd[0], POLLIN, 0}, {cfd, POLLIN, 0}};
    int pr = poll(fds, cfd >= 0 ? 2 : 1, 200);
    if (pr < 0 && errno != EINTR) break;
    if (!*cancelled && c->cancelled && c->cancelled(c->cancel_ctx)) {
      *cancelled = true;
      kill(pid, SIGINT); // alembic rolls back the running transaction and exits
    } else if (cfd >= 0 && fds[1].revents) {
      cfd = -1; // readable without a cancel (other input, EOF): the timer checks remain
    }
    if (pr > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[4096];
      ssize_t got = read(pipefd[0], buf, sizeof buf);
      if (got <= 0) break;
      if (output->len < ALEMBIC_CHILD_OUTPUT_MAX) buf_append(output, buf, (size_t)got);
    }
  }
  close(pipefd[0]);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  if (errfd >= 0) {
    char buf[4096];
    ssize_t got;
    lseek(errfd, 0, SEEK_SET);
    while ((got = read(errfd, buf, sizeof buf)) > 0 && errout &&
           errout->len < ALEMBIC_CHILD_OUTPUT_MAX)
      buf_append(errout, buf, (size_t)got);
    close(errfd);
  }
  alembic__scrub(output, c->url);
  alembic__scrub(errout, c->url);
  return true;
}

void alembic_child_error(const char *o, char **error, char **sql_out) {
  const char *best = NULL, *last = NULL, *sql = NULL;
  size_t best_n = 0, last_n = 0, sql_n = 0;
  for (const char *line = o ? o : ""; *line;) {
    size_t n = strcspn(line, "\n");
    if (n) {
      if (strncmp(line, "[SQL: ", 6) == 0) {
        sql = line + 6;
        sql_n = n > 7 ? n - 7 : 0;
      } else if (line[0] != ' ' && line[0] != '(' && line[0] != '[') {
        size_t id = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
        if (id && line[id] == ':' && (strstr(line, "Error") || strstr(line, "Exception") ||
                                      strncmp(line, "FAILED", 6) == 0)) {
          best = line;
          best_n = n;
        }
        last = line;
        last_n = n;
      }
    }
    line += n + (line[n] == '\n');
  }
  if (!best) {
    best = last;
    best_n = last_n;
  }
  *error = best ? xstrndup(best, best_n) : xstrdup("alembic failed without output");
  *sql_out = sql ? xstrndup(sql, sql_n) : xstrdup("");
}
