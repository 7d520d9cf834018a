/* scratch.c - retort's embedded PostgreSQL: one private cluster per project, created with
 * initdb on first need, started on a unix socket (no TCP), shared by every retort process
 * of that project, stopped by the last one to exit.
 *
 * Locking (two flock files in the cluster directory, so that taking a shared lock is
 * never a conversion that would briefly release it):
 *   start.lock  exclusive while checking / initdb / starting / stopping the postmaster;
 *   users.lock  shared by every process using the cluster, from its first scratch_ensure
 *               until it exits. A process stops the postmaster at exit only when, holding
 *               start.lock, it can take users.lock exclusively without waiting: nobody
 *               else uses the cluster, and nobody can start using it meanwhile (joining
 *               needs start.lock). */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/db/db_internal.h"

static const int SCRATCH_PORT = 5432;
static const int SCRATCH_POLL_MS = 10;          /* readiness poll (pg_ctl uses 100 ms) */
static const int SCRATCH_START_TIMEOUT_MS = 60000;
static const int SCRATCH_STOP_TIMEOUT_MS = 30000;
static const size_t SCRATCH_SOCKET_MAX = 107;   /* sun_path minus the NUL */
static const char SCRATCH_ROLE[] = "postgres";  /* the cluster's superuser */
static const char SCRATCH_DB[] = "retort";
#define SCRATCH_MAX 32 /* clusters one process may use at once */

/* One cluster this process uses. A fixed array, so a signal handler can walk it. */
typedef struct Cluster {
  char *dir;
  char *conninfo;   /* to database "retort" */
  char *admin;      /* to database "template1" */
  char *pidfile;    /* <dir>/data/postmaster.pid */
  char *tmp_sockdir; /* the /tmp socket directory when the cluster's path is too long */
  char *data_real;  /* realpath of <dir>/data once it exists (a postmaster's cwd) */
  pid_t owner;      /* getpid() of the registering process: a fork does not inherit use */
  int start_fd;     /* start.lock */
  int users_fd;     /* users.lock, held LOCK_SH */
  volatile pid_t pm_pid; /* the postmaster, 0 when unknown */
  volatile bool child;   /* pm_pid is our child (we started it): reap it with waitpid */
  volatile bool live;    /* slot in use */
} Cluster;

static Cluster scratch__clusters[SCRATCH_MAX];
static pthread_mutex_t scratch__mu = PTHREAD_MUTEX_INITIALIZER;
static bool scratch__atexit_done;
static pid_t scratch__hooks_pid; /* signal handlers are checked again in a forked child */

/* Closes and frees what the table holds for `c` (no unlocking: closing our last
 * descriptor of a lock file releases our lock, not a forked parent's). */
static void scratch__forget(Cluster *c) {
  close(c->start_fd);
  close(c->users_fd);
  free(c->dir);
  free(c->conninfo);
  free(c->admin);
  free(c->pidfile);
  free(c->tmp_sockdir);
  free(c->data_real);
  memset(c, 0, sizeof *c);
}

/* Who runs initdb and postgres: ourselves, or as root the postgres (else nobody) user. */
typedef struct RunAs {
  bool switch_user;
  uid_t uid;
  gid_t gid;
  char name[64];
  gid_t groups[64]; /* supplementary groups, looked up before fork (NSS is not fork-safe) */
  int ngroups;
} RunAs;

/* ---- small helpers ------------------------------------------------------------------ */

static uint64_t scratch__hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void scratch__sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static bool scratch__is_exec(const char *dir, const char *name) {
  char p[PATH_MAX];
  int n = snprintf(p, sizeof p, "%s/%s", dir, name);
  return n > 0 && (size_t)n < sizeof p && access(p, X_OK) == 0;
}

static bool scratch__has_bins(const char *dir) {
  return scratch__is_exec(dir, "initdb") && scratch__is_exec(dir, "postgres");
}

/* Quotes a libpq keyword value. */
static void scratch__put_value(Buf *b, const char *v) {
  buf_putc(b, '\'');
  for (; *v; v++) {
    if (*v == '\'' || *v == '\\') buf_putc(b, '\\');
    buf_putc(b, *v);
  }
  buf_putc(b, '\'');
}

/* The last ~1200 bytes of a log file, from a line start, trimmed; "" when unreadable. */
static char *scratch__log_tail(const char *path) {
  Buf b = BUF_INIT;
  FILE *f = fopen(path, "r");
  if (f) {
    long from = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
      long size = ftell(f);
      from = size > 1200 ? size - 1200 : 0;
    }
    fseek(f, from, SEEK_SET);
    char chunk[1300];
    size_t n = fread(chunk, 1, sizeof chunk - 1, f);
    fclose(f);
    chunk[n] = '\0';
    const char *s = chunk;
    if (from > 0) {
      const char *nl = strchr(s, '\n');
      if (nl) s = nl + 1;
    }
    buf_puts(&b, s);
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' ')) b.data[--b.len] = 0;
  }
  if (!b.len) buf_puts(&b, "(the log is empty)");
  return buf_detach(&b);
}

/* mkdir -p with mode 0755 for new directories. */
static bool scratch__mkdirs(const char *path, RtError *err) {
  char p[PATH_MAX];
  if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
    return error_set(err, ERR_IO, "scratch cluster path too long: %s", path);
  for (char *s = p + 1;; s++) {
    if (*s == '/' || *s == '\0') {
      char c = *s;
      *s = '\0';
      if (mkdir(p, 0755) == 0) {
        // Whatever the umask: as root, the postgres user must be able to enter it.
        if (chmod(p, 0755) != 0) {
        }
      } else if (errno != EEXIST) {
        return error_set(err, ERR_IO,
                         "cannot create the scratch cluster directory %s: %s; set "
                         "RETORT_SCRATCH_DIR to a writable directory, or pass database_url to "
                         "use an existing database",
                         p, strerror(errno));
      }
      *s = c;
      if (!c) break;
    }
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return error_set(err, ERR_IO, "%s is not a directory (scratch cluster directory)", path);
  return true;
}

static bool scratch__run_as(RunAs *ra, RtError *err) {
  memset(ra, 0, sizeof *ra);
  if (geteuid() != 0) return true;
  // PostgreSQL refuses to run as root.
  struct passwd *pw = getpwnam("postgres");
  if (!pw) pw = getpwnam("nobody");
  if (!pw)
    return error_set(err, ERR_CONFIG,
                     "retort runs as root and PostgreSQL refuses to: neither a `postgres` nor "
                     "a `nobody` user exists to run the scratch cluster; create one (apt-get "
                     "install postgresql creates `postgres`) or pass database_url");
  ra->switch_user = true;
  ra->uid = pw->pw_uid;
  ra->gid = pw->pw_gid;
  snprintf(ra->name, sizeof ra->name, "%s", pw->pw_name);
  ra->ngroups = (int)(sizeof ra->groups / sizeof *ra->groups);
  if (getgrouplist(ra->name, ra->gid, ra->groups, &ra->ngroups) < 0) {
    ra->groups[0] = ra->gid;  // more than 64: the primary group is enough for postgres
    ra->ngroups = 1;
  }
  return true;
}

/* As root: every ancestor of `dir` must be enterable by the user running postgres. */
static bool scratch__check_reachable(const RunAs *ra, const char *dir, RtError *err) {
  if (!ra->switch_user) return true;
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s", dir);
  for (;;) {
    struct stat st;
    if (stat(p, &st) == 0) {
      bool ok = (st.st_mode & S_IXOTH) || (st.st_uid == ra->uid && (st.st_mode & S_IXUSR)) ||
                (st.st_gid == ra->gid && (st.st_mode & S_IXGRP));
      if (!ok)
        return error_set(err, ERR_CONFIG,
                         "the scratch cluster directory %s is inside %s (mode %04o), which the "
                         "`%s` user running PostgreSQL cannot enter (retort runs as root and "
                         "PostgreSQL refuses root): set RETORT_SCRATCH_DIR to a directory such "
                         "as /var/tmp/retort-scratch, or pass database_url",
                         dir, p, (unsigned)(st.st_mode & 07777), ra->name);
    }
    char *slash = strrchr(p, '/');
    if (!slash || slash == p) break;
    *slash = '\0';
  }
  return true;
}

/* ---- finding PostgreSQL -------------------------------------------------------------- */

static const char SCRATCH_INSTALL_HINT[] =
    "install PostgreSQL's server package (Debian/Ubuntu: `apt-get install postgresql`; "
    "Fedora/RHEL: `dnf install postgresql-server`; macOS: `brew install postgresql`), or set "
    "RETORT_PG_BIN to the directory holding initdb and postgres, or use an existing database "
    "instead of the scratch cluster (database_url, RETORT_DATABASE_URL or DATABASE_URL)";

/* What `pg_config --bindir` prints (pg_config found on PATH, run with an argv, no
 * shell; its stderr discarded), without the newline. False when it cannot say. */
static bool scratch__pg_config_bindir(char *out, size_t n) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char *argv[] = {"pg_config", "--bindir", NULL};
  pid_t pid;
  int rc = posix_spawnp(&pid, "pg_config", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  size_t len = 0;
  if (rc == 0) {
    ssize_t got;
    while (len + 1 < n && (got = read(fds[0], out + len, n - 1 - len)) != 0) {
      if (got < 0) {
        if (errno == EINTR) continue;
        break;
      }
      len += (size_t)got;
    }
  }
  close(fds[0]);
  out[len] = '\0';
  out[strcspn(out, "\n")] = '\0';
  int status = 0;
  if (rc == 0)
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && *out;
}

static bool scratch__find_bin(char *out, size_t n, RtError *err) {
  const char *env = getenv("RETORT_PG_BIN");
  if (env && *env) {
    if (scratch__has_bins(env)) {
      snprintf(out, n, "%s", env);
      return true;
    }
    return error_set(err, ERR_NOT_FOUND,
                     "RETORT_PG_BIN=%s does not hold PostgreSQL's initdb and postgres "
                     "programs, which retort needs for its scratch cluster: %s",
                     env, SCRATCH_INSTALL_HINT);
  }
  // Debian's layout: the highest version wins.
  glob_t g;
  long best = -1;
  if (glob("/usr/lib/postgresql/*/bin", 0, NULL, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; i++) {
      const char *v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
      long ver = strtol(v, NULL, 10);
      if (ver > best && scratch__has_bins(g.gl_pathv[i])) {
        best = ver;
        snprintf(out, n, "%s", g.gl_pathv[i]);
      }
    }
    globfree(&g);
  }
  if (best >= 0) return true;
  char line[PATH_MAX];
  if (scratch__pg_config_bindir(line, sizeof line) && scratch__has_bins(line)) {
    snprintf(out, n, "%s", line);
    return true;
  }
  const char *path = getenv("PATH");
  if (path) {
    char *copy = xstrdup(path), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
      if (*d && scratch__has_bins(d)) {
        snprintf(out, n, "%s", d);
        free(copy);
        return true;
      }
    }
    free(copy);
  }
  return error_set(err, ERR_NOT_FOUND,
                   "PostgreSQL's server programs (initdb, postgres) are not installed: looked "
                   "in /usr/lib/postgresql/*/bin, `pg_config --bindir` and PATH. retort needs "
                   "them to run its scratch cluster when no database is configured: %s",
                   SCRATCH_INSTALL_HINT);
}

/* ---- child processes ---------------------------------------------------------------- */

/* In a forked child: "<what><name>: <errno>" on stderr with write(2) only. */
static void scratch__child_fail(const char *what, const char *name) {
  int e = errno;
  char num[16];
  int n = 0;
  for (int v = e > 0 ? e : 0; n == 0 || v > 0; v /= 10) num[n++] = (char)('0' + v % 10);
  ssize_t w = write(2, what, strlen(what));
  w = write(2, name, strlen(name));
  w = write(2, ": errno ", 8);
  while (n > 0) w = write(2, &num[--n], 1);
  w = write(2, "\n", 1);
  (void)w;
}

/* Starts argv[0] with stdin /dev/null and stdout+stderr appended to `log` (never our
 * stdout: it carries protocol), in its own session, as `ra`'s user. No descriptor of
 * ours leaks into it. Returns the pid, or -1 with err. */
static pid_t scratch__spawn(char *const argv[], const char *log, bool truncate_log,
                            const RunAs *ra, RtError *err) {
  int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate_log ? O_TRUNC : 0),
                 0600);
  if (lfd < 0) {
    error_set(err, ERR_IO, "cannot open the log file %s: %s", log, strerror(errno));
    return -1;
  }
  if (ra->switch_user && fchown(lfd, ra->uid, ra->gid) != 0) {
    // Not fatal: the child writes through this descriptor whoever owns the file.
  }
  pid_t pid = fork();
  if (pid < 0) {
    error_set(err, ERR_IO, "cannot start %s: fork: %s", argv[0], strerror(errno));
    close(lfd);
    return -1;
  }
  if (pid == 0) {
    setsid();  // our terminal's ^C must not reach it: we stop it ourselves
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0 && nul != 0) {
      dup2(nul, 0);
      close(nul);
    }
    dup2(lfd, 1);
    dup2(lfd, 2);
    // Protocol pipes, lock files, sockets: the postmaster outlives us and must hold none.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    if (close_range(3, ~0U, 0) != 0)
#endif
    {
      long max = sysconf(_SC_OPEN_MAX);
      for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close((int)fd);
    }
    // Only async-signal-safe calls from here on: other threads of ours may have held
    // locks (malloc, NSS) when we forked.
    if (ra->switch_user) {
      if (setgroups((size_t)ra->ngroups, ra->groups) != 0 || setgid(ra->gid) != 0 ||
          setuid(ra->uid) != 0) {
        scratch__child_fail("retort: cannot switch to the user ", ra->name);
        _exit(126);
      }
    }
    execv(argv[0], argv);
    scratch__child_fail("retort: cannot run ", argv[0]);
    _exit(127);
  }
  close(lfd);
  return pid;
}

static int scratch__wait(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return st;
}

static void scratch__describe_status(int st, char *buf, size_t n) {
  if (st < 0) snprintf(buf, n, "could not be waited for");
  else if (WIFEXITED(st)) snprintf(buf, n, "exited with status %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, n, "was killed by signal %d", WTERMSIG(st));
  else snprintf(buf, n, "stopped");
}

/* Recursively removes `path` (a failed initdb's leftovers). Best effort. */
static void scratch__rmtree(const char *path) {
  char *argv[] = {"/bin/rm", "-rf", (char *)path, NULL};
  pid_t pid = fork();
  if (pid == 0) {
    int nul = open("/dev/null", O_WRONLY);
    if (nul >= 0) {
      dup2(nul, 1);
      dup2(nul, 2);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  if (pid > 0) scratch__wait(pid);
}

/* ---- the postmaster ----------------------------------------------------------------- */

/* The pid on the first line of postmaster.pid, 0 when unreadable. Async-signal-safe. */
static pid_t scratch__read_pidfile(const char *pidfile) {
  int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  long pid = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9' && pid < 100000000; i++)
    pid = pid * 10 + (buf[i] - '0');
  return (pid_t)pid;
}

/* Whether `pid` is the running postmaster of `c`'s data directory (so that a stale
 * postmaster.pid whose pid now belongs to something else, even another PostgreSQL, is
 * never reused nor signalled): a live "postgres" process whose working directory is the
 * data directory (the postmaster chdirs there). Where /proc is not available, any live
 * process counts. Async-signal-safe. */
static bool scratch__is_postmaster(const Cluster *c, pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) return false;
  char path[64] = "/proc/", *p = path + 6;
  char digits[16];
  int nd = 0;
  for (long v = pid; v > 0 && nd < 15; v /= 10) digits[nd++] = (char)('0' + v % 10);
  while (nd > 0) *p++ = digits[--nd];
  memcpy(p, "/stat", 6);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return access("/proc/self/stat", F_OK) != 0;  // no /proc: cannot tell
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  // "<pid> (postgres) S ...": the command name, then the state (Z: a zombie).
  char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
  if (!open_paren || !close_paren || close_paren[1] != ' ') return false;
  if (close_paren[2] == 'Z' || close_paren[2] == 'X') return false;
  size_t len = (size_t)(close_paren - open_paren - 1);
  if (!((len == 8 && memcmp(open_paren + 1, "postgres", 8) == 0) ||
        (len == 10 && memcmp(open_paren + 1, "postmaster", 10) == 0)))
    return false;
  if (!c->data_real) return true;
  memcpy(p, "/cwd", 5);
  char cwd[PATH_MAX];
  ssize_t l = readlink(path, cwd, sizeof cwd - 1);
  if (l <= 0) return false;
  cwd[l] = '\0';
  return strcmp(cwd, c->data_real) == 0;
}

/* Whether the postmaster of `c` is still there. Reaps it when it is our dead child. */
static bool scratch__pm_alive(Cluster *c) {
  pid_t pid = c->pm_pid;
  if (pid <= 0) return false;
  if (c->child) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == 0) return true;
    c->child = false;  // exited (reaped now), or reaped elsewhere: ask the system
    if (r == pid) {
      c->pm_pid = 0;
      return false;
    }
  }
  return scratch__is_postmaster(c, pid);
}

/* Fast shutdown (SIGINT) of the postmaster that owns the data directory now (its pid
 * file says which: it may have been restarted by another process), waiting until it has
 * gone: its pid file disappears at the very end of shutdown. Async-signal-safe: also
 * used from the signal handler. */
static void scratch__pm_stop(Cluster *c) {
  pid_t pid = scratch__read_pidfile(c->pidfile);
  bool ours = c->child && c->pm_pid == pid && pid > 0;
  if (c->child && !ours && c->pm_pid > 0) waitpid(c->pm_pid, NULL, WNOHANG);  // reap
  c->pm_pid = 0;
  c->child = false;
  if (!ours && !scratch__is_postmaster(c, pid)) return;
  if (kill(pid, SIGINT) != 0) return;
  bool quit_sent = false;
  for (int waited = 0;; waited += 5) {
    if (ours) {
      pid_t r = waitpid(pid, NULL, WNOHANG);
      if (r == pid) break;
      if (r < 0) ours = false;  // reaped elsewhere
    }
    if (!ours && (kill(pid, 0) != 0 || access(c->pidfile, F_OK) != 0)) break;
    if (waited >= SCRATCH_STOP_TIMEOUT_MS) {
      if (quit_sent) break;
      kill(pid, SIGQUIT);  // immediate shutdown
      quit_sent = true;
      waited = SCRATCH_STOP_TIMEOUT_MS - 5000;
    }
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

/* Stops the cluster when nobody else uses it; then lets go of it. `from_signal`: never
 * block (another thread of ours may hold start.lock), skip what is not signal-safe. */
static void scratch__release(Cluster *c, bool from_signal) {
  if (!c->live || c->owner != getpid()) return;
  // Another process may be starting the cluster: wait for it, but not forever (a hung
  // initdb must not keep us from exiting); from a signal handler, do not wait at all.
  bool have_start = flock(c->start_fd, LOCK_EX | LOCK_NB) == 0;
  for (int waited = 0; !have_start && !from_signal && waited < SCRATCH_START_TIMEOUT_MS;
       waited += SCRATCH_POLL_MS) {
    struct timespec ts = {0, SCRATCH_POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
    have_start = flock(c->start_fd, LOCK_EX | LOCK_NB) == 0;
  }
  if (have_start) {
    flock(c->users_fd, LOCK_UN);
    if (flock(c->users_fd, LOCK_EX | LOCK_NB) == 0) {
      scratch__pm_stop(c);
      if (c->tmp_sockdir) rmdir(c->tmp_sockdir);  // empty once postgres has gone
    }
    flock(c->users_fd, LOCK_UN);
    flock(c->start_fd, LOCK_UN);
  }
  // Without start.lock (a signal during another thread's start): leave the cluster
  // running; the next retort reuses it.
  if (!from_signal) {
    scratch__forget(c);
  }
}

static void scratch__on_signal(int sig) {
  int saved = errno;
  for (size_t i = 0; i < SCRATCH_MAX; i++) scratch__release(&scratch__clusters[i], true);
  errno = saved;
  signal(sig, SIG_DFL);
  raise(sig);
}

static void scratch__install_hooks(void) {
  if (!scratch__atexit_done) {
    scratch__atexit_done = true;  // a fork inherits the registration: once is enough
    atexit(scratch_stop_all);
  }
  if (scratch__hooks_pid == getpid()) return;
  scratch__hooks_pid = getpid();
  // Only where nobody else handles the signal: a handler of the application's own must
  // call scratch_stop_all itself.
  const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction old;
    if (sigaction(sigs[i], NULL, &old) != 0) continue;
    if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = scratch__on_signal;
    sigfillset(&sa.sa_mask);
    sigaction(sigs[i], &sa, NULL);
  }
}

void scratch_stop_all(void) {
  // At exit another thread may still hold the mutex: do not wait for it forever.
  bool locked = pthread_mutex_trylock(&scratch__mu) == 0;
  for (size_t i = 0; i < SCRATCH_MAX; i++) scratch__release(&scratch__clusters[i], false);
  if (locked) pthread_mutex_unlock(&scratch__mu);
}

/* Creates database "retort" when missing (once per cluster: <dir>/retort-db.ok remembers
 * it, so later starts connect only once, in db_connect). */
static bool scratch__ensure_db(Cluster *c, RtError *err) {
  char mark[PATH_MAX];
  snprintf(mark, sizeof mark, "%s/retort-db.ok", c->dir);
  if (access(mark, F_OK) == 0) return true;
  PGconn *pc = PQconnectdb(c->admin);
  char why[1024];
  if (PQstatus(pc) != CONNECTION_OK) {
    error_set(err, ERR_DB, "the scratch cluster in %s is running but refuses connections: %s",
              c->dir, db_conn_error(pc, why, sizeof why));
    PQfinish(pc);
    return false;
  }
  PGresult *r = PQexec(pc, "SELECT datname FROM pg_database WHERE datname IN "
                          "('retort', 'postgres') ORDER BY datname DESC");
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
  int n = ok ? PQntuples(r) : 0;
  bool there = n > 0 && strcmp(PQgetvalue(r, 0, 0), "retort") == 0;
  bool spare = n > 0 && strcmp(PQgetvalue(r, n - 1, 0), "postgres") == 0;
  PQclear(r);
  if (ok && !there) {
    // initdb's empty "postgres" database becomes ours: renaming costs nothing, copying
    // template1 (CREATE DATABASE) costs about 200 ms of the first start.
    r = PQexec(pc, spare ? "ALTER DATABASE postgres RENAME TO retort" : "CREATE DATABASE retort");
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (!ok)
    error_set(err, ERR_DB, "cannot create database \"%s\" in the scratch cluster %s: %s",
              SCRATCH_DB, c->dir, db_conn_error(pc, why, sizeof why));
  PQfinish(pc);
  if (ok) {
    int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
  }
  return ok;
}

/* The postmaster's pid and status ("ready", "starting", "stopping"; "" when the file has
 * no status line yet) from postmaster.pid. False when there is no readable pid file. */
static bool scratch__pidfile_status(const char *pidfile, pid_t *pid, char *status, size_t n) {
  *pid = 0;
  status[0] = '\0';
  FILE *f = fopen(pidfile, "r");
  if (!f) return false;
  char line[PATH_MAX + 64];
  for (int i = 1; fgets(line, sizeof line, f); i++) {
    if (i == 1) *pid = (pid_t)strtol(line, NULL, 10);
    if (i == 8) {  // LOCK_FILE_LINE_PM_STATUS
      size_t l = strcspn(line, " \n");
      if (l >= n) l = n - 1;
      memcpy(status, line, l);
      status[l] = '\0';
    }
  }
  fclose(f);
  return *pid > 0;
}

/* Waits until the postmaster we started says "ready" in its pid file, as pg_ctl does,
 * polling every SCRATCH_POLL_MS (connection attempts would each fork a backend). */
static bool scratch__wait_ready(Cluster *c, const char *log, RtError *err) {
  for (int waited = 0;; waited += SCRATCH_POLL_MS) {
    pid_t pid;
    char status[32];
    if (scratch__pidfile_status(c->pidfile, &pid, status, sizeof status) && pid == c->pm_pid &&
        strcmp(status, "ready") == 0)
      return true;
    int st;
    if (waitpid(c->pm_pid, &st, WNOHANG) == c->pm_pid) {
      char how[64], *tail = scratch__log_tail(log);
      scratch__describe_status(st, how, sizeof how);
      error_set(err, ERR_IO,
                "PostgreSQL (the scratch cluster in %s) %s while starting; its log %s "
                "ends with:\n%s\nFix the cause above, or delete %s to recreate the "
                "cluster, or pass database_url to use another database",
                c->dir, how, log, tail, c->dir);
      free(tail);
      c->pm_pid = 0;
      c->child = false;
      return false;
    }
    if (waited >= SCRATCH_START_TIMEOUT_MS) {
      char *tail = scratch__log_tail(log);
      error_set(err, ERR_IO,
                "PostgreSQL (the scratch cluster in %s) did not become ready within %d s; "
                "its log %s ends with:\n%s",
                c->dir, SCRATCH_START_TIMEOUT_MS / 1000, log, tail);
      free(tail);
      scratch__pm_stop(c);
      return false;
    }
    scratch__sleep_ms(SCRATCH_POLL_MS);
  }
}

/* initdb into <dir>/data (via data.tmp, so an interrupted initdb never leaves a cluster
 * that looks complete). */
static bool scratch__initdb(const char *bin, const char *dir, const RunAs *ra, RtError *err) {
  char tmp[PATH_MAX], data[PATH_MAX], log[PATH_MAX], prog[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/data.tmp", dir);
  snprintf(data, sizeof data, "%s/data", dir);
  snprintf(log, sizeof log, "%s/initdb.log", dir);
  if (snprintf(prog, sizeof prog, "%s/initdb", bin) >= (int)sizeof prog)
    return error_set(err, ERR_IO, "path too long: %s", bin);
  scratch__rmtree(tmp);
  char *argv[] = {prog,     "--no-sync", "-A", "trust", "-U", (char *)SCRATCH_ROLE,
                  "-E",     "UTF8",      "--locale=C",  "-D", tmp,  NULL};
  pid_t pid = scratch__spawn(argv, log, true, ra, err);
  if (pid < 0) return false;
  int st = scratch__wait(pid);
  if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    char how[64], *tail = scratch__log_tail(log);
    scratch__describe_status(st, how, sizeof how);
    error_set(err, ERR_IO,
              "initdb (%s) %s while creating the scratch cluster in %s:\n%s\nFix the cause "
              "above (the full output is in %s), or pass database_url to use another "
              "database",
              prog, how, dir, tail, log);
    free(tail);
    scratch__rmtree(tmp);
    return false;
  }
  if (rename(tmp, data) != 0)
    return error_set(err, ERR_IO, "cannot rename %s to %s: %s", tmp, data, strerror(errno));
  return true;
}

static bool scratch__flock(int fd, int op, const char *dir, RtError *err);

/* ---- the template: one initdb per PostgreSQL installation ----------------------------
 * initdb is most of a first start (about a second; several under load), and its output
 * is the same for every project: it is made once per installation in a template
 * directory, and each new cluster is a copy of it (cp -a: a fifth of the time). */

/* The template directory for the binaries in `bin` (NULL when templates are off:
 * RETORT_SCRATCH_TEMPLATE_DIR=off). Keyed by the binaries' path, size and mtime, so an
 * upgraded installation gets a new template. Caller frees. */
static char *scratch__template_dir(const char *bin) {
  const char *env = getenv("RETORT_SCRATCH_TEMPLATE_DIR");
  if (env && strcmp(env, "off") == 0) return NULL;
  Buf b = BUF_INIT;
  if (env && env[0] == '/') {
    buf_puts(&b, env);
  } else if (geteuid() == 0) {
    buf_puts(&b, "/var/tmp/retort-scratch/templates");
  } else {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') buf_printf(&b, "%s/retort/templates", xdg);
    else if (home && home[0] == '/') buf_printf(&b, "%s/.cache/retort/templates", home);
    else buf_printf(&b, "/var/tmp/retort-templates-%u", (unsigned)geteuid());
  }
  Buf key = BUF_INIT;
  buf_puts(&key, bin);
  const char *progs[] = {"postgres", "initdb"};
  for (size_t i = 0; i < 2; i++) {
    char p[PATH_MAX];
    struct stat st;
    if (snprintf(p, sizeof p, "%s/%s", bin, progs[i]) >= (int)sizeof p) continue;
    if (stat(p, &st) == 0)
      buf_printf(&key, "|%lld|%lld", (long long)st.st_size, (long long)st.st_mtime);
  }
  buf_printf(&b, "/pg-%016llx", (unsigned long long)scratch__hash(buf_cstr(&key)));
  buf_free(&key);
  return buf_detach(&b);
}

/* Makes sure the template for `bin` exists (initdb under an exclusive lock, so
 * concurrent first starts run one initdb). */
static bool scratch__template(const char *bin, const char *tdir, const RunAs *ra,
                              RtError *err) {
  char pgv[PATH_MAX], lock[PATH_MAX];
  snprintf(pgv, sizeof pgv, "%s/data/PG_VERSION", tdir);
  if (access(pgv, F_OK) == 0) return true;
  if (!scratch__mkdirs(tdir, err) || !scratch__check_reachable(ra, tdir, err)) return false;
  if (ra->switch_user && chown(tdir, ra->uid, ra->gid) != 0)
    return error_set(err, ERR_IO, "cannot give %s to the %s user: %s", tdir, ra->name,
                     strerror(errno));
  snprintf(lock, sizeof lock, "%s.lock", tdir);
  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return error_set(err, ERR_IO, "cannot open the lock file %s: %s", lock, strerror(errno));
  bool ok = scratch__flock(fd, LOCK_EX, tdir, err);
  if (ok && access(pgv, F_OK) != 0) ok = scratch__initdb(bin, tdir, ra, err);
  close(fd);  // releases the lock
  return ok;
}

/* A new cluster's data directory: a copy of the template, else initdb of its own. */
static bool scratch__create_data(const char *bin, const char *dir, const RunAs *ra,
                                 RtError *err) {
  char *tdir = scratch__template_dir(bin);
  if (!tdir) return scratch__initdb(bin, dir, ra, err);
  if (!scratch__template(bin, tdir, ra, err)) {
    free(tdir);
    return false;
  }
  char src[PATH_MAX], tmp[PATH_MAX], data[PATH_MAX], log[PATH_MAX];
  snprintf(src, sizeof src, "%s/data", tdir);
  snprintf(tmp, sizeof tmp, "%s/data.tmp", dir);
  snprintf(data, sizeof data, "%s/data", dir);
  snprintf(log, sizeof log, "%s/copy.log", dir);
  scratch__rmtree(tmp);
  char *argv[] = {"/bin/cp", "-a", src, tmp, NULL};
  RtError ignored;
  pid_t pid = scratch__spawn(argv, log, true, ra, &ignored);
  int st = pid > 0 ? scratch__wait(pid) : -1;
  free(tdir);
  if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && rename(tmp, data) == 0) return true;
  // The copy failed (disk full, cp missing...): initdb of its own says what is wrong.
  scratch__rmtree(tmp);
  return scratch__initdb(bin, dir, ra, err);
}

static bool scratch__start(Cluster *c, const char *bin, const char *sockdir, const RunAs *ra,
                           RtError *err) {
  char data[PATH_MAX], log[PATH_MAX], prog[PATH_MAX], port[16];
  snprintf(data, sizeof data, "%s/data", c->dir);
  snprintf(log, sizeof log, "%s/postgres.log", c->dir);
  if (snprintf(prog, sizeof prog, "%s/postgres", bin) >= (int)sizeof prog)
    return error_set(err, ERR_IO, "path too long: %s", bin);
  snprintf(port, sizeof port, "%d", SCRATCH_PORT);
  char *argv[] = {prog, "-D", data, "-k", (char *)sockdir, "-p", port,
                  "-c", "listen_addresses=",
                  "-c", "unix_socket_permissions=0700",
                  "-c", "fsync=off",
                  "-c", "full_page_writes=off",
                  "-c", "synchronous_commit=off",
                  "-c", "shared_buffers=16MB",  // small: shared memory set-up is most of a start
                  "-c", "max_connections=50",
                  "-c", "huge_pages=off",
                  // no logical replication launcher: a fast shutdown waits ~60 ms for it
                  "-c", "max_logical_replication_workers=0",
                  NULL};
  pid_t pid = scratch__spawn(argv, log, true, ra, err);
  if (pid < 0) return false;
  c->pm_pid = pid;
  c->child = true;
  return scratch__wait_ready(c, log, err);
}

/* The socket directory: the cluster directory when the socket path fits in sun_path,
 * else a private /tmp/retort-<uid>-<hash> directory. */
static bool scratch__sockdir(const char *dir, const RunAs *ra, char *out, size_t n,
                             RtError *err) {
  char probe[PATH_MAX];
  snprintf(probe, sizeof probe, "%s/.s.PGSQL.%d", dir, SCRATCH_PORT);
  if (strlen(probe) <= SCRATCH_SOCKET_MAX) {
    snprintf(out, n, "%s", dir);
    return true;
  }
  snprintf(out, n, "/tmp/retort-%u-%016llx", (unsigned)geteuid(),
           (unsigned long long)scratch__hash(dir));
  if (mkdir(out, 0700) != 0 && errno != EEXIST)
    return error_set(err, ERR_IO, "cannot create the socket directory %s: %s", out,
                     strerror(errno));
  uid_t want = ra->switch_user ? ra->uid : geteuid();
  if (ra->switch_user && chown(out, ra->uid, ra->gid) != 0) {
    // checked below
  }
  struct stat st;
  if (lstat(out, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_uid != want && st.st_uid != geteuid()))
    return error_set(err, ERR_IO,
                     "%s (the scratch cluster's socket directory) is not a directory owned "
                     "by us; remove it, or set RETORT_SCRATCH_DIR to a shorter path",
                     out);
  return true;
}

static Cluster *scratch__find(const char *dir) {
  for (size_t i = 0; i < SCRATCH_MAX; i++) {
    Cluster *c = &scratch__clusters[i];
    if (c->live && c->owner == getpid() && strcmp(c->dir, dir) == 0) return c;
  }
  return NULL;
}

bool scratch_alive(const char *dir) {
  pthread_mutex_lock(&scratch__mu);
  Cluster *c = dir ? scratch__find(dir) : NULL;
  bool alive = !c || scratch__pm_alive(c);
  pthread_mutex_unlock(&scratch__mu);
  return alive;
}

/* A fork inherits the parent's table: those entries share the parent's lock
 * descriptions and must not be used (or unlocked) here. Closing our copies is safe. */
static void scratch__forget_inherited(void) {
  for (size_t i = 0; i < SCRATCH_MAX; i++) {
    Cluster *c = &scratch__clusters[i];
    if (!c->live || c->owner == getpid()) continue;
    scratch__forget(c);
  }
}

static int scratch__open_lock(const char *dir, const char *name, RtError *err) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) error_set(err, ERR_IO, "cannot open the lock file %s: %s", p, strerror(errno));
  return fd;
}

static bool scratch__flock(int fd, int op, const char *dir, RtError *err) {
  while (flock(fd, op) != 0) {
    if (errno != EINTR)
      return error_set(err, ERR_IO, "cannot lock the scratch cluster %s: %s", dir,
                       strerror(errno));
  }
  return true;
}

/* Registers `dir` for this process: directories, lock files, the shared use lock. */
static Cluster *scratch__register(const char *dir, const RunAs *ra, RtError *err) {
  Cluster *c = NULL;
  for (size_t i = 0; i < SCRATCH_MAX && !c; i++)
    if (!scratch__clusters[i].live) c = &scratch__clusters[i];
  if (!c) {
    error_set(err, ERR_INTERNAL, "too many scratch clusters in one process (%d)", SCRATCH_MAX);
    return NULL;
  }
  if (!scratch__mkdirs(dir, err)) return NULL;
  if (!scratch__check_reachable(ra, dir, err)) return NULL;
  if (ra->switch_user && chown(dir, ra->uid, ra->gid) != 0) {
    error_set(err, ERR_IO, "cannot give the scratch cluster directory %s to the %s user: %s",
              dir, ra->name, strerror(errno));
    return NULL;
  }
  int sfd = scratch__open_lock(dir, "start.lock", err);
  if (sfd < 0) return NULL;
  int ufd = scratch__open_lock(dir, "users.lock", err);
  if (ufd < 0) {
    close(sfd);
    return NULL;
  }
  c->start_fd = sfd;
  c->users_fd = ufd;
  c->dir = xstrdup(dir);
  Buf p = BUF_INIT;
  buf_printf(&p, "%s/data/postmaster.pid", dir);
  c->pidfile = buf_detach(&p);
  c->owner = getpid();
  c->live = true;
  return c;
}

static void scratch__conninfo(Cluster *c, const char *sockdir) {
  Buf b = BUF_INIT;
  buf_puts(&b, "host=");
  scratch__put_value(&b, sockdir);
  buf_printf(&b, " port=%d user=%s sslmode=disable dbname=", SCRATCH_PORT, SCRATCH_ROLE);
  size_t base = b.len;
  buf_puts(&b, SCRATCH_DB);
  free(c->conninfo);
  c->conninfo = xstrdup(buf_cstr(&b));
  b.len = base;
  buf_puts(&b, "template1 connect_timeout=10");  // never renamed nor dropped
  free(c->admin);
  c->admin = buf_detach(&b);
}

static void scratch__data_real(Cluster *c) {
  char d[PATH_MAX], real[PATH_MAX];
  snprintf(d, sizeof d, "%s/data", c->dir);
  free(c->data_real);
  c->data_real = realpath(d, real) ? xstrdup(real) : NULL;
}

/* Holding start.lock: makes sure the postmaster runs and database "retort" exists. */
static bool scratch__bring_up(Cluster *c, const RunAs *ra, RtError *err) {
  char sockdir[PATH_MAX], data[PATH_MAX], bin[PATH_MAX];
  if (!scratch__sockdir(c->dir, ra, sockdir, sizeof sockdir, err)) return false;
  free(c->tmp_sockdir);
  c->tmp_sockdir = strcmp(sockdir, c->dir) != 0 ? xstrdup(sockdir) : NULL;
  scratch__conninfo(c, sockdir);
  snprintf(data, sizeof data, "%s/data/PG_VERSION", c->dir);

  scratch__data_real(c);
  // A postmaster already running (another retort's, or one left by a killed retort).
  pid_t pid;
  char status[32];
  for (int waited = 0; scratch__pidfile_status(c->pidfile, &pid, status, sizeof status) &&
                       scratch__is_postmaster(c, pid);
       waited += SCRATCH_POLL_MS) {
    if (strcmp(status, "ready") == 0) {
      if (c->pm_pid != pid) {
        c->pm_pid = pid;
        c->child = false;
      }
      return scratch__ensure_db(c, err);
    }
    // Starting or stopping (a killed retort's): wait for it to settle.
    if (waited >= SCRATCH_START_TIMEOUT_MS)
      return error_set(err, ERR_IO,
                       "the scratch cluster in %s has been '%s' for %d s (postmaster pid %d); "
                       "stop that process, or pass database_url",
                       c->dir, status, SCRATCH_START_TIMEOUT_MS / 1000, (int)pid);
    scratch__sleep_ms(SCRATCH_POLL_MS);
  }
  if (c->child && c->pm_pid > 0) waitpid(c->pm_pid, NULL, WNOHANG);
  c->pm_pid = 0;
  c->child = false;
  // A pid file left by a postmaster that died (SIGKILL, power loss) whose pid now belongs
  // to another process would make postgres refuse to start: it is stale, remove it.
  if (pid > 0 && !scratch__is_postmaster(c, pid)) unlink(c->pidfile);
  if (!scratch__find_bin(bin, sizeof bin, err)) return false;
  if (access(data, F_OK) != 0) {
    char mark[PATH_MAX];
    snprintf(mark, sizeof mark, "%s/retort-db.ok", c->dir);
    unlink(mark);
    if (!scratch__create_data(bin, c->dir, ra, err)) return false;
    scratch__data_real(c);
  }
  if (!scratch__start(c, bin, sockdir, ra, err)) {
    // A postmaster killed with SIGKILL leaves backends that hold its shared memory for a
    // moment ("pre-existing shared memory block is still in use"): retry once.
    if (!strstr(err->msg, "shared memory block")) return false;
    scratch__sleep_ms(1000);
    if (!scratch__start(c, bin, sockdir, ra, err)) return false;
  }
  return scratch__ensure_db(c, err);
}

bool scratch_ensure(const char *dir, char **conninfo, RtError *err) {
  *conninfo = NULL;
  RtError local;
  if (!err) err = &local;
  if (!dir || !*dir) return error_set(err, ERR_INTERNAL, "no scratch cluster directory");
  RunAs ra;
  if (!scratch__run_as(&ra, err)) return false;
  pthread_mutex_lock(&scratch__mu);
  scratch__forget_inherited();
  bool ok = false;
  Cluster *c = scratch__find(dir);
  if (c && c->conninfo && scratch__pm_alive(c)) {
    *conninfo = xstrdup(c->conninfo);  // fast path: ours, and still running
    pthread_mutex_unlock(&scratch__mu);
    return true;
  }
  bool fresh = false;
  if (!c) {
    c = scratch__register(dir, &ra, err);
    if (!c) goto out;
    fresh = true;
  }
  scratch__install_hooks();
  if (!scratch__flock(c->start_fd, LOCK_EX, dir, err)) goto out;
  if (fresh && !scratch__flock(c->users_fd, LOCK_SH, dir, err)) {
    flock(c->start_fd, LOCK_UN);
    goto out;
  }
  ok = scratch__bring_up(c, &ra, err);
  flock(c->start_fd, LOCK_UN);
  if (ok) *conninfo = xstrdup(c->conninfo);
out:
  if (!ok && fresh && c && c->live) {
    // Keep nothing registered after a failure: the next call starts over.
    flock(c->users_fd, LOCK_UN);
    scratch__forget(c);
  }
  pthread_mutex_unlock(&scratch__mu);
  return ok;
}

/* ---- where clusters live ------------------------------------------------------------ */

char *scratch_dir_for(const char *root) {
  Buf b = BUF_INIT;
  const char *env = getenv("RETORT_SCRATCH_DIR");
  char cwd[PATH_MAX];
  if (env && *env) {
    if (env[0] != '/' && getcwd(cwd, sizeof cwd)) buf_printf(&b, "%s/", cwd);
    buf_puts(&b, env);
  } else if (geteuid() == 0) {
    buf_puts(&b, "/var/tmp/retort-scratch");
  } else {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') buf_printf(&b, "%s/retort/scratch", xdg);
    else if (home && home[0] == '/') buf_printf(&b, "%s/.cache/retort/scratch", home);
    else buf_printf(&b, "/var/tmp/retort-scratch-%u", (unsigned)geteuid());
  }
  while (b.len > 1 && b.data[b.len - 1] == '/') b.data[--b.len] = '\0';
  char real[PATH_MAX];
  const char *abs = root && realpath(root, real) ? real : (root ? root : "/");
  const char *base = strrchr(abs, '/');
  base = base && base[1] ? base + 1 : "root";
  buf_putc(&b, '/');
  size_t kept = 0;
  for (const char *s = base; *s && kept < 32; s++, kept++) {
    char ch = *s;
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.';
    buf_putc(&b, ok && !(kept == 0 && ch == '.') ? ch : '_');
  }
  buf_printf(&b, "-%016llx", (unsigned long long)scratch__hash(abs));
  return buf_detach(&b);
}
